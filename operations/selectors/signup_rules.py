"""The one rule book for sign-ups: may this volunteer serve on this shift?

Every path that puts a volunteer on a shift asks here: a volunteer's own sign-up and its confirmation page
(services.signups, views.volunteer_zone), a group roster (services.rosters), the suggested matches and the
one-click assignment from them (selectors.matching, services.recruitment) and a staff decision to accept
(services.signups.signup_decide). Each rule is a small named check,

    check(volunteer, shift, context) -> list[Problem]

that reads the campaign of the shift and what the caller already knows (`SignupContext`); a `Problem`
carries a stable `code` (what a test or a caller compares) and the message in the volunteer's words.
Callers that speak to somebody else (the uploader of a roster, a staff member) render the same problem
in their voice with `Problem.say(voice)` (`ROSTER_VOICE`, `STAFF_VOICE`); a code a voice does not know is
said in the volunteer's words.

The rules (in the order the messages are shown):
  - `check_window`: the campaign is open, sign-up has opened and not closed, the shift has not started;
  - `check_age`: the campaign's age limits, on the service date (`Volunteer.age_on`);
  - `check_guardian_consent`: under 18 on the service date needs a guardian's consent for the campaign;
  - `check_already_signed_up`: no active sign-up for this shift;
  - `check_overlap`: no other sign-up at an overlapping time (which ones count: `SignupContext.overlap`).
The overlap test itself exists once: `shifts_overlap` in Python and `same_time_q` in SQL.

Plug-in point (training, insurance and later gates): a module appends its check with `register_check`
(at import time, e.g. in its AppConfig.ready). `signup_check` runs every registered check after the core
ones for every caller above, and the suggested matches drop volunteers it refuses: a registered check may
set `check.volunteer_filter(volunteers, shift) -> QuerySet` so that the matches filter in SQL (a city
scope has 150,000 volunteers); without it the ranked suggestions are checked one by one.

No query is added to the sign-up path: "already signed up" and overlaps read the volunteer's sign-ups of
that day, which the caller passes in `SignupContext.same_day` when it has them (else one query is made
and kept in the context); the consent is looked up only for a minor, once per campaign.

This module writes nothing and imports no other service, selector, view or task."""
from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from ..models import CampaignStatus, GuardianConsent, Shift, Signup, SignupMode, SignupStatus, Volunteer

ADULT_AGE = 18
ACTIVE_STATUSES = (SignupStatus.APPLIED, SignupStatus.ACCEPTED, SignupStatus.WAITLISTED)
# A sign-up that holds (or may be given by staff) a seat at that time. A waitlist place does not: it never
# blocks another sign-up, and its promotion skips people who hold an overlapping seat (see README).
HOLDING_STATUSES = (SignupStatus.APPLIED, SignupStatus.ACCEPTED)

# Which other sign-ups of the volunteer at an overlapping time refuse the shift (SignupContext.overlap):
OVERLAP_SEAT = "seat"  # a volunteer's own sign-up: a held seat or application refuses a shift that gives one
OVERLAP_ACTIVE = "active"  # a group roster or a staff assignment: any active sign-up at that time
OVERLAP_ACCEPTED = "accepted"  # a staff decision to accept: an accepted sign-up at that time
OVERLAP_STATUSES = {OVERLAP_SEAT: HOLDING_STATUSES, OVERLAP_ACTIVE: ACTIVE_STATUSES,
                    OVERLAP_ACCEPTED: (SignupStatus.ACCEPTED,)}

# Problem codes of the core rules.
NOT_OPEN = "not_open"
NOT_YET_OPEN = "not_yet_open"
WINDOW_CLOSED = "window_closed"
TOO_YOUNG = "too_young"
TOO_OLD = "too_old"
CONSENT_MISSING = "consent_missing"
ALREADY_SIGNED_UP = "already_signed_up"
OVERLAP = "overlap"
WINDOW_CODES = frozenset({NOT_OPEN, NOT_YET_OPEN, WINDOW_CLOSED})

# The volunteer's own words (confirmation page, sign-up result).
VOLUNTEER_VOICE = {
    NOT_OPEN: _lazy("This recruitment is not open."),
    NOT_YET_OPEN: _lazy("Sign-up has not opened yet."),
    WINDOW_CLOSED: _lazy("The sign-up window is closed."),
    TOO_YOUNG: _lazy("You must be at least %(min)s years old on the service date (you will be %(age)s)."),
    TOO_OLD: _lazy("The age limit of this recruitment is %(max)s."),
    CONSENT_MISSING: _lazy("Volunteers under 18 need to upload a guardian's consent form first."),
    ALREADY_SIGNED_UP: _lazy("You have already signed up for this shift."),
    OVERLAP: _lazy("This shift overlaps another of your shifts (%(shift)s)."),
}
# The uploader of a group roster, about one person of it (`shift`: the requested shift, or the other one
# for an overlap).
ROSTER_VOICE = {
    NOT_OPEN: _lazy("Sign-up for the shift %(shift)s is closed."),
    NOT_YET_OPEN: _lazy("Sign-up for the shift %(shift)s is closed."),
    WINDOW_CLOSED: _lazy("Sign-up for the shift %(shift)s is closed."),
    TOO_YOUNG: _lazy("Must be at least %(min)s years old on %(date)s (will be %(age)s)."),
    TOO_OLD: _lazy("The age limit is %(max)s."),
    CONSENT_MISSING: _lazy("Under 18 on the service date: sign up individually with a guardian's consent form."),
    ALREADY_SIGNED_UP: _lazy("Already signed up for %(shift)s."),
    OVERLAP: _lazy("Overlaps another shift of this person (%(shift)s)."),
}
# A staff member assigning or accepting a volunteer (`name`: the volunteer's).
STAFF_VOICE = {
    TOO_YOUNG: _lazy("%(name)s is under the minimum age (%(min)s)."),
    TOO_OLD: _lazy("%(name)s is over the age limit (%(max)s)."),
    CONSENT_MISSING: _lazy("%(name)s is under 18 and has no guardian consent for this campaign."),
    ALREADY_SIGNED_UP: _lazy("%(name)s already has %(shift)s at that time."),
    OVERLAP: _lazy("%(name)s already has %(shift)s at that time."),
}


@dataclass(frozen=True)
class Problem:
    """Why a volunteer may not serve on a shift: a stable `code`, the message in the volunteer's words and
    the values the other voices need (`shift`, `date`, `name`, `min`, `max`, `age`, …)."""

    code: str
    message: str
    params: dict = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return self.message

    def say(self, voice: dict) -> str:
        """The message in another voice (a dict code → message with %(…)s placeholders)."""
        template = voice.get(self.code)
        return str(template) % self.params if template is not None else self.message


def problem(code: str, **params) -> Problem:
    """A core rule's problem, in the volunteer's words."""
    return Problem(code, str(VOLUNTEER_VOICE[code]) % params, params)


@dataclass
class SignupContext:
    """What a check needs beyond the volunteer and the shift. Callers pass what they already have, so that
    the rule book asks the database for nothing they know.

    now: the time of the request. same_day: every sign-up of the volunteer on the shift's date, any status,
    with their shifts (None: read once when needed). consents: ids of the campaigns the volunteer has a
    guardian consent for (None: looked up for a minor). overlap: which other sign-ups at that time refuse
    the shift (OVERLAP_SEAT, OVERLAP_ACTIVE, OVERLAP_ACCEPTED, or None when the caller decides overlaps
    itself, under the shift lock)."""

    now: datetime.datetime | None = None
    same_day: list[Signup] | None = None
    consents: set[int] | None = None
    overlap: str | None = OVERLAP_SEAT

    def __post_init__(self):
        self.now = self.now or timezone.now()

    def signups_that_day(self, volunteer: Volunteer, shift: Shift) -> list[Signup]:
        if self.same_day is None:
            self.same_day = same_day_signups(volunteer, shift) if volunteer.pk else []
        return self.same_day


Check = Callable[[Volunteer, Shift, SignupContext], list[Problem]]


# --- The overlap test, once --------------------------------------------------------------------------

def shifts_overlap(a: Shift, b: Shift) -> bool:
    """Two shifts overlap when they are on the same day and their times intersect; touching shifts (one
    ends when the other starts) do not."""
    return a.date == b.date and a.start_time < b.end_time and b.start_time < a.end_time


def same_time_q(shift: Shift, prefix: str = "shift__") -> Q:
    """`shifts_overlap` in SQL: the rows whose shift (reached through `prefix`) overlaps `shift`."""
    return Q(**{f"{prefix}date": shift.date, f"{prefix}start_time__lt": shift.end_time,
                f"{prefix}end_time__gt": shift.start_time})


def overlapping_pairs(shifts: Iterable[Shift]) -> list[tuple[Shift, Shift]]:
    """Pairs of the given shifts that overlap each other, in time order (confirmation page, group roster)."""
    ordered = sorted(shifts, key=lambda s: (s.date, s.start_time, s.pk))
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:] if shifts_overlap(a, b)]


def overlap_clash(signups: Iterable[Signup], shift: Shift, statuses=HOLDING_STATUSES) -> Signup | None:
    """The first of `signups` (of one volunteer) on another shift overlapping `shift` in one of `statuses`."""
    return next((s for s in signups if s.shift_id != shift.pk and s.status in statuses
                 and shifts_overlap(s.shift, shift)), None)


def same_day_signups(volunteer: Volunteer, shift: Shift) -> list[Signup]:
    """All sign-ups of `volunteer` on the day of `shift` (any status), with their shifts: one query answers
    "already signed up", "overlaps" and "signed up before" together."""
    return list(Signup.objects.filter(volunteer=volunteer, shift__date=shift.date).select_related("shift")
                .order_by("id"))


def shift_starts_at(shift: Shift) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(shift.date, shift.start_time))


def gives_seat(shift: Shift) -> bool:
    """Would a sign-up now hold a seat (or an application for one)? Joining the waitlist of a full
    shift does not."""
    return shift.position.campaign.signup_mode == SignupMode.REVIEWED or shift.free_seats > 0


# --- The checks --------------------------------------------------------------------------------------

def check_window(volunteer: Volunteer, shift: Shift, context: SignupContext) -> list[Problem]:
    """The campaign is open, sign-up has opened and has not closed, and the shift has not started."""
    campaign = shift.position.campaign
    now = context.now
    found = []
    if campaign.status != CampaignStatus.OPEN:
        found.append(problem(NOT_OPEN, shift=str(shift)))
    if campaign.signup_opens_at and now < campaign.signup_opens_at:
        found.append(problem(NOT_YET_OPEN, shift=str(shift)))
    if (campaign.signup_closes_at and now > campaign.signup_closes_at) or shift_starts_at(shift) <= now:
        found.append(problem(WINDOW_CLOSED, shift=str(shift)))
    return found


def check_age(volunteer: Volunteer, shift: Shift, context: SignupContext) -> list[Problem]:
    """The campaign's minimum and maximum age, on the service date."""
    campaign = shift.position.campaign
    age = volunteer.age_on(shift.date)
    params = {"age": age, "min": campaign.min_age, "max": campaign.max_age, "date": shift.date.isoformat(),
              "name": volunteer.name}
    if campaign.min_age is not None and age < campaign.min_age:
        return [problem(TOO_YOUNG, **params)]
    if campaign.max_age is not None and age > campaign.max_age:
        return [problem(TOO_OLD, **params)]
    return []


def is_minor_on(volunteer: Volunteer, shift: Shift) -> bool:
    return volunteer.age_on(shift.date) < ADULT_AGE


def check_guardian_consent(volunteer: Volunteer, shift: Shift, context: SignupContext) -> list[Problem]:
    """Under 18 on the service date: a guardian's consent for the campaign must be on file."""
    if not is_minor_on(volunteer, shift):
        return []
    campaign_id = shift.position.campaign_id
    if context.consents is not None:
        have = campaign_id in context.consents
    else:
        have = bool(volunteer.pk) and GuardianConsent.objects.filter(volunteer=volunteer,
                                                                     campaign_id=campaign_id).exists()
    return [] if have else [problem(CONSENT_MISSING, name=volunteer.name, shift=str(shift))]


def check_already_signed_up(volunteer: Volunteer, shift: Shift, context: SignupContext) -> list[Problem]:
    """No active sign-up of the volunteer for this shift."""
    if any(s.shift_id == shift.pk and s.status in ACTIVE_STATUSES
           for s in context.signups_that_day(volunteer, shift)):
        return [problem(ALREADY_SIGNED_UP, name=volunteer.name, shift=str(shift))]
    return []


def check_overlap(volunteer: Volunteer, shift: Shift, context: SignupContext) -> list[Problem]:
    """No other sign-up at an overlapping time, of the kind `context.overlap` names. A volunteer's own
    sign-up (OVERLAP_SEAT) is refused only when it would give a seat or an application: joining the
    waitlist of a full shift is not (its promotion passes the volunteer over instead)."""
    if context.overlap is None or (context.overlap == OVERLAP_SEAT and not gives_seat(shift)):
        return []
    clash = overlap_clash(context.signups_that_day(volunteer, shift), shift, OVERLAP_STATUSES[context.overlap])
    if clash is None:
        return []
    return [problem(OVERLAP, name=volunteer.name, shift=str(clash.shift))]


CORE_CHECKS: tuple[Check, ...] = (check_window, check_age, check_guardian_consent, check_already_signed_up,
                                  check_overlap)

# The plug-in point: checks of later modules (training, insurance, …), run after the core ones by every
# caller. Append with `register_check`; see the module docstring.
EXTRA_CHECKS: list[Check] = []


def register_check(check: Check) -> Check:
    """Add a check to the rule book (once; usable as a decorator). Its problems need their own codes and
    messages; give it `volunteer_filter(volunteers, shift) -> QuerySet` to keep the matches fast."""
    if check not in EXTRA_CHECKS:
        EXTRA_CHECKS.append(check)
    return check


def unregister_check(check: Check) -> None:
    if check in EXTRA_CHECKS:
        EXTRA_CHECKS.remove(check)


def signup_check(volunteer: Volunteer, shift: Shift, *, context: SignupContext | None = None,
                 skip: Iterable[Check] = (), only: Iterable[Check] | None = None) -> list[Problem]:
    """Every problem of `volunteer` serving on `shift`: the core checks (those in `only`, if given, less
    those in `skip`), then every registered check. The shift needs its position and campaign loaded."""
    context = context or SignupContext()
    skip = set(skip)
    core = CORE_CHECKS if only is None else tuple(c for c in CORE_CHECKS if c in set(only))
    found: list[Problem] = []
    for check in [c for c in core if c not in skip] + list(EXTRA_CHECKS):
        found.extend(check(volunteer, shift, context))
    return found


def codes(problems: Iterable[Problem]) -> list[str]:
    return [p.code for p in problems]


def refusal(problems: Iterable[Problem], *, voice: dict | None = None) -> ValidationError:
    """A ValidationError refusing for `problems`: one message each (in `voice`, default the volunteer's),
    each carrying its problem's code (`exc.error_list[i].code`)."""
    return ValidationError([ValidationError(p.say(voice) if voice else p.message, code=p.code) for p in problems])


# --- Where the rules are asked of many volunteers at once -------------------------------------------

def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def eligible_volunteers(volunteers: QuerySet, shift: Shift, *, skip: Iterable[Check] = ()) -> QuerySet:
    """`volunteers` less those the rule book refuses for a staff assignment to `shift`, in SQL (the
    suggested matches): age limits and guardian consent on the service date, any active sign-up at an
    overlapping time (this shift included), and registered checks that give a `volunteer_filter`. The
    sign-up window is not asked: staff may assign outside it. Registered checks in `skip` are not applied
    (the suggested matches list the people a gate refuses after the others, with the gap)."""
    campaign = shift.position.campaign
    busy = Signup.objects.filter(Q(volunteer=OuterRef("pk"), status__in=ACTIVE_STATUSES) & same_time_q(shift))
    volunteers = volunteers.exclude(Exists(busy))
    if campaign.min_age is not None:
        volunteers = volunteers.filter(birth_date__lte=_years_before(shift.date, campaign.min_age))
    if campaign.max_age is not None:
        volunteers = volunteers.filter(birth_date__gt=_years_before(shift.date, campaign.max_age + 1))
    consent = GuardianConsent.objects.filter(volunteer=OuterRef("pk"), campaign=campaign)
    volunteers = volunteers.filter(Q(birth_date__lte=_years_before(shift.date, ADULT_AGE)) | Exists(consent))
    for check in EXTRA_CHECKS:
        volunteer_filter = getattr(check, "volunteer_filter", None)
        if volunteer_filter is not None and check not in skip:
            volunteers = volunteer_filter(volunteers, shift)
    return volunteers


def refused_by_extra_checks(volunteers: Iterable[Volunteer], shift: Shift) -> set[int]:
    """Ids of `volunteers` a registered check without a `volunteer_filter` refuses for `shift`."""
    checks = [c for c in EXTRA_CHECKS if getattr(c, "volunteer_filter", None) is None]
    if not checks:
        return set()
    refused = set()
    for volunteer in volunteers:
        context = SignupContext(same_day=[], consents=set(), overlap=None)
        if any(check(volunteer, shift, context) for check in checks):
            refused.add(volunteer.pk)
    return refused


def consent_forms_needed(checks: Iterable[tuple[Shift, list[Problem]]]) -> set:
    """The campaigns a volunteer should upload a guardian's consent form for before signing up: those
    of shifts refused for the missing consent but not for being too young (confirmation page)."""
    needed = set()
    for shift, problems in checks:
        found = set(codes(problems))
        if CONSENT_MISSING in found and TOO_YOUNG not in found:
            needed.add(shift.position.campaign)
    return needed
