"""Browser test (headless Chromium) of the team, unit-data and unit-application screens: a unit
administrator creates a team, adds a member and names them sub-team captain, removes a member after
the confirmation page, keeps a service plan; an authority officer approves an application to become a
unit; the same screens in English. Screenshots go to test-artifacts/screenshots/backoffice-people-*."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from operations.models import ApplicationStatus, Membership, OrgNode, RoleGrant, ServicePlan, Volunteer
from operations.services.unit_applications import unit_application_submit
from tests.e2e.staff_login import staff_login

PASSWORD = "demo-2025-volunteer"


def login(page, live_server, username, prefix=""):
    staff_login(page, live_server, username, prefix)  # CAPTCHA and second factor included
    page.wait_for_url(re.compile(r"/backoffice/$"))


def test_unit_admin_manages_teams_members_and_plans(page, live_server, demo_data, shot):
    dome = OrgNode.objects.get(code="wmg-taipei-dome")
    login(page, live_server, "unit_admin")
    page.get_by_role("link", name="志工運用及團隊管理").click()
    page.get_by_role("navigation", name=re.compile("志工運用及團隊管理|Volunteer and team management")).get_by_role("link", name=re.compile("^(志工隊|Teams)$")).click()
    page.wait_for_url(re.compile(r"/backoffice/teams/"))
    assert page.locator("table.data-table tbody tr").count() > 0
    shot(page, "backoffice-people-team-list-zh")

    page.get_by_text(re.compile("^(建立隊伍|Create a team)$")).click()
    page.get_by_role("link", name=dome.name).click()
    page.locator("#id_name").fill("場館引導組")
    page.locator("#id_name_en").fill("Wayfinding")
    shot(page, "backoffice-people-team-create-zh")
    page.get_by_role("button", name=re.compile("^(儲存|Save)$")).click()
    page.wait_for_url(re.compile(r"/backoffice/teams/\d+/$"))
    team = OrgNode.objects.get(name="場館引導組")
    assert team.get_parent() == dome

    # add a member found by name, as group leader
    volunteer = Volunteer.objects.filter(memberships__team__path__startswith=dome.path).order_by("pk").first()
    page.get_by_role("link", name=re.compile("新增隊員|Add a member")).click()
    page.locator("#member-q").fill(volunteer.name)
    page.locator("#member-q").press("Enter")
    row = page.locator("table.data-table tbody tr").filter(has_text=volunteer.name).first
    row.locator("select").select_option("group_leader")
    shot(page, "backoffice-people-member-add-zh")
    row.get_by_role("button").click()
    page.wait_for_url(re.compile(rf"/backoffice/teams/{team.pk}/$"))
    membership = Membership.objects.get(volunteer=volunteer, team=team)
    assert membership.cadre_role == "group_leader"
    assert page.locator("table.data-table").filter(has_text=volunteer.name).count() == 1
    shot(page, "backoffice-people-team-detail-zh")

    # remove the member: a confirmation page with date and reason
    page.get_by_role("link", name=re.compile(f"(離隊|Remove) {volunteer.name}")).click()
    page.wait_for_url(re.compile(r"/memberships/\d+/end/"))
    page.locator("#id_reason").fill("轉任其他場館")
    shot(page, "backoffice-people-member-end-zh")
    page.locator("form.panel button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/backoffice/teams/{team.pk}/$"))
    membership.refresh_from_db()
    assert membership.left_on is not None and membership.leave_reason == "轉任其他場館"

    # closing asks first
    page.get_by_role("link", name=re.compile("結束隊伍|Close the team")).click()
    expect(page.locator(".warning-panel")).to_have_count(1)  # waits for the page the click loads
    shot(page, "backoffice-people-team-close-zh")
    assert OrgNode.objects.get(pk=team.pk).is_active

    # unit data: a service plan for the venue
    page.get_by_role("link", name="運用單位資料維護").click()
    page.get_by_role("navigation", name=re.compile("運用單位資料維護|Unit data")).get_by_role("link", name=re.compile("^(運用單位|Units)$")).click()
    page.get_by_role("link", name=dome.name).click()
    shot(page, "backoffice-people-unit-detail-zh")
    page.get_by_role("link", name=re.compile("新增志願服務計畫|New service plan")).click()
    page.locator("#id_title").fill("大巨蛋賽會志工計畫")
    page.locator("#id_starts_on").fill("2025-04-01")
    page.locator("#id_ends_on").fill("2025-05-31")
    for field in ("recruitment", "training", "management", "deployment", "guidance", "evaluation", "service_items"):
        page.locator(f"#id_{field}").fill("依執委會規定辦理")
    page.locator("#id_filing_status").select_option("submitted")
    shot(page, "backoffice-people-plan-form-zh")
    page.get_by_role("button", name=re.compile("^(儲存|Save)$")).click()
    page.wait_for_url(re.compile(r"/backoffice/plans/\d+/$"))
    plan = ServicePlan.objects.get(title="大巨蛋賽會志工計畫")
    assert plan.filing_status == "submitted" and plan.report_due_on is not None
    shot(page, "backoffice-people-plan-detail-zh")


def test_officer_approves_an_application_and_reads_english_pages(page, live_server, demo_data, shot):
    committee = OrgNode.objects.get(code="wmg-committee")
    application = unit_application_submit(
        organisation_name="信義區長青協會", organisation_name_en="Xinyi Seniors Association", category="social_welfare",
        registration_type="registered", registration_number="北市社團字第4321號", purpose_authority=committee,
        city="taipei", district="信義區", address="松仁路100號", contact_person="林理事長",
        contact_phone="02-2729-0000", contact_email="chair@xinyi.example.org", service_summary="賽會期間長者導覽",
    )
    login(page, live_server, "wmg_officer")
    page.get_by_role("link", name="運用單位資料維護").click()
    page.get_by_role("link", name=re.compile("運用單位申請案|Unit applications")).click()
    shot(page, "backoffice-people-applications-zh")
    page.get_by_role("link", name=application.reference).click()
    shot(page, "backoffice-people-application-detail-zh")
    page.locator("#id_code").fill("xinyi-seniors")
    page.get_by_role("button", name=re.compile("核准並建立運用單位|Approve and create the unit")).click()
    page.wait_for_url(re.compile(rf"/backoffice/unit-applications/{application.pk}/$"))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert RoleGrant.objects.filter(node__code="xinyi-seniors", role="unit_admin").exists()
    shot(page, "backoffice-people-application-approved-zh")

    page.goto(f"{live_server.url}/en/backoffice/plans/due/")
    assert page.get_by_role("heading", level=1).inner_text() == "Result reports due or overdue"
    shot(page, "backoffice-people-plans-due-en")
    page.goto(f"{live_server.url}/en/backoffice/teams/")
    assert page.get_by_role("heading", level=1).inner_text() == "Teams"
    shot(page, "backoffice-people-team-list-en")
