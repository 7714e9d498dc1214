"""No page tells a stranger who is registered: registration with an e-mail address, mobile number or
identity document that is already registered, forgot account and forgot password answer exactly as for
unknown details (same status, same page apart from the CSRF token, the same number of e-mails to the
address the stranger typed, the same work queued). The owner of the details is told by e-mail. The staff
lock-out answer is the staff page, in the staff member's language."""
from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.test import Client

from operations.models import User
from tests.conftest import assert_chinese
from tests.factories import VolunteerFactory
from tests.factories.operations import DEFAULT_PASSWORD

from .journey_support import run_on_commit_at_once, volunteer_with_account

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')

FORM = {
    "password1": "Plum-Blossom-2025", "password2": "Plum-Blossom-2025", "id_type": "national_id", "name": "林美華",
    "sex": "F", "birth_date": "1990-03-14", "privacy_notice": "on", "captcha_0": "x", "captcha_1": "PASSED",
}
KNOWN_ID, FRESH_ID, OTHER_FRESH_ID = "A123456789", "B123456780", "F123456784"


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch):
    run_on_commit_at_once(monkeypatch)


@pytest.fixture
def owner(db):
    return volunteer_with_account(email="owner@example.com", id_number=KNOWN_ID, phone="0911222333")


@pytest.fixture
def queued(monkeypatch):
    """Every account e-mail task queued through the outbox (the work done on the web side), with its
    arguments."""
    from operations import outbox

    calls = []
    original = outbox.enqueue

    def enqueue(task, *args, **kwargs):
        name = getattr(task, "name", str(task)).rsplit(".", 1)[-1]
        if name in ("send_account_email", "send_registration_notice"):
            calls.append((name, args))
        return original(task, *args, **kwargs)

    monkeypatch.setattr(outbox, "enqueue", enqueue)
    from operations.services import accounts

    monkeypatch.setattr(accounts, "enqueue", enqueue)
    return calls


def _page(response) -> tuple[int, str, str]:
    """(status, Location, body without CSRF tokens), after following the redirect if any."""
    location = response.get("Location", "")
    body = response.content.decode()
    return response.status_code, location, CSRF.sub("", body)


def _post(url, data):
    client = Client()
    first = client.post(url, data)
    status, location, body = _page(first)
    if status == 302:
        follow = client.get(location)
        body = CSRF.sub("", follow.content.decode())
    return status, location, body


def _mails_to(address: str) -> int:
    return sum(1 for m in mail.outbox if address in m.to)


@pytest.mark.parametrize("case", ["email", "mobile", "id_number"])
def test_registration_answers_the_same_for_known_and_unknown_details(owner, case):
    known = {"email": "owner@example.com", "phone": "", "id_number": FRESH_ID}
    unknown = {"email": "stranger@example.com", "phone": "", "id_number": OTHER_FRESH_ID}
    if case == "mobile":
        known = {"email": "", "phone": "0911-222-333", "id_number": FRESH_ID}
        unknown = {"email": "", "phone": "0911-444-555", "id_number": OTHER_FRESH_ID}
    if case == "id_number":
        known = {"email": "stranger1@example.com", "phone": "", "id_number": KNOWN_ID}
        unknown = {"email": "stranger2@example.com", "phone": "", "id_number": FRESH_ID}
    users_before = User.objects.count()
    mail.outbox.clear()
    known_answer = _post("/volunteer/register/", {**FORM, **known})
    known_mails = _mails_to(known["email"]) if known["email"] else 0
    owner_mails = [m for m in mail.outbox if m.to == ["owner@example.com"]]
    assert User.objects.count() == users_before  # nothing created for details already registered
    mail.outbox.clear()
    unknown_answer = _post("/volunteer/register/", {**FORM, **unknown})
    unknown_mails = _mails_to(unknown["email"]) if unknown["email"] else 0

    assert known_answer[0] == unknown_answer[0] == 302
    # the account name shown is what each person typed; apart from it the pages are identical
    typed_known = known["email"] or "0911222333"
    typed_unknown = unknown["email"] or "0911444555"
    assert known_answer[2].replace(typed_known, "ACCOUNT") == unknown_answer[2].replace(typed_unknown, "ACCOUNT")
    assert known_answer[1] == unknown_answer[1]
    assert known_mails == unknown_mails  # the stranger's mailbox cannot tell either
    # the owner of the registered details is told, in their language, how to log in or recover
    assert len(owner_mails) == 1
    assert_chinese(owner_mails[0].subject)
    assert "/volunteer/forgot-account/" in owner_mails[0].body and "/volunteer/login/" in owner_mails[0].body


def test_registration_notice_is_in_the_owners_language(owner):
    User.objects.filter(pk=owner.user_id).update(preferred_language="en")
    Client().post("/volunteer/register/", {**FORM, "email": "owner@example.com", "phone": "", "id_number": FRESH_ID})
    message = [m for m in mail.outbox if m.to == ["owner@example.com"]][0]
    assert "tried to register" in message.subject and "/en/volunteer/forgot-password/" in message.body


def test_a_staff_roster_record_is_linked_only_through_the_email_confirmation(db):
    record = VolunteerFactory(name="王小明", id_number=KNOWN_ID, birth_date=datetime.date(1990, 3, 14),
                              email="ming@example.com")
    answer = _post("/volunteer/register/", {**FORM, "email": "ming@example.com", "phone": "", "id_number": KNOWN_ID})
    fresh = _post("/volunteer/register/", {**FORM, "email": "new@example.com", "phone": "", "id_number": FRESH_ID})
    assert answer[0] == fresh[0] == 302
    assert answer[2].replace("ming@example.com", "A") == fresh[2].replace("new@example.com", "A")
    record.refresh_from_db()
    assert record.user is None
    link = re.search(r"https?://\S+(/volunteer/confirm/\S+/)", [m for m in mail.outbox
                                                                if m.to == ["ming@example.com"]][0].body).group(1)
    assert Client().get(link).status_code == 302
    record.refresh_from_db()
    assert record.user is not None and record.user.username == "ming@example.com"


@pytest.mark.parametrize("include_reset", [False, True])
def test_forgot_account_answers_the_same(owner, queued, include_reset):
    data = {"birth_date": "1990-03-14", "captcha_0": "x", "captcha_1": "PASSED"}
    if include_reset:
        data["also_password"] = "on"
    known = _post("/volunteer/forgot-account/", {**data, "id_number": KNOWN_ID.lower()})
    known_queued = len(queued)
    assert _mails_to("owner@example.com") == 1
    unknown = _post("/volunteer/forgot-account/", {**data, "id_number": FRESH_ID})
    assert known[0] == unknown[0] == 200
    assert known[2] == unknown[2]
    assert known_queued == 1 and len(queued) == 2  # the same work queued on both paths
    assert _mails_to("owner@example.com") == 1 and len(mail.outbox) == 1  # nothing to anybody else


def test_forgot_password_answers_the_same(owner, queued):
    data = {"captcha_0": "x", "captcha_1": "PASSED"}
    known = _post("/volunteer/forgot-password/", {**data, "account": "Owner@Example.com"})
    unknown = _post("/volunteer/forgot-password/", {**data, "account": "nobody@example.com"})
    by_mobile_known = _post("/volunteer/forgot-password/", {**data, "account": "0911222333"})
    by_mobile_unknown = _post("/volunteer/forgot-password/", {**data, "account": "0911999888"})
    assert known[0] == unknown[0] == by_mobile_known[0] == by_mobile_unknown[0] == 200
    assert known[2] == unknown[2] == by_mobile_known[2] == by_mobile_unknown[2]
    assert len(queued) == 4
    assert _mails_to("nobody@example.com") == 0 and _mails_to("owner@example.com") == 2


def test_staff_lockout_shows_the_staff_page_in_the_staff_language(org, settings):
    settings.AXES_ENABLED = True
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/backoffice/login/", {"username": "admin_a", "password": "wrong",
                                                      "captcha_0": "x", "captcha_1": "PASSED"})
    assert response.status_code == 429
    assert "operations/lockout.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "Volunteer log-in" not in page and "志工登入" not in page and 'name="captcha_1"' not in page
    assert_chinese(page)
    assert "/backoffice/login/" in page and "/volunteer/forgot-password/" not in page
    english = client.post("/en/backoffice/login/", {"username": "admin_a", "password": DEFAULT_PASSWORD,
                                                    "captcha_0": "x", "captcha_1": "PASSED"})
    assert english.status_code == 429 and "locked" in english.content.decode()
    assert "operations/lockout.html" in [t.name for t in english.templates]
    assert "_auth_user_id" not in client.session
