"""Volunteer accounts: registration (bad input, PDPA notice, ID checksums), e-mail confirmation, log-in
with CAPTCHA and lock-out, forgot account / password / both, profile locks, preferences, my data,
deletion request."""
from __future__ import annotations

import datetime
import io
import json
import re
import shutil
import zipfile

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.models import AuditEvent, User, Volunteer
from operations.views.accounts import lockout_message
from tests.conftest import assert_chinese
from tests.factories.operations import DEFAULT_PASSWORD

from .journey_support import run_on_commit_at_once, volunteer_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch):
    run_on_commit_at_once(monkeypatch)

GOOD = {
    "email": "Mei.Lin@Example.com", "phone": "0912-345-678", "password1": "Plum-Blossom-2025",
    "password2": "Plum-Blossom-2025", "id_type": "national_id", "id_number": "a123456789", "name": "林美華",
    "sex": "F", "birth_date": "1990-03-14", "privacy_notice": "on", "captcha_0": "x", "captcha_1": "passed",
}


def register(client, prefix="", **changes):
    data = {**GOOD, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{prefix}/volunteer/register/", data)


def confirmation_link(message) -> str:
    return re.search(r"https?://\S+/volunteer/confirm/\S+/", message.body).group(0)


def test_register_creates_account_volunteer_and_consent_record(client):
    response = register(client)
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="mei.lin@example.com")
    volunteer = user.volunteer
    assert volunteer.id_number == "A123456789" and volunteer.phone == "0912345678"
    assert user.privacy_notice_version and user.privacy_notice_accepted_at
    assert user.email_confirmed_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["mei.lin@example.com"]
    assert_chinese(mail.outbox[0].subject)


def test_confirmation_link_confirms_once_and_rejects_tampering(client):
    register(client)
    link = confirmation_link(mail.outbox[0])
    path = link.split("://", 1)[1].split("/", 1)[1]
    bad = client.get("/" + path.rstrip("/")[:-3] + "xyz/")
    assert bad.status_code == 400
    assert client.get("/" + path).status_code == 302
    assert User.objects.get(username="mei.lin@example.com").email_confirmed_at is not None


@pytest.mark.parametrize("changes, field, words", [
    ({"id_number": "A123456788"}, "id_number", "檢查碼"),
    ({"privacy_notice": None}, "privacy_notice", ""),
    ({"password1": "12345678901", "password2": "12345678901"}, "password1", ""),
    ({"password2": "Different-2025"}, "password2", ""),
    ({"email": "", "phone": ""}, "email", ""),
    ({"captcha_1": "wrong"}, "captcha", ""),
    ({"birth_date": "2999-01-01"}, "birth_date", ""),
])
def test_bad_registration_input_is_refused_with_a_message_and_nothing_saved(client, changes, field, words):
    response = register(client, **changes)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert not User.objects.exists() and not Volunteer.objects.exists()
    if words:
        assert words in " ".join(form.errors[field]), form.errors[field]


def test_bad_input_message_is_english_on_the_english_site(client):
    response = register(client, "/en", id_number="A123456788")
    assert "check digit" in " ".join(response.context["form"].errors["id_number"]).lower()


def test_duplicate_document_answers_like_success_and_tells_the_owner(client):
    """No oracle: a registered document answers like a new registration; the account's owner is told by
    e-mail, the address typed learns (by e-mail only) that the registration could not be completed."""
    register(client)
    client.logout()
    mail.outbox.clear()
    response = register(client, email="other@example.com", phone="")
    assert response.status_code == 302 and response["Location"].endswith("/volunteer/register/sent/")
    assert User.objects.count() == 1
    to_owner = [m for m in mail.outbox if m.to == ["mei.lin@example.com"]]
    to_typed = [m for m in mail.outbox if m.to == ["other@example.com"]]
    assert len(to_owner) == 1 and len(to_typed) == 1
    assert "/volunteer/forgot-password/" in to_owner[0].body and "/volunteer/login/" in to_owner[0].body
    assert_chinese(to_owner[0].subject)


def test_resident_certificate_and_passport_are_accepted(client):
    assert register(client, id_type="arc_new", id_number="A800000014").status_code == 302
    client.logout()
    assert register(client, email="p@example.com", phone="", id_type="passport", id_number="X1234567").status_code == 302


def login_post(client, username, password, captcha="PASSED", prefix=""):
    return client.post(f"{prefix}/volunteer/login/", {"username": username, "password": password,
                                                      "captcha_0": "x", "captcha_1": captcha})


def test_login_with_email_any_case_or_mobile_and_captcha(client):
    volunteer = volunteer_with_account(email="ming@example.com", phone="0922333444")
    assert login_post(client, "MING@example.com", DEFAULT_PASSWORD).status_code == 302
    client.logout()
    response = login_post(client, "0922-333-444", DEFAULT_PASSWORD, captcha="passed")
    assert response.status_code == 302 and response["Location"].endswith("/volunteer/")
    assert int(client.session["_auth_user_id"]) == volunteer.user_id


def test_wrong_captcha_refuses_even_the_right_password(client):
    volunteer_with_account(email="ming@example.com")
    response = login_post(client, "ming@example.com", DEFAULT_PASSWORD, captcha="nope")
    assert response.status_code == 200 and "captcha" in response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_real_captcha_is_case_insensitive_and_single_use(client, settings):
    from captcha.models import CaptchaStore

    settings.CAPTCHA_TEST_MODE = False
    volunteer_with_account(email="ming@example.com")
    form = client.get("/volunteer/login/").context["form"]
    html = str(form["captcha"])
    key = re.search(r'name="captcha_0" value="(\w+)"', html).group(1)
    answer = CaptchaStore.objects.get(hashkey=key).response
    data = {"username": "ming@example.com", "password": DEFAULT_PASSWORD, "captcha_0": key,
            "captcha_1": answer.upper()}
    assert client.post("/volunteer/login/", data).status_code == 302
    client.logout()
    assert client.post("/volunteer/login/", data).status_code == 200  # the same picture cannot be reused


def test_captcha_refresh_gives_a_new_picture(client):
    response = client.get("/captcha/refresh/", headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 200 and "image_url" in response.json()


def test_login_page_offers_refresh_and_taipeipass(client):
    html = client.get("/volunteer/login/").content.decode()
    assert _("New picture") in html  # 重新產生
    assert "captcha-refresh" in html and "/captcha/image/" in html
    assert _("Log in with TaipeiPass") in html and "/volunteer/taipeipass/" in html


def test_lockout_after_repeated_failures_says_so(client, settings):
    settings.AXES_ENABLED = True
    volunteer_with_account(email="ming@example.com")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login_post(client, "ming@example.com", "wrong-password")
        assert response.status_code == 200
    response = login_post(client, "ming@example.com", "wrong-password")
    assert response.status_code == 429
    assert str(lockout_message()).split(":")[0].split("：")[0] in response.content.decode()
    # Now even the right password is refused, with the same message.
    response = login_post(client, "ming@example.com", DEFAULT_PASSWORD)
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert "locked" in login_post(client, "ming@example.com", DEFAULT_PASSWORD, prefix="/en").content.decode()
    assert "_auth_user_id" not in client.session


def test_forgot_account_sends_hint_to_registered_email_only(client):
    volunteer = volunteer_with_account(email="ming@example.com")
    response = client.post("/volunteer/forgot-account/", {
        "id_number": volunteer.id_number.lower(), "birth_date": "1990-03-14", "captcha_0": "x", "captcha_1": "PASSED"})
    assert response.status_code == 200
    assert "ming@example.com" not in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ming@example.com"]
    assert "ming@example.com" in mail.outbox[0].body and "/reset/" not in mail.outbox[0].body
    # Wrong birth date: the same page, and no e-mail (nothing tells whether the document exists).
    other = client.post("/volunteer/forgot-account/", {
        "id_number": volunteer.id_number, "birth_date": "1991-03-14", "captcha_0": "x", "captcha_1": "PASSED"})
    assert other.status_code == 200 and len(mail.outbox) == 1


def test_forgot_password_link_works_once(client):
    volunteer_with_account(email="ming@example.com")
    client.post("/volunteer/forgot-password/", {"account": "ming@example.com", "captcha_0": "x", "captcha_1": "PASSED"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+(/volunteer/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    new = "Azalea-Garden-88"
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert User.objects.get(username="ming@example.com").check_password(new)
    again = client.get(link, follow=True)
    assert not again.context["validlink"]


def test_forgot_both_sends_account_and_password_link(client):
    volunteer = volunteer_with_account(email="ming@example.com")
    client.post("/volunteer/forgot-account/", {"id_number": volunteer.id_number, "birth_date": "1990-03-14",
                                               "also_password": "on", "captcha_0": "x", "captcha_1": "PASSED"})
    body = mail.outbox[0].body
    assert "ming@example.com" in body and "/volunteer/reset/" in body


def test_profile_identity_fields_lock_once_verified(client):
    volunteer = volunteer_with_account(email="ming@example.com")
    client.force_login(volunteer.user)
    page = client.get("/volunteer/profile/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None and k not in ("languages", "skills")}
    data.update(name="林美華改", birth_date="1990-03-14", phone="0911222333")
    assert client.post("/volunteer/profile/", data).status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.name == "林美華改" and volunteer.phone == "0911222333"
    volunteer.identity_verified_at = timezone.now()
    volunteer.save()
    data.update(name="別人", phone="0911000111")
    assert client.post("/volunteer/profile/", data).status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.name == "林美華改" and volunteer.phone == "0911000111"


def test_preferences_are_saved_and_respected(client):
    volunteer = volunteer_with_account(email="ming@example.com")
    client.force_login(volunteer.user)
    client.post("/volunteer/preferences/", {"preferred_language": "en"})
    user = User.objects.get(pk=volunteer.user_id)
    assert not user.notify_by_email and not user.notify_reminders and user.preferred_language == "en"


def test_my_data_json_and_ods_and_formula_cells_are_neutralised(client):
    volunteer = volunteer_with_account(email="ming@example.com", name="=cmd|' /C calc'!A0")
    client.force_login(volunteer.user)
    data = json.loads(client.get("/volunteer/my-data.json").content)
    assert data["profile"]["id_number"] == volunteer.id_number
    ods = client.get("/volunteer/my-data.ods")
    assert ods["Content-Type"].startswith("application/vnd.oasis.opendocument.spreadsheet")
    content = zipfile.ZipFile(io.BytesIO(ods.content)).read("content.xml").decode()
    assert "'=cmd|" in content and ">=cmd|" not in content


def test_deletion_request_closes_the_account(client):
    volunteer = volunteer_with_account(email="ming@example.com")
    client.force_login(volunteer.user)
    refused = client.post("/volunteer/delete-account/", {"reason": ""})
    assert refused.status_code == 200 and "confirm" in refused.context["form"].errors
    assert client.post("/volunteer/delete-account/", {"confirm": "on", "reason": "moving"}).status_code == 302
    user = User.objects.get(pk=volunteer.user_id)
    assert user.deletion_requested_at is not None
    assert AuditEvent.objects.filter(action="privacy_requested").exists()
    response = login_post(client, "ming@example.com", DEFAULT_PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_zone_needs_login_and_a_volunteer_record(client):
    assert client.get("/volunteer/")["Location"].startswith("/volunteer/login/")
    staff = User.objects.create_user(username="clerk", password=DEFAULT_PASSWORD)
    client.force_login(staff)
    assert client.get("/volunteer/").status_code == 403


def test_unconfirmed_email_banner_and_resend(client):
    register(client)
    user = User.objects.get()
    client.force_login(user)
    assert _("Please confirm your e-mail address with the link we sent you.") in client.get("/volunteer/").content.decode()
    client.post("/volunteer/confirm/resend/")
    assert len(mail.outbox) == 2


def test_birth_date_in_registration_sets_age(client):
    register(client, birth_date=(timezone.localdate() - datetime.timedelta(days=365 * 17)).isoformat())
    assert Volunteer.objects.get().age in (16, 17)


def test_a_units_existing_record_is_claimed_only_with_the_recorded_email(client):
    from tests.factories import VolunteerFactory

    record = VolunteerFactory(name="林美華", id_number="A123456789", birth_date=datetime.date(1990, 3, 14),
                              email="mei.lin@example.com")
    refused = register(client, email="someone.else@example.com", phone="")
    assert refused.status_code == 302  # the same answer as any registration; nothing is created
    assert not User.objects.exists()
    assert [m.to for m in mail.outbox] == [["someone.else@example.com"]]  # "could not be completed"
    mail.outbox.clear()
    assert register(client).status_code == 302
    record.refresh_from_db()
    assert record.user is None  # not before the recorded address is confirmed
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["mei.lin@example.com"]
    path = "/" + confirmation_link(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    assert client.get(path).status_code == 302
    record.refresh_from_db()
    assert record.user.username == "mei.lin@example.com" and record.phone == "0912345678"
    assert Volunteer.objects.count() == 1
    assert User.objects.get().pending_volunteer_claim is None


@pytest.mark.skipif(not shutil.which("flite"), reason="the Debian package flite is not installed")
def test_login_page_offers_the_captcha_as_audio(client):
    """The CAPTCHA can be listened to (WCAG: a non-visual alternative), spoken by flite as a WAV file."""
    page = client.get("/volunteer/login/").content.decode()
    match = re.search(r'class="captcha-audio" href="([^"]+)"', page)
    assert match, "no audio link on the log-in page"
    audio = client.get(match.group(1))
    assert audio.status_code == 200
    assert audio["Content-Type"].startswith("audio/")
    assert b"".join(audio.streaming_content)[:4] == b"RIFF"


def test_the_signed_in_name_in_the_header_leads_to_the_person_s_own_home(client):
    """The header links the signed-in name to /volunteer/account/, which sends people with a back-office role
    to the back-office and everybody else to the volunteer zone (in the page's language); drawing the header
    reads no roles."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from operations.models import OrgKind, OrgNode, RoleGrant

    assert client.get("/volunteer/account/")["Location"].startswith("/volunteer/login/?next=")
    volunteer = volunteer_with_account(email="header@example.com")
    client.force_login(volunteer.user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/volunteer/")
    assert 'href="/volunteer/account/"' in page.content.decode()
    assert not any("operations_rolegrant" in q["sql"] for q in queries.captured_queries)
    assert client.get("/volunteer/account/")["Location"] == "/volunteer/"
    assert client.get("/en/volunteer/account/")["Location"] == "/en/volunteer/"
    unit = OrgNode.add_root(kind=OrgKind.UNIT, code="header-unit", name="標頭單位")
    RoleGrant.objects.create(user=volunteer.user, node=unit, role="unit_admin")
    assert client.get("/volunteer/account/")["Location"] == "/backoffice/"
    assert client.get("/en/volunteer/account/")["Location"] == "/en/backoffice/"
