"""Sign-ups for shifts. The invariant: Shift.accepted_count equals the number of ACCEPTED sign-ups of the
shift and never exceeds its headcount (a database CHECK constraint backs this up).

Seats are taken with one conditional UPDATE (`… SET accepted_count = accepted_count + 1 WHERE id = %s AND
accepted_count < headcount`). On PostgreSQL the row lock of that UPDATE serialises concurrent takers and
the WHERE clause is re-checked after the lock is granted, so however many people press the button at the
same moment, no more than `headcount` succeed. Everything that frees a seat locks the shift row first,
then promotes the first waitlisted volunteer in the same transaction."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Campaign,
    CampaignStatus,
    GuardianConsent,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    Volunteer,
)
from ..outbox import enqueue
from ..selectors.recruitment import invalidate_recruitment_progress
from .audit import audit_record

ACTIVE_STATUSES = (SignupStatus.APPLIED, SignupStatus.ACCEPTED, SignupStatus.WAITLISTED)
STAFF_DECIDERS = ("system_admin", "authority_officer", "unit_admin", "team_leader")
ADULT_AGE = 18


def _notify(signup_id: int, event: str) -> None:
    from ..tasks import send_signup_notification

    enqueue(send_signup_notification, signup_id, event)


def _after_change() -> None:
    transaction.on_commit(invalidate_recruitment_progress)


def take_seat(shift_id: int) -> bool:
    """Atomically take one seat of a shift; False when it is full."""
    return Shift.objects.filter(pk=shift_id, accepted_count__lt=F("headcount")).update(
        accepted_count=F("accepted_count") + 1
    ) == 1


def _release_seat(shift_id: int) -> None:
    Shift.objects.filter(pk=shift_id, accepted_count__gt=0).update(accepted_count=F("accepted_count") - 1)


def shift_starts_at(shift: Shift) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(shift.date, shift.start_time))


def promote_waitlist(*, shift: Shift) -> list[Signup]:
    """Fill free seats of `shift` from its waitlist, first come first served. Call with the shift row
    locked (inside the transaction that freed the seats)."""
    promoted = []
    waiting = (
        Signup.objects.select_for_update()
        .filter(shift=shift, status=SignupStatus.WAITLISTED)
        .order_by("created_at", "id")
    )
    for signup in waiting:
        if not take_seat(shift.pk):
            break
        signup.status = SignupStatus.ACCEPTED
        signup.decided_at = timezone.now()
        signup.save(update_fields=["status", "decided_at", "updated_at"])
        _notify(signup.pk, "promoted")
        promoted.append(signup)
    if promoted:
        _after_change()
    return promoted


def _same_day_signups(volunteer: Volunteer, shift: Shift, *, lock: bool = False) -> list[Signup]:
    """All sign-ups of `volunteer` on the day of `shift` (any status), with their shifts: one query answers
    "already signed up", "overlaps" and "signed up before" together."""
    qs = Signup.objects.filter(volunteer=volunteer, shift__date=shift.date).select_related("shift").order_by("id")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return list(qs)


def signup_eligibility_errors(*, volunteer: Volunteer, shift: Shift, now: datetime.datetime | None = None,
                              same_day: list[Signup] | None = None) -> list[str]:
    """Every reason why `volunteer` may not sign up for `shift` now, in the user's language.
    `same_day`: the volunteer's sign-ups on that day when the caller has them already."""
    now = now or timezone.now()
    campaign: Campaign = shift.position.campaign
    errors: list[str] = []
    if campaign.status != CampaignStatus.OPEN:
        errors.append(_("This recruitment is not open."))
    if campaign.signup_opens_at and now < campaign.signup_opens_at:
        errors.append(_("Sign-up has not opened yet."))
    if (campaign.signup_closes_at and now > campaign.signup_closes_at) or shift_starts_at(shift) <= now:
        errors.append(_("The sign-up window is closed."))
    age = volunteer.age_on(shift.date)
    if campaign.min_age is not None and age < campaign.min_age:
        errors.append(
            _("You must be at least %(min)s years old on the service date (you will be %(age)s).")
            % {"min": campaign.min_age, "age": age}
        )
    if campaign.max_age is not None and age > campaign.max_age:
        errors.append(_("The age limit of this recruitment is %(max)s.") % {"max": campaign.max_age})
    if age < ADULT_AGE and not GuardianConsent.objects.filter(volunteer=volunteer, campaign=campaign).exists():
        errors.append(_("Volunteers under 18 need to upload a guardian's consent form first."))
    if same_day is None:
        same_day = _same_day_signups(volunteer, shift)
    active = [s for s in same_day if s.status in ACTIVE_STATUSES]
    if any(s.shift_id == shift.pk for s in active):
        errors.append(_("You have already signed up for this shift."))
    overlapping = next((s for s in active if s.shift_id != shift.pk and s.shift.start_time < shift.end_time
                        and s.shift.end_time > shift.start_time), None)
    if overlapping:
        errors.append(
            _("This shift overlaps another of your shifts (%(shift)s).") % {"shift": str(overlapping.shift)}
        )
    return errors


@transaction.atomic
def signup_create(*, volunteer: Volunteer, shift: Shift, actor=None, now: datetime.datetime | None = None) -> Signup:
    """Sign `volunteer` up for `shift`: accepted at once while seats remain (instant campaigns),
    waitlisted when full, or applied for a staff decision (reviewed campaigns)."""
    # Lock the volunteer: two sign-ups of the same person at the same moment cannot both pass the
    # overlap check.
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    shift = Shift.objects.select_related("position__campaign").get(pk=shift.pk)
    same_day = _same_day_signups(volunteer, shift, lock=True)
    errors = signup_eligibility_errors(volunteer=volunteer, shift=shift, now=now, same_day=same_day)
    if errors:
        raise ValidationError(errors)
    campaign = shift.position.campaign
    previous = next((s for s in same_day if s.shift_id == shift.pk), None)
    # The seat is taken last, just before the row writes: the shift row stays locked for as short a time
    # as possible when many people sign up for the same shift at once.
    if campaign.signup_mode == SignupMode.REVIEWED:
        status = SignupStatus.APPLIED
    else:
        status = SignupStatus.ACCEPTED if take_seat(shift.pk) else SignupStatus.WAITLISTED
    if previous is not None:  # signing up again after cancelling or being rejected
        previous.status = status
        previous.cancelled_at = None
        previous.decided_at = timezone.now() if status == SignupStatus.ACCEPTED else None
        previous.decision_reason = ""
        previous.created_at = timezone.now()
        previous.save()
        signup = previous
    else:
        signup = Signup.objects.create(
            volunteer=volunteer, shift=shift, status=status,
            decided_at=timezone.now() if status == SignupStatus.ACCEPTED else None,
        )
    _notify(signup.pk, status)
    _after_change()
    return signup


@transaction.atomic
def signup_cancel(*, signup: Signup, actor=None, reason: str = "", now: datetime.datetime | None = None) -> Signup:
    """Cancel a sign-up. Volunteers may cancel until the campaign's deadline; staff at any time (with a
    reason). A freed seat goes to the first waitlisted volunteer in the same transaction."""
    now = now or timezone.now()
    signup = Signup.objects.select_related("shift__position__campaign", "volunteer").get(pk=signup.pk)
    shift = Shift.objects.select_for_update().get(pk=signup.shift_id)
    if signup.status not in ACTIVE_STATUSES:
        raise ValidationError(_("This sign-up is not active."))
    is_staff_action = actor is not None and getattr(signup.volunteer, "user_id", None) != actor.pk
    if is_staff_action:
        if not Signup.objects.visible_to(actor, roles=STAFF_DECIDERS).filter(pk=signup.pk).exists():
            raise PermissionDenied(_("You cannot change this sign-up."))
        if not reason.strip():
            raise ValidationError({"reason": _("Give a reason for cancelling.")})
    else:
        deadline = shift_starts_at(shift) - datetime.timedelta(hours=signup.shift.position.campaign.cancel_deadline_hours)
        if now > deadline:
            raise ValidationError(
                _("The cancellation deadline (%(deadline)s) has passed. Please contact the organiser.")
                % {"deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")}
            )
    was_accepted = signup.status == SignupStatus.ACCEPTED
    signup.status = SignupStatus.CANCELLED
    signup.cancelled_at = now
    signup.decision_reason = reason.strip()
    signup.decided_by = actor if is_staff_action else None
    signup.save()
    if was_accepted:
        _release_seat(shift.pk)
        promote_waitlist(shift=shift)
    if is_staff_action:
        audit_record(actor=actor, action="updated", node=signup.shift.position.team or signup.shift.position.venue,
                     obj=signup, reason=reason, changes={"status": ["", SignupStatus.CANCELLED]})
    _notify(signup.pk, SignupStatus.CANCELLED)
    _after_change()
    return signup


@transaction.atomic
def signup_decide(*, signup: Signup, actor, decision: str, reason: str = "") -> Signup:
    """Staff decision on a sign-up: accept, waitlist or reject (a reason is required to reject).
    Accepting needs a free seat; rejecting an accepted sign-up frees its seat for the waitlist."""
    decision = SignupStatus(decision)
    if decision not in (SignupStatus.ACCEPTED, SignupStatus.WAITLISTED, SignupStatus.REJECTED):
        raise ValidationError(_("Unknown decision."))
    signup = Signup.objects.select_related("shift__position__campaign").get(pk=signup.pk)
    if not Signup.objects.visible_to(actor, roles=STAFF_DECIDERS).filter(pk=signup.pk).exists():
        raise PermissionDenied(_("You cannot decide on this sign-up."))
    shift = Shift.objects.select_for_update().get(pk=signup.shift_id)
    if signup.status not in ACTIVE_STATUSES:
        raise ValidationError(_("Only active sign-ups can be decided on."))
    if decision == signup.status:
        return signup
    if decision == SignupStatus.REJECTED and not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the rejection.")})
    was_accepted = signup.status == SignupStatus.ACCEPTED
    if decision == SignupStatus.ACCEPTED and not take_seat(shift.pk):
        raise ValidationError(_("The shift is full. Waitlist the volunteer or raise the headcount."))
    signup.status = decision
    signup.decision_reason = reason.strip()
    signup.decided_by = actor
    signup.decided_at = timezone.now()
    signup.save()
    if was_accepted:
        _release_seat(shift.pk)
        promote_waitlist(shift=shift)
    audit_record(actor=actor, action="updated", node=signup.shift.position.team or signup.shift.position.venue,
                 obj=signup, reason=reason, changes={"status": ["", decision.value]})
    _notify(signup.pk, decision)
    _after_change()
    return signup


@transaction.atomic
def shift_set_headcount(*, shift: Shift, actor, headcount: int, surplus_to_waitlist: bool = False) -> Shift:
    """Change a shift's headcount. Lowering it below the accepted count is refused unless the surplus
    (the latest accepted sign-ups) is moved back to the waitlist, who are told. Raising it promotes
    waitlisted volunteers into the new seats."""
    shift = Shift.objects.select_for_update().select_related("position").get(pk=shift.pk)
    if not Shift.objects.visible_to(actor, roles=("system_admin", "authority_officer", "unit_admin")).filter(pk=shift.pk).exists():
        raise PermissionDenied(_("You cannot change this shift."))
    if headcount < 0:
        raise ValidationError({"headcount": _("The headcount cannot be negative.")})
    surplus = shift.accepted_count - headcount
    if surplus > 0 and not surplus_to_waitlist:
        raise ValidationError(
            {"headcount": _("%(n)s volunteers are already accepted. Choose to move the latest %(surplus)s back to "
                            "the waitlist, or keep a headcount of at least %(n)s.")
             % {"n": shift.accepted_count, "surplus": surplus}}
        )
    old = shift.headcount
    if surplus > 0:
        latest = list(
            Signup.objects.select_for_update().filter(shift=shift, status=SignupStatus.ACCEPTED)
            .order_by("-decided_at", "-created_at", "-id")[:surplus]
        )
        for signup in latest:
            signup.status = SignupStatus.WAITLISTED
            signup.save(update_fields=["status", "updated_at"])
            _notify(signup.pk, "demoted")
        Shift.objects.filter(pk=shift.pk).update(accepted_count=F("accepted_count") - len(latest))
    Shift.objects.filter(pk=shift.pk).update(headcount=headcount)
    shift.refresh_from_db()
    if headcount > old:
        promote_waitlist(shift=shift)
        shift.refresh_from_db()
    audit_record(actor=actor, action="updated", node=shift.position.team or shift.position.venue, obj=shift,
                 changes={"headcount": [old, headcount]})
    _after_change()
    return shift


def signups_for_volunteer(volunteer: Volunteer):
    return (
        Signup.objects.filter(volunteer=volunteer)
        .select_related("shift__position__campaign", "shift__position__venue")
        .order_by("shift__date", "shift__start_time")
    )


# --- The volunteer journey: several shifts at once, guardian consents ---------------------------------

class SignupOutcome:
    """What happened to one requested shift: a sign-up (accepted, waitlisted or applied) or the reasons
    it was refused, in the user's language."""

    def __init__(self, shift: Shift, signup: Signup | None = None, errors: list[str] | None = None):
        self.shift = shift
        self.signup = signup
        self.errors = errors or []

    @property
    def ok(self) -> bool:
        return self.signup is not None


def signup_create_many(*, volunteer: Volunteer, shifts, actor=None,
                       now: datetime.datetime | None = None) -> list[SignupOutcome]:
    """Sign up for several shifts: each in its own transaction (one refused shift does not undo the
    others), in date order, so that a later shift overlapping an earlier one of the same request is
    refused with the overlap reason."""
    outcomes = []
    for shift in sorted(shifts, key=lambda s: (s.date, s.start_time, s.pk)):
        try:
            outcomes.append(SignupOutcome(shift, signup_create(volunteer=volunteer, shift=shift, actor=actor, now=now)))
        except ValidationError as exc:
            outcomes.append(SignupOutcome(shift, errors=exc.messages))
    return outcomes


CONSENT_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")
CONSENT_MAX_BYTES = 5 * 1024 * 1024


@transaction.atomic
def guardian_consent_upload(*, volunteer: Volunteer, campaign: Campaign, file, guardian_name: str,
                            actor=None) -> GuardianConsent:
    """Upload (or replace) the guardian's consent form of a volunteer under 18 for a campaign."""
    name = (getattr(file, "name", "") or "").lower()
    if not name.endswith(CONSENT_EXTENSIONS):
        raise ValidationError({"file": _("Upload the signed form as PDF, JPEG or PNG.")})
    if not getattr(file, "size", 0):
        raise ValidationError({"file": _("The file is empty.")})
    if file.size > CONSENT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB.")})
    from volunteer_site.filetypes import detect

    try:
        detect(file, {"pdf", "png", "jpeg"})  # the PDF parses, the image decodes
    except ValidationError:
        raise ValidationError({"file": _("The file is not a readable PDF, JPEG or PNG.")}) from None
    if not guardian_name.strip():
        raise ValidationError({"guardian_name": _("Enter the guardian's name.")})
    consent, _created = GuardianConsent.objects.update_or_create(
        volunteer=volunteer, campaign=campaign, defaults={"file": file, "guardian_name": guardian_name.strip()},
    )
    audit_record(actor=actor, action="created", obj=consent, changes={"guardian_consent": ["", "uploaded"]})
    return consent
