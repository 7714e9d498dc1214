"""Reads of the insurance module (志工保險, DOMAIN.md §1.7, §6.6) and its gate in the sign-up rule book.

Who is insured on a date D is a query, never a copy (models.insurance):
  - a person cover of the volunteer whose period contains D, or
  - a node cover whose period contains D, on a node at or above a team the volunteer is a current member
    of on D (Membership.joined_on <= D < left_on).
`insured_q(day)` says it in SQL for a list of volunteers (two correlated EXISTS on indexed columns: the
cover's person and period, the membership's person and team); `day` may also name a date field of the
outer row ("shift__date"), so that "accepted sign-ups whose volunteer is not insured on the shift's date"
is one query too.

The gate (DOMAIN §1.7 "block assigning a volunteer to a shift when they have no cover for that date"):
  - it applies to the shifts of organisations that manage their insurance here: a policy (of any period)
    is recorded on a node at or above the campaign's organiser, the position's venue or its team; with
    the setting INSURANCE_GATE_ALL every shift is gated. Units that have not entered their policies yet
    are not blocked by an empty table;
  - it refuses when a seat is at stake: a staff decision to accept, and any sign-up to a campaign that
    gives seats at once (first come, first served: the sign-up itself, its waitlist place, a group roster,
    a staff assignment). An application to a reviewed campaign is let through, since the acceptance that
    follows is checked;
  - the refusal names the date and whom to ask (the campaign's organiser and its phone or e-mail).
Check-in and hours ask `attendance_refusal` (services.attendance).

The check costs one query per volunteer and shift (the gate and the cover together), remembered on the
volunteer and shift objects for the request; matching filters in SQL (`volunteer_filter`). A shift's gate
(whether it is gated, whom to ask, the cap of an "accepted for its shifts" cover) is also kept in the cache
under a version that every change of a policy, a cover, a node, a position or a campaign bumps after its
commit: building that query cost about 30 ms of Python per sign-up, and a shift that is not gated then
costs no query at all."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from volunteer_site.cache_versions import bump_version, current_version

from ..models import (
    CoverScope,
    InsuranceCover,
    InsurancePolicy,
    Membership,
    OrgKind,
    OrgNode,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    Volunteer,
)
from . import signup_rules

NOT_INSURED = "not_insured"

VOLUNTEER_VOICE = {
    NOT_INSURED: _lazy("You are not insured on %(date)s, so you cannot take a seat on this shift yet. "
                       "Ask %(org)s (%(contact)s) to insure you."),
}
ROSTER_VOICE = {
    NOT_INSURED: _lazy("Not insured on %(date)s: ask %(org)s to insure this person before signing them up."),
}
STAFF_VOICE = {
    NOT_INSURED: _lazy("%(name)s is not insured on %(date)s. Enrol them in an insurance policy first "
                       "(Insurance), or ask %(org)s."),
}

MAX_DEPTH = 5  # competent authority › purpose authority › unit › team › sub-team
ALERT_DAYS = (30, 7)  # policy expiry alerts, days before the end
UPCOMING_DAYS = 14  # "uninsured on upcoming shifts"
UPCOMING_CHOICES = (7, 14, 30, 90)


def default_age_cap() -> int:
    return int(settings.VOLUNTEER_SITE.get("INSURER_AGE_CAP", 80))


def gate_all() -> bool:
    return bool(getattr(settings, "INSURANCE_GATE_ALL", False))


# --- Who is insured when, in SQL ---------------------------------------------------------------------

def _day_refs(day):
    """`day` (a date, or the name of a date field of the outer row) as seen one and two queries deep."""
    if isinstance(day, datetime.date):
        return day, day
    return OuterRef(day), OuterRef(OuterRef(day))


def _ancestors_q(field: str, path_ref) -> Q:
    """`field` (a node path) is the path of the node at `path_ref` or of one of its ancestors: equality
    with the path's prefixes (a tree path is steplen characters per level), so the unique index on the
    path answers it where a LIKE on a computed pattern could not."""
    step = OrgNode.steplen
    q = Q(pk__in=[])
    for depth in range(1, MAX_DEPTH + 1):
        q |= Q(**{field: Substr(path_ref, 1, step * depth)})
    return q


def node_covers_over_team(team_path_ref, day) -> QuerySet:
    """Members covers in force on `day` whose node lies at or above the team whose path is `team_path_ref`."""
    return InsuranceCover.objects.filter(node__isnull=False, node_scope=CoverScope.MEMBERS, starts_on__lte=day,
                                         ends_on__gte=day).filter(_ancestors_q("node__path", team_path_ref))


SHIFT_NODES = ("position__campaign__unit", "position__venue", "position__team")


def shift_covers(shift_prefix: str, day) -> QuerySet:
    """"Accepted for its shifts" covers in force on `day` whose node lies at or above the organiser, venue
    or team of the shift reached (from the outer row) through `shift_prefix` ("" on a Shift, "shift__" on
    a sign-up)."""
    on_node = Q(pk__in=[])
    for field in SHIFT_NODES:
        on_node |= Q(StartsWith(OuterRef(f"{shift_prefix}{field}__path"), F("node__path")))
    return InsuranceCover.objects.filter(node__isnull=False, node_scope=CoverScope.ON_SHIFT, starts_on__lte=day,
                                         ends_on__gte=day).filter(on_node)


def _at_or_under(nodes: QuerySet, paths: QuerySet) -> QuerySet:
    """`nodes` whose path, or one of its prefixes (the paths of its ancestors), is one of `paths` (a query of
    node paths). The paths are one small set the database hashes once and each node's prefixes are looked up
    in it (probing the covers once per team took 380 ms for 3,000 teams and 300 covers; this takes a few)."""
    q = Q(pk__in=[])
    for depth in range(1, MAX_DEPTH + 1):
        nodes = nodes.annotate(**{f"prefix_{depth}": Substr("path", 1, OrgNode.steplen * depth)})
        q |= Q(**{f"prefix_{depth}__in": paths})
    return nodes.filter(q).order_by()


def _members_covers(day: datetime.date) -> QuerySet:
    """The members covers (of a node) in force on `day`."""
    return InsuranceCover.objects.filter(node__isnull=False, node_scope=CoverScope.MEMBERS, starts_on__lte=day,
                                         ends_on__gte=day)


TEAM_KINDS = (OrgKind.TEAM, OrgKind.SUBTEAM)


def covered_teams(day: datetime.date) -> QuerySet:
    """Ids of the teams and sub-teams whose current members a cover insures on `day` (one set, computed
    once by the database)."""
    teams = OrgNode.objects.filter(kind__in=TEAM_KINDS)
    return _at_or_under(teams, _members_covers(day).values("node__path")).values("pk")


def covered_units(day: datetime.date) -> QuerySet:
    """Ids of the units a members cover in force on `day` insures whole (the cover's node is the unit or one
    above it): every current member of any of their teams and sub-teams is insured that day."""
    units = OrgNode.objects.filter(kind=OrgKind.UNIT)
    return _at_or_under(units, _members_covers(day).values("node__path")).values("pk")


def covered_shifts(day: datetime.date) -> QuerySet:
    """Ids of the shifts on `day` under an "accepted for its shifts" cover in force that day."""
    return Shift.objects.filter(date=day).filter(Exists(shift_covers("", day))).values("pk")


def insured_ids_q(day: datetime.date, field: str = "pk") -> Q:
    """Rows whose `field` (a volunteer id: "pk" on Volunteer) is a volunteer insured on `day` (a date), for many
    rows at once (a city's 150,000 volunteers): the same people as `insured_q(day)`, found from the covers' side
    as three sets the database hashes once: the people a personal cover names, the current members of the covered
    teams and the people accepted on the covered shifts. (`EXISTS` per volunteer under an OR cannot become a join:
    PostgreSQL probed the covers and the memberships once per volunteer, 440 ms for the city's insurance figure
    with four units in five insured; this takes 220.)"""
    q = Q(**{f"{field}__in": InsuranceCover.objects.filter(volunteer__isnull=False, starts_on__lte=day,
                                                            ends_on__gte=day).values("volunteer_id")})
    q |= Q(**{f"{field}__in": Membership.objects.current(day).filter(team_id__in=covered_teams(day)).values(
        "volunteer_id")})
    shifts = [row["pk"] for row in covered_shifts(day)]
    if shifts:
        q |= Q(**{f"{field}__in": Signup.objects.filter(status=SignupStatus.ACCEPTED, shift_id__in=shifts).values(
            "volunteer_id")})
    return q


def insured_spans_q(spans: QuerySet, day: datetime.date, unit_ids: list[int] | None = None) -> Q:
    """The kept spans of membership (`spans`: `UnitMember` rows current on `day`, of the units `unit_ids` when
    given) whose person is insured on `day`, for the reports' counts: the same people as `insured_q(day)`, found
    without reading every covered membership. A span in a unit that a members cover insures whole
    (`covered_units`) is insured as it stands: most spans, where units insure their members. For a span in
    another unit the person is looked up among those named by a cover, accepted on a covered shift, members of a
    team covered on its own, and members of a unit insured whole. (Hashing every covered membership for every
    span took 100 ms of the city's 150 ms members figure; this takes about 65.)"""
    q = Q(volunteer_id__in=InsuranceCover.objects.filter(volunteer__isnull=False, starts_on__lte=day,
                                                         ends_on__gte=day).values("volunteer_id"))
    kinds = set(_members_covers(day).order_by().values_list("node__kind", flat=True).distinct())
    if kinds & set(TEAM_KINDS):  # teams covered on their own: rare
        on_teams = _members_covers(day).filter(node__kind__in=TEAM_KINDS)
        teams = _at_or_under(OrgNode.objects.filter(kind__in=TEAM_KINDS), on_teams.values("node__path"))
        q |= Q(volunteer_id__in=Membership.objects.current(day).filter(team_id__in=teams.values("pk")).values(
            "volunteer_id"))
    shifts = [row["pk"] for row in covered_shifts(day)]
    if shifts:
        q |= Q(volunteer_id__in=Signup.objects.filter(status=SignupStatus.ACCEPTED, shift_id__in=shifts).values(
            "volunteer_id"))
    if not kinds - set(TEAM_KINDS):  # no unit is insured whole
        return q
    whole = covered_units(day)  # subqueries the database computes once (a list of a thousand ids costs more)
    # a member of another unit who is also a member of a unit insured whole (looked up only for the spans of
    # the units not insured whole: after `unit_id IN whole` in the OR)
    in_whole = spans.filter(unit_id__in=whole)
    if unit_ids is not None:  # a few units: only their members (a city's 150,000 would be hashed for one unit)
        in_whole = in_whole.filter(volunteer_id__in=spans.filter(unit_id__in=unit_ids).values("volunteer_id"))
    return Q(unit_id__in=whole) | q | Q(volunteer_id__in=in_whole.values("volunteer_id"))


def insured_q(day, volunteer: str = "pk", *, many: bool = False) -> Q:
    """The rows whose volunteer (`volunteer`: "pk" on Volunteer, "volunteer_id" on a sign-up …) is insured
    on `day` (a date, or a date field of the row such as "shift__date").

    `many`: the rows are many (a unit's or the city's list) and `day` is a date: the covered teams and
    shifts of that day are then sets the database computes once (hashed), instead of per row."""
    day1, day2 = _day_refs(day)
    person = InsuranceCover.objects.filter(volunteer=OuterRef(volunteer), starts_on__lte=day1, ends_on__gte=day1)
    member = (Membership.objects.filter(volunteer=OuterRef(volunteer), joined_on__lte=day1)
              .filter(Q(left_on__isnull=True) | Q(left_on__gt=day1)))
    on_shift = Signup.objects.filter(volunteer=OuterRef(volunteer), status=SignupStatus.ACCEPTED, shift__date=day1)
    if many and isinstance(day, datetime.date):
        member = member.filter(team__in=covered_teams(day))
        on_shift = on_shift.filter(shift__in=covered_shifts(day))
    else:
        member = member.filter(Exists(node_covers_over_team(OuterRef("team__path"), day2)))
        on_shift = on_shift.filter(Exists(shift_covers("shift__", OuterRef("shift__date"))))
    return Q(Exists(person)) | Q(Exists(member)) | Q(Exists(on_shift))


def _policy_over(path_ref) -> Exists:
    return Exists(InsurancePolicy.objects.filter(StartsWith(path_ref, F("node__path"))))


def gated_q(prefix: str = "") -> Q:
    """Shifts (reached through `prefix`) of organisations that manage their insurance here."""
    if gate_all():
        return Q()
    q = Q(pk__in=[])
    for field in ("position__campaign__unit", "position__venue", "position__team"):
        q |= Q(_policy_over(OuterRef(f"{prefix}{field}__path")))
    return q


# --- The gate in the rule book -----------------------------------------------------------------------

@dataclass(frozen=True)
class ShiftGate:
    gated: bool
    org: str
    contact: str
    roster_cap: int | None = None  # an "accepted for its shifts" cover insures whoever is accepted (its cap)


GATE_VERSION_KEY = "insurance:gate-version"
GATE_TTL = 600  # seconds; the version is what keeps a stored gate right, this only bounds the keys' lives


def gate_changed(**kwargs) -> None:
    """A policy, cover, node, position or campaign changed: stored gates are read again. Bumped at once
    (this transaction's own reads) and again after the commit (a gate another process stored from the
    state before the commit, in between)."""
    bump_version(GATE_VERSION_KEY)
    transaction.on_commit(lambda: bump_version(GATE_VERSION_KEY))


def _gate_key(shift_id: int) -> str:
    return f"insurance:gate:{current_version(GATE_VERSION_KEY)}:{shift_id}"


def _stored_gate(shift: Shift) -> ShiftGate | None:
    from ..localised import localised

    stored = cache.get(_gate_key(shift.pk))
    if stored is None:
        return None
    gated, name, name_en, contact, roster_cap = stored
    gate = ShiftGate(gated, str(localised(name, name_en)), contact, roster_cap)
    shift._insurance_gate = gate
    return gate


def _shift_gate(shift: Shift, volunteer_id: int | None) -> tuple[ShiftGate, bool | None]:
    """The shift's gate (remembered on the shift object, and stored in the cache) and, when `volunteer_id`
    is given, whether that volunteer is insured on the shift's date: one query at most, none for a shift
    that is not gated once its gate is stored."""
    gate = getattr(shift, "_insurance_gate", None) or _stored_gate(shift)
    if gate is not None and not gate.gated:
        return gate, (False if volunteer_id is not None else None)
    qs = Shift.objects.filter(pk=shift.pk)
    values = []
    if gate is None:
        qs = qs.annotate(gated=Exists(Shift.objects.filter(gated_q(), pk=OuterRef("pk"))))
        qs = qs.annotate(roster_cap=Subquery(shift_covers("", shift.date).order_by("policy__age_cap")
                                             .values("policy__age_cap")[:1]))
        values += ["gated", "roster_cap", "position__campaign__unit__name", "position__campaign__unit__name_en",
                   "position__campaign__unit__phone", "position__campaign__unit__email"]
    if volunteer_id is not None:
        qs = qs.annotate(insured=Exists(Volunteer.objects.filter(insured_q(shift.date), pk=volunteer_id)))
        values.append("insured")
    if not values:
        return gate, None
    row = dict(zip(values, qs.values_list(*values).first() or [None] * len(values), strict=True))
    if gate is None:
        from ..localised import localised

        name = localised(row.get("position__campaign__unit__name") or "",
                         row.get("position__campaign__unit__name_en") or "")
        contact = row.get("position__campaign__unit__phone") or row.get("position__campaign__unit__email") or "—"
        gate = ShiftGate(bool(row.get("gated")), str(name), contact, row.get("roster_cap"))
        shift._insurance_gate = gate
        cache.set(_gate_key(shift.pk), (gate.gated, row.get("position__campaign__unit__name") or "",
                                        row.get("position__campaign__unit__name_en") or "", contact,
                                        gate.roster_cap), GATE_TTL)
    return gate, (bool(row["insured"]) if volunteer_id is not None else None)


def shift_gate(shift: Shift) -> ShiftGate:
    """The insurance gate of `shift` (remembered on the shift object)."""
    return getattr(shift, "_insurance_gate", None) or _shift_gate(shift, None)[0]


def seat_at_stake(shift: Shift, context: signup_rules.SignupContext) -> bool:
    """A staff decision to accept, or any sign-up to a campaign that seats people at once."""
    return (context.overlap == signup_rules.OVERLAP_ACCEPTED
            or shift.position.campaign.signup_mode != SignupMode.REVIEWED)


def volunteer_insured_for(volunteer: Volunteer, shift: Shift) -> tuple[ShiftGate, bool]:
    """(the shift's gate, whether `volunteer` is insured on its date), remembered on the volunteer."""
    cache = volunteer.__dict__.setdefault("_insured_on_shift", {})
    if shift.pk in cache and getattr(shift, "_insurance_gate", None) is not None:
        return shift._insurance_gate, cache[shift.pk]
    if not volunteer.pk:
        gate, _ = _shift_gate(shift, None)
        insured = False
    else:
        gate, insured = _shift_gate(shift, volunteer.pk)
    cache[shift.pk] = insured
    return gate, insured


def not_insured_problem(volunteer: Volunteer, shift: Shift, gate: ShiftGate) -> signup_rules.Problem:
    params = {"date": shift.date.isoformat(), "org": gate.org, "contact": gate.contact, "name": volunteer.name,
              "shift": str(shift)}
    return signup_rules.Problem(NOT_INSURED, str(VOLUNTEER_VOICE[NOT_INSURED]) % params, params)


def check_insured(volunteer: Volunteer, shift: Shift, context: signup_rules.SignupContext) -> list:
    """The rule book's insurance check (see the module docstring)."""
    if not seat_at_stake(shift, context):
        return []
    gate, insured = volunteer_insured_for(volunteer, shift)
    if not gate.gated or insured or gate.roster_cap is not None:
        return []
    return [not_insured_problem(volunteer, shift, gate)]


def _volunteer_filter(volunteers: QuerySet, shift: Shift) -> QuerySet:
    """Matching: where a seat is at stake (a campaign that seats at once), only the insured; reviewed
    campaigns list everybody and say who is not insured (`insurance_notes`)."""
    if shift.position.campaign.signup_mode == SignupMode.REVIEWED:
        return volunteers
    gate = shift_gate(shift)
    if not gate.gated or gate.roster_cap is not None:
        return volunteers
    return volunteers.filter(insured_q(shift.date, many=True))


check_insured.volunteer_filter = _volunteer_filter


def register() -> None:
    """Plug the check into the rule book and its words into the voices (AppConfig.ready); stored gates
    follow every change of what they read."""
    from django.db.models.signals import post_delete, post_save

    from ..models import Campaign, Position

    for model in (InsurancePolicy, InsuranceCover, OrgNode, Position, Campaign):
        post_save.connect(gate_changed, sender=model, dispatch_uid=f"insurance-gate-{model.__name__}-save")
        post_delete.connect(gate_changed, sender=model, dispatch_uid=f"insurance-gate-{model.__name__}-delete")
    signup_rules.ROSTER_VOICE.update(ROSTER_VOICE)
    signup_rules.STAFF_VOICE.update(STAFF_VOICE)
    signup_rules.register_check(check_insured)


def attendance_refusal(volunteer: Volunteer, shift: Shift) -> str | None:
    """Why `volunteer` may not be checked in to, or credited hours for, `shift` (staff words), or None."""
    gate, insured = volunteer_insured_for(volunteer, shift)
    if not gate.gated or insured:  # an accepted sign-up under an "accepted for its shifts" cover is insured
        return None
    return not_insured_problem(volunteer, shift, gate).say(STAFF_VOICE)


# --- Age cap -----------------------------------------------------------------------------------------

def age_caps_on(volunteer_ids, day: datetime.date) -> dict[int, int | None]:
    """The lowest age cap of the policies covering each volunteer on `day` (None: not insured). One
    query (person covers and node covers through memberships, as a UNION), whatever the number of
    volunteers."""
    ids = list(volunteer_ids)
    caps: dict[int, int | None] = dict.fromkeys(ids)
    if not ids:
        return caps
    person = InsuranceCover.objects.on(day).filter(volunteer_id__in=ids).order_by().values_list(
        "volunteer_id", "policy__age_cap")
    cap_sub = (node_covers_over_team(OuterRef("team__path"), day).order_by("policy__age_cap")
               .values("policy__age_cap")[:1])
    member = (Membership.objects.current(day).filter(volunteer_id__in=ids).order_by()
              .annotate(cap=Subquery(cap_sub)).filter(cap__isnull=False).values_list("volunteer_id", "cap"))
    for vid, cap in person.union(member, all=True):
        caps[vid] = cap if caps[vid] is None else min(caps[vid], cap)
    return caps


@dataclass(frozen=True)
class InsuranceNote:
    insured: bool
    cap: int
    over_cap: bool


def insurance_notes(volunteers, day: datetime.date) -> dict[int, InsuranceNote]:
    """For staff screens that assign people (matching, sign-up review): insured on `day`, and older than
    the insurer's age cap that day (the covering policy's cap, or INSURER_AGE_CAP when not insured)."""
    volunteers = list(volunteers)
    caps = age_caps_on([v.pk for v in volunteers], day)
    notes = {}
    for v in volunteers:
        cap = caps.get(v.pk)
        limit = cap if cap is not None else default_age_cap()
        notes[v.pk] = InsuranceNote(insured=cap is not None, cap=limit, over_cap=v.age_on(day) > limit)
    return notes


def with_insurance(signups: QuerySet) -> QuerySet:
    """Sign-ups annotated, in the same query, with `insurance_cap` (the age cap of a policy covering the
    volunteer on the shift's date; None: not insured) and `insurance_gated` (the gate applies to the
    shift): the sign-up review flags the uninsured and those over the cap without a query per row."""
    person = (InsuranceCover.objects.filter(volunteer=OuterRef("volunteer_id"), starts_on__lte=OuterRef("shift__date"),
                                            ends_on__gte=OuterRef("shift__date"))
              .order_by("policy__age_cap").values("policy__age_cap")[:1])
    node_cap = (node_covers_over_team(OuterRef("team__path"), OuterRef(OuterRef("shift__date")))
                .order_by("policy__age_cap").values("policy__age_cap")[:1])
    member = (Membership.objects.filter(volunteer=OuterRef("volunteer_id"), joined_on__lte=OuterRef("shift__date"))
              .filter(Q(left_on__isnull=True) | Q(left_on__gt=OuterRef("shift__date")))
              .annotate(cap=Subquery(node_cap)).filter(cap__isnull=False).order_by("cap").values("cap")[:1])
    on_shift = shift_covers("", OuterRef("date")).order_by("policy__age_cap").values("policy__age_cap")[:1]
    on_shift = Shift.objects.filter(pk=OuterRef("shift_id")).annotate(cap=Subquery(on_shift)).values("cap")[:1]
    return signups.annotate(
        insurance_cap=Coalesce(Subquery(person), Subquery(member), Subquery(on_shift)),
        insurance_gated=Exists(Shift.objects.filter(gated_q(), pk=OuterRef("shift_id"))),
    )


# --- Lists -------------------------------------------------------------------------------------------

def policy_list(user) -> QuerySet:
    return InsurancePolicy.objects.visible_to(user).select_related("node")


def policies_above(user) -> list[InsurancePolicy]:
    """Policies taken out above the user's part of the tree that cover it (a purpose authority's joint
    contract over a venue): shown read-only on the policy list, since their details belong to the node
    that took them out. Policies in force or to come."""
    from ..scoping import _grants, is_unrestricted

    if is_unrestricted(user):
        return []
    prefixes = set()
    for _role, path, depth in _grants(user):
        prefixes.update(path[:OrgNode.steplen * d] for d in range(1, depth))
    if not prefixes:
        return []
    return list(InsurancePolicy.objects.filter(node__path__in=prefixes, ends_on__gte=timezone.localdate())
                .select_related("node").order_by("starts_on", "pk"))


def policy_detail(user, pk: int) -> InsurancePolicy:
    return policy_list(user).get(pk=pk)


def policy_covers(policy: InsurancePolicy) -> QuerySet:
    return policy.covers.select_related("volunteer", "node").order_by("-ends_on", "node__path", "volunteer__name", "pk")


def insured_count(policy: InsurancePolicy, day: datetime.date) -> int:
    return insured_by_policy(policy, day).count()


def insured_by_policy(policy: InsurancePolicy, day: datetime.date) -> QuerySet:
    """Volunteers insured by `policy` on `day` (the insurer's roster for that date)."""
    person = InsuranceCover.objects.on(day).filter(policy=policy, volunteer=OuterRef("pk"))
    member = Membership.objects.current(day).filter(volunteer=OuterRef("pk")).filter(
        Exists(node_covers_over_team(OuterRef("team__path"), day).filter(policy=policy)))
    on_shift = (Signup.objects.filter(volunteer=OuterRef("pk"), status=SignupStatus.ACCEPTED, shift__date=day)
                .filter(Exists(shift_covers("shift__", day).filter(policy=policy))))
    return Volunteer.objects.filter(Q(Exists(person)) | Q(Exists(member)) | Q(Exists(on_shift)))


def insured_volunteers(user, day: datetime.date, *, policy: InsurancePolicy | None = None) -> QuerySet:
    """Volunteers in the user's scope insured on `day` (by `policy`, if given)."""
    base = insured_by_policy(policy, day) if policy is not None else Volunteer.objects.filter(insured_q(day, many=True))
    return base.filter(pk__in=Volunteer.objects.visible_to(user).values("pk")) if policy is None else base


def insured_in_node(node, day: datetime.date) -> QuerySet:
    """Current members (on `day`) of the teams at or below `node` who are insured on `day`: the unit's
    "who is insured on D" (the bench measures it)."""
    members = Membership.objects.current(day).filter(volunteer=OuterRef("pk"), team__path__startswith=node.path)
    return Volunteer.objects.filter(Exists(members)).filter(insured_q(day, many=True))


def uninsured_upcoming(user, *, today: datetime.date | None = None, days: int = UPCOMING_DAYS) -> QuerySet:
    """Accepted sign-ups in the user's scope for gated shifts of the next `days` days whose volunteer is
    not insured on the shift's date."""
    today = today or timezone.localdate()
    qs = Signup.objects.visible_to(user).filter(
        status=SignupStatus.ACCEPTED, shift__date__gte=today, shift__date__lte=today + datetime.timedelta(days=days))
    return uninsured_signups(qs)


def uninsured_signups(signups: QuerySet) -> QuerySet:
    if not gate_all():
        signups = signups.filter(Exists(Shift.objects.filter(gated_q(), pk=OuterRef("shift_id"))))
    return (signups.exclude(insured_q("shift__date", volunteer="volunteer_id"))
            .select_related("volunteer", "shift__position__campaign__unit", "shift__position__venue",
                            "shift__position__team")
            .order_by("shift__date", "shift__start_time", "volunteer__name", "pk"))


@dataclass(frozen=True)
class CoverLine:
    policy: InsurancePolicy
    starts_on: datetime.date
    ends_on: datetime.date
    via: str  # "" for a person cover, else the node's name
    on_shift: bool = False  # insured on the days of accepted shifts there


def volunteer_covers(volunteer: Volunteer, day: datetime.date | None = None) -> list[CoverLine]:
    """The covers of `volunteer` in force on `day` (today), for the volunteer zone and the staff page:
    two queries."""
    day = day or timezone.localdate()
    lines = [CoverLine(c.policy, c.starts_on, c.ends_on, "")
             for c in InsuranceCover.objects.on(day).filter(volunteer=volunteer).select_related("policy")]
    teams = list(Membership.objects.current(day).filter(volunteer=volunteer).values_list("team__path", flat=True))
    if teams:
        q = Q(pk__in=[])
        for path in teams:
            q |= Q(node__path__in=[path[:i] for i in range(5, len(path) + 1, 5)])
        for c in InsuranceCover.objects.on(day).filter(q, node__isnull=False, node_scope=CoverScope.MEMBERS
                                                       ).select_related("policy", "node"):
            lines.append(CoverLine(c.policy, c.starts_on, c.ends_on, str(c.node)))
    # event policies that insure whoever is accepted for their shifts: those of the volunteer's coming shifts
    upcoming = Signup.objects.filter(volunteer=volunteer, status=SignupStatus.ACCEPTED, shift__date__gte=day)
    for c in (InsuranceCover.objects.filter(node_scope=CoverScope.ON_SHIFT, ends_on__gte=day)
              .filter(Exists(upcoming.filter(shift__date__gte=OuterRef("starts_on"), shift__date__lte=OuterRef("ends_on"))
                             .filter(_shift_under_q(OuterRef("node__path")))))
              .select_related("policy", "node")):
        lines.append(CoverLine(c.policy, c.starts_on, c.ends_on, str(c.node), on_shift=True))
    return sorted(lines, key=lambda line: (line.ends_on, line.policy.pk))


def _shift_under_q(path_ref) -> Q:
    q = Q(pk__in=[])
    for field in SHIFT_NODES:
        q |= Q(StartsWith(F(f"shift__{field}__path"), path_ref))
    return q


def policies_ending(on: datetime.date) -> QuerySet:
    """Policies whose last day is `on` (the expiry alerts ask for today + 30 and today + 7)."""
    return InsurancePolicy.objects.filter(ends_on=on).select_related("node")


def unit_of_shift_q(unit) -> Q:
    return (Q(shift__position__venue__path__startswith=unit.path)
            | Q(shift__position__campaign__unit__path__startswith=unit.path)
            | Q(shift__position__team__path__startswith=unit.path))


def units_with_uninsured(today: datetime.date, days: int = UPCOMING_DAYS) -> dict[int, list[Signup]]:
    """Per unit (the position's venue, else the team's unit, else the organiser), the accepted sign-ups of
    the next `days` days whose volunteer is not insured on the day: the daily digest."""
    qs = Signup.objects.filter(status=SignupStatus.ACCEPTED, shift__date__gte=today,
                               shift__date__lte=today + datetime.timedelta(days=days))
    result: dict[int, list[Signup]] = {}
    for signup in uninsured_signups(qs):
        position = signup.shift.position
        node = position.venue or (position.team.unit_ancestor() if position.team else None) or position.campaign.unit
        result.setdefault(node.pk, []).append(signup)
    return result


POLICY_NODE_KINDS = (OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY, OrgKind.UNIT)


def policy_node_choices(user) -> QuerySet:
    """The organisations the user may take a policy out for (units and authorities they manage)."""
    from ..roles import UNIT_MANAGERS

    return (OrgNode.objects.visible_to(user, roles=UNIT_MANAGERS).filter(kind__in=POLICY_NODE_KINDS, is_active=True)
            .order_by("path"))


def cover_node_choices(policy: InsurancePolicy) -> QuerySet:
    """The policy's node and the units, teams and sub-teams under it."""
    return (OrgNode.objects.filter(path__startswith=policy.node.path, is_active=True)
            .exclude(kind=OrgKind.PURPOSE_AUTHORITY).order_by("path"))


def cover_detail(user, pk: int) -> InsuranceCover:
    return InsuranceCover.objects.visible_to(user).select_related("policy__node", "volunteer", "node").get(pk=pk)


def volunteers_by_id_numbers(user, numbers: list[str]) -> dict[str, Volunteer]:
    """The user's volunteers with these document numbers (number → volunteer); others are simply absent."""
    found = {}
    for start in range(0, len(numbers), 500):
        for volunteer in Volunteer.objects.visible_to(user).filter(id_number__in=numbers[start:start + 500]):
            found[volunteer.id_number] = volunteer
    return found


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def insured_list(policy: InsurancePolicy, day: datetime.date, *, team=None, over_cap: bool = False) -> QuerySet:
    """The insurer's roster on `day`: who `policy` insures, optionally only current members of `team` (and
    its sub-teams) and only those older than the policy's age cap that day."""
    qs = insured_by_policy(policy, day)
    if team is not None:
        qs = qs.filter(Exists(Membership.objects.current(day).filter(volunteer=OuterRef("pk"),
                                                                     team__path__startswith=team.path)))
    if over_cap:
        qs = qs.filter(birth_date__lte=_years_before(day, policy.age_cap + 1))
    return qs.order_by("name", "pk")
