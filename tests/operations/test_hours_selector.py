"""Countable hours (selectors.hours): the training gate by category (later of basic and special of C;
the record-book date when training dates are unknown), the misuse rule, periods, categories, units, the
boundary at a threshold, and the working agreeing with the totals (compared with a row-by-row reference)."""
from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.db.models import Min
from django.utils import timezone

from operations.models import CourseKind, HourSource, ServiceRecord, TrainingCertificate, UnitCategory
from operations.selectors import hours as sel
from operations.selectors.training import Holding, hours_count_from

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the roll-up checked after each test)
from .test_training_services import certify

pytestmark = pytest.mark.django_db

SW = UnitCategory.SOCIAL_WELFARE
SPORTS = UnitCategory.SPORTS
D = datetime.date


def rec(volunteer, unit, day, hours, category=None, *, misuse=False, source=HourSource.STAFF):
    return ServiceRecord.objects.create(
        volunteer=volunteer, unit=unit, date=day, category=unit.category if category is None else category,
        content="服務台", minutes=int(Decimal(hours) * 60), hours=Decimal(hours), source=source,
        misuse_note="借用他人紀錄冊" if misuse else "", misuse_at=timezone.now() if misuse else None)


def test_hours_count_from_the_later_of_basic_and_special(org):
    v = org.vol_a
    certify(v, CourseKind.BASIC, on=D(2024, 1, 10))
    certify(v, CourseKind.SPECIAL, SPORTS, on=D(2024, 3, 1))
    rec(v, org.unit_a, D(2024, 1, 20), "4")    # after basic, before the special: no
    rec(v, org.unit_a, D(2024, 2, 29), "3")    # the day before: no
    rec(v, org.unit_a, D(2024, 3, 1), "2.5")   # the day itself: yes
    rec(v, org.unit_a, D(2024, 5, 1), "6")
    assert sel.countable_hours(v) == Decimal("8.5")
    working = sel.explain(v)
    assert working.counted == Decimal("8.5") and working.recorded == Decimal("15.5")
    assert [line.status for line in working.lines] == [sel.COUNTED, sel.COUNTED, sel.BEFORE_TRAINING,
                                                       sel.BEFORE_TRAINING]
    (dates,) = working.dates
    assert (dates.basic_on, dates.special_on, dates.count_from) == (D(2024, 1, 10), D(2024, 3, 1), D(2024, 3, 1))


def test_special_before_basic_counts_from_basic(org):
    v = org.vol_a
    certify(v, CourseKind.SPECIAL, SPORTS, on=D(2024, 1, 5))
    certify(v, CourseKind.BASIC, on=D(2024, 2, 1))
    rec(v, org.unit_a, D(2024, 1, 31), "3")
    rec(v, org.unit_a, D(2024, 2, 1), "3")
    assert sel.countable_hours(v) == Decimal("3")


def test_hours_in_another_category_need_its_own_special_training(org):
    v = org.vol_a
    certify(v, CourseKind.BASIC, on=D(2024, 1, 10))
    certify(v, CourseKind.SPECIAL, SPORTS, on=D(2024, 1, 10))
    rec(v, org.unit_a, D(2024, 6, 1), "4")                  # sports: counts
    rec(v, org.unit_c, D(2024, 6, 2), "5")                  # culture: not trained for it
    assert sel.countable_totals(volunteers=[v.pk], by_category=True) == {(v.pk, SPORTS): Decimal("4")}
    statuses = {line.category: line.status for line in sel.explain(v).lines}
    assert statuses == {SPORTS: sel.COUNTED, UnitCategory.CULTURE: sel.NOT_TRAINED}
    certify(v, CourseKind.SPECIAL, UnitCategory.CULTURE, on=D(2024, 6, 2))
    assert sel.countable_hours(v) == Decimal("9")


def test_misuse_annotated_hours_never_count(org):
    v = org.vol_a
    certify(v, CourseKind.BASIC, on=D(2024, 1, 1))
    certify(v, CourseKind.SPECIAL, SPORTS, on=D(2024, 1, 1))
    rec(v, org.unit_a, D(2024, 6, 1), "4")
    rec(v, org.unit_a, D(2024, 6, 2), "8", misuse=True)
    assert sel.countable_hours(v) == Decimal("4")
    assert sel.countable_totals(volunteers=None, min_hours=Decimal("5")) == {}
    working = sel.explain(v)
    assert [(line.status, line.misuse_note) for line in working.lines][0] == (sel.MISUSE, "借用他人紀錄冊")
    assert working.excluded_by_reason()[0][1:] == (Decimal("8"), 1)


def test_a_record_without_category_does_not_count(org):
    v = org.vol_a
    certify(v, CourseKind.BASIC, on=D(2024, 1, 1))
    rec(v, org.unit_a, D(2024, 6, 1), "4", category="", source=HourSource.ATTENDANCE)
    assert sel.countable_hours(v) == 0
    assert sel.explain(v).lines[0].status == sel.NO_CATEGORY


def test_threshold_boundary_149_5_and_150(org):
    a, b = org.vol_a, org.vol_b
    for v in (a, b):
        certify(v, CourseKind.BASIC, on=D(2023, 1, 1))
        certify(v, CourseKind.SPECIAL, SPORTS, on=D(2023, 1, 1))
    for i in range(6):
        rec(a, org.unit_a, D(2024, 1, 1) + datetime.timedelta(days=i), "24")
        rec(b, org.unit_b, D(2024, 1, 1) + datetime.timedelta(days=i), "24")
    rec(a, org.unit_a, D(2024, 2, 1), "5.5")   # 149.5
    rec(b, org.unit_b, D(2024, 2, 1), "6")     # 150
    found = sel.countable_totals(volunteers=[a.pk, b.pk], min_hours=Decimal("150"))
    assert found == {b.pk: Decimal("150.0")}


def test_period_category_and_unit_filters(org):
    v = org.vol_a
    certify(v, CourseKind.BASIC, on=D(2023, 1, 1))
    for cat in (SPORTS, UnitCategory.CULTURE):
        certify(v, CourseKind.SPECIAL, cat, on=D(2023, 1, 1))
    rec(v, org.unit_a, D(2023, 12, 31), "1")
    rec(v, org.unit_a, D(2024, 1, 1), "2")
    rec(v, org.unit_c, D(2024, 12, 31), "4")
    rec(v, org.unit_c, D(2025, 1, 1), "8")
    assert sel.countable_hours(v, start=D(2024, 1, 1), end=D(2024, 12, 31)) == Decimal("6")
    assert sel.countable_hours(v, categories=[SPORTS]) == Decimal("3")
    assert sel.countable_hours(v, unit=org.wmg) == Decimal("3")
    working = sel.explain(v, categories=[SPORTS])
    assert working.counted == Decimal("3")
    assert {line.status for line in working.lines if line.category == UnitCategory.CULTURE} == {sel.OTHER_CATEGORY}
    assert [g["key"] for g in working.by_year()] == [2025, 2024, 2023]


def test_record_book_date_when_training_dates_unknown(org):
    v, w = org.vol_a, org.vol_b
    rec(v, org.unit_a, D(2024, 1, 1), "3")
    rec(v, org.unit_a, D(2024, 3, 1), "5")
    rec(w, org.unit_b, D(2024, 3, 1), "7")
    certify(w, CourseKind.BASIC, on=D(2024, 1, 1))
    certify(w, CourseKind.SPECIAL, SPORTS, on=D(2024, 4, 1))   # training known: it decides
    assert sel.countable_hours(v) == 0
    # the record-book module registers the date of each volunteer's book; here certificates stand in for it
    before = sel._record_book_dates
    sel.register_record_book_dates(lambda: TrainingCertificate.objects.filter(kind=CourseKind.IN_SERVICE).values(
        "volunteer_id").annotate(d=Min("completed_on")))
    try:
        certify(v, CourseKind.IN_SERVICE, on=D(2024, 2, 1))
        certify(w, CourseKind.IN_SERVICE, on=D(2024, 2, 1))
        assert sel.countable_hours(v) == Decimal("5")
        assert sel.countable_hours(w) == 0
        assert sel.explain(v).dates[0].record_book_on == D(2024, 2, 1)
    finally:
        sel.register_record_book_dates(before)


def test_scope_queryset_and_totals_agree_with_a_row_by_row_reference(org):
    rng = random.Random(15)
    people = list(org.volunteers.values())
    units = [org.unit_a, org.unit_b, org.unit_c]
    for v in people:
        if rng.random() < 0.8:
            certify(v, CourseKind.BASIC, on=D(2024, 1, 1) + datetime.timedelta(days=rng.randrange(200)))
        for cat in (SPORTS, UnitCategory.CULTURE):
            if rng.random() < 0.6:
                certify(v, CourseKind.SPECIAL, cat, on=D(2024, 1, 1) + datetime.timedelta(days=rng.randrange(300)))
    for _ in range(150):
        v, unit = rng.choice(people), rng.choice(units)
        rec(v, unit, D(2024, 1, 1) + datetime.timedelta(days=rng.randrange(400)), str(rng.randrange(1, 17) / 2),
            misuse=rng.random() < 0.1)
    expected: dict[int, Decimal] = {}
    for r in ServiceRecord.objects.all():
        holdings = [Holding(c.kind, c.category, c.course_id, c.completed_on)
                    for c in TrainingCertificate.objects.filter(volunteer_id=r.volunteer_id)]
        start = hours_count_from(holdings, r.category)
        if r.misuse_at is None and r.category and start is not None and r.date >= start:
            expected[r.volunteer_id] = expected.get(r.volunteer_id, Decimal("0")) + r.hours
    assert sel.countable_totals() == expected
    from operations.models import Volunteer

    scoped = Volunteer.objects.visible_to(org.admin_a)
    assert sel.countable_totals(volunteers=scoped) == {k: v for k, v in expected.items()
                                                       if k in set(scoped.values_list("pk", flat=True))}
    for v in people:
        assert sel.explain(v).counted == expected.get(v.pk, Decimal("0"))


def test_countable_by_unit_agrees_with_the_totals_at_month_boundaries(org):
    """`countable_by_unit` = the per-volunteer totals summed per unit, when the day hours count from falls in
    the middle of a month or on its first day, with misuse, records without a category, and periods that cut
    months (or lie inside one)."""
    a, b, c = org.vol_a, org.vol_sub_a, org.vol_b
    certify(a, CourseKind.BASIC, on=D(2024, 1, 2))
    certify(a, CourseKind.SPECIAL, SPORTS, on=D(2024, 3, 15))     # counts from the middle of March
    certify(b, CourseKind.BASIC, on=D(2024, 4, 1))
    certify(b, CourseKind.SPECIAL, SPORTS, on=D(2024, 2, 20))     # counts from 1 April (the later date)
    certify(c, CourseKind.BASIC, on=D(2024, 1, 2))                # no special training: never counts
    for v in (a, b, c):
        for day in (D(2024, 2, 29), D(2024, 3, 1), D(2024, 3, 14), D(2024, 3, 15), D(2024, 3, 31),
                    D(2024, 4, 1), D(2024, 4, 30), D(2024, 5, 15), D(2024, 6, 30)):
            rec(v, org.unit_a, day, "1.5")
        rec(v, org.unit_a, D(2024, 3, 20), "2", misuse=True)     # misuse in the count-from month
        rec(v, org.unit_a, D(2024, 5, 2), "2", misuse=True)      # …and in a whole month
        rec(v, org.unit_a, D(2024, 3, 16), "2.5", category="")   # no category
        rec(v, org.unit_a, D(2024, 5, 3), "2.5", category="")
        rec(v, org.unit_b, D(2024, 4, 2), "3")
        rec(v, org.unit_b, D(2024, 3, 15), "0", source=HourSource.ATTENDANCE)   # a zero-hour attendance
    units = [org.unit_a.pk, org.unit_b.pk, org.unit_c.pk]
    periods = [(D(2024, 1, 1), D(2024, 12, 31)), (D(2024, 3, 1), D(2024, 5, 31)), (D(2024, 3, 15), D(2024, 4, 30)),
               (D(2024, 3, 16), D(2024, 6, 29)), (D(2024, 3, 2), D(2024, 3, 30)), (D(2024, 4, 1), D(2024, 4, 1)),
               (D(2024, 2, 1), D(2024, 3, 14)), (D(2024, 7, 1), D(2024, 12, 31))]
    for start, end in periods:
        expected = {}
        for unit_id in units:
            node = {org.unit_a.pk: org.unit_a, org.unit_b.pk: org.unit_b, org.unit_c.pk: org.unit_c}[unit_id]
            totals = sel.countable_totals(start=start, end=end, unit=node)
            if totals:
                expected[unit_id] = sum(totals.values(), Decimal("0"))
        assert sel.countable_by_unit(start=start, end=end, units=units) == expected, (start, end)
        assert sel.countable_by_unit(start=start, end=end) == expected, (start, end)
        assert sel.countable_by_unit(start=start, end=end, units=[org.unit_a.pk]) == {
            k: v for k, v in expected.items() if k == org.unit_a.pk}, (start, end)
    # a from 15 March (6 records of 1.5 h at A; 3 h and the zero-hour attendance at B), b from 1 April (4 records
    # at A, 3 h at B), c never
    assert sel.countable_by_unit(start=D(2024, 1, 1), end=D(2024, 12, 31), units=units) == {
        org.unit_a.pk: Decimal("15.0"), org.unit_b.pk: Decimal("6.0")}
    assert sel.countable_by_unit(start=D(2024, 3, 2), end=D(2024, 3, 30), units=units) == {
        org.unit_a.pk: Decimal("1.5"), org.unit_b.pk: Decimal("0.0")}
    assert sel.countable_by_unit(start=D(2024, 7, 1), end=D(2024, 12, 31), units=units) == {}
