"""Registration sent back with errors: the summary is at the top of the page (before the notice and the
fields), focusable, and links each error to its field; a wrong CAPTCHA does not hide the other errors; the
passwords come back (masked) only when the CAPTCHA was the sole error."""
from __future__ import annotations

import re

import pytest

from operations.models import User

from .test_journey_accounts import GOOD, register

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    return re.search(r'<div class="form-errors"[^>]*data-error-summary.*?</div>', html, re.S).group(0)


def test_error_summary_is_at_the_top_and_links_each_error_to_its_field(client):
    response = register(client, email="not-an-address", phone="", password2="Different-pass-123", sex=None,
                        captcha_1="WRONG")
    assert response.status_code == 200 and not User.objects.exists()
    html = response.content.decode()
    summary = _summary(html)
    assert html.index("data-error-summary") < html.index('class="privacy-notice"')
    assert html.count("data-error-summary") == 1  # not repeated above the fields
    assert 'tabindex="-1"' in summary and 'role="alert"' in summary
    for field_id in ("id_email", "id_password2", "id_sex_0", "id_captcha_1"):  # the CAPTCHA and the others
        assert f'href="#{field_id}"' in summary
        assert f'id="{field_id}"' in html
    assert "驗證碼" in summary and "。：" not in summary  # the label's full stop does not precede the colon
    # Other errors than the CAPTCHA: the passwords are not echoed back.
    assert GOOD["password1"] not in html


def test_passwords_kept_when_only_the_captcha_was_wrong(client):
    response = register(client, captcha_1="WRONG")
    assert response.status_code == 200 and not User.objects.exists()
    html = response.content.decode()
    assert set(response.context["form"].errors) == {"captcha"}
    assert html.count(f'value="{GOOD["password1"]}"') == 2
    assert "no-store" in response["Cache-Control"]
    assert register(client, captcha_1="PASSED").status_code == 302


def test_english_summary(client):
    html = register(client, prefix="/en", email="", phone="").content.decode()
    summary = _summary(html)
    assert 'href="#id_email"' in summary and "E-mail" in summary
