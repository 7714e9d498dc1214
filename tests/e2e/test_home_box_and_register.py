"""In a real browser: the home log-in box fills in its form (CSRF token, a fresh CAPTCHA with 重新產生)
from the never-cached fragment and logs a volunteer in; the registration page sent back with errors moves
focus to the summary at its top. Screenshots of both pages at 1366, 390 and 320 px in both languages
(test-artifacts/screenshots/), each page no wider than the screen."""
from __future__ import annotations

import pytest

WIDTHS = (1366, 390, 320)


@pytest.mark.django_db(transaction=True)
def test_home_box_and_registration_errors_at_three_widths(browser, live_server, shot, demo_data):
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        for prefix, lang in (("", "zh"), ("/en", "en")):
            page.goto(live_server.url + prefix + "/")
            form = page.locator(".login-box form.login-box-form")
            form.wait_for()
            assert form.locator('input[name="csrfmiddlewaretoken"]').count() == 1
            assert form.locator("img.captcha-image").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (prefix, width)
            shot(page, f"home-box-{lang}-{width}")

            page.goto(live_server.url + prefix + "/volunteer/register/")
            page.locator("form button[type=submit]").last.click()
            page.wait_for_load_state()
            summary = page.locator("[data-error-summary]")
            assert summary.is_visible()
            assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (prefix, width)
            shot(page, f"register-errors-{lang}-{width}")
        context.close()


@pytest.mark.django_db(transaction=True)
def test_log_in_through_the_home_box(page, live_server, demo_data):
    from tests.factories.operations import DEFAULT_PASSWORD
    from tests.operations.journey_support import volunteer_with_account

    volunteer_with_account(email="box.login@example.com")
    page.goto(live_server.url + "/")
    box = page.locator(".login-box form.login-box-form")
    box.wait_for()
    image = box.locator("img.captcha-image")
    before = image.get_attribute("src")
    box.get_by_role("button", name="重新產生").click()
    page.wait_for_function("(src) => document.querySelector('.login-box img.captcha-image').src.indexOf(src) < 0",
                           arg=before)
    box.get_by_label("帳號", exact=False).fill("box.login@example.com")
    box.locator('input[type="password"]').fill(DEFAULT_PASSWORD)
    box.locator('input[name="captcha_1"]').fill("PASSED")  # CAPTCHA_TEST_MODE in the test settings
    box.locator("button[type=submit]").click()
    page.wait_for_url(live_server.url + "/volunteer/")
