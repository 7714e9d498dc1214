"""Half-year and annual report pages: the list and the detail in both languages, a new report, the manual
fields, recompute (the changes shown), submit twice (one review), re-open with a reason, the exports read back
(ODS, XLSX, CSV, the Chinese PDF with pypdf), the dashboard and the roll-ups (approved vs live, drill-down,
scope), and bad input (a clear message, nothing written)."""
from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from operations.models import AuditEvent, PeriodKind, PeriodReport, ReportStatus, Review
from operations.services import reports as svc
from tests.conftest import fresh

from .test_backoffice_people_exports import read_ods, read_xlsx
from .test_reports_services import approve_all, person

pytestmark = pytest.mark.django_db

D = datetime.date
H1 = {"period_kind": "half", "year": "2025", "half": "1"}


def reports_matrix_objects(o):
    """The permission matrix's inside (unit A) and outside (unit C) reports, both drafts."""
    o.report_in = svc.report_create(actor=o.sysadmin, unit=o.unit_a, period_kind=PeriodKind.HALF, year=2025, half=1)
    o.report_out = svc.report_create(actor=o.sysadmin, unit=o.unit_c, period_kind=PeriodKind.HALF, year=2025, half=1)


def en(path: str) -> str:
    """The English back-office: the same page under /en/."""
    return path if path.startswith("/en/") else f"/en{path}"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def report(org):
    return svc.report_create(actor=fresh(org.admin_a), unit=org.unit_a, period_kind=PeriodKind.HALF, year=2025, half=1)


def test_list_and_detail_in_both_languages(org, login, report):
    client = login(org.admin_a)
    page = client.get(reverse("operations:report_list")).content.decode()
    assert reverse("operations:report_detail", args=[report.pk]) in page
    zh = client.get(reverse("operations:report_detail", args=[report.pk])).content.decode()
    assert "年齡" in zh and "服務時數" in zh
    detail = client.get(en(reverse("operations:report_detail", args=[report.pk])))
    html = detail.content.decode()
    assert detail.status_code == 200
    for caption in ("Volunteers by sex and age band", "Service hours", "Training sessions and attendees by kind",
                    "Volunteers by service category", "<caption>"):
        assert caption in html
    assert 'scope="row"' in html and 'scope="col"' in html
    assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"甲場館|世壯運籌委會|臺北市政府社會局|[\u4e00-\u9fff]+志工隊", "",
                                                        html.split("<main", 1)[1].split("</main>", 1)[0]))


def test_create_through_the_page_and_bad_input(org, login):
    client = login(org.admin_a)
    url = reverse("operations:report_create")
    assert client.get(url).status_code == 200
    for bad in ({"unit": org.unit_a.pk, "period_kind": "half", "year": "2025", "half": ""},
                {"unit": org.unit_a.pk, "period_kind": "year", "year": "abc"},
                {"unit": org.unit_a.pk, "period_kind": "year", "year": "99999999999999"},
                {"unit": org.unit_c.pk, "period_kind": "year", "year": "2025"},   # not my unit
                {"unit": org.unit_a.pk, "period_kind": "year", "year": "2200"}):  # not ended
        response = client.post(url, bad)
        assert response.status_code == 200 and "form-errors" in response.content.decode(), bad
    assert PeriodReport.objects.count() == 0
    response = client.post(url, {"unit": org.unit_a.pk, **H1})
    report = PeriodReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("operations:report_detail", args=[report.pk])
    client.post(url, {"unit": org.unit_a.pk, **H1})  # a double click
    assert PeriodReport.objects.count() == 1


def test_edit_recompute_submit_twice_and_reopen(org, login, report):
    client = login(org.admin_a)
    edit = reverse("operations:report_edit", args=[report.pk])
    bad = client.post(edit, {"government_subsidy": "-5", "own_funds": "0", "plan_narrative": "x"})
    assert bad.status_code == 200
    report.refresh_from_db()
    assert report.plan_narrative == ""
    client.post(edit, {"government_subsidy": "120000", "own_funds": "3000", "plan_narrative": "依計畫辦理", "notes": ""})
    report.refresh_from_db()
    assert report.government_subsidy == 120000 and report.plan_narrative == "依計畫辦理"
    person(org, D(1990, 1, 1), joined=D(2025, 5, 1))
    client.post(reverse("operations:report_recompute", args=[report.pk]))
    page = client.get(en(reverse("operations:report_detail", args=[report.pk]))).content.decode()
    assert "Changed by the last recompute" in page and "Joined in the period" in page
    submit = reverse("operations:report_submit", args=[report.pk])
    client.post(submit)
    second = client.post(submit, follow=True)
    assert "already been submitted" in second.content.decode()
    assert Review.objects.count() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW
    # locked while in review: the edit page sends back to the report
    assert client.get(edit).status_code == 302
    report = approve_all(org, report)
    reopen = reverse("operations:report_reopen", args=[report.pk])
    assert client.post(reopen, {"reason": "   "}).status_code == 200
    assert PeriodReport.objects.count() == 1
    response = client.post(reopen, {"reason": "漏列時數"})
    new = PeriodReport.objects.get(version=2)
    assert response["Location"] == reverse("operations:report_detail", args=[new.pk])
    assert client.post(reopen, {"reason": "again"}).status_code == 200  # already re-opened: refused, shown
    assert PeriodReport.objects.count() == 2


def test_exports_read_back(org, login, report):
    svc.report_update(actor=fresh(org.admin_a), report=report, data={"plan_narrative": "本期依計畫招募與訓練志工"})
    client = login(org.admin_a)
    before = AuditEvent.objects.count()
    ods = read_ods(body(client.get(reverse("operations:report_export", args=[report.pk, "ods"]))))
    xlsx = read_xlsx(body(client.get(reverse("operations:report_export", args=[report.pk, "xlsx"]))))
    text = body(client.get(reverse("operations:report_export", args=[report.pk, "csv"]))).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == len(ods) == len(xlsx)
    volunteers = [r for r in rows if r[1] in ("Volunteers at the end of the period", "期末志工人數")]
    assert volunteers and volunteers[0][3] == "2"
    pdf = client.get(reverse("operations:report_export", args=[report.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    extracted = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).replace("\x00", "")
    assert "甲場館" in extracted and "成果報告" in extracted and "本期依計畫招募與訓練志工" in extracted
    assert client.get(reverse("operations:report_export", args=[report.pk, "doc"])).status_code == 400
    assert AuditEvent.objects.count() == before + 4


def test_another_units_report_answers_like_a_missing_one(org, login, report):
    client = login(org.admin_b)
    for name in ("report_detail", "report_edit", "report_reopen"):
        assert client.get(reverse(f"operations:{name}", args=[report.pk])).status_code == 404
        assert client.get(reverse(f"operations:{name}", args=[999999])).status_code == 404
    assert client.post(reverse("operations:report_submit", args=[report.pk])).status_code == 404
    assert client.get(reverse("operations:report_export", args=[report.pk, "ods"])).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert client.get(reverse("operations:report_dashboard")).status_code == 403


def test_dashboard_and_rollups(org, login, report):
    svc.report_submit(actor=fresh(org.admin_a), report=report)
    approve_all(org, report)
    client = login(org.officer_root)
    dash = client.get(en(reverse("operations:report_dashboard")), H1).content.decode()
    assert "Venue A" in dash or "甲場館" in dash
    assert client.get(reverse("operations:report_dashboard"), {"period_kind": "half", "year": "x"}).status_code == 200
    url = reverse("operations:report_rollup")
    approved = client.get(en(url), {**H1, "source": "approved"}).content.decode()
    assert "Figures from approved reports" in approved and "1 of 3 units counted" in approved
    live = client.get(en(url), {**H1, "source": "live"}).content.decode()
    assert "Figures from live data" in live and "3 of 3 units counted" in live
    drill = client.get(en(url), {**H1, "source": "live", "node": org.wmg.pk})
    assert drill.status_code == 200 and "2 of 2 units counted" in drill.content.decode()
    # a node outside the officer's part, not an authority, or not an id: like a missing one
    wmg_officer = login(org.officer_wmg)
    for node in (org.root.pk, org.unit_a.pk, "abc", "999999"):
        assert wmg_officer.get(url, {**H1, "node": node}).status_code == 404, node
    client = login(org.officer_root)  # the same test client: back to the city's officer
    exported = body(client.get(reverse("operations:report_rollup_export", args=["csv"]), {**H1, "source": "live"}))
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows[-1][0] in ("Total", "合計") and rows[-1][3] == "5", rows
    assert client.get(reverse("operations:report_rollup_export", args=["csv"]),
                      {"period_kind": "half", "year": "x"}).status_code == 400
