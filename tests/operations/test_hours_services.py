"""Service hours written by staff (services.hours): entry with its bounds, corrections that keep the old
value and a reason, misuse annotations that take a record out of every count, and the hour-slip import
(all or nothing, problems listed by row)."""
from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from operations.models import (
    AuditEvent,
    ChangeKind,
    CourseKind,
    HourImport,
    HourSource,
    ServiceRecord,
    ServiceRecordChange,
    UnitCategory,
)
from operations.selectors import hours as sel
from operations.services import hours as svc
from tests.conftest import fresh

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the roll-up checked after each test)
from .test_training_services import certify

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()
SPORTS = UnitCategory.SPORTS


def trained(v, on=datetime.date(2023, 1, 1)):
    certify(v, CourseKind.BASIC, on=on)
    certify(v, CourseKind.SPECIAL, SPORTS, on=on)


def enter(org, *, actor=None, volunteer=None, day=datetime.date(2024, 5, 1), hours="3.5", **kw):
    return svc.hours_record_create(actor=fresh(actor or org.admin_a), volunteer=volunteer or org.vol_a,
                                   unit=kw.pop("unit", org.unit_a), date=day, content=kw.pop("content", "服務台值勤"),
                                   hours=Decimal(hours), people_served=kw.pop("people_served", 12), **kw)


def test_staff_entry_writes_the_ledger_with_the_units_category(org):
    record = enter(org)
    assert (record.source, record.category, record.hours, record.minutes, record.recorded_by_id) == (
        HourSource.STAFF, SPORTS, Decimal("3.5"), 210, org.admin_a.pk)
    assert AuditEvent.objects.filter(object_type="operations.servicerecord", object_id=str(record.pk)).exists()


@pytest.mark.parametrize("hours", ["0", "-1", "24.5", "2.25", "abc"])
def test_hours_out_of_bounds_are_refused_and_nothing_is_written(org, hours):
    with pytest.raises(ValidationError) as exc:
        svc.hours_record_create(actor=fresh(org.admin_a), volunteer=org.vol_a, unit=org.unit_a, date=D(2024, 5, 1),
                                content="x", hours=hours)
    assert "hours" in exc.value.message_dict
    assert not ServiceRecord.objects.exists()


def test_a_day_holds_at_most_24_hours(org):
    enter(org, hours="20")
    with pytest.raises(ValidationError) as exc:
        enter(org, hours="4.5")
    assert "24" in " ".join(exc.value.message_dict["hours"])
    enter(org, hours="4")
    assert ServiceRecord.objects.count() == 2


def test_future_dates_and_other_units_are_refused(org):
    with pytest.raises(ValidationError):
        enter(org, day=TODAY + datetime.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        enter(org, unit=org.unit_b)                      # admin of unit A
    with pytest.raises(PermissionDenied):
        enter(org, actor=org.leader_a)                   # team leaders do not enter hours
    with pytest.raises(PermissionDenied):
        enter(org, volunteer=org.vol_c)                  # a volunteer unit A never worked with
    assert not ServiceRecord.objects.exists()


def test_correction_keeps_the_old_value_and_the_reason(org):
    record = enter(org, hours="3")
    corrected = svc.hours_record_correct(actor=fresh(org.admin_a), record=record, reason="少登 1 小時",
                                         version=record.version, hours=Decimal("4"))
    assert corrected.hours == Decimal("4") and corrected.version == 2
    change = ServiceRecordChange.objects.get(record=record)
    assert (change.kind, change.changes, change.reason) == (ChangeKind.CORRECTION, {"hours": ["3.0", "4.0"]}, "少登 1 小時")
    assert AuditEvent.objects.filter(object_id=str(record.pk), reason="少登 1 小時").exists()
    # the same correction again (a double click) changes nothing more
    svc.hours_record_correct(actor=fresh(org.admin_a), record=record, reason="少登 1 小時", version=1,
                             hours=Decimal("4"))
    assert ServiceRecordChange.objects.filter(record=record).count() == 1


def test_a_correction_from_a_stale_form_is_refused(org):
    record = enter(org, hours="3")
    svc.hours_record_correct(actor=fresh(org.admin_a), record=record, reason="a", version=1, hours=Decimal("4"))
    with pytest.raises(ValidationError):
        svc.hours_record_correct(actor=fresh(org.admin_a), record=record, reason="b", version=1, hours=Decimal("5"))
    record.refresh_from_db()
    assert record.hours == Decimal("4")


def test_correction_needs_a_reason_and_leaves_shift_hours_to_attendance(org):
    record = enter(org)
    with pytest.raises(ValidationError):
        svc.hours_record_correct(actor=fresh(org.admin_a), record=record, reason=" ", hours=Decimal("1"))
    ServiceRecord.objects.filter(pk=record.pk).update(source=HourSource.ATTENDANCE)
    with pytest.raises(ValidationError) as exc:
        svc.hours_record_correct(actor=fresh(org.admin_a), record=record, reason="x", hours=Decimal("1"))
    assert "attendance" in str(exc.value).lower() or "簽到" in str(exc.value)
    svc.hours_record_correct(actor=fresh(org.admin_a), record=record, reason="補人次", people_served=30)
    record.refresh_from_db()
    assert record.people_served == 30 and record.hours == Decimal("3.5")


def test_misuse_annotation_excludes_the_record_and_can_be_lifted(org):
    trained(org.vol_a)
    record = enter(org, hours="5")
    assert sel.countable_hours(org.vol_a) == Decimal("5")
    with pytest.raises(ValidationError):
        svc.hours_record_annotate_misuse(actor=fresh(org.admin_a), record=record, note="")
    svc.hours_record_annotate_misuse(actor=fresh(org.admin_a), record=record, note="紀錄冊借他人使用")
    svc.hours_record_annotate_misuse(actor=fresh(org.admin_a), record=record, note="again")  # no-op
    record.refresh_from_db()
    assert record.misuse_note == "紀錄冊借他人使用"
    assert sel.countable_hours(org.vol_a) == 0
    assert ServiceRecordChange.objects.filter(record=record, kind=ChangeKind.MISUSE).count() == 1
    with pytest.raises(PermissionDenied):
        svc.hours_record_lift_misuse(actor=fresh(org.admin_b), record=record, reason="誤植")
    svc.hours_record_lift_misuse(actor=fresh(org.admin_a), record=record, reason="誤植")
    assert sel.countable_hours(org.vol_a) == Decimal("5")


# --- the hour-slip import ------------------------------------------------------------------------------

HEADER = "身分證號,姓名,單位代碼,服務日期,時數,服務內容,服務類別,服務人次\n"


def slip(org, rows: list[str]) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


def row(v, *, unit="venue-a", day="2024-05-01", hours="3", content="服務台", category="", served="5"):
    return f"{v.id_number},{v.name},{unit},{day},{hours},{content},{category},{served}"


def test_import_all_rows(org):
    batch = svc.hours_import(actor=fresh(org.admin_a), name="slip.csv", raw=slip(org, [
        row(org.vol_a), row(org.vol_a, day="2024-05-02", hours="4.5", category="社福"), row(org.vol_sub_a)]))
    assert batch.created_records == 3 and batch.total_hours == Decimal("10.5")
    records = ServiceRecord.objects.filter(hour_import=batch)
    assert {r.source for r in records} == {HourSource.IMPORT}
    assert sorted(r.category for r in records) == [UnitCategory.SOCIAL_WELFARE, SPORTS, SPORTS]


def test_import_is_all_or_nothing_with_problems_by_row(org):
    with pytest.raises(ValidationError) as exc:
        svc.hours_import(actor=fresh(org.admin_a), name="slip.csv", raw=slip(org, [
            row(org.vol_a),
            row(org.vol_a, hours="30"),                   # row 3: too many hours
            row(org.vol_c),                               # row 4: not in unit A's part
            row(org.vol_a, unit="venue-b"),               # row 5: a unit the admin does not manage
            row(org.vol_sub_a, day="2099-01-01"),         # row 6: the future
            row(org.vol_sub_a, day="2024-06-01", hours="20"),
            row(org.vol_sub_a, day="2024-06-01", hours="5"),   # row 8: the day goes over 24 h
        ]))
    messages = exc.value.messages
    assert [re.split("[:：]", m)[0] for m in messages] == ["第 3 列", "第 4 列", "第 5 列", "第 6 列", "第 8 列"]
    assert not ServiceRecord.objects.exists() and not HourImport.objects.exists()


def test_import_refuses_a_file_without_the_columns(org):
    with pytest.raises(ValidationError):
        svc.hours_import(actor=fresh(org.admin_a), name="slip.csv", raw="姓名,時數\n王,3\n".encode())
    assert not ServiceRecord.objects.exists()
