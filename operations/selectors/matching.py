"""Suggested volunteers for a shift with free seats: everyone in the user's scope who could serve,
ranked, with the reasons shown.

Hard filters: inside the user's scope; no active sign-up on this shift; no overlapping accepted,
applied or waitlisted shift that day; the campaign's age limits on the shift date; volunteers under 18
only with a guardian's consent for the campaign.
Ranking (best first): member of the position's team; speaks the required languages; has the required
skills; member of a team of the venue; fewer no-shows; fewer shifts already accepted in the campaign
(spreads the load); name.
Not checked yet: training and insurance status (those modules do not exist yet; the reasons say so).
Volunteers record no availability calendar, so "availability" means "free at that time"."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ..models import (
    AttendanceOutcome,
    GuardianConsent,
    Membership,
    Shift,
    Signup,
    SignupStatus,
    Volunteer,
)
from ..models.attendance import Attendance
from ..rules import TEAM_MANAGERS

ACTIVE = (SignupStatus.APPLIED, SignupStatus.ACCEPTED, SignupStatus.WAITLISTED)


@dataclass
class Candidate:
    volunteer: Volunteer
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _count(qs, name="n"):
    return Coalesce(Subquery(qs.order_by().values("volunteer").annotate(**{name: Count("pk")}).values(name)[:1],
                             output_field=IntegerField()), Value(0))


def match_candidates(*, user, shift: Shift, limit: int = 30) -> list[Candidate]:
    position = shift.position
    campaign = position.campaign
    languages = list(position.required_languages.all())
    skills = list(position.required_skills.all())
    volunteers = Volunteer.objects.visible_to(user, roles=TEAM_MANAGERS)
    busy = Signup.objects.filter(
        volunteer=OuterRef("pk"), status__in=ACTIVE, shift__date=shift.date,
        shift__start_time__lt=shift.end_time, shift__end_time__gt=shift.start_time,
    )
    volunteers = volunteers.exclude(Exists(busy))
    if campaign.min_age is not None:
        volunteers = volunteers.filter(birth_date__lte=_years_before(shift.date, campaign.min_age))
    if campaign.max_age is not None:
        volunteers = volunteers.filter(birth_date__gt=_years_before(shift.date, campaign.max_age + 1))
    adult_born_by = _years_before(shift.date, 18)
    consent = GuardianConsent.objects.filter(volunteer=OuterRef("pk"), campaign=campaign)
    volunteers = volunteers.filter(Q(birth_date__lte=adult_born_by) | Exists(consent))
    current = Membership.objects.current(shift.date).filter(volunteer=OuterRef("pk"))
    annotations = {
        "in_team": Exists(current.filter(team__path__startswith=position.team.path)) if position.team else Value(False),
        "in_venue": Exists(current.filter(team__path__startswith=position.venue.path)) if position.venue else Value(False),
        "language_matches": _count(Volunteer.languages.through.objects.filter(
            volunteer=OuterRef("pk"), language__in=languages)) if languages else Value(0),
        "skill_matches": _count(Volunteer.skills.through.objects.filter(
            volunteer=OuterRef("pk"), skill__in=skills)) if skills else Value(0),
        "no_shows": _count(Attendance.objects.filter(volunteer=OuterRef("pk"), outcome=AttendanceOutcome.NO_SHOW)),
        "load": _count(Signup.objects.filter(volunteer=OuterRef("pk"), status=SignupStatus.ACCEPTED,
                                             shift__position__campaign=campaign)),
    }
    ranked = (
        volunteers.annotate(**annotations)
        .order_by("-in_team", "-language_matches", "-skill_matches", "-in_venue", "no_shows", "load", "name", "pk")
        .prefetch_related("languages", "skills")[:limit]
    )
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
                candidate.reasons.append(_("Speaks %(languages)s") % {"languages": "、".join(have)})
            if missing:
                candidate.warnings.append(_("Does not list %(languages)s") % {"languages": "、".join(missing)})
        if skills:
            owned = {skill.pk for skill in volunteer.skills.all()}
            have = [str(s) for s in skills if s.pk in owned]
            missing = [str(s) for s in skills if s.pk not in owned]
            if have:
                candidate.reasons.append(_("Skills: %(skills)s") % {"skills": "、".join(have)})
            if missing:
                candidate.warnings.append(_("Lacks %(skills)s") % {"skills": "、".join(missing)})
        age = volunteer.age_on(shift.date)
        candidate.reasons.append(_("Age %(age)s on the day") % {"age": age})
        candidate.reasons.append(_("Free at that time (no overlapping shift)"))
        if volunteer.load:
            candidate.reasons.append(_("%(n)s shifts already accepted in this campaign") % {"n": volunteer.load})
        else:
            candidate.reasons.append(_("No shift yet in this campaign"))
        if volunteer.no_shows:
            candidate.warnings.append(_("%(n)s no-shows so far") % {"n": volunteer.no_shows})
        candidate.warnings.append(_("Training and insurance not checked (those modules are not available yet)"))
        result.append(candidate)
    return result
