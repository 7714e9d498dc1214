"""The count-from dates under concurrent writers of one volunteer's certificates, on real PostgreSQL with threads:
the basic and the special certificate added at once (each statement trigger recomputes the volunteer; without
the advisory lock each would compute from its own snapshot, miss the other's certificate, and the row would be
missing), and certificates deleted while others are added. SQLite serialises every writer: skipped there."""
from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection, transaction

from operations.models import (
    CourseKind,
    OrgKind,
    OrgNode,
    TrainingCertificate,
    TrainingCountFrom,
    UnitCategory,
)
from operations.selectors.hours import count_from_differences
from tests.factories import VolunteerFactory

from .journey_support import race
from .test_training_services import certify

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency (DATABASE_URL)"),
]

D = datetime.date
HEALTH = UnitCategory.HEALTH


@pytest.fixture
def volunteer(db):
    root = OrgNode.add_root(kind=OrgKind.COMPETENT_AUTHORITY, code="count-from-root", name="社會局")
    unit = root.add_child(kind=OrgKind.UNIT, code="count-from-unit", name="醫院", category=HEALTH)
    team = unit.add_child(kind=OrgKind.TEAM, code="count-from-team", name="醫院志工隊")
    return VolunteerFactory(team=team)


def add(volunteer, kind, category, on):
    with transaction.atomic():
        return certify(volunteer, kind, category, on=on, number=f"R-{uuid.uuid4().hex[:16]}")


def kept(volunteer):
    return dict(TrainingCountFrom.objects.filter(volunteer=volunteer).values_list("category", "counts_from"))


def test_basic_and_special_added_at_once(volunteer):
    for round_ in range(5):
        TrainingCertificate.objects.filter(volunteer=volunteer).delete()
        assert kept(volunteer) == {}
        day = D(2024, 3, 1 + round_)
        errors = race([lambda day=day: add(volunteer, CourseKind.BASIC, "", day),
                       lambda: add(volunteer, CourseKind.SPECIAL, HEALTH, D(2024, 2, 1))])
        assert errors == []
        assert kept(volunteer) == {HEALTH: D(2024, 3, 1 + round_)}
    assert count_from_differences() == []


def test_certificates_deleted_while_others_are_added(volunteer):
    for _round in range(5):
        TrainingCertificate.objects.filter(volunteer=volunteer).delete()
        old = add(volunteer, CourseKind.BASIC, "", D(2023, 1, 1))
        add(volunteer, CourseKind.SPECIAL, HEALTH, D(2023, 6, 1))

        def delete_old(pk=old.pk):
            with transaction.atomic():
                TrainingCertificate.objects.filter(pk=pk).delete()

        errors = race([delete_old, lambda: add(volunteer, CourseKind.BASIC, "", D(2024, 1, 1)),
                       lambda: add(volunteer, CourseKind.SPECIAL, HEALTH, D(2023, 1, 1))])
        assert errors == []
        assert kept(volunteer) == {HEALTH: D(2024, 1, 1)}
    assert count_from_differences() == []
