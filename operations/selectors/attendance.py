"""Attendance reads: the roster of a shift (day sheet), the live view of a venue, service records and
no-show counts. Every query starts from `visible_to(user)`."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone

from ..models import (
    Attendance,
    AttendanceOutcome,
    OrgKind,
    OrgNode,
    Position,
    ServiceRecord,
    Shift,
    Signup,
    SignupStatus,
)


def attendance_shift_list(user):
    """Shifts with their attendance counts (the attendance module's list)."""
    return (
        Shift.objects.visible_to(user)
        .select_related("position__venue", "position__team", "position__campaign")
        .annotate(
            checked_in=Count("attendances", filter=Q(attendances__check_in_at__isnull=False)),
            no_shows=Count("attendances", filter=Q(attendances__outcome=AttendanceOutcome.NO_SHOW)),
            open_checkouts=Count("attendances", filter=Q(attendances__check_in_at__isnull=False,
                                                         attendances__check_out_at__isnull=True)),
        )
        .order_by("date", "start_time", "id")
    )


def shift_roster(shift: Shift) -> list[Signup]:
    """Accepted volunteers of a shift with their attendance (None when nothing recorded yet)."""
    signups = list(
        Signup.objects.filter(shift=shift, status=SignupStatus.ACCEPTED)
        .select_related("volunteer")
        .prefetch_related(Prefetch("volunteer__languages"))
        .order_by("volunteer__name", "id")
    )
    attendances = {a.signup_id: a for a in Attendance.objects.filter(shift=shift).select_related("service_record")}
    for signup in signups:
        signup.att = attendances.get(signup.pk)
    return signups


def signup_for_attendance(user, shift: Shift, signup_pk: int) -> Signup:
    return Signup.objects.visible_to(user).select_related("volunteer", "shift").get(pk=signup_pk, shift=shift)


def todays_shifts_for_volunteer(*, user, volunteer, day: datetime.date | None = None):
    """The volunteer's accepted shifts on `day` that the (staff) user may take attendance for."""
    day = day or timezone.localdate()
    return (
        Signup.objects.visible_to(user)
        .filter(volunteer=volunteer, status=SignupStatus.ACCEPTED, shift__date=day)
        .select_related("shift__position__venue", "shift__position__team")
        .order_by("shift__start_time")
    )


@dataclass(frozen=True)
class LiveShift:
    shift: Shift
    expected: int
    checked_in: int
    checked_out: int
    no_shows: int
    missing: list
    free_seats: int
    is_now: bool


def venue_choices(user):
    """Venues where the user can see at least one position (a team leader sees their venue this way)."""
    return OrgNode.objects.filter(
        kind=OrgKind.UNIT, pk__in=Position.objects.visible_to(user).filter(venue__isnull=False).values("venue")
    ).order_by("path")


def venue_live(*, user, venue: OrgNode, now: datetime.datetime | None = None) -> list[LiveShift]:
    """Today's shifts at `venue` in the user's scope: who is expected, who checked in, who is missing
    (expected, not checked in, not marked no-show) and the free seats. A fixed number of queries."""
    now = timezone.localtime(now or timezone.now())
    shifts = list(
        Shift.objects.visible_to(user).filter(position__venue=venue, date=now.date())
        .select_related("position__team").order_by("start_time", "position__title", "id")
    )
    signups = (
        Signup.objects.filter(shift__in=shifts, status=SignupStatus.ACCEPTED)
        .select_related("volunteer").order_by("volunteer__name")
    )
    attendance = {a.signup_id: a for a in Attendance.objects.filter(shift__in=shifts)}
    per_shift: dict[int, list[Signup]] = {}
    for signup in signups:
        per_shift.setdefault(signup.shift_id, []).append(signup)
    rows = []
    for shift in shifts:
        accepted = per_shift.get(shift.pk, [])
        checked_in = [s for s in accepted if attendance.get(s.pk) and attendance[s.pk].check_in_at]
        checked_out = [s for s in checked_in if attendance[s.pk].check_out_at]
        no_shows = [s for s in accepted if attendance.get(s.pk) and attendance[s.pk].outcome == AttendanceOutcome.NO_SHOW]
        missing = [s for s in accepted if s not in checked_in and s not in no_shows]
        is_now = shift.start_time <= now.time() < shift.end_time
        rows.append(LiveShift(shift, len(accepted), len(checked_in), len(checked_out), len(no_shows), missing,
                              shift.free_seats, is_now))
    return rows


def service_record_list(user):
    return ServiceRecord.objects.visible_to(user).select_related("volunteer", "unit", "recorded_by").order_by("-date", "id")


def no_show_count(volunteer) -> int:
    return Attendance.objects.filter(volunteer=volunteer, outcome=AttendanceOutcome.NO_SHOW).count()


# What a shift may still need, as conditions on a Shift queryset: used by the attendance list's "needs"
# filter and by the dashboard's counts, so that a count and the list it links to always agree.
def _free_seats(shifts, today):
    return shifts.filter(accepted_count__lt=F("headcount"))


def _undecided(shifts, today):
    undecided = Signup.objects.filter(status__in=[SignupStatus.APPLIED, SignupStatus.WAITLISTED])
    return shifts.filter(pk__in=undecided.values("shift_id"))


def _missing_checkout(shifts, today):
    open_checkouts = Attendance.objects.filter(check_in_at__isnull=False, check_out_at__isnull=True)
    return shifts.filter(date__lt=today, pk__in=open_checkouts.values("shift_id"))


SHIFT_NEEDS = {"free_seats": _free_seats, "undecided": _undecided, "missing_checkout": _missing_checkout}


def shifts_that_need(shifts, need: str, *, today=None):
    """`shifts` narrowed to those with free seats, undecided sign-ups or forgotten check-outs."""
    return SHIFT_NEEDS[need](shifts, today or timezone.localdate())
