"""The monthly roll-up of service hours (`ServiceHoursMonth`, kept by triggers on the ledger): exact after every
kind of write (staff entry, hour-slip import with bulk_create, corrections moving a record to another month,
category or unit, misuse annotated and lifted, deletion, cascades), its check and repair, and the readers that use
it giving the same answers as the ledger on generated data (the award candidates, the statistics hours by
month with periods that cut months). Races on PostgreSQL are in `test_hours_rollup_races.py`."""
from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from operations.models import (
    CourseKind,
    HourSource,
    ServiceHoursMonth,
    ServiceRecord,
    UnitCategory,
    Volunteer,
)
from operations.selectors import hours as sel
from operations.selectors import statistics as stats
from operations.services import hours as svc
from tests.conftest import fresh

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: every test ends with the check)
from .test_training_services import certify

pytestmark = pytest.mark.django_db

D = datetime.date
SPORTS = UnitCategory.SPORTS
SW = UnitCategory.SOCIAL_WELFARE


def rollup(volunteer=None) -> dict:
    rows = ServiceHoursMonth.objects.all()
    if volunteer is not None:
        rows = rows.filter(volunteer=volunteer)
    return {(r.unit_id, r.category, r.month): (r.hours, r.records, r.people_served) for r in rows}


def exact():
    assert sel.rollup_differences() == []


def rec(volunteer, unit, day, hours, category=None, *, misuse=False, served=0):
    return ServiceRecord.objects.create(
        volunteer=volunteer, unit=unit, date=day, category=unit.category if category is None else category,
        content="服務台", minutes=int(Decimal(hours) * 60), hours=Decimal(hours), source=HourSource.STAFF,
        people_served=served, misuse_note="借用他人紀錄冊" if misuse else "", misuse_at=timezone.now() if misuse else None)


# --- Every write path --------------------------------------------------------------------------------------

def test_staff_entry_corrections_misuse_and_deletion_keep_the_rollup_exact(org):
    admin, v, unit = org.admin_a, org.vol_a, org.unit_a
    last_day = svc.hours_record_create(actor=fresh(admin), volunteer=v, unit=unit, date=D(2024, 5, 31),
                                       content="服務台", hours=Decimal("3.5"), people_served=4)
    svc.hours_record_create(actor=fresh(admin), volunteer=v, unit=unit, date=D(2024, 5, 1), content="服務台",
                            hours=Decimal("2"), people_served=1)
    may, june = D(2024, 5, 1), D(2024, 6, 1)
    assert rollup(v) == {(unit.pk, SPORTS, may): (Decimal("5.5"), 2, 5)}

    # a correction moving the record of the month's last day to the next month's first day
    last_day = svc.hours_record_correct(actor=fresh(admin), record=last_day, reason="日期誤植", version=1,
                                        date=D(2024, 6, 1))
    assert rollup(v) == {(unit.pk, SPORTS, may): (Decimal("2"), 1, 1), (unit.pk, SPORTS, june): (Decimal("3.5"), 1, 4)}
    # …to another category, with other hours
    last_day = svc.hours_record_correct(actor=fresh(admin), record=last_day, reason="類別誤植",
                                        version=last_day.version, category=SW, hours=Decimal("4"))
    assert rollup(v) == {(unit.pk, SPORTS, may): (Decimal("2"), 1, 1), (unit.pk, SW, june): (Decimal("4"), 1, 4)}
    # misuse annotated: out of the roll-up; lifted: back
    svc.hours_record_annotate_misuse(actor=fresh(admin), record=last_day, note="紀錄冊借他人使用")
    assert rollup(v) == {(unit.pk, SPORTS, may): (Decimal("2"), 1, 1)}
    svc.hours_record_lift_misuse(actor=fresh(admin), record=last_day, reason="誤植")
    assert rollup(v) == {(unit.pk, SPORTS, may): (Decimal("2"), 1, 1), (unit.pk, SW, june): (Decimal("4"), 1, 4)}
    # a record moved to another unit (no service does this; the database keeps the roll-up anyway)
    ServiceRecord.objects.filter(pk=last_day.pk).update(unit=org.unit_b)
    assert rollup(v) == {(unit.pk, SPORTS, may): (Decimal("2"), 1, 1), (org.unit_b.pk, SW, june): (Decimal("4"), 1, 4)}
    # deletion: the last record of a row takes the row with it
    ServiceRecord.objects.filter(pk=last_day.pk).delete()
    assert rollup(v) == {(unit.pk, SPORTS, may): (Decimal("2"), 1, 1)}
    exact()


def test_hour_slip_import_with_bulk_create_is_in_the_rollup(org):
    header = "身分證號,姓名,單位代碼,服務日期,時數,服務內容,服務類別,服務人次\n"
    rows = [f"{org.vol_a.id_number},{org.vol_a.name},venue-a,2024-05-{d:02d},{h},服務台,,2"
            for d, h in ((1, "3"), (31, "4.5"))]
    rows.append(f"{org.vol_sub_a.id_number},{org.vol_sub_a.name},venue-a,2024-06-30,2,服務台,社福,0")
    svc.hours_import(actor=fresh(org.admin_a), name="slip.csv", raw=(header + "\n".join(rows) + "\n").encode())
    assert rollup(org.vol_a) == {(org.unit_a.pk, SPORTS, D(2024, 5, 1)): (Decimal("7.5"), 2, 4)}
    assert rollup(org.vol_sub_a) == {(org.unit_a.pk, SW, D(2024, 6, 1)): (Decimal("2"), 1, 0)}
    exact()


def test_records_written_in_bulk_and_a_volunteer_deleted_with_them(org):
    ServiceRecord.objects.bulk_create([
        ServiceRecord(volunteer=org.vol_c, unit=org.unit_c, date=D(2024, 1, d), category=UnitCategory.CULTURE,
                      content="導覽", minutes=60, hours=Decimal("1"), source=HourSource.IMPORT) for d in (1, 15, 31)])
    assert rollup(org.vol_c) == {(org.unit_c.pk, UnitCategory.CULTURE, D(2024, 1, 1)): (Decimal("3"), 3, 0)}
    ServiceRecord.objects.filter(volunteer=org.vol_c, date=D(2024, 1, 15)).update(hours=F("hours") + 1)
    assert rollup(org.vol_c)[(org.unit_c.pk, UnitCategory.CULTURE, D(2024, 1, 1))][0] == Decimal("4")
    Volunteer.objects.filter(pk=org.vol_c.pk).delete()  # the ledger goes with the volunteer (CASCADE)
    assert rollup(org.vol_c) == {}
    exact()


def test_a_record_without_category_is_kept_under_no_category(org):
    rec(org.vol_a, org.unit_a, D(2024, 2, 29), "2", category="")
    assert rollup(org.vol_a) == {(org.unit_a.pk, "", D(2024, 2, 1)): (Decimal("2"), 1, 0)}


def test_the_check_finds_a_difference_and_the_repair_rebuilds(org, capsys):
    rec(org.vol_a, org.unit_a, D(2024, 3, 1), "3")
    rec(org.vol_b, org.unit_b, D(2024, 3, 31), "2")
    call_command("check_hours_rollup")
    assert "equals the ledger" in capsys.readouterr().out
    ServiceHoursMonth.objects.filter(volunteer=org.vol_a).update(hours=F("hours") + 1)  # tampered with
    ServiceHoursMonth.objects.filter(volunteer=org.vol_b).delete()
    (first, second) = sel.rollup_differences()
    assert first["ledger"] == (Decimal("3"), 1, 0) and first["rollup"] == (Decimal("4"), 1, 0)
    assert second["ledger"] == (Decimal("2"), 1, 0) and second["rollup"] is None
    with pytest.raises(CommandError):
        call_command("check_hours_rollup")
    call_command("check_hours_rollup", "--repair")
    exact()
    assert sel.rollup_differences(volunteers=[org.vol_a.pk]) == []


# --- The readers give the ledger's answers -----------------------------------------------------------------

def _generated(org, seed: int) -> None:
    """Records over 2023-12…2025-01 on the first and last days of months and in between, some annotated as
    misuse, some of those lifted, some corrected to another month, category or unit, some deleted."""
    rng = random.Random(seed)
    people = list(org.volunteers.values())
    units = [org.unit_a, org.unit_b, org.unit_c]
    for v in people:
        certify(v, CourseKind.BASIC, on=D(2024, 1, 1) + datetime.timedelta(days=rng.randrange(200)))
        for cat in (SPORTS, UnitCategory.CULTURE):
            if rng.random() < 0.7:
                certify(v, CourseKind.SPECIAL, cat, on=D(2023, 12, 1) + datetime.timedelta(days=rng.randrange(300)))
    records = []
    for _ in range(220):
        month = D(2023, 12, 1) + datetime.timedelta(days=31 * rng.randrange(14))
        month = month.replace(day=1)
        last = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        day = rng.choice([month, last, month.replace(day=rng.randrange(2, 28))])
        unit = rng.choice(units)
        category = rng.choice([unit.category, unit.category, SW, ""])
        records.append(rec(rng.choice(people), unit, day, str(rng.randrange(1, 17) / 2), category,
                           misuse=rng.random() < 0.1, served=rng.randrange(0, 9)))
    for r in rng.sample(records, 30):
        r.refresh_from_db()
        if r.misuse_at is not None and rng.random() < 0.5:
            ServiceRecord.objects.filter(pk=r.pk).update(misuse_at=None, misuse_note="")
        elif rng.random() < 0.3:
            ServiceRecord.objects.filter(pk=r.pk).update(misuse_at=timezone.now(), misuse_note="冒用")
        elif rng.random() < 0.5:
            ServiceRecord.objects.filter(pk=r.pk).update(date=r.date + datetime.timedelta(days=rng.choice([-1, 1, 30])),
                                                         category=rng.choice([SPORTS, SW, UnitCategory.CULTURE]))
        elif rng.random() < 0.5:
            ServiceRecord.objects.filter(pk=r.pk).update(unit=rng.choice(units))
        else:
            ServiceRecord.objects.filter(pk=r.pk).delete()
    exact()


def _old_candidates(*, start, end, categories, unit, min_hours) -> set[int]:
    """The candidate pass as it was, over every record of the ledger."""
    records = ServiceRecord.objects.filter(misuse_at__isnull=True).exclude(category="")
    if start is not None:
        records = records.filter(date__gte=start)
    if end is not None:
        records = records.filter(date__lte=end)
    if categories is not None:
        records = records.filter(category__in=categories)
    if unit is not None:
        records = records.filter(unit__path__startswith=unit.path)
    return set(records.order_by().values("volunteer_id").annotate(h=Sum("hours")).filter(h__gte=min_hours)
               .values_list("volunteer_id", flat=True))


PERIODS = [(None, None), (D(2024, 1, 1), D(2024, 12, 31)), (D(2024, 1, 31), D(2024, 12, 1)),
           (D(2024, 3, 15), D(2024, 10, 20)), (D(2024, 2, 1), D(2024, 2, 29)), (D(2024, 5, 2), D(2024, 5, 30)),
           (D(2001, 1, 22), D(2024, 6, 30)), (D(2024, 7, 1), D(2024, 7, 1))]


@pytest.mark.parametrize("seed", [1, 2])
def test_award_candidates_from_the_rollup_leave_the_answer_unchanged(org, seed):
    _generated(org, seed)
    everything = {
        (start, end, cats, unit): sel.countable_totals(start=start, end=end, categories=cats, unit=unit)
        for start, end in PERIODS for cats in (None, (SPORTS,), (SPORTS, SW))
        for unit in (None, org.wmg)
    }
    for (start, end, cats, unit), totals in everything.items():
        for threshold in (Decimal("0.5"), Decimal("4"), Decimal("10"), Decimal("25.5")):
            old = _old_candidates(start=start, end=end, categories=cats, unit=unit, min_hours=threshold)
            new = set(sel._candidates(start=start, end=end, categories=cats, unit=unit, min_hours=threshold))
            assert old <= new  # a superset: no one who may reach the threshold is left out
            if (start is None or start.day == 1) and (end is None or sel.next_month(end) - datetime.timedelta(1) == end):
                assert new == old  # whole months: the same people
            expected = {k: h for k, h in totals.items() if h >= threshold}
            assert sel.countable_totals(start=start, end=end, categories=cats, unit=unit,
                                        min_hours=threshold) == expected
            scoped = Volunteer.objects.visible_to(fresh(org.officer_wmg))
            inside = set(scoped.values_list("pk", flat=True))
            assert sel.countable_totals(volunteers=scoped, start=start, end=end, categories=cats, unit=unit,
                                        min_hours=threshold) == {k: h for k, h in expected.items() if k in inside}


def _old_hours_by_month(scope) -> dict:
    """The statistics' hours by month as they were: every record of the period from the ledger."""
    rows = (stats.service_records(scope).order_by().annotate(month=TruncMonth("date")).values("month", "category")
            .annotate(hours=Sum("hours"), served=Sum("people_served"), n=Count("id")))
    return {(stats._month_key(r["month"]), r["category"]): (r["hours"], r["served"], r["n"]) for r in rows}


def _new_hours_by_month(scope) -> dict:
    found = defaultdict(lambda: [Decimal("0"), 0, 0])
    for r in stats._hours_rows(scope):
        entry = found[(stats._month_key(r["month"]), r["category"])]
        entry[0] += r["hours"] or 0
        entry[1] += r["served"] or 0
        entry[2] += r["n"] or 0
    return {k: tuple(v) for k, v in found.items() if v[2]}


@pytest.mark.parametrize("seed", [3, 4])
def test_statistics_hours_by_month_from_the_rollup_equal_the_ledger(org, seed):
    _generated(org, seed)
    periods = [p for p in PERIODS if p[0] is not None] + [(D(2023, 12, 31), D(2025, 1, 1))]
    for user in (org.officer_root, org.officer_wmg, org.admin_a, org.leader_a):
        for start, end in periods:
            for node in (None, org.unit_a, org.wmg, org.team_a):
                for category in ("", SPORTS, SW):
                    scope = stats.StatsScope(user=fresh(user), start=start, end=end, node=node, category=category)
                    assert _new_hours_by_month(scope) == _old_hours_by_month(scope), (user, start, end, node, category)
    with translation.override("en"):
        figure = stats.hours_by_month(stats.StatsScope(user=fresh(org.officer_root), start=D(2024, 1, 15),
                                                       end=D(2024, 11, 10)))
    kept = ServiceRecord.objects.filter(misuse_at__isnull=True, date__gte=D(2024, 1, 15), date__lte=D(2024, 11, 10))
    totals = kept.aggregate(h=Sum("hours"), n=Count("id"))
    assert dict(figure.headline)["Service hours"] == f"{totals['h']:,.1f}"
    assert dict(figure.headline)["Service records"] == f"{totals['n']:,}"


def test_monthly_hours_selector(org):
    rec(org.vol_a, org.unit_a, D(2024, 1, 31), "3", served=2)
    rec(org.vol_a, org.unit_a, D(2024, 2, 1), "2")
    rec(org.vol_b, org.unit_b, D(2024, 2, 15), "4", category=SW)
    rec(org.vol_c, org.unit_c, D(2024, 2, 15), "5", misuse=True)
    assert sel.monthly_hours().aggregate(h=Sum("hours"))["h"] == Decimal("9")
    # months met by the period are taken whole
    assert sel.monthly_hours(start=D(2024, 1, 31), end=D(2024, 1, 31)).aggregate(h=Sum("hours"))["h"] == Decimal("3")
    assert sel.monthly_hours(start=D(2024, 2, 10)).aggregate(h=Sum("hours"))["h"] == Decimal("6")
    assert sel.monthly_hours(categories=[SW]).get().volunteer_id == org.vol_b.pk
    assert set(sel.monthly_hours(unit=org.wmg).values_list("volunteer_id", flat=True)) == {org.vol_a.pk, org.vol_b.pk}
    assert sel.monthly_hours(volunteers=org.vol_a.pk).count() == 2
    assert sel.monthly_hours().visible_to(fresh(org.admin_a)).count() == 2


@pytest.mark.parametrize(("start", "end", "head", "months", "tail"), [
    (D(2024, 1, 1), D(2024, 12, 31), None, (D(2024, 1, 1), D(2024, 12, 1)), None),
    (D(2024, 1, 31), D(2024, 12, 1), (D(2024, 1, 31), D(2024, 1, 31)), (D(2024, 2, 1), D(2024, 11, 1)),
     (D(2024, 12, 1), D(2024, 12, 1))),
    (D(2024, 2, 1), D(2024, 2, 29), None, (D(2024, 2, 1), D(2024, 2, 1)), None),
    (D(2024, 2, 2), D(2024, 2, 29), (D(2024, 2, 2), D(2024, 2, 29)), None, None),
    (D(2024, 2, 1), D(2024, 3, 30), None, (D(2024, 2, 1), D(2024, 2, 1)), (D(2024, 3, 1), D(2024, 3, 30))),
    (D(2024, 7, 1), D(2024, 7, 1), (D(2024, 7, 1), D(2024, 7, 1)), None, None),
])
def test_split_period(start, end, head, months, tail):
    assert sel.split_period(start, end) == sel.PeriodSplit(head, months, tail)


def test_the_rollup_tables_exist_on_this_database():
    assert ServiceHoursMonth._meta.db_table in connection.introspection.table_names()
