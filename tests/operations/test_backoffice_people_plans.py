"""Unit data: the unit profile, service plans with the seven elements of Art.7, filing, the certificate
attachment, report due dates (end + 2 months; 28 February yearly for plans of two years or more and
for charter-exempt agencies and schools) and the list of plans due or overdue."""
from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from operations.models import AuditAction, AuditEvent, FilingStatus, OrgNode, RegistrationType, ServicePlan
from operations.services.plans import service_plan_create, service_plan_record_report, service_plan_update
from tests.conftest import fresh
from tests.factories import ServicePlanFactory, minimal_pdf

D = datetime.date
ELEMENTS = {f: f"{f} 內容" for f in ServicePlan.SEVEN_ELEMENTS}
PDF = minimal_pdf()


def pdf(name="cert.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- Due dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("registration", "start", "end", "due"), [
    # registered organisation, one-off plan: two months after the end, clamped to the month's last day
    (RegistrationType.REGISTERED, D(2025, 1, 1), D(2025, 6, 30), [(D(2025, 6, 30), D(2025, 8, 30))]),
    (RegistrationType.REGISTERED, D(2025, 1, 1), D(2025, 12, 31), [(D(2025, 12, 31), D(2026, 2, 28))]),
    (RegistrationType.REGISTERED, D(2023, 3, 1), D(2023, 12, 31), [(D(2023, 12, 31), D(2024, 2, 29))]),  # leap year
    # two years or more: every year by 28 February
    (RegistrationType.REGISTERED, D(2025, 1, 1), D(2026, 12, 31),
     [(D(2025, 12, 31), D(2026, 2, 28)), (D(2026, 12, 31), D(2027, 2, 28))]),
    # one day short of two years: a one-off plan
    (RegistrationType.REGISTERED, D(2025, 1, 2), D(2026, 12, 31), [(D(2026, 12, 31), D(2027, 2, 28))]),
    (RegistrationType.REGISTERED, D(2025, 1, 2), D(2026, 12, 30), [(D(2026, 12, 30), D(2027, 2, 28))]),
    # charter-exempt agency or school: yearly even for a short plan
    (RegistrationType.AGENCY, D(2025, 3, 1), D(2025, 6, 30), [(D(2025, 6, 30), D(2026, 2, 28))]),
    (RegistrationType.SCHOOL, D(2025, 9, 1), D(2026, 6, 30),
     [(D(2025, 12, 31), D(2026, 2, 28)), (D(2026, 6, 30), D(2027, 2, 28))]),
])
def test_report_due_dates(org, registration, start, end, due):
    OrgNode.objects.filter(pk=org.unit_b.pk).update(registration_type=registration)
    plan = ServicePlanFactory(unit=OrgNode.objects.get(pk=org.unit_b.pk), starts_on=start, ends_on=end)
    assert plan.report_periods() == due
    assert plan.report_due_on == due[0][1]


def test_recording_reports_advances_the_due_date_then_clears_it(org, settings):
    plan = ServicePlanFactory(unit=org.unit_a, starts_on=D(2023, 1, 1), ends_on=D(2024, 12, 31),
                              filing_status=FilingStatus.FILED, filing_reference="府社字第1號", filed_on=D(2022, 12, 1),
                              **ELEMENTS)
    assert plan.report_due_on == D(2024, 2, 28)
    with pytest.raises(ValidationError):  # the period is not over yet on that day
        service_plan_record_report(actor=None, plan=plan, submitted_on=D(2023, 6, 1))
    service_plan_record_report(actor=None, plan=plan, submitted_on=D(2024, 2, 1))
    plan.refresh_from_db()
    assert plan.reported_through == D(2023, 12, 31) and plan.report_due_on == D(2025, 2, 28)
    service_plan_record_report(actor=None, plan=plan, submitted_on=D(2025, 3, 5))
    plan.refresh_from_db()
    assert plan.report_due_on is None
    late = AuditEvent.objects.filter(action=AuditAction.UPDATED, object_id=str(plan.pk)).order_by("pk").last()
    assert late.changes["late"] is True
    with pytest.raises(ValidationError):
        service_plan_record_report(actor=None, plan=plan, submitted_on=D(2025, 3, 6))


def test_due_list_shows_overdue_and_due_soon_filed_plans_only(org, login):
    today = datetime.date.today()
    overdue = ServicePlanFactory(unit=org.unit_a, title="逾期計畫", starts_on=D(2020, 1, 1), ends_on=D(2020, 3, 1),
                                 filing_status=FilingStatus.FILED, **ELEMENTS)
    soon_end = today - datetime.timedelta(days=50)
    soon = ServicePlanFactory(unit=org.unit_b, title="即將到期", starts_on=soon_end - datetime.timedelta(days=30),
                              ends_on=soon_end, filing_status=FilingStatus.FILED, **ELEMENTS)
    OrgNode.objects.filter(pk=org.unit_b.pk).update(registration_type=RegistrationType.REGISTERED)
    soon.save()
    ServicePlanFactory(unit=org.unit_a, title="草稿", starts_on=D(2020, 1, 1), ends_on=D(2020, 3, 1))
    ServicePlanFactory(unit=org.unit_c, title="他處逾期", starts_on=D(2020, 1, 1), ends_on=D(2020, 3, 1),
                       filing_status=FilingStatus.FILED)
    client = login(org.officer_wmg)
    rows = list(client.get("/backoffice/plans/due/").context["table"].data)
    assert [p.title for p in rows] == ["逾期計畫", "即將到期"]
    assert rows[0].pk == overdue.pk
    body = client.get("/backoffice/plans/due/").content.decode()
    assert "逾期" in body
    overdue_only = client.get("/backoffice/plans/", {"report": "overdue"}).context["table"].data
    assert [p.title for p in overdue_only] == ["逾期計畫"]


# --- Filing rules ---------------------------------------------------------------------------------------

def test_a_draft_may_be_incomplete_but_submission_needs_the_seven_elements(org):
    plan = service_plan_create(actor=fresh(org.admin_a), unit=org.unit_a, title="草案", starts_on=D(2025, 1, 1),
                               ends_on=D(2025, 12, 31))
    assert plan.filing_status == FilingStatus.DRAFT
    with pytest.raises(ValidationError) as exc:
        service_plan_update(actor=fresh(org.admin_a), plan=plan, filing_status=FilingStatus.SUBMITTED,
                            purpose_authority=org.wmg)
    assert set(exc.value.message_dict) >= set(ServicePlan.SEVEN_ELEMENTS)
    assert ServicePlan.objects.get(pk=plan.pk).filing_status == FilingStatus.DRAFT
    service_plan_update(actor=fresh(org.admin_a), plan=plan, filing_status=FilingStatus.SUBMITTED,
                        purpose_authority=org.wmg, **ELEMENTS)
    assert ServicePlan.objects.get(pk=plan.pk).filing_status == FilingStatus.SUBMITTED


def test_only_an_authority_files_and_a_filed_plan_needs_reference_and_date(org):
    plan = service_plan_create(actor=None, unit=org.unit_a, title="計畫", starts_on=D(2025, 1, 1),
                               ends_on=D(2025, 12, 31), purpose_authority=org.wmg,
                               filing_status=FilingStatus.SUBMITTED, **ELEMENTS)
    with pytest.raises(ValidationError) as exc:
        service_plan_update(actor=fresh(org.admin_a), plan=plan, filing_status=FilingStatus.FILED,
                            filing_reference="北市體字第1號", filed_on=D(2025, 1, 5))
    assert "filing_status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        service_plan_update(actor=fresh(org.officer_wmg), plan=plan, filing_status=FilingStatus.FILED)
    assert {"filing_reference", "filed_on"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        service_plan_update(actor=fresh(org.officer_wmg), plan=plan, filing_status=FilingStatus.FILED,
                            filing_reference="北市體字第1號", filed_on=datetime.date.today() + datetime.timedelta(days=3))
    assert "filed_on" in exc.value.message_dict
    service_plan_update(actor=fresh(org.officer_wmg), plan=plan, filing_status=FilingStatus.FILED,
                        filing_reference="北市體字第1號", filed_on=D(2025, 1, 5))
    plan.refresh_from_db()
    assert (plan.filing_status, plan.filing_reference) == (FilingStatus.FILED, "北市體字第1號")


def test_plan_cannot_end_before_it_starts(org, login):
    response = login(org.admin_a).post(f"/backoffice/units/{org.unit_a.pk}/plans/new/", {
        "title": "倒轉計畫", "starts_on": "2025-12-31", "ends_on": "2025-01-01", "filing_status": "draft"})
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
    assert _("The plan cannot end before it starts.") in response.context["form"].errors["ends_on"]
    assert not ServicePlan.objects.exists()


def test_registered_organisation_must_attach_its_certificate(org):
    with pytest.raises(ValidationError) as exc:
        service_plan_create(actor=None, unit=org.unit_b, title="乙計畫", starts_on=D(2025, 1, 1),
                            ends_on=D(2025, 12, 31), purpose_authority=org.wmg,
                            filing_status=FilingStatus.SUBMITTED, **ELEMENTS)
    assert "certificate" in exc.value.message_dict
    plan = service_plan_create(actor=None, unit=org.unit_b, title="乙計畫", starts_on=D(2025, 1, 1),
                               ends_on=D(2025, 12, 31), purpose_authority=org.wmg,
                               filing_status=FilingStatus.SUBMITTED, certificate=pdf(), **ELEMENTS)
    assert plan.certificate.name.endswith(".pdf")


TYPE = "The certificate must be a PDF, PNG or JPEG file."
CONTENT = "The file's content does not match its type; upload the scanned certificate again."
SIZE = "The certificate file is larger than 5 MB."


@pytest.mark.parametrize(("upload", "message"), [
    (lambda: SimpleUploadedFile("cert.exe", b"MZ\x90\x00"), TYPE),
    (lambda: SimpleUploadedFile("cert.pdf", b"<html>not a pdf</html>"), CONTENT),
    (lambda: SimpleUploadedFile("cert.png", PDF), CONTENT),
    (lambda: SimpleUploadedFile("cert.pdf", PDF + b"0" * (5 * 1024 * 1024)), SIZE),
])
def test_certificate_type_size_and_content_are_checked(org, login, upload, message):
    client = login(org.admin_a)
    response = client.post(f"/backoffice/units/{org.unit_a.pk}/plans/new/", {
        "title": "附件計畫", "starts_on": "2025-01-01", "ends_on": "2025-12-31", "filing_status": "draft",
        "certificate": upload()})
    assert response.status_code == 200
    assert response.context["form"].errors["certificate"] == [_(message)]
    assert not ServicePlan.objects.exists()


def test_certificate_download_goes_through_the_scope(org, login):
    plan = service_plan_create(actor=None, unit=org.unit_b, title="乙計畫", starts_on=D(2025, 1, 1),
                               ends_on=D(2025, 12, 31), certificate=pdf())
    ok = login(org.admin_b).get(f"/backoffice/plans/{plan.pk}/certificate/")
    assert ok.status_code == 200 and b"".join(ok.streaming_content).startswith(b"%PDF")
    assert login(org.admin_a).get(f"/backoffice/plans/{plan.pk}/certificate/").status_code == 404


def test_create_and_edit_a_plan_over_http(org, login):
    client = login(org.admin_a)
    data = {"title": "甲場館志願服務計畫", "purpose_authority": org.wmg.pk, "starts_on": "2025-01-01",
            "ends_on": "2025-12-31", "filing_status": "submitted", **ELEMENTS}
    form_page = client.get(f"/backoffice/units/{org.unit_a.pk}/plans/new/")
    statuses = [v for v, _label in form_page.context["form"].fields["filing_status"].choices]
    assert "filed" not in statuses  # a unit admin cannot file their own plan
    response = client.post(f"/backoffice/units/{org.unit_a.pk}/plans/new/", data)
    plan = ServicePlan.objects.get()
    assert response.status_code == 302 and plan.filing_status == FilingStatus.SUBMITTED
    assert plan.report_due_on == D(2026, 2, 28)  # unit A is an agency: yearly
    officer = login(org.officer_wmg)
    response = officer.post(f"/backoffice/plans/{plan.pk}/edit/", {
        **data, "filing_status": "filed", "filing_reference": "世壯字第0001號", "filed_on": "2025-01-10"})
    assert response.status_code == 302
    detail = officer.get(f"/backoffice/plans/{plan.pk}/").content.decode()
    assert "世壯字第0001號" in detail and "2026-02-28" in detail


def test_edit_the_unit_profile(org, login):
    client = login(org.admin_a)
    page = client.get(f"/backoffice/units/{org.unit_a.pk}/edit/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update(contact_person="林主任", phone="02-2720-8889", email="a@example.org", registration_number="")
    response = client.post(f"/backoffice/units/{org.unit_a.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    unit = OrgNode.objects.get(pk=org.unit_a.pk)
    assert (unit.contact_person, unit.phone) == ("林主任", "02-2720-8889")
    # a registered organisation without its certificate number is refused
    data.update(registration_type=RegistrationType.REGISTERED, registration_number="")
    refused = client.post(f"/backoffice/units/{org.unit_a.pk}/edit/", data)
    assert refused.status_code == 200 and "registration_number" in refused.context["form"].errors
    assert OrgNode.objects.get(pk=org.unit_a.pk).registration_type == RegistrationType.AGENCY


def test_plan_list_is_scoped_and_exports(org, login):
    ServicePlanFactory(unit=org.unit_a, title="甲計畫")
    ServicePlanFactory(unit=org.unit_b, title="乙計畫")
    client = login(org.admin_a)
    assert [p.title for p in client.get("/backoffice/plans/").context["table"].data] == ["甲計畫"]
    body = b"".join(client.get("/backoffice/plans/export.csv").streaming_content).decode("utf-8-sig")
    assert "甲計畫" in body and "乙計畫" not in body
