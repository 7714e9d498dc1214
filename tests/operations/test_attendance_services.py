"""Attendance rules: hour rounding, QR check-in and its bad input (other day, other venue, stale,
forged, replayed), leader mode, day sheet, check-out before check-in, audited corrections, no-shows,
forgotten check-outs flagged by the nightly task, the live view."""
from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from operations.models import Attendance, AttendanceOutcome, AuditEvent, ServiceRecord, UnitCategory
from operations.selectors.attendance import venue_live
from operations.services.attendance import (
    attendance_correct,
    attendance_mark_no_show,
    attendance_record,
    attendance_self_check,
    attendance_sheet_submit,
    round_hours,
    shift_from_token,
    shift_qr_renew,
    shift_qr_token,
    volunteer_from_token,
    volunteer_qr_token,
)
from operations.tasks import flag_missing_checkouts
from tests.conftest import fresh
from tests.factories import UserFactory

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the roll-up checked after each test)
from .test_backoffice_recruitment_setup import accept, aware, extra_volunteer, make_shift, rec_fixture  # noqa: F401


@pytest.mark.parametrize("minutes,hours", [
    (0, "0"), (14, "0"), (15, "0.5"), (44, "0.5"), (45, "1"), (60, "1"), (194, "3"), (195, "3.5"),
    (224, "3.5"), (225, "4"), (240, "4"), (479, "8"), (480, "8"),
])
def test_hours_are_rounded_to_the_nearest_half_hour(minutes, hours):
    assert round_hours(minutes) == Decimal(hours)


def test_negative_minutes_are_a_programming_error():
    with pytest.raises(ValueError):
        round_hours(-1)


@pytest.fixture
def today_shift(rec):
    """A shift today 08:00–12:00 at venue A with vol_a accepted and logged in as a volunteer."""
    shift = make_shift(rec.position, date=timezone.localdate(), start=(8, 0), end=(12, 0))
    signup = accept(rec.org.vol_a, shift)
    user = UserFactory(username="vol-a-account")
    rec.org.vol_a.user = user
    rec.org.vol_a.save(update_fields=["user"])
    return shift, signup, user


def test_qr_check_in_and_out_makes_a_service_record(rec, today_shift):
    shift, signup, user = today_shift
    token = shift_qr_token(shift=shift)
    day = shift.date
    att = attendance_self_check(user=user, token=token, action="in", now=aware(day, 7, 50))
    assert att.check_in_at == aware(day, 7, 50) and att.check_in_method == "qr"
    assert att.outcome == AttendanceOutcome.PRESENT
    att = attendance_self_check(user=user, token=token, action="out", now=aware(day, 12, 5))
    record = ServiceRecord.objects.get(attendance=att)
    assert record.minutes == 255 and record.hours == Decimal("4.5")
    assert record.unit == rec.org.unit_a and record.category == UnitCategory.SPORTS
    assert record.date == day and "甲場館｜競賽組" in record.content and record.recorded_by == user


def test_replayed_qr_link_is_refused_and_changes_nothing(rec, today_shift):
    shift, signup, user = today_shift
    token = shift_qr_token(shift=shift)
    attendance_self_check(user=user, token=token, action="in", now=aware(shift.date, 8, 0))
    with pytest.raises(ValidationError) as exc:
        attendance_self_check(user=user, token=token, action="in", now=aware(shift.date, 9, 0))
    assert "08:00" in exc.value.messages[0]
    assert Attendance.objects.get(signup=signup).check_in_at == aware(shift.date, 8, 0)


def test_qr_code_for_another_day_is_refused(rec, today_shift):
    _shift, _signup, user = today_shift
    tomorrow = make_shift(rec.position, date=timezone.localdate() + datetime.timedelta(days=1))
    accept(rec.org.vol_a, tomorrow)
    with pytest.raises(ValidationError) as exc:
        attendance_self_check(user=user, token=shift_qr_token(shift=tomorrow), action="in")
    assert tomorrow.date.isoformat() in exc.value.messages[0]
    assert not Attendance.objects.filter(shift=tomorrow).exists()


def test_qr_code_of_another_venue_names_both_venues(rec, today_shift):
    shift, _signup, user = today_shift
    elsewhere = make_shift(rec.other_position, date=shift.date)
    with pytest.raises(ValidationError) as exc:
        attendance_self_check(user=user, token=shift_qr_token(shift=elsewhere), action="in", now=aware(shift.date, 8))
    message = exc.value.messages[0]
    assert rec.org.unit_b.name in message and rec.org.unit_a.name in message
    assert not Attendance.objects.exists()


def test_renewed_qr_code_makes_old_copies_stale(rec, today_shift):
    shift, _signup, user = today_shift
    old = shift_qr_token(shift=shift)
    new = shift_qr_renew(actor=fresh(rec.org.admin_a), shift=shift)
    assert new != old
    with pytest.raises(ValidationError):
        shift_from_token(token=old)
    assert shift_from_token(token=new) == shift
    with pytest.raises(PermissionDenied):
        shift_qr_renew(actor=fresh(rec.org.admin_b), shift=shift)


def test_forged_qr_code_is_refused(rec, today_shift):
    shift, _signup, user = today_shift
    token = shift_qr_token(shift=shift)
    with pytest.raises(ValidationError):
        attendance_self_check(user=user, token=token[:-2] + "xx", action="in")


def test_check_in_needs_an_accepted_sign_up_and_the_time_window(rec, today_shift):
    shift, _signup, user = today_shift
    token = shift_qr_token(shift=shift)
    with pytest.raises(ValidationError):  # too early
        attendance_self_check(user=user, token=token, action="in", now=aware(shift.date, 6, 30))
    stranger = UserFactory(username="no-volunteer")
    with pytest.raises(PermissionDenied):
        attendance_self_check(user=stranger, token=token, action="in", now=aware(shift.date, 8))
    assert not Attendance.objects.exists()


def test_check_out_before_check_in_is_refused(rec, today_shift):
    shift, signup, user = today_shift
    token = shift_qr_token(shift=shift)
    with pytest.raises(ValidationError):  # not checked in yet
        attendance_self_check(user=user, token=token, action="out", now=aware(shift.date, 12))
    attendance_self_check(user=user, token=token, action="in", now=aware(shift.date, 9))
    with pytest.raises(ValidationError):
        attendance_record(actor=fresh(rec.org.leader_a), signup=signup, action="out", method="leader",
                          now=aware(shift.date, 8, 30))
    with pytest.raises(ValidationError) as exc:
        attendance_correct(actor=fresh(rec.org.admin_a), signup=signup, check_in_at=aware(shift.date, 9),
                           check_out_at=aware(shift.date, 8), reason="補登")
    assert "check_out_at" in exc.value.message_dict
    att = Attendance.objects.get(signup=signup)
    assert att.check_out_at is None and not ServiceRecord.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        Attendance.objects.filter(pk=att.pk).update(check_out_at=aware(shift.date, 8))


def test_leader_mode_with_a_personal_qr_code(rec, today_shift):
    shift, signup, _user = today_shift
    token = volunteer_qr_token(volunteer=rec.org.vol_a)
    assert volunteer_from_token(token=token) == rec.org.vol_a
    att = attendance_record(actor=fresh(rec.org.leader_a), signup=signup, action="in", method="leader",
                            now=aware(shift.date, 8, 2))
    assert att.check_in_method == "leader" and att.checked_in_by == rec.org.leader_a
    with pytest.raises(PermissionDenied):
        attendance_record(actor=fresh(rec.org.admin_b), signup=signup, action="out", method="leader",
                          now=aware(shift.date, 11))


def test_stale_personal_qr_code_is_refused():
    from operations.services import attendance as svc

    token = svc.signing.dumps({"p": 1}, salt=svc.PERSON_SALT, compress=True)
    later = svc.signing.time.time() + svc.PERSONAL_QR_MAX_AGE + 5
    with mock.patch.object(svc.signing.time, "time", return_value=later), pytest.raises(ValidationError) as exc:
        volunteer_from_token(token=token)
    assert exc.value.messages


def test_corrections_need_a_reason_and_are_audited(rec, today_shift):
    shift, signup, _user = today_shift
    admin = fresh(rec.org.admin_a)
    with pytest.raises(ValidationError) as exc:
        attendance_correct(actor=admin, signup=signup, check_in_at=aware(shift.date, 8),
                           check_out_at=aware(shift.date, 12), reason=" ")
    assert "reason" in exc.value.message_dict
    assert not Attendance.objects.exists()
    attendance_correct(actor=admin, signup=signup, check_in_at=aware(shift.date, 8),
                       check_out_at=aware(shift.date, 11, 20), reason="志工忘記簽退，依組長回報補登", people_served=35)
    record = ServiceRecord.objects.get(attendance__signup=signup)
    assert record.hours == Decimal("3.5") and record.people_served == 35 and record.recorded_by == admin
    event = AuditEvent.objects.get(object_type="operations.attendance", reason="志工忘記簽退，依組長回報補登")
    assert event.changes["check_out_at"][1].endswith("11:20")
    assert event.changes["people_served"] == [0, 35]
    with pytest.raises(PermissionDenied):  # a team leader may tick names but not correct times
        attendance_correct(actor=fresh(rec.org.leader_a), signup=signup, check_in_at=aware(shift.date, 8),
                           check_out_at=aware(shift.date, 12), reason="x")


def test_no_shows_are_marked_and_counted(rec):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    shift = make_shift(rec.position, date=yesterday)
    here, absent = accept(rec.org.vol_a, shift), accept(rec.org.vol_sub_a, shift)
    leader = fresh(rec.org.leader_a)
    attendance_correct(actor=fresh(rec.org.admin_a), signup=here, check_in_at=aware(yesterday, 8),
                       check_out_at=None, reason="補登")
    with pytest.raises(ValidationError):
        attendance_mark_no_show(actor=leader, signup=here)
    attendance_mark_no_show(actor=leader, signup=absent)
    assert Attendance.objects.filter(volunteer=rec.org.vol_sub_a, outcome=AttendanceOutcome.NO_SHOW).count() == 1
    future = make_shift(rec.position, date=timezone.localdate() + datetime.timedelta(days=3))
    with pytest.raises(ValidationError):
        attendance_mark_no_show(actor=leader, signup=accept(rec.org.vol_sub_a, future))


def test_day_sheet_ticks_are_all_or_nothing(rec):
    shift = make_shift(rec.position, date=timezone.localdate(), start=(0, 0), end=(23, 59))
    a, b = accept(rec.org.vol_a, shift), accept(rec.org.vol_sub_a, shift)
    leader = fresh(rec.org.leader_a)
    with pytest.raises(ValidationError):
        attendance_sheet_submit(actor=leader, shift=shift, present=[a], no_show=[a])
    result = attendance_sheet_submit(actor=leader, shift=shift, present=[a, b], no_show=[])
    assert result == {"present": 2, "no_show": 0}
    assert Attendance.objects.filter(shift=shift, check_in_method="sheet").count() == 2
    with pytest.raises(ValidationError):  # ticking the same names again is refused as a whole
        attendance_sheet_submit(actor=leader, shift=shift, present=[a, b], no_show=[])


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_forgotten_check_outs_are_flagged_the_next_day(celery_worker, rec):
    """The beat task runs in the worker (a real one on Redis when CELERY_BROKER_URL is set)."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    shift = make_shift(rec.position, date=yesterday)
    forgot, done = accept(rec.org.vol_a, shift), accept(rec.org.vol_sub_a, shift)
    admin = fresh(rec.org.admin_a)
    attendance_correct(actor=admin, signup=forgot, check_in_at=aware(yesterday, 8), check_out_at=None, reason="補登")
    attendance_correct(actor=admin, signup=done, check_in_at=aware(yesterday, 8), check_out_at=aware(yesterday, 12),
                       reason="補登")
    today = make_shift(rec.position, date=timezone.localdate(), start=(0, 0), end=(23, 59))
    attendance_record(actor=admin, signup=accept(rec.org.vol_a, today), action="in", method="sheet")
    assert flag_missing_checkouts.delay().get() == 1
    flagged = Attendance.objects.filter(missing_checkout_flagged_at__isnull=False)
    assert list(flagged.values_list("signup", flat=True)) == [forgot.pk]
    assert flag_missing_checkouts.delay().get() == 0  # flagged once


def test_live_view_counts_expected_checked_in_missing_and_free_seats(rec):
    now = timezone.localtime()
    shift = make_shift(rec.position, date=now.date(), start=(0, 0), end=(23, 59), headcount=5)
    a, b, c = accept(rec.org.vol_a, shift), accept(rec.org.vol_sub_a, shift), accept(extra_volunteer(rec.org), shift)
    leader = fresh(rec.org.leader_a)
    attendance_record(actor=leader, signup=a, action="in", method="sheet")
    rows = venue_live(user=leader, venue=rec.org.unit_a)
    assert len(rows) == 1
    row = rows[0]
    assert (row.expected, row.checked_in, row.free_seats, row.is_now) == (3, 1, 2, True)
    assert {s.pk for s in row.missing} == {b.pk, c.pk}
    assert venue_live(user=fresh(rec.org.admin_b), venue=rec.org.unit_a) == []
