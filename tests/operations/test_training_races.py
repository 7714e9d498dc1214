"""Training seats under a rush, on real PostgreSQL with threads: never more enrolled than the capacity, the
counter equals the enrolled rows, the rest waitlisted in order; a cancellation racing new enrolments gives
its seat to exactly one person; two completions at once never issue one number twice. SQLite serialises
every writer: skipped there."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from operations.models import (
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    OrgKind,
    OrgNode,
    Role,
    RoleGrant,
    TrainingCertificate,
    TrainingSession,
    User,
)
from operations.services import training as svc
from tests.factories import VolunteerFactory

from .journey_support import race
from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL)"),
]


@pytest.fixture
def session(db):
    root = OrgNode.add_root(kind=OrgKind.COMPETENT_AUTHORITY, code="race-root", name="社會局")
    course = Course.objects.create(organiser=root, kind=CourseKind.BASIC, title="基礎訓練", hours=Decimal("6"))
    return TrainingSession.objects.create(course=course, host=root, date=timezone.localdate() + datetime.timedelta(days=3),
                                          start_time=datetime.time(9), end_time=datetime.time(12), place="教室",
                                          capacity=3)


def assert_seats(session):
    session.refresh_from_db()
    enrolled = Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED).count()
    assert session.enrolled_count == enrolled <= session.capacity


def test_a_rush_fills_the_seats_and_waitlists_the_rest(session):
    people = [VolunteerFactory() for _ in range(12)]
    errors = race([lambda v=v: svc.enrolment_create(volunteer=v, session=session) for v in people]
                  + [lambda v=v: svc.enrolment_create(volunteer=v, session=session) for v in people[:4]])  # doubles
    assert errors == []
    assert_seats(session)
    assert Enrolment.objects.filter(session=session).count() == 12
    assert Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED).count() == 3


def test_a_cancellation_racing_enrolments_gives_its_seat_to_one_person(session):
    first = [VolunteerFactory() for _ in range(3)]
    for v in first:
        svc.enrolment_create(volunteer=v, session=session)
    waiting = [VolunteerFactory() for _ in range(2)]
    for v in waiting:
        svc.enrolment_create(volunteer=v, session=session)
    late = [VolunteerFactory() for _ in range(5)]
    leaving = Enrolment.objects.get(volunteer=first[0], session=session)
    errors = race([lambda: svc.enrolment_cancel(enrolment=leaving, actor=None, by_volunteer=first[0])]
                  + [lambda v=v: svc.enrolment_create(volunteer=v, session=session) for v in late])
    assert errors == []
    assert_seats(session)
    # the first on the waitlist got the seat (promotion in the cancelling transaction), or a newcomer took
    # it first; either way exactly three hold a seat
    assert Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED).count() == 3


def test_two_completions_at_once_never_share_a_number(session):
    TrainingSession.objects.filter(pk=session.pk).update(capacity=20)
    admin = User.objects.create_user(username="race-admin", password="x")
    RoleGrant.objects.create(user=admin, node=session.host, role=Role.SYSTEM_ADMIN)
    people = [VolunteerFactory() for _ in range(10)]
    for v in people:
        svc.enrolment_create(volunteer=v, session=session)
    Enrolment.objects.filter(session=session).update(attended=True)
    TrainingSession.objects.filter(pk=session.pk).update(date=timezone.localdate())  # it has taken place
    errors = race([lambda: svc.session_complete(actor=User.objects.get(pk=admin.pk), session=session)
                   for _ in range(3)])
    assert errors == []
    numbers = list(TrainingCertificate.objects.values_list("number", flat=True))
    assert len(numbers) == 10 == len(set(numbers))
