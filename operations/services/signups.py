"""Sign-ups for shifts, as one state machine (`SIGNUP_TRANSITIONS`).

The invariant: Shift.accepted_count equals the number of ACCEPTED sign-ups of the shift and never exceeds
its headcount (a CHECK constraint and, on PostgreSQL, a deferred constraint trigger back this up), and in
instant campaigns nobody waits while a seat is free for them.

Every transition (sign up, cancel, decide, promote, headcount change, staff assignment) follows the steps
of `services/seats.py`: lock the shift, lock and re-read the sign-up(s), ask the transition table, write.
A repeated request finds the target state already there and changes nothing; a transition that is not
allowed from the current state raises a translated `TransitionNotAllowed`. Because waitlisting also takes
the shift lock, a cancellation's promotion always sees every committed waitlisted sign-up, so a waitlist
never stalls behind a free seat."""
from __future__ import annotations

import datetime
import functools

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..effects import task_event_key
from ..mail import mail_language, send_templated_mail, site_link
from ..models import (
    Campaign,
    GuardianConsent,
    Position,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    Volunteer,
)
from ..outbox import enqueue
from ..roles import TEAM_MANAGERS, UNIT_MANAGERS
from ..selectors import signup_rules
from ..selectors.recruitment import invalidate_recruitment_progress
from . import seats
from .audit import audit_record
from .seats import TransitionTable

# Who may sign up for what is decided by the rule book (signup_rules); its names are kept here too.
ACTIVE_STATUSES = signup_rules.ACTIVE_STATUSES
HOLDING_STATUSES = signup_rules.HOLDING_STATUSES
ADULT_AGE = signup_rules.ADULT_AGE
shift_starts_at = signup_rules.shift_starts_at
shifts_overlap = signup_rules.shifts_overlap
overlapping_pairs = signup_rules.overlapping_pairs
STAFF_DECIDERS = TEAM_MANAGERS
INACTIVE = frozenset({None, SignupStatus.CANCELLED, SignupStatus.REJECTED})

# Every allowed change of a sign-up, in one place. Being in the target state already is a repeat (no-op).
SIGNUP_TRANSITIONS = TransitionTable(
    {
        # a volunteer signs up (again, after cancelling or being rejected)
        "take_seat": (INACTIVE, SignupStatus.ACCEPTED),
        "join_waitlist": (INACTIVE, SignupStatus.WAITLISTED),
        "apply": (INACTIVE, SignupStatus.APPLIED),
        # staff decisions
        "accept": (frozenset({SignupStatus.APPLIED, SignupStatus.WAITLISTED}), SignupStatus.ACCEPTED),
        "waitlist": (frozenset({SignupStatus.APPLIED, SignupStatus.ACCEPTED}), SignupStatus.WAITLISTED),
        "reject": (frozenset(ACTIVE_STATUSES), SignupStatus.REJECTED),
        # staff assignment from the suggested matches: a new or inactive sign-up becomes an application
        "assign": (INACTIVE, SignupStatus.APPLIED),
        # volunteer or staff
        "cancel": (frozenset(ACTIVE_STATUSES), SignupStatus.CANCELLED),
        # automatic
        "promote": (frozenset({SignupStatus.WAITLISTED}), SignupStatus.ACCEPTED),
        "demote": (frozenset({SignupStatus.ACCEPTED}), SignupStatus.WAITLISTED),
    },
    {
        "take_seat": _lazy("You have already signed up for this shift."),
        "join_waitlist": _lazy("You have already signed up for this shift."),
        "apply": _lazy("You have already signed up for this shift."),
        "accept": _lazy("Only active sign-ups can be decided on."),
        "waitlist": _lazy("Only active sign-ups can be decided on."),
        "reject": _lazy("Only active sign-ups can be decided on."),
        "assign": _lazy("This volunteer is already signed up for this shift."),
        "cancel": _lazy("This sign-up is not active."),
        "promote": _lazy("Only waitlisted sign-ups can be promoted."),
        "demote": _lazy("Only accepted sign-ups can be moved back to the waitlist."),
    },
)
DECISION_EVENTS = {SignupStatus.ACCEPTED: "accept", SignupStatus.WAITLISTED: "waitlist",
                   SignupStatus.REJECTED: "reject"}


def _notify(signup_id: int, event: str) -> None:
    enqueue("operations.tasks.send_signup_notification", signup_id, event)


def _after_change() -> None:
    transaction.on_commit(invalidate_recruitment_progress)


def take_seat(shift_id: int) -> bool:
    """Atomically take one seat of a shift; False when it is full."""
    return seats.take_seat(Shift, shift_id)


def _release_seat(shift_id: int) -> None:
    seats.release_seat(Shift, shift_id)


def lock_shift(shift_id: int) -> Shift:
    """Step 1 of every sign-up transition: lock the shift row and read it afresh."""
    return seats.lock_row(Shift, shift_id, related=("position__campaign",))


def lock_signup(signup_id: int) -> Signup:
    """Step 2: lock the sign-up row and read it afresh (call with its shift locked)."""
    return seats.lock_row(Signup, signup_id, related=("volunteer", "shift__position__campaign"))


def _lock_same_time(volunteer_id: int, shift: Shift, *, reread: bool = True) -> list[Signup]:
    """Lock every sign-up of a volunteer on shifts overlapping `shift` (its own sign-up for `shift` included),
    in id order, and return them as they are now. On PostgreSQL the lock waits for a concurrent promotion,
    sign-up or decision of this volunteer at that time to commit, and the locked rows come back in their
    newest version. Rows such a transaction *inserted* are not in the locking statement's snapshot, so
    `reread` reads once more with a fresh statement; a sign-up holding the volunteer's row lock (which
    serialises every insert of this volunteer's sign-ups) can skip that."""
    with connection.cursor() as cursor:
        ops = connection.ops
        cursor.execute(_same_time_lock_sql(), [volunteer_id, ops.adapt_datefield_value(shift.date),
                                               ops.adapt_timefield_value(shift.end_time),
                                               ops.adapt_timefield_value(shift.start_time)])
        locked = [row[0] for row in cursor.fetchall()]
    if not reread:  # most often nothing: a first sign-up at that time
        return list(Signup.objects.filter(pk__in=locked).select_related("shift").order_by("id")) if locked else []
    same_time = Q(volunteer_id=volunteer_id) & signup_rules.same_time_q(shift)
    return list(Signup.objects.filter(same_time).select_related("shift").order_by("id"))


@functools.cache
def _same_time_lock_sql() -> str:
    """`SELECT … FOR UPDATE` of a volunteer's sign-ups on shifts overlapping a shift (`signup_rules.same_time_q`:
    the same day, starting before it ends and ending after it starts), keys only, in key order. Written once:
    the ORM compiled this join again on every sign-up."""
    qn = connection.ops.quote_name
    signup, shift = Signup._meta, Shift._meta
    col = {name: qn(Shift._meta.get_field(name).column) for name in ("date", "start_time", "end_time")}
    lock = " FOR UPDATE OF s" if connection.features.has_select_for_update_of else ""
    return (f"SELECT s.{qn(signup.pk.column)} FROM {qn(signup.db_table)} s "
            f"JOIN {qn(shift.db_table)} h ON h.{qn(shift.pk.column)} = s.{qn(signup.get_field('shift').column)} "
            f"WHERE s.{qn(signup.get_field('volunteer').column)} = %s AND h.{col['date']} = %s "
            f"AND h.{col['start_time']} < %s AND h.{col['end_time']} > %s ORDER BY s.{qn(signup.pk.column)}{lock}")


def _seat_clash(rows: list[Signup], shift: Shift) -> Signup | None:
    """The sign-up (among `rows`) that holds a seat at the time of `shift` on another shift."""
    return signup_rules.overlap_clash(rows, shift, HOLDING_STATUSES)


def _clash_error(volunteer: Volunteer, clash: Signup) -> str:
    return signup_rules.problem(signup_rules.OVERLAP, name=volunteer.name, shift=str(clash.shift)).message


def promote_waitlist(*, shift: Shift) -> list[Signup]:
    """Fill free seats of `shift` from its waitlist, first come first served. Call with the shift row locked
    (inside the transaction that freed the seats). A volunteer who holds a seat on an overlapping shift, or
    whom a registered gate refuses on the service date (not insured, not trained for it: the same checks as
    a staff acceptance), is passed over (and told why); their place in the queue is kept for a later seat."""
    current = Shift.objects.only("headcount", "accepted_count").get(pk=shift.pk)
    gated = None  # the shift with its campaign, read once if somebody is to be promoted
    free = current.headcount - current.accepted_count
    promoted = []
    if free <= 0:
        return promoted
    waiting = list(Signup.objects.filter(shift_id=shift.pk, status=SignupStatus.WAITLISTED)
                   .order_by("created_at", "id").values_list("id", "volunteer_id"))
    for signup_id, volunteer_id in waiting:
        if free <= 0:
            break
        rows = _lock_same_time(volunteer_id, shift)
        signup = next((s for s in rows if s.pk == signup_id), None)
        if signup is None or signup.status != SignupStatus.WAITLISTED:  # changed since the queue was read
            continue
        SIGNUP_TRANSITIONS.step("promote", signup.status)
        if _seat_clash(rows, shift) is not None:
            _notify(signup.pk, "skipped_overlap")
            continue
        if gated is None:
            gated = Shift.objects.select_related("position__campaign").get(pk=shift.pk)
        if signup_rules.signup_check(signup.volunteer, gated, only=()):  # the registered gates only
            _notify(signup.pk, "skipped_gate")
            continue
        if not take_seat(shift.pk):
            break
        signup.status = SignupStatus.ACCEPTED
        signup.decided_at = timezone.now()
        signup.save(update_fields=["status", "decided_at", "updated_at"])
        _notify(signup.pk, "promoted")
        promoted.append(signup)
        free -= 1
    if promoted:
        _after_change()
    return promoted


def signup_problems(*, volunteer: Volunteer, shift: Shift, now: datetime.datetime | None = None,
                    same_day: list[Signup] | None = None, check_overlap: bool = True,
                    consents: set[int] | None = None) -> list[signup_rules.Problem]:
    """The rule book's problems of `volunteer` signing up for `shift` now (codes and messages).
    `same_day`: the volunteer's sign-ups on that day when the caller has them already; `consents`: the
    campaigns the volunteer has a guardian's consent for, when known.
    The overlap rule: a shift that would give a seat (free seats, or an application in a reviewed campaign)
    is refused while the volunteer holds an overlapping seat or application; joining the waitlist of a full
    shift is not. `check_overlap=False` leaves that to the caller, who decides it under the shift lock."""
    context = signup_rules.SignupContext(now=now, same_day=same_day, consents=consents,
                                         overlap=signup_rules.OVERLAP_SEAT if check_overlap else None)
    return signup_rules.signup_check(volunteer, shift, context=context)


def signup_eligibility_errors(*, volunteer: Volunteer, shift: Shift, now: datetime.datetime | None = None,
                              same_day: list[Signup] | None = None, check_overlap: bool = True) -> list[str]:
    """Every reason why `volunteer` may not sign up for `shift` now, in the user's language (see
    `signup_problems`)."""
    return [p.message for p in signup_problems(volunteer=volunteer, shift=shift, now=now, same_day=same_day,
                                               check_overlap=check_overlap)]


def signup_confirmation(*, volunteer: Volunteer, shifts: list[Shift]) -> dict:
    """What the confirmation page shows for the chosen shifts: each shift with the reasons that block it,
    the campaigns whose guardian's consent form is still needed, and the chosen shifts that overlap."""
    consents = set(GuardianConsent.objects.filter(volunteer=volunteer).values_list("campaign_id", flat=True))
    problems = [(shift, signup_problems(volunteer=volunteer, shift=shift, consents=consents)) for shift in shifts]
    pairs = overlapping_pairs(shifts)
    return {
        "checks": [(shift, [p.message for p in found]) for shift, found in problems],
        "consent_campaigns": signup_rules.consent_forms_needed(problems),
        "overlap_pairs": pairs,
        "overlapping": {s.pk for pair in pairs for s in pair},
    }


@seats.seat_transition
def signup_create(*, volunteer: Volunteer, shift: Shift, actor=None, now: datetime.datetime | None = None,
                  fresh: bool = False) -> Signup:
    """Sign `volunteer` up for `shift`: accepted at once while seats remain (instant campaigns),
    waitlisted when full, or applied for a staff decision (reviewed campaigns). The shift, its position and
    campaign are read again here, unless `fresh` says the caller has just read them in this request (the
    sign-up page does, for every chosen shift at once).
    Locks: the volunteer (two sign-ups of one person are serialised), then the shift (so a waitlisting is
    never invisible to a cancellation's promotion), then the volunteer's sign-ups at that time."""
    seats.lock_only(Volunteer, volunteer.pk)
    if not (fresh and _campaign_loaded(shift)):
        shift = Shift.objects.select_related("position__campaign").get(pk=shift.pk)
    # "Already signed up" and overlaps are decided below on the locked rows.
    problems = signup_problems(volunteer=volunteer, shift=shift, now=now, same_day=[], check_overlap=False)
    if problems:
        raise signup_rules.refusal(problems)
    campaign = shift.position.campaign
    # The checks above need no shift lock: it is taken as late as possible, so that a rush for one shift
    # keeps it locked for the few writes only. A seat taken with the conditional UPDATE holds the row lock
    # already; otherwise the shift is locked and re-read before waitlisting, so that a cancellation's
    # promotion (which holds the same lock) always sees this waitlisted sign-up once it commits.
    if campaign.signup_mode == SignupMode.REVIEWED:
        seats.lock_only(Shift, shift.pk)
        event = "apply"
    elif take_seat(shift.pk):
        event = "take_seat"
    else:
        seated = seats.lock_seats(Shift, shift.pk) > 0 and take_seat(shift.pk)  # freed in the meantime
        event = "take_seat" if seated else "join_waitlist"
    rows = _lock_same_time(volunteer.pk, shift, reread=False)
    previous = next((s for s in rows if s.shift_id == shift.pk), None)
    step = SIGNUP_TRANSITIONS.step(event, previous.status if previous else None)
    if not step.changed:
        raise ValidationError(_("You have already signed up for this shift."))
    clash = _seat_clash(rows, shift)
    if clash is not None and event != "join_waitlist":
        raise ValidationError(_clash_error(volunteer, clash), code=signup_rules.OVERLAP)  # the seat goes back
    status = step.target
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


def _campaign_loaded(shift: Shift) -> bool:
    """Whether `shift` came with its position and campaign. Read by the caller in this request, they are as
    fresh as a read here would be: the rule book reads them unlocked either way, and seats are decided by the
    conditional UPDATE or the lock."""
    return Shift.position.is_cached(shift) and Position.campaign.is_cached(shift.position)


def _shift_id_of(signup: Signup) -> int:
    return Signup.objects.values_list("shift_id", flat=True).get(pk=signup.pk)


@seats.seat_transition
def signup_cancel(*, signup: Signup, actor=None, reason: str = "", now: datetime.datetime | None = None) -> Signup:
    """Cancel a sign-up. Volunteers may cancel until the campaign's deadline; staff at any time (with a
    reason). A freed seat goes to the first waitlisted volunteer in the same transaction. Cancelling a
    sign-up that is already cancelled changes nothing and answers like the first time."""
    now = now or timezone.now()
    shift = lock_shift(_shift_id_of(signup))
    signup = lock_signup(signup.pk)
    is_staff_action = actor is not None and getattr(signup.volunteer, "user_id", None) != actor.pk
    if is_staff_action and not Signup.objects.visible_to(actor, roles=STAFF_DECIDERS).filter(pk=signup.pk).exists():
        raise PermissionDenied(_("You cannot change this sign-up."))
    step = SIGNUP_TRANSITIONS.step("cancel", signup.status)
    if not step.changed:
        return signup
    if is_staff_action:
        if not reason.strip():
            raise ValidationError({"reason": _("Give a reason for cancelling.")})
    else:
        deadline = shift_starts_at(shift) - datetime.timedelta(hours=shift.position.campaign.cancel_deadline_hours)
        if now > deadline:
            raise ValidationError(
                _("The cancellation deadline (%(deadline)s) has passed. Please contact the organiser.")
                % {"deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")}
            )
    was_accepted = signup.status == SignupStatus.ACCEPTED
    signup.status = step.target
    signup.cancelled_at = now
    signup.decision_reason = reason.strip()
    signup.decided_by = actor if is_staff_action else None
    signup.save()
    if was_accepted:
        _release_seat(shift.pk)
        promote_waitlist(shift=shift)
    if is_staff_action:
        audit_record(actor=actor, action="updated", node=shift.position.team or shift.position.venue,
                     obj=signup, reason=reason, changes={"status": [step.source, SignupStatus.CANCELLED]})
    _notify(signup.pk, SignupStatus.CANCELLED)
    _after_change()
    return signup


@seats.seat_transition
def signup_decide(*, signup: Signup, actor, decision: str, reason: str = "") -> Signup:
    """Staff decision on a sign-up: accept, waitlist or reject (a reason is required to reject).
    Accepting needs a free seat and no accepted overlapping shift; rejecting or waitlisting an accepted
    sign-up frees its seat for the waitlist. Deciding what was already decided changes nothing."""
    try:
        decision = SignupStatus(decision)
        event = DECISION_EVENTS[decision]
    except (ValueError, KeyError) as exc:
        raise ValidationError(_("Unknown decision.")) from exc
    if not Signup.objects.visible_to(actor, roles=STAFF_DECIDERS).filter(pk=signup.pk).exists():
        raise PermissionDenied(_("You cannot decide on this sign-up."))
    shift = lock_shift(_shift_id_of(signup))
    signup = lock_signup(signup.pk)
    step = SIGNUP_TRANSITIONS.step(event, signup.status)
    if not step.changed:
        return signup
    if decision == SignupStatus.REJECTED and not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the rejection.")})
    if decision == SignupStatus.ACCEPTED:
        # The rule book on the locked rows: no accepted overlapping shift, and every registered check.
        context = signup_rules.SignupContext(same_day=_lock_same_time(signup.volunteer_id, shift),
                                             overlap=signup_rules.OVERLAP_ACCEPTED)
        problems = signup_rules.signup_check(signup.volunteer, shift, context=context,
                                             only=(signup_rules.check_overlap,))
        if problems:
            raise signup_rules.refusal(problems, voice=signup_rules.STAFF_VOICE)
        if not take_seat(shift.pk):
            raise ValidationError(_("The shift is full. Waitlist the volunteer or raise the headcount."))
    was_accepted = step.source == SignupStatus.ACCEPTED
    signup.status = step.target
    signup.decision_reason = reason.strip()
    signup.decided_by = actor
    signup.decided_at = timezone.now()
    signup.save()
    if was_accepted:
        _release_seat(shift.pk)
        promote_waitlist(shift=shift)
    audit_record(actor=actor, action="updated", node=shift.position.team or shift.position.venue,
                 obj=signup, reason=reason, changes={"status": [step.source, decision.value]})
    _notify(signup.pk, decision)
    _after_change()
    return signup


@seats.seat_transition
def shift_set_headcount(*, shift: Shift, actor, headcount: int, surplus_to_waitlist: bool = False) -> Shift:
    """Change a shift's headcount. Lowering it below the accepted count is refused unless the surplus
    (the latest accepted sign-ups) is moved back to the waitlist, who are told. Raising it promotes
    waitlisted volunteers into the new seats. Decided on the locked, re-read shift."""
    shift = seats.lock_row(Shift, shift.pk, related=("position",))
    if not Shift.objects.visible_to(actor, roles=UNIT_MANAGERS).filter(pk=shift.pk).exists():
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
            Signup.objects.select_for_update(of=("self",)).filter(shift=shift, status=SignupStatus.ACCEPTED)
            .order_by("-decided_at", "-created_at", "-id")[:surplus]
        )
        for signup in latest:
            signup.status = SIGNUP_TRANSITIONS.step("demote", signup.status).target
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
    it was refused, in the user's language; `note` explains a waitlist place next to an overlapping seat."""

    def __init__(self, shift: Shift, signup: Signup | None = None, errors: list[str] | None = None, note: str = "",
                 status: str = ""):
        self.shift = shift
        self.signup = signup
        self.errors = errors or []
        self.note = note
        self.status = status or (signup.status if signup is not None else "")

    @property
    def ok(self) -> bool:
        return bool(self.status)

    @property
    def status_label(self) -> str:
        return SignupStatus(self.status).label if self.status else ""

    def as_dict(self) -> dict:
        return {"shift": self.shift.pk, "signup": self.signup.pk if self.signup else None, "status": self.status,
                "errors": [str(e) for e in self.errors], "note": str(self.note)}


def signup_create_many(*, volunteer: Volunteer, shifts, actor=None, now: datetime.datetime | None = None,
                       fresh: bool = False) -> list[SignupOutcome]:
    """Sign up for several shifts, each in its own transaction (one refused shift does not undo the others).
    Seats first: shifts that have a free seat (or take applications) are handled before full ones, each
    group in time order, so a full shift never costs the volunteer a free one; of two overlapping free
    shifts the earlier is taken and the later refused. A full shift overlapping a seat taken here is still
    joined as a waitlist place, whose promotion will pass the volunteer over while they hold that seat.
    The outcomes are returned in time order. `fresh`: see `signup_create`."""
    ordered = sorted(shifts, key=lambda s: (s.date, s.start_time, s.pk))
    first = [s for s in ordered if s.position.campaign.signup_mode == SignupMode.REVIEWED or s.free_seats > 0]
    rest = [s for s in ordered if s not in first]
    outcomes: dict[int, SignupOutcome] = {}
    for shift in first + rest:
        try:
            outcomes[shift.pk] = SignupOutcome(shift, signup_create(volunteer=volunteer, shift=shift, actor=actor,
                                                                    now=now, fresh=fresh))
        except ValidationError as exc:
            outcomes[shift.pk] = SignupOutcome(shift, errors=exc.messages)
    held = [o.shift for o in outcomes.values() if o.status in HOLDING_STATUSES]
    for o in outcomes.values():
        if o.status == SignupStatus.WAITLISTED:
            clash = next((h for h in held if shifts_overlap(h, o.shift)), None)
            if clash is not None:
                o.note = _("You are on the waitlist; while you keep your place on %(shift)s, which overlaps this "
                           "one, a freed seat here goes to the next person.") % {"shift": str(clash)}
    return [outcomes[s.pk] for s in ordered]


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
    with transaction.atomic():
        replaced = (GuardianConsent.objects.select_for_update().filter(volunteer=volunteer, campaign=campaign)
                    .values_list("file", flat=True).first())
        consent, _created = GuardianConsent.objects.update_or_create(
            volunteer=volunteer, campaign=campaign, defaults={"file": file, "guardian_name": guardian_name.strip()},
        )
        audit_record(actor=actor, action="created", obj=consent, changes={"guardian_consent": ["", "uploaded"]})
        if replaced and replaced != consent.file.name:  # the replaced form leaves no copy behind
            storage = consent.file.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    return consent


# --- E-mail -----------------------------------------------------------------------------------------

SIGNUP_EVENTS = {"accepted", "waitlisted", "applied", "rejected", "cancelled", "promoted", "demoted",
                 "skipped_overlap", "skipped_gate"}
# Told once per sign-up: being passed over may recur at every freed seat.
ONCE_PER_SIGNUP = {"skipped_overlap", "skipped_gate"}


def _signup_mail(signup: Signup, event: str, *, task, key: str = "") -> bool:
    """Sign-up e-mails are notifications the volunteer can turn off (`notify_by_email`, `notify_reminders`):
    they carry List-Unsubscribe with the preferences page when the volunteer has an account."""
    user = signup.volunteer.user
    language = mail_language(user.preferred_language if user else None)
    unsubscribe = ""
    if user is not None:
        with translation.override(language):
            unsubscribe = site_link(reverse("volunteer:preferences"))
    reasons = []
    if event == "skipped_gate":  # what the gates say now, in the volunteer's words and language
        with translation.override(language):
            reasons = [str(p.message) for p in signup_rules.signup_check(signup.volunteer, signup.shift, only=())]
    return send_templated_mail("signup", {"signup": signup, "event": event, "site_url": settings.SITE_URL,
                                          "reasons": reasons},
                               signup.volunteer.email, language, task=task, key=key, unsubscribe_url=unsubscribe)


def signup_notify(*, signup_id: int, event: str, task=None) -> bool:
    """Tell a volunteer, in their language, what happened to their sign-up (`event` in SIGNUP_EVENTS).
    Nothing without an address or when their account turned sign-up e-mails off."""
    if event not in SIGNUP_EVENTS:
        return False
    signup = (
        Signup.objects.select_related("volunteer__user", "shift__position__campaign", "shift__position__venue")
        .filter(pk=signup_id)
        .first()
    )
    if signup is None or not signup.volunteer.email:
        return False
    user = signup.volunteer.user
    if user is not None and not user.notify_by_email:
        return False
    key = task_event_key(task, signup_id, event) if task is not None and event in ONCE_PER_SIGNUP else ""
    return _signup_mail(signup, event, task=task, key=key)


def shift_reminders_queue(*, day: datetime.date | None = None) -> int:
    """Queue a reminder for every accepted sign-up of the shifts of `day` (tomorrow by default) whose
    volunteer has an address and did not turn reminders off; the number queued."""
    target = day or timezone.localdate() + datetime.timedelta(days=1)
    ids = list(
        Signup.objects.filter(shift__date=target, status=SignupStatus.ACCEPTED)
        .exclude(volunteer__email="")
        .exclude(volunteer__user__notify_reminders=False)
        .values_list("id", flat=True)
    )
    for signup_id in ids:
        enqueue("operations.tasks.send_shift_reminder", signup_id)
    return len(ids)


def signup_remind(*, signup_id: int, task=None) -> bool:
    """The day-before reminder of an accepted sign-up: once per sign-up and shift date."""
    signup = (
        Signup.objects.select_related("volunteer__user", "shift__position__campaign", "shift__position__venue")
        .filter(pk=signup_id, status=SignupStatus.ACCEPTED).first()
    )
    if signup is None or not signup.volunteer.email:
        return False
    user = signup.volunteer.user
    if user is not None and not user.notify_reminders:
        return False
    key = task_event_key(task, signup_id, signup.shift.date) if task is not None else ""
    return _signup_mail(signup, "reminder", task=task, key=key)
