"""The unit administrator of 臺北大巨蛋 generates today's shifts for their venue with a preview, reviews
the sign-ups (accept two, reject one with a reason), looks at the suggested volunteers and the fill
rates, prints the day sheet (a text PDF in Chinese), and a volunteer checks in on their phone through
the venue QR code; the live view and the day sheet show it. Screenshots in Chinese and English."""
from __future__ import annotations

import datetime
import io
import re

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from playwright.sync_api import expect

from operations.models import (
    Attendance,
    Campaign,
    CampaignStatus,
    FilingStatus,
    OrgNode,
    Position,
    ServicePlan,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    User,
    Volunteer,
)
from operations.services.attendance import shift_qr_token
from operations.services.signups import signup_create
from tests.conftest import wait_for
from tests.e2e.staff_login import staff_login

PASSWORD = "demo-2025-volunteer"


def login(page, live_server, username, prefix=""):
    staff_login(page, live_server, username, prefix)  # CAPTCHA and second factor included
    page.wait_for_url(re.compile(r"/backoffice/$"))


def session_cookie_for(user, live_server) -> dict:
    """A logged-in session for `user` (what the volunteer zone's log-in would give the phone)."""
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}


def _reviewed_campaign_at_the_dome():
    """A reviewed recruitment of the dome for today, under a filed plan (set up by the organiser)."""
    dome = OrgNode.objects.get(code="wmg-taipei-dome")
    team = OrgNode.objects.filter(path__startswith=dome.path, kind="team").order_by("path").first()
    today = timezone.localdate()
    plan = ServicePlan.objects.create(
        unit=dome, title="大巨蛋場館志工服務計畫", starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=60), filing_status=FilingStatus.FILED,
        filing_reference="北市社志字第1140000099號", filed_on=today - datetime.timedelta(days=20),
    )
    campaign = Campaign.objects.create(
        unit=dome, service_plan=plan, code="dome-today", title="大巨蛋今日賽事志工", title_en="Dome match-day volunteers",
        signup_mode=SignupMode.REVIEWED, status=CampaignStatus.OPEN, starts_on=today,
        ends_on=today + datetime.timedelta(days=7), cancel_deadline_hours=0,
    )
    position = Position.objects.create(campaign=campaign, venue=dome, team=team, title="大巨蛋｜觀眾引導",
                                       title_en="Taipei Dome · Spectator guidance")
    return dome, team, position


def test_unit_admin_generates_reviews_prints_and_checks_in(page, browser, live_server, demo_data, shot):
    dome, team, position = _reviewed_campaign_at_the_dome()
    today = timezone.localdate()
    login(page, live_server, "unit_admin")

    # --- recruitment: the campaign, the position, the pattern with a preview ---------------------
    page.get_by_role("link", name=re.compile("招募媒合|Recruitment and matching")).click()
    page.wait_for_url(re.compile(r"/backoffice/recruitment/"))
    page.get_by_role("link", name="大巨蛋今日賽事志工").click()
    shot(page, "recruitment-campaign-detail-zh")
    page.get_by_role("link", name="大巨蛋｜觀眾引導").click()
    page.get_by_role("link", name=re.compile("批次產生班次|Generate shifts")).click()
    page.locator("#id_date_from").fill(today.isoformat())
    page.locator("#id_date_to").fill((today + datetime.timedelta(days=1)).isoformat())
    rows = [("上午班", "00:00", "12:00", "3"), ("下午班", "12:00", "23:59", "3"), ("", "", "", ""), ("", "", "", ""),
            ("", "", "", "")]
    for i, (name, start, end, headcount) in enumerate(rows):
        page.locator(f"#id_slot-{i}-name").fill(name)
        page.locator(f"#id_slot-{i}-start").fill(start)
        page.locator(f"#id_slot-{i}-end").fill(end)
        page.locator(f"#id_slot-{i}-headcount").fill(headcount)
    # first an overlapping pattern: refused with a message, nothing written
    page.locator("#id_slot-1-start").fill("11:00")
    page.get_by_role("button", name=re.compile("^(預覽|Preview)$")).click()
    expect(page.locator(".form-errors[role=alert]")).to_be_visible()  # waits for the page the click loads
    assert Shift.objects.filter(position=position).count() == 0
    shot(page, "recruitment-generate-overlap-zh")
    page.locator("#id_slot-1-start").fill("12:00")
    page.get_by_role("button", name=re.compile("^(預覽|Preview)$")).click()
    expect(page.locator("#preview-h")).to_be_visible()  # waits for the page the click loads
    assert page.locator("section[aria-labelledby=preview-h] tbody tr").count() == 4
    shot(page, "recruitment-generate-preview-zh")
    page.get_by_role("button", name=re.compile("建立 4 個班次|Create 4 shifts")).click()
    page.wait_for_url(re.compile(rf"/backoffice/recruitment/positions/{position.pk}/$"))
    assert Shift.objects.filter(position=position).count() == 4
    shot(page, "recruitment-position-shifts-zh")

    # --- volunteers sign up (reviewed campaign), the admin decides -------------------------------
    now = timezone.localtime()
    current = Shift.objects.filter(position=position, date=today).order_by("start_time")
    shift = current.filter(start_time__lte=now.time(), end_time__gt=now.time()).first() or current.last()
    members = list(Volunteer.objects.filter(memberships__team__path__startswith=dome.path,
                                            birth_date__lte=today.replace(year=today.year - 18)).distinct()[:3])
    yesterday = timezone.now() - datetime.timedelta(days=1)  # they signed up before the shift began
    signups = [signup_create(volunteer=v, shift=shift, now=yesterday) for v in members]
    assert {s.status for s in signups} == {SignupStatus.APPLIED}
    page.locator("nav.module-nav").get_by_role("link", name=re.compile("招募媒合|Recruitment and matching")).click()
    page.get_by_role("link", name=re.compile("報名審核|Review sign-ups")).click()
    page.wait_for_url(re.compile(r"/backoffice/recruitment/signups/"))
    for signup in signups[:2]:
        page.locator(f"input[name=signups][value='{signup.pk}']").check()
    page.locator("#id_decision").select_option("accepted")
    shot(page, "recruitment-review-zh")
    page.get_by_role("button", name=re.compile("送出審核結果|Apply the decision")).click()
    expect(page.locator(".messages")).to_be_visible()  # waits for the page the click loads
    page.locator(f"input[name=signups][value='{signups[2].pk}']").check()
    page.locator("#id_decision").select_option("rejected")
    page.locator("#id_reason").fill("本班次已安排足夠人力")
    page.get_by_role("button", name=re.compile("送出審核結果|Apply the decision")).click()
    wait_for(lambda: Signup.objects.get(pk=signups[2].pk).status == "rejected")  # the click's request has run
    statuses = dict(Signup.objects.filter(pk__in=[s.pk for s in signups]).values_list("pk", "status"))
    assert [statuses[s.pk] for s in signups] == ["accepted", "accepted", "rejected"]

    # --- matching and fill rates -----------------------------------------------------------------
    page.goto(f"{live_server.url}/backoffice/recruitment/shifts/{shift.pk}/match/")
    assert page.locator("ol.candidates > li").count() >= 1
    shot(page, "recruitment-match-zh")
    page.goto(f"{live_server.url}/backoffice/recruitment/fill-rates/")
    assert "臺北大巨蛋" in page.locator("#venue-h + .table-container").inner_text()
    shot(page, "recruitment-fill-rates-zh")

    # --- the day sheet: printable PDF and the venue QR code --------------------------------------
    page.goto(f"{live_server.url}/backoffice/attendance/shifts/{shift.pk}/")
    assert page.locator("table.day-sheet tbody tr").count() == 2
    assert page.locator("img[src$='qr.svg']").evaluate("img => img.naturalWidth") > 0
    shot(page, "attendance-day-sheet-zh")
    href = page.get_by_role("link", name=re.compile("列印簽到表|Print the day sheet")).get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text().replace(" ", "").replace("\x00", "")
    assert "志工簽到表" in text and members[0].name in text
    page.goto(f"{live_server.url}/backoffice/attendance/shifts/{shift.pk}/qr/")
    shot(page, "attendance-qr-poster-zh")

    # --- the volunteer scans the QR code on their phone and confirms -----------------------------
    volunteer = members[0]
    account = User.objects.create_user(username="dome-volunteer", password=PASSWORD)
    volunteer.user = account
    volunteer.save(update_fields=["user"])
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-TW", is_mobile=True)
    try:
        phone.add_cookies([session_cookie_for(account, live_server)])
        mobile = phone.new_page()
        mobile.goto(f"{live_server.url}/backoffice/checkin/{shift_qr_token(shift=shift)}/")
        assert volunteer.name in mobile.locator("main").inner_text()
        shot(mobile, "attendance-checkin-phone-zh")
        mobile.get_by_role("button", name=re.compile("確認簽到|Confirm check-in")).click()
        expect(mobile.locator(".messages")).to_be_visible()  # waits for the page the click loads
        shot(mobile, "attendance-checkin-done-phone-zh")
    finally:
        phone.close()
    attendance = Attendance.objects.get(signup__volunteer=volunteer, shift=shift)
    assert attendance.check_in_method == "qr" and attendance.check_in_at is not None

    page.goto(f"{live_server.url}/backoffice/attendance/shifts/{shift.pk}/")
    assert timezone.localtime(attendance.check_in_at).strftime("%H:%M") in page.locator("table.day-sheet").inner_text()
    page.goto(f"{live_server.url}/backoffice/attendance/venues/{dome.pk}/live/")
    shot(page, "attendance-venue-live-zh")

    # --- the same screens in English -------------------------------------------------------------
    page.goto(f"{live_server.url}/en/backoffice/attendance/shifts/{shift.pk}/")
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "attendance-day-sheet-en")
    page.goto(f"{live_server.url}/en/backoffice/recruitment/fill-rates/")
    shot(page, "recruitment-fill-rates-en")
    page.goto(f"{live_server.url}/en/backoffice/recruitment/positions/{position.pk}/generate/")
    shot(page, "recruitment-generate-en")
