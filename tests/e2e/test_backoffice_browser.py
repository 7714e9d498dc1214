"""A unit administrator logs in, browses the organisation tree and the volunteers of their own venue
only, reveals an ID with a reason; the same pages in English; a keyboard user finds the skip link."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from operations.models import AuditEvent, OrgNode, Volunteer
from tests.e2e.staff_login import staff_login

PASSWORD = "demo-2025-volunteer"


def login(page, live_server, username, prefix=""):
    staff_login(page, live_server, username, prefix)  # CAPTCHA and second factor included


def test_unit_admin_sees_only_their_venue(page, live_server, demo_data, shot):
    login(page, live_server, "unit_admin")
    page.wait_for_url(re.compile(r"/backoffice/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "儀表板"
    shot(page, "backoffice-dashboard-zh")

    page.get_by_role("link", name="運用單位資料維護").click()
    tree = page.locator("ul.tree")
    expect(tree.get_by_text("臺北大巨蛋").first).to_be_visible()  # waits for the page the click loads
    assert tree.get_by_text("臺北市立聯合醫院").count() == 0
    shot(page, "backoffice-org-tree-zh")

    page.get_by_role("link", name="志工運用及團隊管理").click()
    page.wait_for_url(re.compile(r"/backoffice/volunteers/"))
    dome = OrgNode.objects.get(code="wmg-taipei-dome")
    rows = page.locator("table.data-table tbody tr")
    assert rows.count() > 0
    body = page.locator("table.data-table tbody").inner_text()
    # IDs appear masked only
    assert re.search(r"[A-Z][0-9]{5}\*{4}", body)
    assert not re.search(r"[A-Z][0-9]{9}", body)
    # every listed volunteer is a member of a team of this venue
    hrefs = page.locator("table.data-table tbody tr td:first-child a").evaluate_all("els => els.map(e => e.href)")
    listed = {int(re.search(r"/volunteers/(\d+)/", href).group(1)) for href in hrefs}
    members = set(
        Volunteer.objects.filter(memberships__team__path__startswith=dome.path).values_list("pk", flat=True)
    )
    assert listed and listed <= members
    shot(page, "backoffice-volunteers-zh")

    rows.first.locator("a").first.click()
    page.get_by_text("顯示完整身分證號").click()
    page.get_by_label("查閱完整號碼的原因").fill("辦理保險加保")
    page.get_by_role("button", name="顯示並記錄").click()
    assert page.locator("dd.mono strong").inner_text()
    assert re.fullmatch(r"[A-Z][0-9A-D][0-9]{8}", page.locator("dd.mono strong").inner_text())
    assert AuditEvent.objects.filter(action="id_revealed", reason="辦理保險加保").count() == 1
    shot(page, "backoffice-volunteer-revealed-zh")


def test_english_back_office_and_skip_link(page, live_server, demo_data, shot):
    login(page, live_server, "hospital_admin", prefix="/en")
    page.wait_for_url(re.compile(r"/en/backoffice/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    page.get_by_role("link", name="Volunteer and team management").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Volunteers")  # waits for the page the click loads
    shot(page, "backoffice-volunteers-en")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" in focused


def test_out_of_scope_volunteer_is_not_found(page, live_server, demo_data, shot):
    outsider = Volunteer.objects.filter(memberships__team__code__startswith="hosp-").first()
    login(page, live_server, "unit_admin")
    page.wait_for_url(re.compile(r"/backoffice/$"))
    response = page.goto(f"{live_server.url}/backoffice/volunteers/{outsider.pk}/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "找不到頁面"
    shot(page, "backoffice-404-zh")
