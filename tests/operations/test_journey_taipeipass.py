"""TaipeiPass (臺北通) log-in, end to end against a real OpenID Connect provider process on loopback
(the PyPI package oidc-provider-mock): our redirect, the provider's authorisation form, the callback with
its code, the token exchange and the userinfo request over HTTP. Nothing in the client is mocked."""
from __future__ import annotations

import datetime
import json
import random
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
import requests

from operations.identity import generate_national_id
from operations.models import User, Volunteer
from tests.factories import VolunteerFactory

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def provider():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base}/.well-known/openid-configuration", timeout=1).ok:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("the OIDC provider did not start")
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def taipeipass(settings, provider):
    settings.TAIPEIPASS = {
        "DISCOVERY_URL": f"{provider}/.well-known/openid-configuration",
        "CLIENT_ID": "volunteer-platform", "CLIENT_SECRET": "not-a-real-secret", "SCOPE": "openid profile email",
    }

    def user(sub: str, **claims):
        response = requests.put(f"{provider}/users/{sub}", json=claims, timeout=5)
        assert response.status_code in (200, 204), response.text
        return sub

    return user


def log_in_with_taipeipass(client, sub: str, prefix: str = ""):
    """Our redirect → the provider's form (a real HTTP POST) → our callback with the code."""
    start = client.get(f"{prefix}/volunteer/taipeipass/")
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith("http://127.0.0.1:")
    consent = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert consent.status_code in (302, 303), consent.text[:500]
    callback = urlsplit(consent.headers["Location"])
    assert callback.path == "/oidc/taipeipass/callback/"
    return client.get(f"{callback.path}?{callback.query}")


def test_verified_first_login_links_to_the_volunteer_with_the_same_id(client, taipeipass):
    volunteer = VolunteerFactory(name="陳志明", id_number="A123456789", sex="M", birth_date=datetime.date(1980, 1, 2))
    sub = taipeipass("tp-0001", idNo="A123456789", realName="陳志明", verifyLevel="1", memberType="personal",
                     email="chen@example.com", birthday="1980/01/02")
    response = log_in_with_taipeipass(client, sub)
    assert response.status_code == 302 and response["Location"] == "/volunteer/"
    volunteer.refresh_from_db()
    assert volunteer.user is not None and volunteer.user.taipeipass_sub == "tp-0001"
    assert volunteer.identity_verified_at is not None and volunteer.identity_verified_by == "taipeipass"
    assert client.get("/volunteer/").status_code == 200
    # The next log-in finds the account by its TaipeiPass subject.
    client.logout()
    assert log_in_with_taipeipass(client, sub)["Location"] == "/volunteer/"
    assert User.objects.filter(taipeipass_sub="tp-0001").count() == 1


def test_verified_newcomer_gets_a_prefilled_registration_with_locked_identity(client, taipeipass):
    number = generate_national_id(random.Random(5), sex="F")
    sub = taipeipass("tp-0002", idNo=number, realName="林美華", verifyLevel="2", memberType="personal",
               email="lin@example.com", birthday="1992/08/15")
    response = log_in_with_taipeipass(client, sub)
    assert response["Location"] == "/volunteer/register/"
    form = client.get("/volunteer/register/").context["form"]
    assert form.initial["id_number"] == number and form.initial["name"] == "林美華"
    assert form.fields["id_number"].disabled and form.fields["name"].disabled
    response = client.post("/volunteer/register/", {
        "email": "lin@example.com", "password1": "Plum-Blossom-2025", "password2": "Plum-Blossom-2025",
        "id_type": "national_id", "id_number": "A123456789", "name": "冒名", "sex": "F",
        "birth_date": "1992-08-15", "privacy_notice": "on", "captcha_0": "x", "captcha_1": "PASSED",
    })
    assert response.status_code == 302 and response["Location"] == "/volunteer/"
    volunteer = Volunteer.objects.get(user__taipeipass_sub="tp-0002")
    assert volunteer.id_number == number and volunteer.name == "林美華"  # the disabled fields kept TaipeiPass's
    assert volunteer.identity_verified_at is not None


def test_unverified_account_is_not_trusted_with_an_existing_id(client, taipeipass):
    volunteer = VolunteerFactory(name="王小明", id_number="A123456789")
    sub = taipeipass("tp-0003", idNo="A123456789", realName="王小明", verifyLevel="0", email="wang@example.com")
    response = log_in_with_taipeipass(client, sub)
    assert response["Location"] == "/volunteer/register/"
    volunteer.refresh_from_db()
    assert volunteer.user is None and volunteer.identity_verified_at is None
    form = client.get("/volunteer/register/").context["form"]
    assert not form.initial.get("id_number") and not form.fields["id_number"].disabled
    assert form.initial["email"] == "wang@example.com"


def test_refused_authorisation_says_so(client, taipeipass):
    start = client.get("/volunteer/taipeipass/")
    deny = requests.post(start["Location"], data={"action": "deny"}, allow_redirects=False, timeout=5)
    callback = urlsplit(deny.headers["Location"])
    response = client.get(f"{callback.path}?{callback.query}", follow=True)
    assert response.redirect_chain[-1][0] == "/volunteer/login/"
    assert "_auth_user_id" not in client.session


def test_not_configured_taipeipass_explains(client, settings):
    settings.TAIPEIPASS = {"DISCOVERY_URL": "", "CLIENT_ID": "", "CLIENT_SECRET": "", "SCOPE": "openid"}
    response = client.get("/volunteer/taipeipass/", follow=True)
    assert response.redirect_chain[-1][0] == "/volunteer/login/"


def test_claims_mapping():
    from operations.services.taipeipass import identity_from_claims

    identity = identity_from_claims({"sub": "s", "idNo": "a123456789", "realName": "王", "verifyLevel": "1",
                                     "birthday": "1990/03/14", "memberType": "foreigner"})
    assert identity.verified and identity.id_number == "A123456789" and identity.birth_date == datetime.date(1990, 3, 14)
    assert identity.member_type == "foreigner"
    assert not identity_from_claims({"sub": "s", "idNo": "A123456789", "verifyLevel": "0"}).verified
    assert not identity_from_claims({"sub": "s", "idNo": "A123456789", "verifyLevel": "x"}).verified
    assert json.dumps(identity.prefill())
