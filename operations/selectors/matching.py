"""Suggested volunteers for a shift with free seats: everyone in the user's scope who could serve,
ranked, with the reasons shown.

Hard filters: inside the user's scope (`Volunteer.objects.visible_to(user, roles=TEAM_MANAGERS)`), then
the sign-up rule book (`selectors.signup_rules.eligible_volunteers`, the same rules as `match_assign`): no
active sign-up on this shift; no overlapping accepted, applied or waitlisted shift that day; the
campaign's age limits on the shift date; volunteers under 18 only with a guardian's consent for the
campaign; and the checks later modules register.

Ranking (best first), one total order:
  1. member of the position's team (current membership on the shift date, sub-teams included);
  2. more of the required languages spoken;
  3. more of the required skills;
  4. member of a team of the venue;
  5. fewer no-shows so far;
  6. fewer shifts already accepted in the campaign (spreads the load);
  7. name, then id (so that the order is always the same).

How it stays fast when the scope holds a whole city (150,000 volunteers): criteria 2, 3, 5 and 6 are
counts that cost index look-ups per volunteer, so they are never computed for the whole scope. The
scope is cut into three pools along the ranking:
  - "near": current members of the position's team or of a team at the venue (1 or 4 holds);
  - "skilled": the other volunteers who list a required language or skill (2 or 3 holds, 1 and 4 do
    not); with a single requirement all of them have it, so nothing is counted for this pool;
  - "others": everybody else in scope. None of 1–4 holds for them, so they rank below everybody in
    the first two pools.
and each pool into a "clean" part (no no-show and no shift accepted in the campaign: 5 and 6 are 0,
so the part goes by 1–4 and then name, straight from the database with LIMIT) and a "dirty" part
(ranked with its counts). Each part is ranked by the database in the full order with LIMIT `limit`,
and a part is only asked for when somebody in it could still enter the list (a dirty part only
beats a clean one on criteria 1–4; "others" only count when the first two pools give fewer than
`limit`). No two parts share a value of criteria 1–6, so merging them with a stable sort on 1–6 keeps
the database's order (its name collation included) inside each part: the result is exactly the
order above, and the number of queries does not depend on the number of volunteers (at most six
ranking queries). A small scope (a unit or a team: at most SMALL_SCOPE memberships) is also listed
by id, so that the planner knows how few volunteers it has to look at.

Insurance (selectors.insurance): a campaign that seats at once lists only the volunteers insured on the day
(the rule book's filter); otherwise the uninsured are listed with a warning, and anyone older than the
insurer's age cap is flagged.
Training (selectors.training): people the training gate refuses are not hidden. When the trained fill fewer
than `limit` places, the untrained follow them, ranked the same way, each with the training they lack (a
staff member cannot assign them until it is done).
Volunteers record no availability calendar, so "availability" means "free at that time"."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ..localised import join_list
from ..models import (
    AttendanceOutcome,
    Membership,
    OrgNode,
    Shift,
    Signup,
    SignupStatus,
    Volunteer,
)
from ..models.attendance import Attendance
from ..roles import TEAM_MANAGERS
from ..scoping import scope_paths, scope_q
from . import training
from .insurance import insurance_notes, shift_gate
from .signup_rules import eligible_volunteers, refused_by_extra_checks

SMALL_SCOPE, SMALL_SCOPE_NODES = 2000, 200  # memberships, organisation nodes; see _eligible


@dataclass
class Candidate:
    volunteer: Volunteer
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _count(qs, name="n"):
    return Coalesce(Subquery(qs.order_by().values("volunteer").annotate(**{name: Count("pk")}).values(name)[:1],
                             output_field=IntegerField()), Value(0))


def _eligible(user, shift: Shift, skip=()):
    """The hard filters: scope, then the rule book (selectors.signup_rules.eligible_volunteers)."""
    volunteers = Volunteer.objects.visible_to(user, roles=TEAM_MANAGERS).filter(processing_stopped_at__isnull=True)
    if scope_paths(user, roles=TEAM_MANAGERS) is not None:
        # A small scope (a unit, a team) is also listed by id: the same volunteers, but the planner then
        # knows how few they are, probes indexes for them and never walks the whole name index looking
        # for them. Two capped look-ups: the organisation nodes in scope, then their memberships.
        nodes = list(OrgNode.objects.filter(scope_q(user, roles=TEAM_MANAGERS)).values_list("pk", flat=True)[
            :SMALL_SCOPE_NODES + 1])
        if len(nodes) <= SMALL_SCOPE_NODES:
            # members, and those in the scope through a sign-up at one of its positions (Volunteer.visible_to),
            # in one query
            members = Membership.objects.filter(team__in=nodes).order_by().values_list("volunteer_id", flat=True)
            signed_up = Signup.objects.filter(
                Q(shift__position__campaign__unit__in=nodes) | Q(shift__position__venue__in=nodes)
                | Q(shift__position__team__in=nodes)).order_by().values_list("volunteer_id", flat=True)
            rows = list(members.union(signed_up, all=True)[:SMALL_SCOPE + 1])
            if len(rows) <= SMALL_SCOPE:  # all of them
                volunteers = volunteers.filter(pk__in=set(rows))
    # The rule book's filters in SQL: not busy at that time, age limits, minors only with consent, and
    # the registered checks that can filter in SQL (the others are asked of the ranked list).
    return eligible_volunteers(volunteers, shift, skip=skip)


SIGNALS = ("in_team", "language_matches", "skill_matches", "in_venue")


def _merge_key(volunteer) -> tuple[int, ...]:
    """Ranking criteria 1–6 as a sort key (smaller is better). Two parts never share a value of it
    (the pools differ in 1–4, the clean and dirty parts of a pool in 5–6), so a stable sort on it
    keeps the database's order, name collation included, inside each part."""
    return (-int(volunteer.in_team), -volunteer.language_matches, -volunteer.skill_matches,
            -int(volunteer.in_venue), volunteer.no_shows, volunteer.load)


@dataclass
class _Pool:
    volunteers: QuerySet  # eligible volunteers of the pool
    signals: dict  # criteria 1–4 as annotations (constants where the pool decides them)
    best: tuple[int, ...]  # the best value of criteria 1–4 (as in _merge_key) anybody in the pool can have

    def order(self, *rest: str) -> list[str]:
        return [f"-{name}" for name in SIGNALS if not isinstance(self.signals[name], Value)] + list(rest)


def _ranked(*, shift: Shift, eligible, languages, skills, limit: int) -> list[Volunteer]:
    position = shift.position
    campaign = position.campaign
    current = Membership.objects.current(shift.date)
    no_show = Attendance.objects.filter(outcome=AttendanceOutcome.NO_SHOW)
    accepted = Signup.objects.filter(status=SignupStatus.ACCEPTED, shift__position__campaign=campaign)
    # "Dirty": a no-show so far or a shift already accepted in the campaign (criteria 5–6 not zero).
    has_no_show, has_load = (Exists(qs.filter(volunteer=OuterRef("pk"))) for qs in (no_show, accepted))
    penalties = {
        "no_shows": _count(no_show.filter(volunteer=OuterRef("pk"))),
        "load": _count(accepted.filter(volunteer=OuterRef("pk"))),
    }
    zero, one = Value(0, output_field=IntegerField()), Value(1, output_field=IntegerField())
    false = Value(False, output_field=BooleanField())
    required = [(name, through, items) for name, through, items in (
        ("language_matches", Volunteer.languages.through.objects.filter(language__in=languages), languages),
        ("skill_matches", Volunteer.skills.through.objects.filter(skill__in=skills), skills),
    ) if items]
    best_counts = (-len(languages), -len(skills))

    pools: list[_Pool] = []
    rest = eligible
    # Pool "near": current members of the team (sub-teams included) or of a team at the venue. The
    # few organisation nodes are looked up first, which gives the planner exact estimates.
    near_nodes = [node for node in (position.team, position.venue) if node is not None]
    if near_nodes:
        in_near = Q()
        for node in near_nodes:
            in_near |= Q(path__startswith=node.path)
        below = list(OrgNode.objects.filter(in_near).values_list("pk", "path"))
        member = current.filter(volunteer=OuterRef("pk"))

        def member_of(node):
            if node is None:
                return false
            return Exists(member.filter(team__in=[pk for pk, path in below if path.startswith(node.path)]))

        signals = {"in_team": member_of(position.team), "language_matches": zero, "skill_matches": zero,
                   "in_venue": member_of(position.venue)}
        for name, through, _items in required:
            signals[name] = _count(through.filter(volunteer=OuterRef("pk")))
        near_ids = [pk for pk, _path in below]
        pools.append(_Pool(eligible.filter(pk__in=current.filter(team__in=near_ids).values("volunteer")), signals,
                           (-int(position.team is not None), *best_counts, -int(position.venue is not None))))
        rest = rest.exclude(Exists(member.filter(team__in=near_ids)))
    # Pool "skilled": everybody else who lists a required language or skill.
    if required:
        signals = {"in_team": false, "language_matches": zero, "skill_matches": zero, "in_venue": false}
        for name, through, _items in required:
            # With a single required language or skill everybody in this pool has it: nothing to count.
            single = len(languages) + len(skills) == 1
            signals[name] = one if single else _count(through.filter(volunteer=OuterRef("pk")))
        owners = [through.order_by().values("volunteer") for _name, through, _items in required]
        pools.append(_Pool(rest.filter(pk__in=owners[0].union(*owners[1:]) if len(owners) > 1 else owners[0]),
                           signals, (0, *best_counts, 0)))
        for _name, through, _items in required:
            rest = rest.exclude(Exists(through.filter(volunteer=OuterRef("pk"))))
    # Pool "others": criteria 1–4 hold for none of them, so they come after everybody above.
    others = _Pool(rest, {"in_team": false, "language_matches": zero, "skill_matches": zero, "in_venue": false},
                   (0, 0, 0, 0))

    ranked: list[Volunteer] = []

    def worse_than_all(best: tuple[int, ...], dirty: bool) -> bool:
        """Nobody with criteria 1–4 at `best` (and a penalty when `dirty`) can enter the list."""
        if len(ranked) < limit:
            return False
        last = _merge_key(ranked[-1])
        return best > last[:4] or (dirty and best == last[:4])

    # The clean part of each pool first (criteria 5–6 are 0: by 1–4, then name; cheap), then the
    # dirty parts (ranked with their counts), each only while somebody in it could still enter the list.
    steps = [(pool, False) for pool in pools] + [(pool, True) for pool in pools] + [(others, False), (others, True)]
    for pool, dirty in steps:
        if worse_than_all(pool.best, dirty):
            continue
        if dirty:
            # Filtered on the counts themselves: an index probe per volunteer of the pool, where an OR
            # of two EXISTS may make the planner hash every accepted sign-up of the campaign.
            part = pool.volunteers.annotate(**pool.signals, **penalties).filter(Q(no_shows__gt=0) | Q(load__gt=0))
            part = part.order_by(*pool.order("no_shows", "load", "name", "pk"))
        else:
            part = pool.volunteers.filter(~has_no_show, ~has_load).annotate(**pool.signals, no_shows=zero, load=zero)
            part = part.order_by(*pool.order("name", "pk"))
        ranked += part[:limit]
        ranked.sort(key=_merge_key)  # stable
        del ranked[limit:]
    return ranked


def _insurance_lines(candidate: Candidate, note, shift: Shift, gate) -> None:
    """Insured on the day, or not where the insurance gate applies (a campaign that seats at once lists
    only the insured: the rule book's filter); an event policy insuring whoever is accepted for its shifts
    counts; older than the insurer's age cap is flagged (DOMAIN §1.7)."""
    cap = note.cap
    if note.insured:
        candidate.reasons.append(_("Insured on %(date)s") % {"date": shift.date.isoformat()})
    elif gate.roster_cap is not None:
        candidate.reasons.append(_("Insured by the organiser's event policy once accepted"))
        cap = gate.roster_cap
    elif gate.gated:
        candidate.warnings.append(_("Not insured on %(date)s: accepting will be refused until they are insured")
                                  % {"date": shift.date.isoformat()})
    if candidate.volunteer.age_on(shift.date) > cap:
        candidate.warnings.append(_("Older than the insurer's age cap (%(cap)s) on the day") % {"cap": cap})


def match_candidates(*, user, shift: Shift, limit: int = 30) -> list[Candidate]:
    position = shift.position
    languages = list(position.required_languages.all())
    skills = list(position.required_skills.all())
    if limit <= 0:
        return []
    ranked = _ranked(shift=shift, eligible=_eligible(user, shift), languages=languages, skills=skills,
                     limit=limit)
    need = training.shift_need(shift)
    untrained: set[int] = set()
    if need and len(ranked) < limit:
        # the people the training gate refuses, after the trained, with what they lack
        rest = _eligible(user, shift, skip=(training.check_training,)).exclude(pk__in=[v.pk for v in ranked])
        more = _ranked(shift=shift, eligible=rest, languages=languages, skills=skills, limit=limit - len(ranked))
        training.prefetch_holdings(more)
        untrained = {v.pk for v in more}
        ranked += more
    refused = refused_by_extra_checks(ranked, shift)
    ranked = [v for v in ranked if v.pk not in refused]
    prefetch_related_objects(ranked, "languages", "skills")
    insurance = insurance_notes(ranked, shift.date)
    gate = shift_gate(shift)
    result = []
    for volunteer in ranked:
        candidate = Candidate(volunteer)
        if volunteer.in_team:
            candidate.reasons.append(_("Member of %(team)s") % {"team": position.team.display_name})
        elif volunteer.in_venue:
            candidate.reasons.append(_("Member of a team at %(venue)s") % {"venue": position.venue.display_name})
        if languages:
            spoken = {lang.pk for lang in volunteer.languages.all()}
            have = [str(lang) for lang in languages if lang.pk in spoken]
            missing = [str(lang) for lang in languages if lang.pk not in spoken]
            if have:
                candidate.reasons.append(_("Speaks %(languages)s") % {"languages": join_list(have)})
            if missing:
                candidate.warnings.append(_("Does not list %(languages)s") % {"languages": join_list(missing)})
        if skills:
            owned = {skill.pk for skill in volunteer.skills.all()}
            have = [str(s) for s in skills if s.pk in owned]
            missing = [str(s) for s in skills if s.pk not in owned]
            if have:
                candidate.reasons.append(_("Skills: %(skills)s") % {"skills": join_list(have)})
            if missing:
                candidate.warnings.append(_("Lacks %(skills)s") % {"skills": join_list(missing)})
        age = volunteer.age_on(shift.date)
        candidate.reasons.append(_("Age %(age)s on the day") % {"age": age})
        candidate.reasons.append(_("Free at that time (no overlapping shift)"))
        if volunteer.load:
            candidate.reasons.append(_("%(n)s shifts already accepted in this campaign") % {"n": volunteer.load})
        else:
            candidate.reasons.append(_("No shift yet in this campaign"))
        if volunteer.no_shows:
            candidate.warnings.append(_("%(n)s no-shows so far") % {"n": volunteer.no_shows})
        if volunteer.pk in untrained:
            candidate.warnings += [p.say(training.STAFF_VOICE) for p in training.training_problems(volunteer, need)]
        elif need:
            candidate.reasons.append(_("Has the required training"))
        _insurance_lines(candidate, insurance[volunteer.pk], shift, gate)
        result.append(candidate)
    return result
