"""The one mail path (`operations.mail.send_templated_mail`): templates, text + HTML, List-Unsubscribe,
the recipient's language, exactly once per task event, and no other way for mail to leave."""
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone, translation

from operations.mail import send_templated_mail
from operations.models import EffectLog, Signup, SignupStatus, User
from operations.tasks import send_signup_notification
from tests.factories import SignupFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _volunteer(*, email: str, language: str | None, name: str = "林美華", **user_fields):
    volunteer = VolunteerFactory(name=name, email=email)
    if language is not None:
        volunteer.user = User.objects.create_user(username=email, email=email, preferred_language=language,
                                                  email_confirmed_at=timezone.now(), **user_fields)
        volunteer.save(update_fields=["user"])
    return volunteer


def _html(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def test_a_signup_notice_in_english_with_text_html_and_list_unsubscribe():
    signup = SignupFactory(volunteer=_volunteer(email="mei@example.org", language="en", name="Mei & O'Neil"))
    mail.outbox.clear()
    assert send_signup_notification.apply(args=[signup.pk, "accepted"]).get() is True
    [message] = mail.outbox
    assert message.to == ["mei@example.org"] and message.from_email == settings.DEFAULT_FROM_EMAIL
    with translation.override("en"):
        title = signup.shift.position.display_title
    assert message.subject == f"Sign-up accepted: {title} 2025-05-17"
    assert "Dear Mei & O'Neil," in message.body  # plain text: not HTML-escaped
    assert "Your sign-up has been accepted." in message.body
    html = _html(message)
    assert html.startswith('<div lang="en"')
    assert "Dear Mei &amp; O&#x27;Neil," in html and "O'Neil" not in html  # escaped in the HTML part
    assert re.search(r'<a href="http[^"]*/en/volunteer/shifts/"', html)  # links are clickable
    preferences = settings.SITE_URL.rstrip("/") + "/en/volunteer/preferences/"
    assert message.extra_headers["List-Unsubscribe"] == f"<{preferences}>"
    assert "List-Unsubscribe-Post" not in message.extra_headers  # the preferences page is no one-click address


def test_the_same_notice_in_traditional_chinese_and_none_without_an_account():
    chinese = SignupFactory(volunteer=_volunteer(email="ming@example.org", language="zh-hant"))
    no_account = SignupFactory(volunteer=_volunteer(email="guest@example.org", language=None),
                               shift=chinese.shift)
    mail.outbox.clear()
    send_signup_notification.apply(args=[chinese.pk, "accepted"])
    send_signup_notification.apply(args=[no_account.pk, "accepted"])
    by_address = {m.to[0]: m for m in mail.outbox}
    message = by_address["ming@example.org"]
    assert message.subject.startswith("報名已錄取: ")
    assert "林美華 您好：" in message.body and "您的報名已錄取。" in message.body
    assert _html(message).startswith('<div lang="zh-Hant-TW"')
    assert message.extra_headers["List-Unsubscribe"] == f"<{settings.SITE_URL.rstrip('/')}/volunteer/preferences/>"
    # Without an account there are no preferences to turn it off in: no List-Unsubscribe.
    assert "List-Unsubscribe" not in by_address["guest@example.org"].extra_headers


def test_one_click_unsubscribe_adds_list_unsubscribe_post():
    send_templated_mail("newsletter_welcome", {"unsubscribe_url": "https://example.org/u/t/", "site_url": "x"},
                        "reader@example.org", "en", unsubscribe_url="https://example.org/u/t/", one_click=True)
    [message] = mail.outbox
    assert message.extra_headers == {"List-Unsubscribe": "<https://example.org/u/t/>",
                                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert message.subject and "https://example.org/u/t/" in message.body
    assert '<a href="https://example.org/u/t/"' in _html(message)


def test_an_unknown_language_falls_back_to_the_site_language():
    send_templated_mail("newsletter_welcome", {"unsubscribe_url": "u", "site_url": "s"}, ["a@example.org"], "xx")
    assert _html(mail.outbox[0]).startswith('<div lang="zh-Hant-TW"')


class FlakyBackend(EmailBackend):
    """A mail server that refuses the first connection attempt, then accepts."""
    failures = 1

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("mail server away")
        return super().send_messages(messages)


def test_a_retried_and_redelivered_task_sends_exactly_once(settings):
    settings.EMAIL_BACKEND = "tests.operations.test_mail.FlakyBackend"
    FlakyBackend.failures = 1
    signup = SignupFactory(volunteer=_volunteer(email="once@example.org", language="en"),
                           status=SignupStatus.ACCEPTED)
    mail.outbox.clear()
    # The first attempt fails at the mail server: its claim is rolled back and the task retries (inline
    # here, with the same task id), which sends.
    result = send_signup_notification.apply(args=[signup.pk, "promoted"], task_id="redelivered-1", throw=False)
    assert result.get() is True and FlakyBackend.failures == 0
    assert [m.to for m in mail.outbox] == [["once@example.org"]]
    key = f"{send_signup_notification.name}:redelivered-1"
    assert EffectLog.objects.filter(key=key).count() == 1
    # The broker delivers the same message again (worker died before acknowledging): nothing is sent.
    assert send_signup_notification.apply(args=[signup.pk, "promoted"], task_id="redelivered-1").get() is False
    assert len(mail.outbox) == 1
    # A new event (another task id) is another e-mail.
    assert send_signup_notification.apply(args=[signup.pk, "promoted"], task_id="new-event").get() is True
    assert len(mail.outbox) == 2
    assert Signup.objects.get(pk=signup.pk).status == SignupStatus.ACCEPTED


def test_without_a_task_smtp_errors_are_raised_and_nothing_is_claimed(settings):
    settings.EMAIL_BACKEND = "tests.operations.test_mail.FlakyBackend"
    FlakyBackend.failures = 1
    with pytest.raises(OSError):
        send_templated_mail("newsletter_welcome", {"unsubscribe_url": "u", "site_url": "s"}, "a@example.org", "en",
                            key="manual:1")
    assert not EffectLog.objects.filter(key="manual:1").exists()
    assert send_templated_mail("newsletter_welcome", {"unsubscribe_url": "u", "site_url": "s"}, "a@example.org",
                               "en", key="manual:1") is True
    assert send_templated_mail("newsletter_welcome", {"unsubscribe_url": "u", "site_url": "s"}, "a@example.org",
                               "en", key="manual:1") is False
    assert len(mail.outbox) == 1


SENDING = re.compile(r"\b(send_mail|send_mass_mail|mail_admins|mail_managers|EmailMessage|EmailMultiAlternatives)\(")


def test_mail_leaves_only_through_operations_mail():
    """The rule: no code outside `operations/mail.py` builds or sends an e-mail itself."""
    offenders, scanned = [], 0
    for folder, subfolders, files in os.walk(ROOT):
        relative_folder = Path(folder).relative_to(ROOT)
        if relative_folder == Path("."):  # the project's code, not the virtualenv, caches or the tests
            subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in {"tests", "node_modules"}]
        for name in files:
            relative = relative_folder / name
            if not name.endswith(".py") or relative == Path("operations/mail.py"):
                continue
            scanned += 1
            for number, line in enumerate((ROOT / relative).read_text(encoding="utf-8").splitlines(), 1):
                if SENDING.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert scanned > 100  # operations, cms and site were read
    assert offenders == [], "send mail with operations.mail.send_templated_mail:\n" + "\n".join(offenders)
    assert SENDING.search("    send_mail(subject, body, sender, [to])")  # the pattern does catch a call
    assert (ROOT / "operations" / "mail.py").is_file()
