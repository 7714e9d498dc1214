"""Award schemes and who is eligible (獎勵, DOMAIN.md §1.10), and the WMG recognitions (DOMAIN.md §4.2).

An eligible list is computed, never stored: the volunteers in the user's scope (optionally those who
served in one unit) whose countable hours (`selectors.hours.countable_totals`) in the scheme's unit
categories, from its counting start to the call's cut-off, reach the level's threshold, minus those who
already received that level (once per level per person). One query for the hours, one for the
receipts, one for the nominations standing, one for the names of the page shown."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    OPEN_NOMINATION,
    AwardLevel,
    AwardNomination,
    AwardReceipt,
    AwardScheme,
    Membership,
    OrgKind,
    OrgNode,
    ServiceRecord,
    Volunteer,
    VolunteerType,
)
from ..scoping import is_unrestricted
from .hours import countable_totals


def scheme_list() -> QuerySet:
    return AwardScheme.objects.filter(is_active=True).prefetch_related("levels").order_by("code")


def level_detail(user, pk) -> AwardLevel:
    return AwardLevel.objects.select_related("scheme").filter(scheme__is_active=True).get(pk=pk)


def award_units(user) -> QuerySet:
    """Units (and authorities) the user may compute a list for."""
    return OrgNode.objects.visible_to(user).filter(
        kind__in=(OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY, OrgKind.UNIT)).order_by("path")


def nominating_units(user) -> QuerySet:
    """Where the user may nominate from: the nodes they manage."""
    from ..roles import UNIT_MANAGERS

    return OrgNode.objects.visible_to(user, roles=UNIT_MANAGERS).filter(
        kind__in=(OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY, OrgKind.UNIT)).order_by("path")


def call_year(today: datetime.date | None = None) -> int:
    return (today or timezone.localdate()).year


@dataclass
class EligibleRow:
    volunteer_id: int
    hours: Decimal
    volunteer: Volunteer | None = None
    nomination: str = ""

    @property
    def nomination_label(self) -> str:
        from ..models import NominationStatus

        return str(NominationStatus(self.nomination).label) if self.nomination else ""


@dataclass
class EligibleList:
    level: AwardLevel
    year: int
    start: datetime.date | None
    cutoff: datetime.date
    categories: list[str] | None
    unit: OrgNode | None
    rows: list[EligibleRow] = field(default_factory=list)
    already_received: int = 0

    @property
    def scheme(self) -> AwardScheme:
        return self.level.scheme

    def fill(self, rows: list[EligibleRow]) -> list[EligibleRow]:
        """Read the volunteers of `rows` (a page) in one query."""
        missing = [r.volunteer_id for r in rows if r.volunteer is None]
        people = Volunteer.objects.in_bulk(missing) if missing else {}
        for row in rows:
            row.volunteer = row.volunteer or people.get(row.volunteer_id)
        return rows


def _people(user, unit: OrgNode | None):
    """The volunteers to consider: the user's scope, narrowed to those who belonged to a team under
    `unit`; None when that is everyone (the fast path of `countable_totals`)."""
    people = None if is_unrestricted(user) else Volunteer.objects.visible_to(user)
    if unit is not None:
        members = Membership.objects.filter(team__path__startswith=unit.path, volunteer=OuterRef("pk"))
        people = (people if people is not None else Volunteer.objects.all()).filter(Exists(members))
    return people


def eligible_list(user, level: AwardLevel, *, year: int | None = None, cutoff: datetime.date | None = None,
                  unit: OrgNode | None = None) -> EligibleList:
    """Who reaches `level` in the call of `year` (hours up to `cutoff`, by default the scheme's), in the
    user's scope or among the members of `unit`, highest hours first; those who received the level are
    left out (and counted in `already_received`), those with a nomination standing are marked."""
    scheme = level.scheme
    year = year or call_year()
    cutoff = cutoff or scheme.cutoff_for(year)
    categories = list(scheme.unit_categories) or None
    totals = countable_totals(volunteers=_people(user, unit), start=scheme.counting_starts_on, end=cutoff,
                              categories=categories, min_hours=level.hours)
    received = set(AwardReceipt.objects.filter(level=level, volunteer_id__in=list(totals)).values_list(
        "volunteer_id", flat=True)) if totals else set()
    nominated = dict(AwardNomination.objects.filter(
        level=level, status__in=[s.value for s in OPEN_NOMINATION], volunteer_id__in=list(totals)).values_list(
        "volunteer_id", "status")) if totals else {}
    result = EligibleList(level, year, scheme.counting_starts_on, cutoff, categories, unit,
                          already_received=len(received))
    result.rows = sorted((EligibleRow(pk, hours, nomination=nominated.get(pk, ""))
                          for pk, hours in totals.items() if pk not in received),
                         key=lambda r: (-r.hours, r.volunteer_id))
    return result


def receipts_of(volunteer: Volunteer) -> list[AwardReceipt]:
    return list(volunteer.award_receipts.select_related("level__scheme").order_by("-year", "level__rank"))


def nomination_list(user) -> QuerySet:
    return AwardNomination.objects.visible_to(user).select_related("volunteer", "level__scheme", "unit")


def nomination_detail(user, pk) -> AwardNomination:
    return nomination_list(user).select_related("review__current_node", "created_by").get(pk=pk)


def receipt_list(user) -> QuerySet:
    return AwardReceipt.objects.visible_to(user).select_related("volunteer", "level__scheme")


# --- WMG recognitions (DOMAIN §4.2) --------------------------------------------------------------------

#: the reporting age bands (DOMAIN §6.11), from 16 for the event
AGE_BANDS = [(16, 17), (18, 29), (30, 49), (50, 54), (55, 64), (65, 200)]


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def band_label(low: int, high: int) -> str:
    return f"{low}+" if high >= 200 else f"{low}–{high}"


@dataclass
class Recognised:
    volunteer: Volunteer
    hours: Decimal
    age: int


@dataclass
class Recognitions:
    event: OrgNode
    cutoff: datetime.date
    threshold: Decimal
    oldest: list[Recognised]
    youth: list[Recognised]
    bands: list[tuple[str, list[Recognised]]]
    over_threshold: list[Recognised]
    language: list[Recognised]
    served: int = 0

    def sections(self) -> list[tuple[str, str, list[Recognised]]]:
        """(key, title, rows) of every list, the age bands flattened."""
        found = [
            ("oldest", str(_("Oldest volunteers (aged 90 or over)")), self.oldest),
            ("youth", str(_("Top 5 by hours aged 16–17")), self.youth),
        ]
        for label, rows in self.bands:
            found.append((f"band-{label}", str(_("Top 3 by hours, aged %(band)s") % {"band": label}), rows))
        found.append(("threshold", str(_("Everyone with %(hours)s hours or more") % {"hours": self.threshold}),
                      self.over_threshold))
        found.append(("language", str(_("Language volunteers")), self.language))
        return found


def event_nodes(user) -> QuerySet:
    """Purpose authorities in the user's scope (an event such as the WMG is one)."""
    return OrgNode.objects.visible_to(user).filter(kind=OrgKind.PURPOSE_AUTHORITY).order_by("path")


def wmg_recognitions(user, *, event: OrgNode, cutoff: datetime.date, threshold: Decimal = Decimal("50"),
                     oldest_age: int = 90, youth_top: int = 5, band_top: int = 3) -> Recognitions:
    """The organisers' lists, from countable hours at the units under `event` up to `cutoff`, for the
    volunteers in the user's scope: the oldest (aged `oldest_age`+ on the cut-off), the top `youth_top` aged
    16–17, the top `band_top` of each age band, everyone with `threshold` hours or more, and the language
    volunteers (who served in a campaign of language volunteers). Ties keep the lower id first."""
    scope = None if is_unrestricted(user) else Volunteer.objects.visible_to(user)
    totals = countable_totals(volunteers=scope, unit=event, end=cutoff)
    totals = {pk: h for pk, h in totals.items() if h > 0}
    people = {v.pk: v for v in Volunteer.objects.filter(pk__in=list(totals)).only(
        "id", "name", "english_name", "birth_date", "sex", "id_number", "id_type")} if totals else {}
    rows = [Recognised(people[pk], h, age_on(people[pk].birth_date, cutoff)) for pk, h in totals.items() if pk in people]
    by_hours = sorted(rows, key=lambda r: (-r.hours, r.volunteer.pk))
    oldest = sorted((r for r in rows if r.age >= oldest_age), key=lambda r: (r.volunteer.birth_date, r.volunteer.pk))
    youth = [r for r in by_hours if 16 <= r.age <= 17][:youth_top]
    bands = [(band_label(lo, hi), [r for r in by_hours if lo <= r.age <= hi][:band_top]) for lo, hi in AGE_BANDS]
    over = [r for r in by_hours if r.hours >= threshold]
    language_ids = set(ServiceRecord.objects.filter(
        volunteer_id__in=list(totals), unit__path__startswith=event.path, date__lte=cutoff, misuse_at__isnull=True,
        attendance__shift__position__campaign__volunteer_type=VolunteerType.LANGUAGE).values_list(
        "volunteer_id", flat=True).distinct()) if totals else set()
    language = [r for r in by_hours if r.volunteer.pk in language_ids]
    return Recognitions(event, cutoff, threshold, oldest, youth, bands, over, language, served=len(rows))
