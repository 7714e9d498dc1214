"""Statistics pages and the national export over HTTP: the chart, its table and its download hold the same
figures; both languages; hostile filters answer 200 with a message or 400, never 500; the national export's
layouts read back, its dry run, its audit record and its scope."""
from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.models import (
    AuditAction,
    AuditEvent,
    CourseKind,
    RecordBook,
    ServiceRecord,
    TrainingCertificate,
    UnitCategory,
)
from operations.selectors.national_export import LAYOUTS
from operations.views.statistics import QUESTIONS
from tests.conftest import CJK_RE
from tests.factories import CampaignFactory, PositionFactory, ShiftFactory, SignupFactory

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the roll-up checked after each test)

pytestmark = pytest.mark.django_db


def en(path: str) -> str:
    """The English back-office: the same page under /en/ (`reverse` already says /en/ after an English request)."""
    return path if path.startswith("/en/") else f"/en{path}"
PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}


def _data(org):
    for day, hours, category in ((datetime.date(2026, 1, 10), "3.5", UnitCategory.SPORTS),
                                 (datetime.date(2026, 2, 10), "2.0", UnitCategory.HEALTH)):
        ServiceRecord.objects.create(volunteer=org.vol_a, unit=org.unit_a, date=day, category=category,
                                     content="引導", minutes=int(float(hours) * 60), hours=Decimal(hours))
    campaign = CampaignFactory(unit=org.wmg, code="wmg-2025")
    position = PositionFactory(campaign=campaign, venue=org.unit_a, team=org.team_a, volunteers_needed=4)
    SignupFactory(volunteer=org.vol_a, shift=ShiftFactory(position=position, headcount=4), status="accepted")
    return campaign


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("question", [q.slug for q in QUESTIONS])
def test_chart_table_and_download_hold_the_same_figures(org, login, question):
    _data(org)
    q = next(q for q in QUESTIONS if q.slug == question)
    client = login(org.sysadmin)
    response = client.get(en(reverse(f"operations:{q.url_name}")), PERIOD)
    assert response.status_code == 200
    figure = response.context["figure"]
    html = response.content.decode()
    assert '<svg' in html and 'role="img"' in html and "<desc" in html or figure.is_empty
    for label, cells in figure.labelled_rows:
        for name, value in cells:
            if figure.kind != "line" and not figure.is_empty and value:
                # every bar of the chart is titled "row · series: value"
                assert f"{label} · {name}: " in html.replace("&lt;", "<").replace("&gt;", ">")
    table = html[html.index('<table class="data-table statistics-table">'):] if figure.categories else ""
    for label, cells in figure.labelled_rows:
        assert f'<th scope="row">{label.replace("<", "&lt;")}</th>' in table
        for name, value in cells:
            assert f'<td data-label="{name}">{value}</td>' in table.replace("&#x27;", "'")
    download = client.get(en(reverse(f"operations:{q.url_name}_export", args=["csv"])), PERIOD)
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(_body(download).decode("utf-8-sig"))))
    assert rows[0] == figure.headers
    assert [r[0] for r in rows[1:]] == figure.categories
    for got, want in zip(rows[1:], figure.rows, strict=True):
        assert [Decimal(v) for v in got[1:]] == [Decimal(str(float(v))) for v in want[1:]]
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED, changes__what=f"statistics-{question}").exists()
    for fmt in ("ods", "xlsx"):
        assert client.get(reverse(f"operations:{q.url_name}_export", args=[fmt]), PERIOD).status_code == 200


def test_both_languages(org, login):
    client = login(org.admin_a)
    english = client.get(en(reverse("operations:statistics_sex_age"))).content.decode()
    chinese = client.get(reverse("operations:statistics_sex_age").removeprefix("/en")).content.decode()
    assert "Volunteers by sex and age band" in english
    assert "志工性別及年齡層" in chinese
    title = re.search(r"<h1>(.*?)</h1>", chinese).group(1)
    assert CJK_RE.search(title)
    menu = client.get(reverse("operations:dashboard").removeprefix("/en")).content.decode()
    assert "統計分析" in menu


HOSTILE = ["²", "-1", "9" * 30, "abc", "2026-02-30", "0001-01-01", "9999-12-31", "'; DROP TABLE x;--", "\u0661",
           "2026-13-01", " ", "１２"]


@pytest.mark.parametrize("question", [q.slug for q in QUESTIONS])
def test_hostile_filters_never_fail(org, login, question):
    q = next(q for q in QUESTIONS if q.slug == question)
    client = login(org.admin_a)
    for field in ("node", "start", "end", "category", "campaign", "by"):
        for value in HOSTILE:
            page = client.get(reverse(f"operations:{q.url_name}"), {field: value})
            assert page.status_code == 200, (field, value)
            download = client.get(reverse(f"operations:{q.url_name}_export", args=["csv"]), {field: value})
            assert download.status_code in (200, 400), (field, value)
    reversed_period = client.get(en(reverse(f"operations:{q.url_name}")), {"start": "2026-06-01", "end": "2026-01-01"})
    assert "The end of the period is before its start." in reversed_period.content.decode()
    too_long = client.get(en(reverse(f"operations:{q.url_name}")), {"start": "1990-01-01", "end": "2026-01-01"})
    assert "at most ten years" in too_long.content.decode()
    assert client.get(reverse(f"operations:{q.url_name}_export", args=["pdf"])).status_code == 400


def test_another_units_node_is_refused_as_a_filter(org, login):
    client = login(org.admin_a)
    response = client.get(en(reverse("operations:statistics_sex_age")), {"node": org.unit_b.pk})
    assert response.status_code == 200
    assert response.context["figure"] is None
    assert "Select a valid choice" in response.content.decode()
    assert client.get(reverse("operations:statistics_sex_age_export", args=["csv"]),
                      {"node": org.unit_b.pk}).status_code == 400


# --- The national export -----------------------------------------------------------------------------------

def _national(org):
    TrainingCertificate.objects.create(
        volunteer=org.vol_a, kind=CourseKind.BASIC, course_name="基礎訓練", organiser_name="臺北e大",
        hours=Decimal("6"), completed_on=datetime.date(2026, 1, 5), number="", source="elearning")
    TrainingCertificate.objects.create(
        volunteer=org.vol_a, kind=CourseKind.SPECIAL, category=UnitCategory.SPORTS, course_name="體育類特殊訓練",
        organiser_name="體育局", hours=Decimal("6"), completed_on=datetime.date(2026, 2, 1), number="體特-001",
        source="paper")
    ServiceRecord.objects.create(volunteer=org.vol_a, unit=org.unit_a, date=datetime.date(2026, 1, 20),
                                 category=UnitCategory.SPORTS, content="引導", minutes=180, hours=Decimal("3.0"))
    ServiceRecord.objects.create(volunteer=org.vol_a, unit=org.unit_a, date=datetime.date(2026, 3, 20),
                                 category=UnitCategory.SPORTS, content="引導", minutes=120, hours=Decimal("2.0"),
                                 people_served=12)
    ServiceRecord.objects.create(volunteer=org.vol_a, unit=org.unit_a, date=datetime.date(2026, 3, 21),
                                 category=UnitCategory.SPORTS, content="借用他人紀錄冊", minutes=60, hours=Decimal("1.0"),
                                 misuse_note="冒用", misuse_at=timezone.now())  # not counted, not exported
    RecordBook.objects.create(volunteer=org.vol_sub_a, number="北市志冊-0001", issuing_authority=org.root,
                              applied_by_unit=org.unit_a, issued_on=datetime.date(2025, 3, 1))


def test_national_export_layouts_read_back(org, login):
    _national(org)
    client = login(org.admin_a)
    query = {"unit": org.unit_a.pk, **PERIOD}
    for record, columns in LAYOUTS.items():
        response = client.get(reverse("operations:national_export_download", args=["csv"]), {**query, "record": record})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
        assert rows[0] == columns
        assert all(len(row) == len(columns) for row in rows)
        if record == "volunteers":
            assert {row[3] for row in rows[1:]} == {org.vol_a.id_number, org.vol_sub_a.id_number}  # full IDs
            assert {row[6] for row in rows[1:]} == {"男", "女"}
        if record == "training":
            assert [row[10] for row in rows[1:]] == ["", "體特-001"]
            assert rows[2][4] == "特殊訓練" and rows[2][5] == "體育類"
        if record == "hours":
            assert [(row[4], row[7], row[8]) for row in rows[1:]] == [("2026-01-20", "3.0", "0"),
                                                                      ("2026-03-20", "2.0", "12")]
        if record == "record_books":
            assert [(row[2], row[4], row[5], row[8]) for row in rows[1:]] == [
                (org.vol_sub_a.id_number, "北市志冊-0001", "未領取", "2025-03-01")]
        ods = client.get(reverse("operations:national_export_download", args=["ods"]), {**query, "record": record})
        with zipfile.ZipFile(io.BytesIO(_body(ods))) as archive:
            content = archive.read("content.xml").decode()
        assert all(column in content for column in columns)
    events = AuditEvent.objects.filter(action=AuditAction.EXPORTED, node=org.unit_a)
    assert events.count() == 2 * len(LAYOUTS)
    assert all(e.changes["ids"] == "full" and e.changes["period"] == "2026-01-01..2026-06-30" for e in events)


def test_national_export_dry_run(org, login):
    _national(org)
    response = login(org.admin_a).get(en(reverse("operations:national_export")), {"unit": org.unit_a.pk, **PERIOD})
    assert response.status_code == 200
    details = [p.detail for p in response.context["problems"]]
    assert response.context["problem_count"] == 2
    assert any("No certificate number" in d for d in details)
    assert any("3.0 hours on 2026-01-20 before being trained" in d for d in details)  # trained on 2026-02-01
    assert not any("2026-03-20" in d for d in details)


def test_national_export_scope(org, login):
    _national(org)
    query = {"unit": org.unit_b.pk, **PERIOD}
    admin_a = login(org.admin_a)
    assert admin_a.get(reverse("operations:national_export_download", args=["csv"]),
                       {**query, "record": "volunteers"}).status_code == 400  # unit B is not among admin A's units
    page = admin_a.get(en(reverse("operations:national_export")), query)
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    leader = login(org.leader_a)
    assert leader.get(reverse("operations:national_export"), {"unit": org.unit_a.pk}).status_code == 403
    assert leader.get(reverse("operations:national_export_download", args=["csv"]),
                      {"record": "hours", "unit": org.unit_a.pk}).status_code == 403
    officer = login(org.officer_wmg)
    assert officer.get(reverse("operations:national_export_download", args=["csv"]),
                       {"record": "hours", "unit": org.unit_a.pk, **PERIOD}).status_code == 200
    assert officer.get(reverse("operations:national_export_download", args=["csv"]),
                       {"record": "hours", "unit": org.unit_c.pk, **PERIOD}).status_code == 400
    assert officer.get(reverse("operations:national_export_download", args=["csv"]),
                       {"record": "books", "unit": org.unit_a.pk}).status_code == 400
    assert officer.get(reverse("operations:national_export_download", args=["xlsx"]),
                       {"record": "hours", "unit": org.unit_a.pk}).status_code == 400
    for value in HOSTILE:
        for field in ("unit", "start", "end"):
            assert officer.get(reverse("operations:national_export"), {"unit": org.unit_a.pk, field: value}
                               ).status_code == 200
            assert officer.get(reverse("operations:national_export_download", args=["csv"]),
                               {"record": "hours", "unit": org.unit_a.pk, field: value}).status_code in (200, 400)
