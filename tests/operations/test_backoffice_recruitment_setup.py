"""Shared set-up of the recruitment management and attendance tests (imported by the other
test_backoffice_recruitment_* and test_attendance_* modules): a filed plan of venue A, an open
campaign, a position venue A × team A, and helpers to make shifts and accepted sign-ups."""
from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from operations.models import FilingStatus, Shift, Signup, SignupStatus
from operations.services.signups import take_seat
from tests.factories import (
    CampaignFactory,
    PositionFactory,
    ServicePlanFactory,
    ShiftFactory,
    VolunteerFactory,
)


def make_shift(position, *, date=None, start=(8, 0), end=(12, 0), headcount=10, name="早班") -> Shift:
    return ShiftFactory(position=position, date=date or timezone.localdate(), start_time=datetime.time(*start),
                        end_time=datetime.time(*end), headcount=headcount, name=name)


def accept(volunteer, shift) -> Signup:
    """An accepted sign-up that took its seat the way the services do (in one transaction: on PostgreSQL the
    seat-invariant trigger checks the counter against the rows at commit)."""
    with transaction.atomic():
        assert take_seat(shift.pk)
        return Signup.objects.create(volunteer=volunteer, shift=shift, status=SignupStatus.ACCEPTED,
                                     decided_at=timezone.now())


def aware(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture(name="rec")
def rec_fixture(org):
    r = SimpleNamespace(org=org)
    today = timezone.localdate()
    r.plan = ServicePlanFactory(unit=org.unit_a, filing_status=FilingStatus.FILED, filing_reference="北市社志字第1號",
                                starts_on=today - datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=120))
    r.campaign = CampaignFactory(unit=org.unit_a, service_plan=r.plan, starts_on=today - datetime.timedelta(days=30),
                                 ends_on=today + datetime.timedelta(days=60), title="甲場館志工招募")
    r.position = PositionFactory(campaign=r.campaign, venue=org.unit_a, team=org.team_a, title="甲場館｜競賽組",
                                 title_en="Venue A · Competition")
    r.other_campaign = CampaignFactory(unit=org.unit_b, starts_on=r.campaign.starts_on, ends_on=r.campaign.ends_on)
    r.other_position = PositionFactory(campaign=r.other_campaign, venue=org.unit_b, team=org.team_b, title="乙場館｜競賽組")
    return r


def extra_volunteer(org, team_key="team_a", **kwargs):
    return VolunteerFactory(team=org.nodes[team_key], joined_on=datetime.date(2024, 1, 1), **kwargs)
