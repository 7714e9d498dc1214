"""Sign-up rush on real PostgreSQL: many threads, each with its own connection, press the button for the
last seats at the same moment; exactly headcount are accepted, the rest waitlisted, nobody gets an
error. And cancellations racing new sign-ups and a headcount raise (promotion): the counter always equals
the accepted rows, never exceeds the headcount, and nobody waits while a seat is free.
SQLite serialises every writer, so there is nothing to race there: skipped."""
from __future__ import annotations

import pytest
from django.db import connection

from operations.models import RoleGrant, Shift, Signup, SignupStatus, User
from operations.services.signups import shift_set_headcount, signup_cancel, signup_create
from tests.factories import VolunteerFactory

from .journey_support import build_event, race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL)"),
]


def assert_invariant(shift):
    shift.refresh_from_db()
    accepted = Signup.objects.filter(shift=shift, status=SignupStatus.ACCEPTED).count()
    assert shift.accepted_count == accepted <= shift.headcount
    if accepted < shift.headcount:
        assert not Signup.objects.filter(shift=shift, status=SignupStatus.WAITLISTED).exists()
    return accepted


def test_rush_for_the_last_seats():
    event = build_event(headcount=5)
    people = [VolunteerFactory() for _ in range(40)]
    errors = race([lambda v=v: signup_create(volunteer=v, shift=event.morning) for v in people])
    assert errors == []
    assert assert_invariant(event.morning) == 5
    assert Signup.objects.filter(shift=event.morning, status=SignupStatus.WAITLISTED).count() == 35


def test_same_person_pressing_twice_gets_one_signup():
    event = build_event(headcount=5)
    volunteer = VolunteerFactory()
    errors = race([lambda: signup_create(volunteer=volunteer, shift=event.morning) for _ in range(6)])
    assert Signup.objects.filter(volunteer=volunteer).count() == 1
    assert all("已" in str(e) or "already" in str(e).lower() or e.__class__.__name__ == "ValidationError"
               for e in errors) and len(errors) == 5
    assert_invariant(event.morning)


def test_cancellations_race_signups_and_a_promotion():
    event = build_event(headcount=4)
    shift = event.morning
    first = [VolunteerFactory() for _ in range(10)]
    for v in first:
        signup_create(volunteer=v, shift=shift)
    accepted = list(Signup.objects.filter(shift=shift, status=SignupStatus.ACCEPTED).select_related("volunteer"))
    assert len(accepted) == 4
    officer = User.objects.create_user(username="officer")
    RoleGrant.objects.create(user=officer, node=event.dome.get_parent(), role="authority_officer")
    newcomers = [VolunteerFactory() for _ in range(10)]
    jobs = [lambda s=s: signup_cancel(signup=s, actor=None) for s in accepted[:3]]
    jobs += [lambda v=v: signup_create(volunteer=v, shift=shift) for v in newcomers]
    jobs += [lambda: shift_set_headcount(shift=shift, actor=User.objects.get(username="officer"), headcount=6)]
    errors = race(jobs)
    assert errors == []
    shift = Shift.objects.get(pk=shift.pk)
    assert shift.headcount == 6
    assert assert_invariant(shift) == 6
    # The earliest waitlisted of the first wave are promoted before any newcomer.
    promoted_first_wave = Signup.objects.filter(shift=shift, status=SignupStatus.ACCEPTED,
                                                volunteer__in=first[4:]).count()
    assert promoted_first_wave == 5
