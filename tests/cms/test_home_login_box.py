"""The home log-in box (seed: account, password, CAPTCHA with 重新產生, 會員註冊 / 忘記帳號 / 忘記密碼) on a page
served from the shared page cache: the cached HTML carries no per-visitor secret (CSRF token, CAPTCHA key);
the form with both comes from a never-cached fragment and posts to the volunteer log-in view."""
from __future__ import annotations

import re

import pytest
from captcha.models import CaptchaStore
from django.core.cache import cache
from django.test import Client

from cms.page_cache import cache_key
from tests.factories.operations import DEFAULT_PASSWORD
from tests.operations.journey_support import volunteer_with_account

pytestmark = pytest.mark.django_db


def _box_form(client: Client, prefix: str = "") -> dict:
    home = client.get(f"{prefix}/").content.decode()
    url = re.search(r'data-login-box="([^"]+)"', home).group(1)
    response = client.get(url, headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    key = re.search(r'name="captcha_0" value="(\w+)"', html).group(1)
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    return {"html": html, "action": action, "token": token, "key": key}


def test_cached_home_page_has_no_token_or_captcha_but_the_box_links(site_pages, client):
    first = client.get("/")
    html = first.content.decode()
    request = first.wsgi_request
    assert cache.get(cache_key(request)) is not None  # the home page is in the shared cache
    assert "csrfmiddlewaretoken" not in html and "captcha_0" not in html and "csrftoken" not in first.cookies
    assert 'data-login-box="/volunteer/login/box/"' in html
    for label in ("會員註冊", "忘記帳號", "忘記密碼"):
        assert label in html
    assert 'href="/volunteer/login/"' in html  # without JavaScript: the log-in page with the full form
    again = client.get("/").content.decode()
    assert "csrfmiddlewaretoken" not in again
    en = client.get("/en/").content.decode()
    assert 'data-login-box="/en/volunteer/login/box/"' in en and "csrfmiddlewaretoken" not in en


def test_box_fragment_has_the_seed_fields_and_a_fresh_captcha_each_time(site_pages, client):
    first = _box_form(client)
    second = _box_form(client)
    assert first["key"] != second["key"]
    html = first["html"]
    assert first["action"] == "/volunteer/login/"
    assert 'id="box_username"' in html and 'type="password"' in html and "重新產生" in html
    assert "autofocus" not in html
    assert "Log in" in _box_form(client, "/en")["html"]


def test_log_in_through_the_home_box_with_csrf_checks_and_a_real_captcha(site_pages, settings):
    settings.CAPTCHA_TEST_MODE = False
    volunteer = volunteer_with_account(email="ming@example.com")
    client = Client(enforce_csrf_checks=True)
    box = _box_form(client)
    answer = CaptchaStore.objects.get(hashkey=box["key"]).response
    response = client.post(box["action"], {"csrfmiddlewaretoken": box["token"], "username": "ming@example.com",
                                           "password": DEFAULT_PASSWORD, "captcha_0": box["key"],
                                           "captcha_1": answer})
    assert response.status_code == 302 and response["Location"] == "/volunteer/"
    assert int(client.session["_auth_user_id"]) == volunteer.user_id
    assert client.get("/volunteer/login/box/").status_code == 204  # logged in: nothing to fill in


def test_wrong_captcha_from_the_box_shows_the_error_on_the_log_in_page(site_pages, settings):
    settings.CAPTCHA_TEST_MODE = False
    volunteer_with_account(email="ming@example.com")
    client = Client(enforce_csrf_checks=True)
    box = _box_form(client)
    response = client.post(box["action"], {"csrfmiddlewaretoken": box["token"], "username": "ming@example.com",
                                           "password": DEFAULT_PASSWORD, "captcha_0": box["key"],
                                           "captcha_1": "WRONG"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "驗證碼" in html and 'href="#id_captcha_1"' in html and "ming@example.com" in html
    assert 'name="captcha_0"' in html  # a new picture to try again on the full log-in page
