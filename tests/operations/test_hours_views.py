"""Service-hours and award screens: the ledger list (filter, export), entry with a double click, correction,
misuse annotation, the import with row errors, a volunteer's working, my hours (both languages, query
budget), the eligible list and nomination, and the WMG recognitions with their export."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from operations.models import (
    AuditEvent,
    AwardLevel,
    AwardNomination,
    CourseKind,
    HourSource,
    ServiceRecord,
    ServiceRecordChange,
    UnitCategory,
    Volunteer,
)
from tests.conftest import CJK_RE
from tests.factories import UserFactory

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the roll-up checked after each test)
from .test_training_services import certify

D = datetime.date
SPORTS = UnitCategory.SPORTS


def record(volunteer, unit, day=datetime.date(2024, 5, 1), hours="3", **kw):
    return ServiceRecord.objects.create(volunteer=volunteer, unit=unit, date=day, category=unit.category,
                                        content=kw.pop("content", "服務台"), minutes=int(Decimal(hours) * 60),
                                        hours=Decimal(hours), source=kw.pop("source", HourSource.STAFF), **kw)


def hours_matrix_objects(o):
    """The inside (unit A) and outside (unit C) records of the permission matrix, and an award level."""
    o.hours_in = record(o.vol_sub_a, o.unit_a)
    o.hours_out = record(o.vol_c, o.unit_c)
    o.award_level = AwardLevel.objects.get(scheme__code="national", code="bronze")
    o.nomination_in, o.nomination_out = (
        AwardNomination.objects.create(volunteer=volunteer, level=o.award_level, unit=unit, year=2025,
                                       hours=Decimal("3000"), cutoff=D(2024, 12, 31))
        for volunteer, unit in ((o.vol_sub_a, o.unit_a), (o.vol_c, o.unit_c)))
    return o


def trained(v, category=SPORTS, on=datetime.date(2023, 1, 1)):
    certify(v, CourseKind.BASIC, on=on)
    certify(v, CourseKind.SPECIAL, category, on=on)


@pytest.mark.django_db
def test_the_list_filters_and_exports(org, login):
    record(org.vol_a, org.unit_a, content="服務台甲")
    record(org.vol_sub_a, org.unit_a, content="病房乙", misuse_note="冒用", misuse_at=datetime.datetime.now(
        datetime.UTC))
    record(org.vol_c, org.unit_c, content="丙館")
    client = login(org.admin_a)
    page = client.get(reverse("operations:hours_list")).content.decode()
    assert "服務台甲" in page and "病房乙" in page and "丙館" not in page
    page = client.get(reverse("operations:hours_list"), {"misuse": "true"}).content.decode()
    assert "病房乙" in page and "服務台甲" not in page
    export = client.get(reverse("operations:hours_export", args=["csv"]))
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert export.status_code == 200 and "服務台甲" in body and "丙館" not in body
    assert AuditEvent.objects.filter(action="exported").exists()


@pytest.mark.django_db
def test_entry_double_click_records_once_and_bad_input_writes_nothing(org, login):
    client = login(org.admin_a)
    form = client.get(reverse("operations:hours_create"))
    key = form.context["submission_key"]
    data = {"id_number": org.vol_a.id_number, "name": org.vol_a.name, "unit": org.unit_a.pk, "date": "2024-05-01",
            "category": "", "content": "服務台值勤", "hours": "3.5", "people_served": "10", "submission_key": key}
    assert client.post(reverse("operations:hours_create"), {**data, "hours": "25"}).status_code == 200
    assert client.post(reverse("operations:hours_create"), {**data, "name": "別人"}).status_code == 200
    assert not ServiceRecord.objects.exists()
    for _ in range(2):
        response = client.post(reverse("operations:hours_create"), data)
        assert response.status_code == 302
    created = ServiceRecord.objects.get()
    assert (created.hours, created.category, created.source) == (Decimal("3.5"), SPORTS, HourSource.STAFF)


@pytest.mark.django_db
def test_correct_and_annotate_through_the_screens(org, login):
    r = record(org.vol_a, org.unit_a, hours="3")
    client = login(org.admin_a)
    url = reverse("operations:hours_correct", args=[r.pk])
    form = client.get(url).context["form"]
    data = {**{k: v for k, v in form.initial.items()}, "hours": "4", "reason": "漏登", "date": "2024-05-01"}
    response = client.post(url, data)
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.hours == Decimal("4") and ServiceRecordChange.objects.get(record=r).changes["hours"] == ["3.0", "4.0"]
    stale = client.post(url, {**data, "hours": "5"})  # the form still says version 1
    assert stale.status_code == 200 and ServiceRecordChange.objects.filter(record=r).count() == 1
    assert client.post(reverse("operations:hours_misuse", args=[r.pk]), {"note": ""}).status_code == 200
    assert client.post(reverse("operations:hours_misuse", args=[r.pk]), {"note": "紀錄冊借人"}).status_code == 302
    detail = client.get(reverse("operations:hours_detail", args=[r.pk])).content.decode()
    assert "紀錄冊借人" in detail and "漏登" in detail


@pytest.mark.django_db
def test_import_screen_shows_row_errors_then_imports(org, login, django_capture_on_commit_callbacks):
    """The upload is a job (run inline here, as without a broker): the POST leads to its page, which lists
    the rows with problems, or says what was imported."""
    header = "身分證號,姓名,單位代碼,服務日期,時數,服務內容\n"
    good = f"{org.vol_a.id_number},{org.vol_a.name},venue-a,2024-05-01,3,服務台\n"
    bad = f"{org.vol_c.id_number},{org.vol_c.name},venue-a,2024-05-01,3,服務台\n"
    client = login(org.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("operations:hours_import"),
                               {"file": SimpleUploadedFile("h.csv", (header + good + bad).encode())})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["job"].errors[0]["row"] == 3
    assert '<th scope="row">3</th>' in page.content.decode()
    assert not ServiceRecord.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("operations:hours_import"),
                               {"file": SimpleUploadedFile("h.csv", (header + good).encode())})
    assert response.status_code == 302 and ServiceRecord.objects.get().source == HourSource.IMPORT
    assert "已匯入 1 筆服務紀錄" in client.get(response["Location"]).content.decode()
    template = client.get(reverse("operations:hours_template", args=["xlsx"]))
    assert template.status_code == 200


def _with_account(volunteer):
    user = UserFactory(username=f"vol-{volunteer.pk}")
    Volunteer.objects.filter(pk=volunteer.pk).update(user=user)
    return user


@pytest.mark.django_db
def test_my_hours_in_both_languages_with_the_working(org, login):
    trained(org.vol_a, on=D(2024, 3, 1))
    record(org.vol_a, org.unit_a, day=D(2024, 2, 1), hours="2")
    record(org.vol_a, org.unit_a, day=D(2024, 4, 1), hours="5")
    record(org.vol_a, org.unit_c, day=D(2024, 4, 2), hours="1")
    client = login(_with_account(org.vol_a))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("volunteer:hours"))
    page = response.content.decode()
    assert response.status_code == 200 and CJK_RE.search(page)
    assert "2024-03-01" in page and ">5.0<" in page.replace(" ", "")
    assert len(queries) <= 12
    from django.utils import translation

    with translation.override("en"):
        url = reverse("volunteer:hours")
    english = client.get(url)
    assert english.status_code == 200 and "My hours" in english.content.decode()
    assert "Not counted: before the training" in english.content.decode()
    # units by their English names on the English page; a unit without one keeps its Chinese name, marked
    type(org.unit_a).objects.filter(pk=org.unit_a.pk).update(name_en="Unit A Hospital")
    type(org.unit_c).objects.filter(pk=org.unit_c.pk).update(name_en="")
    english = client.get(url).content.decode()
    assert "Unit A Hospital" in english and org.unit_a.name not in english
    assert f'<span lang="zh-Hant" class="zh-fallback">{org.unit_c.name}</span>' in english
    # a staff account without a volunteer record gets the explanation page
    assert login(org.admin_a).get(reverse("volunteer:hours")).status_code == 403


@pytest.mark.django_db
def test_eligible_list_nominate_and_receipt(org, login):
    level = AwardLevel.objects.get(scheme__code="national", code="bronze")
    AwardLevel.objects.filter(pk=level.pk).update(hours=10)
    level.refresh_from_db()
    for v in (org.vol_a, org.vol_sub_a):
        trained(v)
    for i in range(2):
        record(org.vol_a, org.unit_a, day=D(2024, 5, 1 + i), hours="5")
    record(org.vol_sub_a, org.unit_a, day=D(2024, 5, 1), hours="9.5")
    client = login(org.admin_a)
    page = client.get(reverse("operations:award_eligible", args=[level.pk]), {"year": "2025"})
    text = page.content.decode()
    assert page.status_code == 200 and org.vol_a.name in text and org.vol_sub_a.name not in text
    export = client.get(reverse("operations:award_eligible_export", args=[level.pk, "csv"]), {"year": "2025"})
    assert org.vol_a.name in b"".join(export.streaming_content).decode("utf-8-sig")
    url = reverse("operations:award_nominate", args=[level.pk, org.vol_a.pk]) + "?year=2025"
    assert client.get(url).status_code == 200
    for _ in range(2):
        assert client.post(url, {"unit": org.unit_a.pk}).status_code == 302
    nomination = AwardNomination.objects.get()
    assert nomination.hours == Decimal("10.0") and nomination.unit == org.unit_a
    bad = reverse("operations:award_nominate", args=[level.pk, org.vol_sub_a.pk]) + "?year=2025"
    assert client.post(bad, {"unit": org.unit_a.pk}).status_code == 200 and AwardNomination.objects.count() == 1
    receipt = reverse("operations:award_receipt", args=[level.pk, org.vol_a.pk])
    assert client.post(receipt, {"year": "2025"}).status_code == 302
    text = client.get(reverse("operations:award_eligible", args=[level.pk]), {"year": "2025"}).content.decode()
    assert org.vol_a.name not in text
    assert client.get(reverse("operations:award_schemes")).status_code == 200
    assert client.get(reverse("operations:award_nominations")).status_code == 200


@pytest.mark.django_db
def test_recognitions_page_and_export(org, login):
    trained(org.vol_a)
    for i in range(7):
        record(org.vol_a, org.unit_a, day=D(2025, 5, 17 + i), hours="8")
    client = login(org.officer_wmg)
    params = {"event": org.wmg.pk, "cutoff": "2025-05-30", "threshold": "50"}
    page = client.get(reverse("operations:award_recognitions"), params).content.decode()
    assert org.vol_a.name in page
    export = client.get(reverse("operations:award_recognition_export", args=["ods"]), params)
    assert export.status_code == 200
    bad = client.get(reverse("operations:award_recognitions"), {"event": "x", "cutoff": "no"})
    assert bad.status_code == 200
