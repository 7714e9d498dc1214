"""Staff sign-in (README "Staff sign-in"): the CAPTCHA on the staff log-in, the second factor required of
unit administrators and above (and not of leaders), enrolment, single-use recovery codes, the Wagtail admin
behind the same log-in and factor, inactivity expiry, password change and the forgotten-password page that
never says whether an account exists, lock-out on the Wagtail log-in, and the audit records of it all."""
from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from operations.models import AuditAction, AuditEvent, RecoveryCode
from operations.services.accounts import second_factor_verify
from operations.views.signin import IDLE_KEY
from tests.factories.operations import DEFAULT_PASSWORD
from tests.factories.second_factor import second_factor_device, totp_code

pytestmark = pytest.mark.usefixtures("unverified_logins")

CAPTCHA = {"captcha_0": "x", "captcha_1": "PASSED"}


def password_step(client, username, password=DEFAULT_PASSWORD, path="/backoffice/login/", **extra):
    return client.post(path, {"username": username, "password": password, **CAPTCHA, **extra})


def enrol(client, user):
    """Go through the set-up page: returns the device and the recovery codes shown."""
    page = client.get(reverse("operations:login_enrol"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("operations:login_enrol"), {"code": totp_code(device), "next": "/backoffice/"})
    assert response.status_code == 302 and reverse("operations:recovery_codes") in response["Location"]
    codes = client.session["staff_recovery_codes"]
    return TOTPDevice.objects.get(user=user, confirmed=True), codes


# --- The log-in page ----------------------------------------------------------------------------------

def test_staff_log_in_page_has_captcha_with_refresh_and_forgot_password_in_both_languages(db, client):
    for prefix, words in (("", ("驗證碼", "重新產生", "忘記密碼")), ("/en", ("Verification code", "New picture",
                                                                        "Forgot password?"))):
        html = client.get(f"{prefix}/backoffice/login/").content.decode()
        for word in words:
            assert word in html, (prefix, word)
        assert 'class="captcha-image"' in html and "captcha-refresh" in html
        assert f'{prefix}/backoffice/login/forgot-password/' in html


def test_wrong_captcha_never_checks_the_password(org, client):
    response = client.post("/backoffice/login/", {"username": "admin_a", "password": DEFAULT_PASSWORD,
                                                  "captcha_0": "x", "captcha_1": "WRONG"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "驗證碼" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).exists()


def test_admin_login_is_the_staff_login_page_and_answers_200(db, client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "重新產生" in html and "/backoffice/login/forgot-password/" in html
    assert client.get("/backoffice/login/").status_code == 200
    # Wagtail sends an anonymous visitor of the admin to the staff log-in (WAGTAILADMIN_LOGIN_URL)
    assert client.get("/admin/")["Location"] == "/backoffice/login/?next=/admin/"


# --- The second factor ------------------------------------------------------------------------------

@pytest.mark.parametrize("user_key", ["sysadmin", "officer_root", "officer_wmg", "admin_a"])
def test_unit_administrators_and_above_must_set_up_the_app_on_first_log_in(org, client, user_key):
    response = password_step(client, user_key)
    assert response["Location"].startswith(reverse("operations:login_enrol"))
    # nothing of the back-office, the Wagtail admin or the staff API before the factor
    assert client.get("/backoffice/volunteers/")["Location"].startswith(reverse("operations:login_enrol"))
    assert client.get("/admin/")["Location"].startswith(reverse("operations:login_enrol"))
    assert client.get("/api/operations/volunteers/").status_code == 403
    page = client.get(reverse("operations:login_enrol")).content.decode()
    assert "<svg" in page and re.search(r'class="totp-secret"[^>]*>[A-Z2-7 ]{20,}<', page)
    device, codes = enrol(client, org.users[user_key])
    assert len(codes) == 10 and len(set(codes)) == 10 and all(len(code) == 8 for code in codes)
    assert client.get("/backoffice/volunteers/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.FACTOR_ENROLLED, actor=org.users[user_key]).count() == 1


@pytest.mark.parametrize("user_key", ["leader_a", "subleader_a"])
def test_leaders_may_log_in_without_a_second_factor(org, client, user_key):
    response = password_step(client, user_key)
    assert response["Location"] == "/backoffice/"
    assert client.get("/backoffice/volunteers/").status_code == 200
    # optional: a leader may set it up from the profile, and is then asked for it
    enrol(client, org.users[user_key])
    client.post(reverse("operations:logout"))
    assert password_step(client, user_key)["Location"].startswith(reverse("operations:login_verify"))


def test_wrong_code_is_refused_and_recorded(org, client):
    from operations.models import User

    User.objects.filter(pk=org.admin_a.pk).update(is_superuser=True)  # may open the Wagtail admin
    device = second_factor_device(org.admin_a)
    password_step(client, "admin_a")
    response = client.post(reverse("operations:login_verify"), {"code": "000000"})
    assert response.status_code == 200
    assert client.get("/backoffice/")["Location"].startswith(reverse("operations:login_verify"))
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.changes["step"] == "second_factor" and failed.node == org.unit_a
    device.refresh_from_db()
    device.throttling_failure_timestamp = None  # skip the throttle's wait
    device.save()
    assert client.get("/admin/account/")["Location"].startswith(reverse("operations:login_verify"))
    response = client.post(reverse("operations:login_verify"), {"code": totp_code(device), "next": "/admin/account/"})
    assert response["Location"] == "/admin/account/"
    assert client.get("/admin/account/").status_code == 200  # the Wagtail admin: same sign-in, same factor


def test_a_code_works_once(org, client):
    device = second_factor_device(org.admin_a)
    code = totp_code(device)
    assert second_factor_verify(user=org.admin_a, code=code) is not None
    assert second_factor_verify(user=org.admin_a, code=code) is None


def test_recovery_code_works_once_and_is_recorded(org, client):
    password_step(client, "admin_a")
    _device, codes = enrol(client, org.admin_a)
    client.post(reverse("operations:logout"))
    password_step(client, "admin_a")
    response = client.post(reverse("operations:login_verify"), {"code": codes[0].upper(), "next": "/backoffice/"})
    assert response["Location"] == "/backoffice/"
    assert AuditEvent.objects.filter(action=AuditAction.RECOVERY_CODE_USED).count() == 1
    client.post(reverse("operations:logout"))
    password_step(client, "admin_a")
    response = client.post(reverse("operations:login_verify"), {"code": codes[0]})
    assert response.status_code == 200  # used: refused
    assert RecoveryCode.objects.filter(device__user=org.admin_a).count() == 9


def test_recovery_codes_are_stored_hashed_and_each_works_once(org):
    from operations.services.accounts import _new_recovery_codes

    second_factor_device(org.admin_a)
    codes = _new_recovery_codes(org.admin_a)
    assert len(codes) == 10 and len(set(codes)) == 10 and all(len(code) == 8 for code in codes)
    stored = list(RecoveryCode.objects.filter(device__user=org.admin_a).values_list("digest", flat=True))
    assert len(stored) == 10 and len(set(stored)) == 10
    # A read of the database shows no code: not in the digests, not in django-otp's own table.
    assert not any(code in digest or code.upper() in digest for code in codes for digest in stored)
    assert not StaticToken.objects.filter(device__user=org.admin_a).exists()
    assert all(digest.startswith("pbkdf2_sha256$") for digest in stored)
    assert second_factor_verify(user=org.admin_a, code="aaaaaaaaaa") is None  # a wrong code
    assert RecoveryCode.objects.filter(device__user=org.admin_a).count() == 10
    StaticDevice.objects.filter(user=org.admin_a).update(throttling_failure_timestamp=None,
                                                        throttling_failure_count=0)  # skip the throttle's wait
    assert second_factor_verify(user=org.admin_a, code=f" {codes[3].upper()} ") is not None
    assert RecoveryCode.objects.filter(device__user=org.admin_a).count() == 9
    assert second_factor_verify(user=org.admin_a, code=codes[3]) is None  # used once already
    # A new set replaces the old one: the earlier codes stop working.
    new_codes = _new_recovery_codes(org.admin_a)
    assert second_factor_verify(user=org.admin_a, code=codes[4]) is None
    StaticDevice.objects.filter(user=org.admin_a).update(throttling_failure_timestamp=None,
                                                        throttling_failure_count=0)
    assert second_factor_verify(user=org.admin_a, code=new_codes[4]) is not None


def test_existing_clear_recovery_codes_are_hashed_by_the_migration(org):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("operations.migrations.0031_hashed_recovery_codes")
    second_factor_device(org.admin_a)
    device = StaticDevice.objects.create(user=org.admin_a, name="recovery", confirmed=True)
    StaticToken.objects.create(device=device, token="oldcode123")
    migration.hash_existing_codes(apps, None)
    assert not StaticToken.objects.exists()
    assert "oldcode123" not in RecoveryCode.objects.get(device=device).digest
    assert second_factor_verify(user=org.admin_a, code="oldcode123") is not None
    assert second_factor_verify(user=org.admin_a, code="oldcode123") is None


def test_recovery_code_digest_rejects_malformed_values():
    from operations.models.accounts import recovery_code_digest, recovery_code_matches

    digest = recovery_code_digest("abcde12345")
    assert recovery_code_matches("ABCDE 12345", digest)
    assert not recovery_code_matches("abcde12346", digest)
    assert not recovery_code_matches("abcde12345", "abcde12345")
    assert not recovery_code_matches("abcde12345", "md5$1$x$y")
    assert not recovery_code_matches("abcde12345", "pbkdf2_sha256$x$y$z")


def test_recovery_codes_are_shown_once_and_downloadable(org, client):
    password_step(client, "admin_a")
    _device, codes = enrol(client, org.admin_a)
    url = reverse("operations:recovery_codes")
    assert all(code in client.get(url).content.decode() for code in codes)
    download = client.get(url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment") and codes[0] in download.content.decode()
    client.post(url, {"next": "/backoffice/"})
    assert codes[0] not in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_recovery_code_succeed_once(org):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL")
    second_factor_device(org.admin_a)
    from operations.services.accounts import _new_recovery_codes

    code = _new_recovery_codes(org.admin_a)[0]

    def attempt(_n):
        try:
            return second_factor_verify(user=org.admin_a, code=code) is not None
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(attempt, range(4)))
    assert results.count(True) == 1


# --- Sessions -----------------------------------------------------------------------------------------

def test_session_ends_after_inactivity(org, client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client.force_login(org.leader_a)
    assert client.get("/backoffice/").status_code == 200
    session = client.session
    session[IDLE_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/backoffice/").status_code == 200  # 29 minutes: still signed in (and renewed)
    session = client.session
    session[IDLE_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/backoffice/volunteers/")
    assert response.status_code == 302 and response["Location"].startswith("/backoffice/login/")
    assert "_auth_user_id" not in client.session
    logout = AuditEvent.objects.get(action=AuditAction.LOGGED_OUT)
    assert logout.reason == "inactivity" and logout.actor == org.leader_a


def test_password_change_ends_the_other_sessions(org, client):
    from django.test import Client

    other = Client()
    other.force_login(org.leader_a)
    client.force_login(org.leader_a)
    assert other.get("/backoffice/").status_code == 200
    new = "A-new-passphrase-2026"
    response = client.post(reverse("operations:password_change"),
                           {"old_password": DEFAULT_PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert client.get("/backoffice/").status_code == 200  # this session goes on
    assert other.get("/backoffice/").status_code == 302  # the other one has ended
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED, actor=org.leader_a).exists()


def test_log_in_and_log_out_are_recorded_under_the_persons_organisation(org, client):
    password_step(client, "leader_a")
    client.post(reverse("operations:logout"))
    login = AuditEvent.objects.get(action=AuditAction.LOGGED_IN)
    logout = AuditEvent.objects.get(action=AuditAction.LOGGED_OUT)
    assert login.actor == logout.actor == org.leader_a and login.node == org.team_a
    password_step(client, "leader_a", password="wrong-password-1")
    assert AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED).changes["account"] == "leader_a"


# --- Forgotten password -------------------------------------------------------------------------------

def test_forgotten_password_never_says_whether_the_account_exists(org, client, django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=org.admin_a.pk).update(email="admin.a@example.org")
    url = reverse("operations:password_reset")
    pages = []
    for account in ("admin_a", "no-such-account", "admin.a@example.org", "nobody@example.org"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(url, {"account": account, **CAPTCHA})
        assert response.status_code == 200
        pages.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()))
        assert len(callbacks) == 1  # the same work queued on every path
    assert len(set(pages)) == 1
    assert [m.to for m in mail.outbox] == [["admin.a@example.org"], ["admin.a@example.org"]]
    link = re.search(r"http\S+/backoffice/login/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    new = "Another-passphrase-2026"
    response = client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response["Location"] == reverse("operations:password_reset_complete")
    assert password_step(client, "admin_a", password=new).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED, actor=org.admin_a).exists()


def test_volunteer_accounts_get_no_staff_reset_mail(org, client, django_capture_on_commit_callbacks):
    from tests.operations.journey_support import volunteer_with_account

    volunteer_with_account(email="ming@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("operations:password_reset"), {"account": "ming@example.com", **CAPTCHA})
    assert mail.outbox == []


# --- Lock-out -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/admin/login/", "/backoffice/login/"])
def test_lockout_on_the_wagtail_and_back_office_log_in(org, client, settings, path):
    settings.AXES_ENABLED = True
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert password_step(client, "admin_a", password="wrong-password", path=path).status_code == 200
    assert password_step(client, "admin_a", password="wrong-password", path=path).status_code == 429
    # now even the right password is refused
    response = password_step(client, "admin_a", path=path)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
