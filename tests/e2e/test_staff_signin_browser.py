"""The staff log-in as the seed draws it, in Chromium: 帳號, 密碼, 驗證碼 with 重新產生 and 忘記密碼?; a unit
administrator without a second factor sets up the authenticator app (QR code, key as text), keeps the
recovery codes, reaches the back-office; next time a recovery code lets them in once."""
from __future__ import annotations

import base64
import re
import time

from django_otp.oath import hotp
from playwright.sync_api import expect

from tests.e2e.staff_login import PASSWORD


def code_for(secret_text: str) -> str:
    key = base64.b32decode(secret_text.replace(" ", "") + "=" * (-len(secret_text.replace(" ", "")) % 8))
    return f"{hotp(key, int(time.time()) // 30, digits=6):06d}"


def password_step(page, base, username):
    page.goto(f"{base}/backoffice/login/")
    page.get_by_label(re.compile("^帳號")).fill(username)
    page.get_by_label(re.compile("^密碼")).fill(PASSWORD)
    page.get_by_label(re.compile("^驗證碼")).fill("PASSED")
    page.get_by_role("button", name=re.compile("^登入$")).click()


def test_staff_log_in_with_captcha_and_authenticator_app(page, live_server, demo_data, shot):
    base = live_server.url
    page.goto(f"{base}/backoffice/login/")
    assert page.get_by_role("heading", level=1).inner_text() == "後台登入"
    assert page.get_by_role("link", name="忘記密碼?").count() == 1
    first = page.locator("img.captcha-image").get_attribute("src")
    page.get_by_role("button", name="重新產生").click()
    page.wait_for_function(f"document.querySelector('img.captcha-image').getAttribute('src') !== {first!r}")
    shot(page, "staff-login-zh")

    # a wrong picture answer: the password is not even checked
    page.get_by_label(re.compile("^帳號")).fill("unit_admin")
    page.get_by_label(re.compile("^密碼")).fill(PASSWORD)
    page.get_by_label(re.compile("^驗證碼")).fill("WRONG")
    page.get_by_role("button", name=re.compile("^登入$")).click()
    expect(page.locator(".form-errors, .errorlist").first).to_be_visible()  # waits for the page the click loads
    assert "/backoffice/login/" in page.url

    password_step(page, base, "unit_admin")
    page.wait_for_url(re.compile(r"/backoffice/login/set-up/"))
    assert page.locator(".qr-code svg").count() == 1
    secret = page.locator("code.totp-secret").inner_text()
    shot(page, "staff-enrol-zh")
    page.get_by_label(re.compile("App 顯示的驗證碼")).fill(code_for(secret))
    page.get_by_role("button", name="確認").click()
    page.wait_for_url(re.compile(r"/backoffice/profile/recovery-codes/"))
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("button", name="我已保存").click()
    page.wait_for_url(re.compile(r"/backoffice/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "儀表板"

    page.get_by_role("button", name=re.compile("登出")).first.click()
    password_step(page, base, "unit_admin")
    page.wait_for_url(re.compile(r"/backoffice/login/verify/"))
    page.get_by_label(re.compile("^驗證碼")).fill(codes[0])
    page.get_by_role("button", name="驗證").click()
    page.wait_for_url(re.compile(r"/backoffice/$"))
    shot(page, "staff-after-recovery-code-zh")
