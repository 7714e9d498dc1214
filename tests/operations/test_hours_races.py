"""Races on the hours ledger, on real PostgreSQL with threads: two corrections from the same form (one
wins, the other is refused or a no-op, one change row), an annotation racing a correction, two entries
racing for the last hours of a day, and two nominations of one person (one row). SQLite serialises every
writer: skipped there."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from operations.models import (
    AwardLevel,
    AwardNomination,
    AwardScheme,
    CourseKind,
    OrgKind,
    OrgNode,
    Role,
    RoleGrant,
    ServiceRecord,
    ServiceRecordChange,
    UnitCategory,
    User,
)
from operations.services import awards as award_svc
from operations.services import hours as svc
from tests.factories import VolunteerFactory

from .journey_support import race
from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the roll-up checked after each test)
from .test_training_services import certify

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL)"),
]

D = datetime.date


@pytest.fixture
def world(db):
    root = OrgNode.add_root(kind=OrgKind.COMPETENT_AUTHORITY, code="race-root", name="社會局")
    unit = root.add_child(kind=OrgKind.UNIT, code="race-unit", name="醫院", category=UnitCategory.HEALTH)
    team = unit.add_child(kind=OrgKind.TEAM, code="race-team", name="醫院志工隊")
    admin = User.objects.create_user(username="race-admin", password="x")
    RoleGrant.objects.create(user=admin, node=unit, role=Role.UNIT_ADMIN)
    volunteer = VolunteerFactory(team=team)
    return unit, admin, volunteer


def actor(admin):
    return User.objects.get(pk=admin.pk)


def test_two_corrections_from_one_form_change_once(world):
    unit, admin, v = world
    record = svc.hours_record_create(actor=actor(admin), volunteer=v, unit=unit, date=D(2024, 5, 1), content="病房",
                                     hours=Decimal("3"))
    errors = race([lambda h=h: svc.hours_record_correct(actor=actor(admin), record=record, reason="更正", version=1,
                                                        hours=Decimal(h)) for h in ("4", "5", "4", "5")])
    assert all(isinstance(e, ValidationError) for e in errors)
    record.refresh_from_db()
    changes = ServiceRecordChange.objects.filter(record=record)
    assert record.version == 2 and changes.count() == 1
    assert changes.get().changes["hours"] == ["3.0", str(record.hours)]


def test_annotation_racing_a_correction(world):
    unit, admin, v = world
    record = svc.hours_record_create(actor=actor(admin), volunteer=v, unit=unit, date=D(2024, 5, 1), content="病房",
                                     hours=Decimal("3"))
    race([lambda: svc.hours_record_annotate_misuse(actor=actor(admin), record=record, note="冒用"),
          lambda: svc.hours_record_annotate_misuse(actor=actor(admin), record=record, note="冒用"),
          lambda: svc.hours_record_correct(actor=actor(admin), record=record, reason="r", version=1,
                                           hours=Decimal("2"))])
    record.refresh_from_db()
    assert record.misuse_at is not None
    assert ServiceRecordChange.objects.filter(record=record, kind="misuse").count() == 1
    assert record.version == 1 + ServiceRecordChange.objects.filter(record=record).count()


def test_entries_racing_for_one_day_never_pass_24_hours(world):
    unit, admin, v = world
    errors = race([lambda: svc.hours_record_create(actor=actor(admin), volunteer=v, unit=unit, date=D(2024, 5, 1),
                                                   content="病房", hours=Decimal("10")) for _ in range(4)])
    assert len(errors) == 2
    assert sum(r.hours for r in ServiceRecord.objects.filter(volunteer=v)) == Decimal("20")


def test_two_nominations_of_one_person_make_one(world):
    unit, admin, v = world
    certify(v, CourseKind.BASIC, on=D(2023, 1, 1))
    certify(v, CourseKind.SPECIAL, UnitCategory.HEALTH, on=D(2023, 1, 1))
    for i in range(5):
        ServiceRecord.objects.create(volunteer=v, unit=unit, date=D(2024, 1, 1) + datetime.timedelta(days=i),
                                     category=UnitCategory.HEALTH, content="x", minutes=600, hours=Decimal("10"),
                                     source="staff")
    scheme = AwardScheme.objects.create(code="race", name="獎", authority="x")
    level = AwardLevel.objects.create(scheme=scheme, code="b", name="銅", hours=50, rank=1)
    errors = race([lambda: award_svc.award_nominate(actor=actor(admin), level=level, volunteer=v, unit=unit,
                                                    year=2025) for _ in range(4)])
    assert errors == []
    assert AwardNomination.objects.filter(volunteer=v, level=level).count() == 1
