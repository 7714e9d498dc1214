"""API tokens: made by a staff member for themselves (the secret shown once, only a digest stored), acting as
their account and nothing more, refused once revoked or expired or when the account is disabled, every making
and revoking audited; the screen under "My profile" in both languages; a double submit makes one token, and two
revocations at once write one record (PostgreSQL)."""
from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from operations.models import ApiToken, AuditAction, AuditEvent
from operations.selectors.api_tokens import api_token_digest
from operations.services.api_tokens import api_token_create, api_token_revoke

from .journey_support import race


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- Services -----------------------------------------------------------------------------------------------

def test_a_token_stores_only_a_digest_and_is_audited(org):
    token, secret = api_token_create(actor=org.admin_a, name="Payroll sync", days=30, ip_address="10.0.0.1")
    assert secret.startswith("tvp_") and len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == api_token_digest(secret) and secret not in str(stored.__dict__)
    assert secret.startswith(stored.prefix) and len(stored.prefix) < 12
    assert abs(stored.expires_at - stored.created_at - datetime.timedelta(days=30)) < datetime.timedelta(seconds=1)
    record = AuditEvent.objects.get(action=AuditAction.API_TOKEN_CREATED)
    assert (record.actor, record.node, record.object_id, record.ip_address) == (org.admin_a, org.unit_a,
                                                                                 str(token.pk), "10.0.0.1")
    assert secret not in str(record.changes)
    # the unit's officers read the record in their audit log
    assert AuditEvent.objects.visible_to(org.officer_wmg).filter(pk=record.pk).exists()


@pytest.mark.parametrize("name, days", [("", 30), ("\x00\x01 ", 30), ("ok", 0), ("ok", 366), ("ok", "30")])
def test_bad_input_makes_nothing(org, name, days):
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        api_token_create(actor=org.admin_a, name=name, days=days)
    assert not ApiToken.objects.exists() and AuditEvent.objects.count() == audit_before


def test_accounts_without_a_role_make_no_token_and_the_number_is_bounded(org, settings):
    with pytest.raises(PermissionDenied):
        api_token_create(actor=org.nobody, name="x", days=30)
    settings.API_TOKENS = {**settings.API_TOKENS, "MAX_ACTIVE": 2}
    first, _ = api_token_create(actor=org.leader_a, name="a", days=30)
    api_token_create(actor=org.leader_a, name="b", days=30)
    with pytest.raises(ValidationError):
        api_token_create(actor=org.leader_a, name="c", days=30)
    api_token_revoke(actor=org.leader_a, token_id=first.pk)
    api_token_create(actor=org.leader_a, name="c", days=30)


def test_revoking_is_the_owners_alone_and_decides_once(org):
    token, _ = api_token_create(actor=org.leader_a, name="a", days=30)
    for stranger in (org.sysadmin, org.admin_a, org.nobody):
        with pytest.raises(ApiToken.DoesNotExist):
            api_token_revoke(actor=stranger, token_id=token.pk)
    api_token_revoke(actor=org.leader_a, token_id=token.pk)
    api_token_revoke(actor=org.leader_a, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == org.leader_a
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL)")
def test_two_revocations_at_once_write_one_record(org):
    token, _ = api_token_create(actor=org.leader_a, name="a", days=30)
    errors = race([lambda: api_token_revoke(actor=org.leader_a, token_id=token.pk)] * 4)
    assert not errors
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED, object_id=str(token.pk)).count() == 1


# --- The token on the API ----------------------------------------------------------------------------------

def test_a_token_sees_exactly_what_its_account_sees(org, client):
    for user in (org.admin_a, org.leader_a, org.subleader_a, org.officer_wmg, org.sysadmin):
        _token, secret = api_token_create(actor=user, name="scope", days=30)
        for url in ("/api/operations/volunteers/", "/api/operations/organisations/"):
            client.force_login(user)
            by_session = client.get(url, {"per_page": 100}).json()
            client.logout()
            by_token = client.get(url, {"per_page": 100}, **bearer(secret)).json()
            assert by_token == by_session, (user, url)
            assert by_token["count"] > 0
        for volunteer in org.volunteers.values():
            client.force_login(user)
            session_status = client.get(f"/api/operations/volunteers/{volunteer.pk}/").status_code
            client.logout()
            token_status = client.get(f"/api/operations/volunteers/{volunteer.pk}/", **bearer(secret)).status_code
            assert token_status == session_status, (user, volunteer)


def test_revoked_expired_unknown_and_disabled_tokens_get_one_401(org, client):
    live, live_secret = api_token_create(actor=org.admin_a, name="live", days=30)
    revoked, revoked_secret = api_token_create(actor=org.admin_a, name="revoked", days=30)
    api_token_revoke(actor=org.admin_a, token_id=revoked.pk)
    expired, expired_secret = api_token_create(actor=org.admin_a, name="expired", days=30)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    url = f"/api/operations/volunteers/{org.vol_a.pk}/"
    assert client.get(url, **bearer(live_secret)).status_code == 200
    answers = {client.get(url, **bearer(secret)).content
               for secret in (revoked_secret, expired_secret, live_secret[:-2] + "xx", "tvp_nothing", "x" * 500)}
    assert len(answers) == 1
    response = client.get(url, **bearer(revoked_secret))
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert "甲隊林美華" not in response.content.decode()
    org.admin_a.is_active = False
    org.admin_a.save(update_fields=["is_active"])
    assert client.get(url, **bearer(live_secret)).status_code == 401


def test_a_token_whose_account_lost_its_roles_is_refused(org, client):
    _token, secret = api_token_create(actor=org.leader_a, name="x", days=30)
    org.leader_a.grants.all().delete()
    assert client.get("/api/operations/volunteers/", **bearer(secret)).status_code == 401


def test_last_use_is_noted_at_most_once_a_minute(org, client, django_assert_max_num_queries):
    token, secret = api_token_create(actor=org.admin_a, name="x", days=30)
    assert client.get("/api/operations/organisations/", **bearer(secret)).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and token.last_used_ip == "127.0.0.1"
    client.get("/api/operations/organisations/", **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at == first


# --- The screen -------------------------------------------------------------------------------------------

def make(client, name="Integration", days=90, key=None):
    page = client.get(reverse("operations:api_token_list"))
    key = key or re.search(r'name="submission_key" value="([0-9a-f]{32})"', page.content.decode()).group(1)
    return client.post(reverse("operations:api_token_list"), {"name": name, "days": days, "submission_key": key}), key


@pytest.mark.parametrize("prefix, words", [("", ("API 權杖", "請立即複製")), ("/en", ("API tokens", "Copy it now"))])
def test_the_secret_is_shown_once_in_both_languages(org, login, prefix, words):
    client = login(org.subleader_a)
    page = client.get(f"{prefix}/backoffice/profile/api-tokens/")
    assert page.status_code == 200 and words[0] in page.content.decode()
    response, key = make(client) if not prefix else (None, None)
    if prefix:
        key = re.search(r'name="submission_key" value="([0-9a-f]{32})"', page.content.decode()).group(1)
        response = client.post(f"{prefix}/backoffice/profile/api-tokens/", {"name": "I", "days": 30,
                                                                             "submission_key": key})
    html = response.content.decode()
    assert response.status_code == 200 and words[1] in html
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    secret = re.search(r'value="(tvp_[^"]+)"', html).group(1)
    assert ApiToken.objects.get(user=org.subleader_a).digest == api_token_digest(secret)
    again = client.get(f"{prefix}/backoffice/profile/api-tokens/").content.decode()
    assert secret not in again and secret[:10] in again  # the prefix only, from now on


def test_a_double_submit_makes_one_token(org, login):
    client = login(org.admin_a)
    first, key = make(client)
    second, _ = make(client, key=key)
    assert first.status_code == 200 and second.status_code == 302
    assert ApiToken.objects.filter(user=org.admin_a).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_CREATED).count() == 1


def test_an_empty_or_bad_form_makes_nothing(org, login):
    client = login(org.admin_a)
    audit_before = AuditEvent.objects.count()
    for data in ({}, {"name": "x", "days": "9999"}, {"name": "", "days": "30"}):
        response = client.post(reverse("operations:api_token_list"), data)
        assert response.status_code == 200 and "tvp_" not in response.content.decode()
    assert not ApiToken.objects.exists() and AuditEvent.objects.count() == audit_before


def test_revoke_screen_asks_first_and_lists_only_ones_own(org, login):
    mine, _ = api_token_create(actor=org.admin_a, name="mine", days=30)
    theirs, _ = api_token_create(actor=org.sysadmin, name="theirs", days=30)
    client = login(org.admin_a)
    listing = client.get(reverse("operations:api_token_list")).content.decode()
    assert "mine" in listing and "theirs" not in listing
    url = reverse("operations:api_token_revoke", args=[mine.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 200  # not confirmed: nothing happens
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is None
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None
    assert client.post(reverse("operations:api_token_revoke", args=[theirs.pk]), {"confirm": "on"}).status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
