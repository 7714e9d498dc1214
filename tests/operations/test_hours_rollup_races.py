"""The monthly roll-up under concurrent writers, on real PostgreSQL with threads: records of one volunteer, unit,
category and month inserted at once (the first ones racing to create the roll-up row), deletions racing
insertions of the row's last record, and corrections moving records between two months both ways. SQLite
serialises every writer: skipped there."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from operations.models import HourSource, OrgKind, OrgNode, ServiceHoursMonth, ServiceRecord, UnitCategory
from operations.selectors.hours import rollup_differences
from tests.factories import VolunteerFactory

from .journey_support import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency (DATABASE_URL)"),
]

D = datetime.date


@pytest.fixture
def world(db):
    root = OrgNode.add_root(kind=OrgKind.COMPETENT_AUTHORITY, code="rollup-root", name="社會局")
    unit = root.add_child(kind=OrgKind.UNIT, code="rollup-unit", name="醫院", category=UnitCategory.HEALTH)
    team = unit.add_child(kind=OrgKind.TEAM, code="rollup-team", name="醫院志工隊")
    return unit, VolunteerFactory(team=team)


def insert(volunteer, unit, day, hours="2"):
    with transaction.atomic():
        return ServiceRecord.objects.create(volunteer=volunteer, unit=unit, date=day, category=unit.category,
                                            content="病房", minutes=120, hours=Decimal(hours), people_served=1,
                                            source=HourSource.STAFF)


def row(volunteer, month):
    return ServiceHoursMonth.objects.filter(volunteer=volunteer, month=month).values_list(
        "hours", "records", "people_served").first()


def test_concurrent_inserts_for_one_volunteer_and_month(world):
    unit, v = world
    for _round in range(3):  # the roll-up row does not exist yet: the inserts race to create it
        ServiceRecord.objects.filter(volunteer=v).delete()
        assert row(v, D(2024, 5, 1)) is None
        errors = race([lambda d=d: insert(v, unit, D(2024, 5, d)) for d in (1, 2, 15, 31)])
        assert errors == []
        assert row(v, D(2024, 5, 1)) == (Decimal("8"), 4, 4)
        errors = race([lambda d=d: insert(v, unit, D(2024, 5, d), "1.5") for d in (3, 4, 5, 6, 7, 8)])
        assert errors == []
        assert row(v, D(2024, 5, 1)) == (Decimal("17"), 10, 10)
    assert rollup_differences() == []


def test_deleting_the_last_record_while_another_is_inserted(world):
    unit, v = world
    for _round in range(5):
        only = insert(v, unit, D(2024, 6, 30))
        errors = race([lambda only=only: ServiceRecord.objects.filter(pk=only.pk).delete(),
                       lambda: insert(v, unit, D(2024, 6, 1), "3")])
        assert errors == []
        assert row(v, D(2024, 6, 1)) == (Decimal("3"), 1, 1)
        ServiceRecord.objects.filter(volunteer=v).delete()
        assert row(v, D(2024, 6, 1)) is None
    assert rollup_differences() == []


def test_records_moved_between_two_months_both_ways_at_once(world):
    unit, v = world
    mays = [insert(v, unit, D(2024, 5, d)) for d in (1, 2, 3)]
    junes = [insert(v, unit, D(2024, 6, d)) for d in (1, 2, 3)]

    def move(record, day):
        with transaction.atomic():
            ServiceRecord.objects.filter(pk=record.pk).update(date=day)

    # may deadlock (two rows locked in opposite orders): PostgreSQL then rolls one back, which must leave
    # the roll-up as exact as the ledger
    race([lambda r=r: move(r, D(2024, 6, 20)) for r in mays] + [lambda r=r: move(r, D(2024, 5, 20)) for r in junes])
    may = ServiceRecord.objects.filter(volunteer=v, date__month=5).count()
    assert row(v, D(2024, 5, 1)) == ((Decimal(2 * may), may, may) if may else None)
    assert rollup_differences() == []
