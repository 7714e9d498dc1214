"""Attendance (差勤): check-in and check-out by the venue QR code, by a leader scanning a volunteer's
personal QR code, by the day sheet, or entered by staff; corrections with a reason (audited);
no-shows; forgotten check-outs flagged the next day; service records with hours.

Hours rule (志願服務紀錄冊管理辦法 Art.9: actual service time, travel excluded): the minutes between
check-in and check-out at the venue, rounded to the nearest half hour, an exact quarter rounding up
(3 h 14 min → 3.0 h, 3 h 15 min → 3.5 h, 3 h 44 min → 3.5 h, 3 h 45 min → 4.0 h). Travel is never
entered: the only times are the check-in and check-out at the venue."""
from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Attendance,
    AttendanceMethod,
    AttendanceOutcome,
    ServiceRecord,
    Shift,
    ShiftQrCode,
    Signup,
    SignupStatus,
    Volunteer,
)
from ..selectors.insurance import attendance_refusal
from .audit import audit_record

SHIFT_SALT = "operations.attendance.shift-qr"
PERSON_SALT = "operations.attendance.person-qr"
PERSONAL_QR_MAX_AGE = 10 * 60  # seconds: a screenshot of someone's personal code goes stale quickly
CHECK_IN_OPENS_BEFORE = datetime.timedelta(minutes=60)
CHECK_OUT_CLOSES_AFTER = datetime.timedelta(hours=6)


def round_hours(minutes: int) -> Decimal:
    """Minutes → hours in 0.5 h steps, to the nearest half hour, an exact quarter rounding up."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    return Decimal((minutes + 15) // 30) / 2


def shift_bounds(shift: Shift) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.datetime.combine(shift.date, shift.start_time), tz)
    end = timezone.make_aware(datetime.datetime.combine(shift.date, shift.end_time), tz)
    return start, end


def _node_of(shift: Shift):
    position = shift.position
    return position.team or position.venue or position.campaign.unit


def _fmt(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- QR tokens -------------------------------------------------------------------------------------

def shift_qr_token(*, shift: Shift) -> str:
    """The signed token in the venue QR code of `shift` (shift, venue, day and a renewable nonce)."""
    code, _created = ShiftQrCode.objects.get_or_create(shift=shift, defaults={"nonce": secrets.token_hex(8)})
    payload = {"s": shift.pk, "v": shift.position.venue_id, "d": shift.date.isoformat(), "n": code.nonce}
    return signing.dumps(payload, salt=SHIFT_SALT, compress=True)


@transaction.atomic
def shift_qr_renew(*, actor, shift: Shift) -> str:
    """Replace the shift's QR code: every copy printed before becomes stale."""
    if not actor.has_perm("operations.shift.change", shift):
        raise PermissionDenied(_("You cannot change this shift."))
    ShiftQrCode.objects.update_or_create(shift=shift, defaults={"nonce": secrets.token_hex(8)})
    audit_record(actor=actor, action="updated", node=_node_of(shift), obj=shift, reason=_("QR code renewed"),
                 changes={"qr_code": "renewed"})
    return shift_qr_token(shift=shift)


def shift_from_token(*, token: str, today: datetime.date | None = None) -> Shift:
    """The shift of a venue QR code, refusing forged, stale, other-day and other-venue codes."""
    today = today or timezone.localdate()
    try:
        payload = signing.loads(token, salt=SHIFT_SALT)
    except signing.BadSignature as exc:
        raise ValidationError(_("This QR code is not valid. Scan the code posted at the venue again.")) from exc
    shift = (
        Shift.objects.select_related("position__venue", "position__team", "position__campaign__unit", "qr_code")
        .filter(pk=payload.get("s")).first()
    )
    if shift is None:
        raise ValidationError(_("This QR code is not valid. Scan the code posted at the venue again."))
    code = getattr(shift, "qr_code", None)
    if code is None or code.nonce != payload.get("n"):
        raise ValidationError(_("This QR code has been replaced by a newer one. Scan the code posted at the venue today."))
    if payload.get("v") != shift.position.venue_id:
        raise ValidationError(_("This QR code belongs to another venue."))
    if payload.get("d") != shift.date.isoformat() or shift.date != today:
        raise ValidationError(
            _("This QR code is for the shift on %(date)s, not for today (%(today)s).")
            % {"date": shift.date.isoformat(), "today": today.isoformat()}
        )
    return shift


def volunteer_qr_token(*, volunteer: Volunteer) -> str:
    """The token in a volunteer's personal QR code (shown in the volunteer zone, valid for 10 minutes)."""
    return signing.dumps({"p": volunteer.pk}, salt=PERSON_SALT, compress=True)


def volunteer_from_token(*, token: str) -> Volunteer:
    try:
        payload = signing.loads(token, salt=PERSON_SALT, max_age=PERSONAL_QR_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(
            _("This personal QR code has expired. Ask the volunteer to open it again in the volunteer zone.")
        ) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("This personal QR code is not valid.")) from exc
    volunteer = Volunteer.objects.filter(pk=payload.get("p")).first()
    if volunteer is None:
        raise ValidationError(_("This personal QR code is not valid."))
    return volunteer


# --- check-in and check-out ------------------------------------------------------------------------

def _locked_attendance(signup: Signup) -> Attendance:
    """Lock the sign-up and decide from its re-read status (a cancellation may have committed since the
    caller read it): attendance exists only for accepted sign-ups."""
    status = Signup.objects.select_for_update().filter(pk=signup.pk).values_list("status", flat=True).first()
    if status != SignupStatus.ACCEPTED:
        raise ValidationError(_("Only accepted volunteers have attendance."))
    attendance, _created = Attendance.objects.get_or_create(
        signup=signup, defaults={"shift_id": signup.shift_id, "volunteer_id": signup.volunteer_id}
    )
    return Attendance.objects.select_for_update().get(pk=attendance.pk)


def _check_window(shift: Shift, action: str, at: datetime.datetime) -> None:
    start, end = shift_bounds(shift)
    if action == "in":
        if at < start - CHECK_IN_OPENS_BEFORE:
            raise ValidationError(_("Check-in opens %(minutes)s minutes before the shift starts (%(start)s).")
                                  % {"minutes": int(CHECK_IN_OPENS_BEFORE.total_seconds() // 60), "start": _fmt(start)})
        if at > end:
            raise ValidationError(_("This shift ended at %(end)s; ask the staff to enter your times.") % {"end": _fmt(end)})
    elif at > end + CHECK_OUT_CLOSES_AFTER:
        raise ValidationError(_("Check-out closed %(hours)s hours after the shift; ask the staff to enter your times.")
                              % {"hours": int(CHECK_OUT_CLOSES_AFTER.total_seconds() // 3600)})


def _refuse_uninsured(volunteer, shift) -> None:
    """Nobody is checked in to, or credited hours for, a shift on a date they are not insured (DOMAIN §1.7;
    the insurance gate, selectors.insurance)."""
    refusal = attendance_refusal(volunteer, shift)
    if refusal:
        raise ValidationError(refusal, code="not_insured")


def _apply(*, attendance: Attendance, action: str, at: datetime.datetime, method: str, by) -> Attendance:
    if attendance.signup.status != SignupStatus.ACCEPTED:
        raise ValidationError(_("Only accepted volunteers can be checked in."))
    if action == "in":
        _refuse_uninsured(attendance.volunteer, attendance.shift)
        if attendance.check_in_at is not None:
            raise ValidationError(_("%(name)s already checked in at %(time)s.")
                                  % {"name": attendance.volunteer.name, "time": _fmt(attendance.check_in_at)})
        attendance.check_in_at = at
        attendance.check_in_method = method
        attendance.checked_in_by = by
        attendance.outcome = AttendanceOutcome.PRESENT
    else:
        if attendance.check_in_at is None:
            raise ValidationError(_("%(name)s has not checked in yet; check in first.") % {"name": attendance.volunteer.name})
        if attendance.check_out_at is not None:
            raise ValidationError(_("%(name)s already checked out at %(time)s.")
                                  % {"name": attendance.volunteer.name, "time": _fmt(attendance.check_out_at)})
        if at <= attendance.check_in_at:
            raise ValidationError(_("Check-out cannot be before check-in (%(time)s).") % {"time": _fmt(attendance.check_in_at)})
        attendance.check_out_at = at
        attendance.check_out_method = method
        attendance.checked_out_by = by
        attendance.missing_checkout_flagged_at = None
    attendance.save()
    if action == "out":
        service_record_sync(attendance=attendance, recorded_by=by)
    return attendance


@transaction.atomic
def attendance_self_check(*, user, token: str, action: str, now: datetime.datetime | None = None) -> Attendance:
    """A volunteer scanned the venue QR code and confirms check-in (or check-out) in the volunteer zone."""
    now = now or timezone.now()
    volunteer = getattr(user, "volunteer", None)
    if volunteer is None:
        raise PermissionDenied(_("Log in with your volunteer account to check in."))
    shift = shift_from_token(token=token, today=timezone.localdate(now))
    signup = Signup.objects.select_related("volunteer").filter(
        volunteer=volunteer, shift=shift, status=SignupStatus.ACCEPTED
    ).first()
    if signup is None:
        other = (
            Signup.objects.filter(volunteer=volunteer, status=SignupStatus.ACCEPTED, shift__date=shift.date)
            .select_related("shift__position__venue").order_by("shift__start_time").first()
        )
        if other and other.shift.position.venue_id != shift.position.venue_id and other.shift.position.venue:
            raise ValidationError(
                _("This QR code belongs to %(venue)s; your shift today is at %(other)s.")
                % {"venue": shift.position.venue.display_name, "other": other.shift.position.venue.display_name}
            )
        raise ValidationError(_("You have no accepted sign-up for this shift."))
    _check_window(shift, action, now)
    attendance = _locked_attendance(signup)
    return _apply(attendance=attendance, action=action, at=now, method=AttendanceMethod.QR, by=user)


def _staff_signup(actor, signup: Signup) -> Signup:
    signup = Signup.objects.select_related("volunteer", "shift__position__venue", "shift__position__team",
                                           "shift__position__campaign__unit").get(pk=signup.pk)
    if not actor.has_perm("operations.shift.take_attendance", signup.shift):
        raise PermissionDenied(_("You cannot take attendance for this shift."))
    return signup


@transaction.atomic
def attendance_record(*, actor, signup: Signup, action: str, method: str,
                      now: datetime.datetime | None = None) -> Attendance:
    """A leader checks a volunteer in or out now (leader mode or day sheet)."""
    now = now or timezone.now()
    if action not in ("in", "out"):
        raise ValidationError(_("Unknown action."))
    signup = _staff_signup(actor, signup)
    _check_window(signup.shift, action, now)
    attendance = _locked_attendance(signup)
    return _apply(attendance=attendance, action=action, at=now, method=method, by=actor)


@transaction.atomic
def attendance_sheet_submit(*, actor, shift: Shift, present: list[Signup], no_show: list[Signup],
                            now: datetime.datetime | None = None) -> dict[str, int]:
    """The day sheet: tick who is here (checked in now) and who did not come. All rows or none."""
    now = now or timezone.now()
    if not actor.has_perm("operations.shift.take_attendance", shift):
        raise PermissionDenied(_("You cannot take attendance for this shift."))
    both = {s.pk for s in present} & {s.pk for s in no_show}
    if both:
        raise ValidationError(_("A volunteer cannot be both present and a no-show."))
    if any(s.shift_id != shift.pk for s in [*present, *no_show]):
        raise ValidationError(_("These sign-ups do not belong to this shift."))
    errors = []
    for signup in present:
        try:
            with transaction.atomic():
                attendance_record(actor=actor, signup=signup, action="in", method=AttendanceMethod.SHEET, now=now)
        except ValidationError as exc:
            errors.extend(exc.messages)
    for signup in no_show:
        try:
            with transaction.atomic():
                attendance_mark_no_show(actor=actor, signup=signup)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return {"present": len(present), "no_show": len(no_show)}


@transaction.atomic
def attendance_mark_no_show(*, actor, signup: Signup) -> Attendance:
    signup = _staff_signup(actor, signup)
    if signup.status != SignupStatus.ACCEPTED:
        raise ValidationError(_("Only accepted volunteers can be marked as no-shows."))
    start, _end = shift_bounds(signup.shift)
    if timezone.now() < start:
        raise ValidationError(_("%(name)s cannot be a no-show before the shift starts.") % {"name": signup.volunteer.name})
    attendance = _locked_attendance(signup)
    if attendance.check_in_at is not None:
        raise ValidationError(_("%(name)s checked in at %(time)s and cannot be a no-show; correct the times instead.")
                              % {"name": signup.volunteer.name, "time": _fmt(attendance.check_in_at)})
    attendance.outcome = AttendanceOutcome.NO_SHOW
    attendance.save(update_fields=["outcome", "updated_at"])
    audit_record(actor=actor, action="updated", node=_node_of(signup.shift), obj=attendance,
                 changes={"outcome": ["expected", "no_show"]})
    return attendance


@transaction.atomic
def attendance_correct(*, actor, signup: Signup, check_in_at: datetime.datetime | None,
                       check_out_at: datetime.datetime | None, reason: str, people_served: int | None = None) -> Attendance:
    """Staff enter or correct the times of a volunteer's attendance, with a reason (audited)."""
    signup = Signup.objects.select_related("volunteer", "shift__position__venue", "shift__position__team",
                                           "shift__position__campaign__unit").get(pk=signup.pk)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Give a reason for the correction.")]
    if check_out_at is not None and check_in_at is None:
        errors["check_in_at"] = [_("Enter the check-in time as well.")]
    if check_in_at is not None and check_out_at is not None and check_out_at <= check_in_at:
        errors["check_out_at"] = [_("Check-out cannot be before check-in.")]
    if people_served is not None and people_served < 0:
        errors["people_served"] = [_("The number of people served cannot be negative.")]
    if signup.status != SignupStatus.ACCEPTED:
        errors.setdefault("__all__", []).append(_("Only accepted volunteers have attendance."))
    if check_in_at is not None:
        start, end = shift_bounds(signup.shift)
        if abs(check_in_at - start) > datetime.timedelta(hours=12):
            errors["check_in_at"] = [_("The check-in time is more than 12 hours away from the shift.")]
        if check_out_at is not None and check_out_at - check_in_at > datetime.timedelta(hours=16):
            errors["check_out_at"] = [_("A single attendance cannot be longer than 16 hours.")]
    if not errors and check_in_at is not None:
        refusal = attendance_refusal(signup.volunteer, signup.shift)
        if refusal:
            errors["__all__"] = [refusal]
    if errors:
        raise ValidationError(errors)
    if not actor.has_perm("operations.attendance.correct", signup.shift):
        raise PermissionDenied(_("You cannot correct attendance for this shift."))
    attendance = _locked_attendance(signup)
    record = ServiceRecord.objects.filter(attendance=attendance).first()
    old = {
        "check_in_at": _fmt(attendance.check_in_at) if attendance.check_in_at else "",
        "check_out_at": _fmt(attendance.check_out_at) if attendance.check_out_at else "",
        "people_served": record.people_served if record else 0,
    }
    attendance.check_in_at = check_in_at
    attendance.check_out_at = check_out_at
    if check_in_at and not attendance.check_in_method:
        attendance.check_in_method = AttendanceMethod.STAFF
    if check_out_at and not attendance.check_out_method:
        attendance.check_out_method = AttendanceMethod.STAFF
    attendance.checked_in_by = attendance.checked_in_by or (actor if check_in_at else None)
    attendance.checked_out_by = attendance.checked_out_by or (actor if check_out_at else None)
    attendance.outcome = AttendanceOutcome.PRESENT if check_in_at else AttendanceOutcome.EXPECTED
    if check_out_at:
        attendance.missing_checkout_flagged_at = None
    attendance.save()
    record = service_record_sync(attendance=attendance, recorded_by=actor, people_served=people_served)
    new = {
        "check_in_at": _fmt(check_in_at) if check_in_at else "",
        "check_out_at": _fmt(check_out_at) if check_out_at else "",
        "people_served": record.people_served if record else (people_served or 0),
    }
    audit_record(actor=actor, action="updated", node=_node_of(signup.shift), obj=attendance, reason=reason.strip(),
                 changes={k: [old[k], new[k]] for k in old if old[k] != new[k]})
    return attendance


def service_record_sync(*, attendance: Attendance, recorded_by=None, people_served: int | None = None) -> ServiceRecord | None:
    """Create, update or remove the service record of a completed attendance (call inside its transaction)."""
    record = ServiceRecord.objects.filter(attendance=attendance).first()
    if attendance.check_in_at is None or attendance.check_out_at is None:
        if record is not None:
            record.delete()
        return None
    shift = Shift.objects.select_related("position__venue", "position__team", "position__campaign__unit").get(
        pk=attendance.shift_id)
    position = shift.position
    unit = position.venue or (position.team.unit_ancestor if position.team else None) or position.campaign.unit
    minutes = int((attendance.check_out_at - attendance.check_in_at).total_seconds() // 60)
    content = f"{position.title}｜{shift.name}" if shift.name else position.title
    values = {
        "volunteer_id": attendance.volunteer_id, "unit": unit, "date": shift.date,
        "category": unit.category or "", "content": content[:255], "minutes": minutes, "hours": round_hours(minutes),
        "recorded_by": recorded_by if getattr(recorded_by, "pk", None) else None,
    }
    if people_served is not None:
        values["people_served"] = people_served
    if record is None:
        return ServiceRecord.objects.create(attendance=attendance, **values)
    for key, value in values.items():
        setattr(record, key, value)
    record.save()
    return record


@transaction.atomic
def attendance_flag_missing_checkouts(*, day: datetime.date) -> int:
    """Flag every attendance of shifts on or before `day` that checked in but never checked out."""
    return Attendance.objects.filter(
        check_in_at__isnull=False, check_out_at__isnull=True, missing_checkout_flagged_at__isnull=True,
        shift__date__lte=day,
    ).update(missing_checkout_flagged_at=timezone.now())
