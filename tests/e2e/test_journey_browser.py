"""The volunteer journey in headless Chromium: register → confirm the e-mail (link from the test outbox)
→ log in with the CAPTCHA in its test mode → find a WMG shift with filters → sign up → see it in the
volunteer zone → cancel. Then the same pages in English and on a phone. Screenshots in
test-artifacts/screenshots/journey-*.png."""
from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from operations.models import Signup, SignupStatus

PASSWORD = "Plum-Blossom-2025"


@pytest.fixture
def recruitment_page(demo_data):
    from cms.recruitment_pages import ensure_recruitment_page

    return ensure_recruitment_page()


def outbox_link(pattern: str) -> str:
    for message in reversed(mail.outbox):
        found = re.search(pattern, message.body)
        if found:
            return found.group(1)
    raise AssertionError(f"no e-mail with {pattern}: {[m.subject for m in mail.outbox]}")


@pytest.mark.celery
def test_register_confirm_login_find_sign_up_and_cancel(browser, page, live_server, recruitment_page, shot):
    from tests.conftest import wait_for

    base = live_server.url
    page.goto(f"{base}/volunteer/register/")
    assert page.locator("details.privacy-notice").is_visible()
    page.fill("input[name=email]", "mei.lin@example.com")
    page.fill("input[name=phone]", "0912345678")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.select_option("select[name=id_type]", "national_id")
    page.fill("input[name=id_number]", "A123456789")
    page.fill("input[name=name]", "林美華")
    page.check("input[name=sex][value=F]")
    page.fill("input[name=birth_date]", "1990-03-14")
    page.check("input[name=privacy_notice]")
    page.fill("input[name=captcha_1]", "PASSED")
    shot(page, "journey-01-register-zh")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/volunteer/register/sent/$"))
    shot(page, "journey-02-register-done-zh")

    wait_for(lambda: any("/volunteer/confirm/" in m.body for m in mail.outbox))
    page.goto(base + outbox_link(r"https?://[^/\s]+(/volunteer/confirm/\S+/)"))
    page.wait_for_url(re.compile(r"/volunteer/login/"))
    page.fill("input[name=username]", "Mei.Lin@example.com")
    page.fill("input[name=password]", PASSWORD)
    assert page.locator("img.captcha-image").is_visible()
    old_src = page.locator("img.captcha-image").get_attribute("src")
    page.locator("button.captcha-refresh").click()
    page.wait_for_function(f"document.querySelector('img.captcha-image').src.indexOf({old_src!r}) === -1")
    page.fill("input[name=captcha_1]", "PASSED")
    shot(page, "journey-03-login-zh")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/volunteer/$"))
    assert "林美華" in page.locator("h1").inner_text()
    shot(page, "journey-04-zone-zh")

    page.goto(f"{base}{recruitment_page.url}")
    page.select_option("select[name=city]", "taipei")
    page.select_option("select[name=group]", "競賽組")
    page.check("input[name=free]")
    page.locator("form.recruit-filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"city=taipei"))
    assert "競賽組" in page.locator("main").inner_text()
    shot(page, "journey-05-recruitment-filtered-zh")
    first_box = page.locator("input[name=shift]").first
    first_box.check()
    page.locator(".sticky-actions button").first.click()
    page.wait_for_url(re.compile(r"/volunteer/signup/"))
    shot(page, "journey-06-signup-confirm-zh")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector(".signup-results")
    shot(page, "journey-07-signup-result-zh")
    signup = Signup.objects.get(volunteer__user__username="mei.lin@example.com")
    assert signup.status == SignupStatus.ACCEPTED

    page.goto(f"{base}/volunteer/shifts/")
    assert signup.shift.position.title in page.locator("main").inner_text()
    shot(page, "journey-08-my-shifts-zh")
    page.locator(f"a[href$='/shifts/{signup.pk}/cancel/']").click()
    shot(page, "journey-09-cancel-confirm-zh")
    page.locator("main form button.danger").click()
    page.wait_for_url(re.compile(r"/volunteer/shifts/$"))
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CANCELLED
    shot(page, "journey-10-cancelled-zh")

    # English pages of the same journey.
    page.goto(f"{base}/en{recruitment_page.url}".replace("/en/en/", "/en/"))
    shot(page, "journey-11-recruitment-en")
    page.goto(f"{base}/en/volunteer/")
    assert "Welcome" in page.locator("h1").inner_text()
    shot(page, "journey-12-zone-en")
    page.goto(f"{base}/en/volunteer/shifts/")
    shot(page, "journey-13-my-shifts-en")
    page.goto(f"{base}/en/volunteer/profile/")
    shot(page, "journey-14-profile-en")
    page.goto(f"{base}/volunteer/profile/")
    shot(page, "journey-14-profile-zh")
    page.goto(f"{base}/en/volunteer/roster/")
    shot(page, "journey-15-roster-en")
    page.goto(f"{base}/volunteer/my-data/")
    shot(page, "journey-16-my-data-zh")
    page.goto(f"{base}/volunteer/preferences/")
    shot(page, "journey-17-preferences-zh")

    # Log-in and registration in English, and the pages on a phone (one test: the demo data is loaded once).
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    phone = context.new_page()
    try:
        phone.goto(f"{base}/en/volunteer/login/")
        assert phone.locator("img.captcha-image").is_visible()
        shot(phone, "journey-20-login-en-phone")
        phone.goto(f"{base}/en/volunteer/register/")
        phone.locator("form button[type=submit]").last.click()
        expect(phone.locator(".form-errors")).to_be_visible()  # waits for the page the click loads
        shot(phone, "journey-21-register-errors-en-phone")
        phone.goto(f"{base}{recruitment_page.url}")
        shot(phone, "journey-22-recruitment-zh-phone")
        phone.goto(f"{base}/volunteer/forgot-account/")
        shot(phone, "journey-23-forgot-account-zh-phone")
    finally:
        context.close()
