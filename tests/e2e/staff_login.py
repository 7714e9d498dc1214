"""The staff log-in in the browser: account, password, the CAPTCHA (the test settings accept "PASSED"), then
the second factor where the role asks for it (a test authenticator app made for the account)."""
from __future__ import annotations

import re

PASSWORD = "demo-2025-volunteer"


def staff_login(page, live_server, username, prefix="", password=PASSWORD):
    from operations.models import User
    from tests.factories.second_factor import is_staff_account, second_factor_device, totp_code

    user = User.objects.get(username=username)
    device = second_factor_device(user) if is_staff_account(user) else None
    page.goto(f"{live_server.url}{prefix}/backoffice/login/")
    page.get_by_label(re.compile("^(帳號|Account)")).fill(username)
    page.get_by_label(re.compile("^(密碼|Password)")).fill(password)
    page.get_by_label(re.compile("^(驗證碼|Verification code)")).fill("PASSED")
    page.get_by_role("button", name=re.compile("^(登入|Log in)$")).click()
    page.wait_for_load_state()
    if "/login/verify/" in page.url and device is not None:
        page.get_by_label(re.compile("^(驗證碼|Verification code)")).fill(totp_code(device))
        page.get_by_role("button", name=re.compile("^(驗證|Verify)$")).click()
        page.wait_for_load_state()
