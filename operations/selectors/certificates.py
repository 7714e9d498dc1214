"""Certificate reads (績效證明書, 榮譽卡): eligibility with its working, the applications of my units, a
volunteer's own, and the public verification of a number.

Eligibility (DOMAIN.md §1.8, §1.9) — hours always come from the one `countable_hours` selector
(`selectors.hours`), never computed here:

- seniority starts on the later of the first basic-training and the first special-training completion
  (`selectors.training`); a year is a calendar year (1 March 2024 → 1 March 2025; 29 February → 28 February);
- performance certificate: ≥ 1 year of seniority on the day of the application and ≥ 150 countable hours
  up to that day;
- honor card: ≥ 3 years and ≥ 300 countable hours up to the end of the month before the application; a
  renewal counts seniority from the day after the previous card's approval and hours from the day after
  the previous card's counting window, so nothing counts twice; the new card is valid three years from the
  later of its approval and the previous card's expiry."""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ..models import (
    CertificateApplication,
    CertificateKind,
    CertificateStatus,
    CourseKind,
    Membership,
    OrgKind,
    OrgNode,
    Volunteer,
)
from ..rules import VERB_ROLES
from .hours import explain
from .training import holdings_of

RULES = {
    CertificateKind.PERFORMANCE: {"years": 1, "hours": Decimal("150")},
    CertificateKind.HONOR_CARD: {"years": 3, "hours": Decimal("300")},
}
HONOR_CARD_YEARS = 3
NUMBER_PREFIX = {CertificateKind.PERFORMANCE: "PC", CertificateKind.HONOR_CARD: "HC"}
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
NUMBER_RE = re.compile(r"^(PC|HC)-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def end_of_previous_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1) - datetime.timedelta(days=1)


def trained_since(volunteer: Volunteer) -> tuple[datetime.date | None, datetime.date | None]:
    """(first basic completion, first special completion of any category)."""
    holdings = holdings_of(volunteer)
    basic = [h.completed_on for h in holdings if h.kind == CourseKind.BASIC]
    special = [h.completed_on for h in holdings if h.kind == CourseKind.SPECIAL]
    return (min(basic) if basic else None, min(special) if special else None)


def previous_card(volunteer: Volunteer, *, exclude_pk: int | None = None) -> CertificateApplication | None:
    """The volunteer's latest honor card issued (cancelled cards included: their window was used)."""
    cards = CertificateApplication.objects.filter(
        volunteer=volunteer, kind=CertificateKind.HONOR_CARD, issued_on__isnull=False)
    if exclude_pk:
        cards = cards.exclude(pk=exclude_pk)
    return cards.order_by("-issued_on", "-pk").first()


@dataclass
class Eligibility:
    kind: str
    as_of: datetime.date
    years_needed: int
    hours_needed: Decimal
    basic_on: datetime.date | None = None
    special_on: datetime.date | None = None
    seniority_from: datetime.date | None = None
    seniority_until: datetime.date | None = None  # the day the seniority is reached
    hours_from: datetime.date | None = None
    hours_to: datetime.date | None = None
    hours: Decimal = Decimal("0")
    excluded: list = field(default_factory=list)  # (reason, hours, records)
    by_year: list = field(default_factory=list)
    previous: CertificateApplication | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def seniority_met(self) -> bool:
        return self.seniority_until is not None and self.seniority_until <= self.as_of

    @property
    def hours_met(self) -> bool:
        return self.hours >= self.hours_needed

    @property
    def eligible(self) -> bool:
        return self.seniority_met and self.hours_met

    def as_json(self) -> dict:
        def day(d):
            return d.isoformat() if d else None
        return {
            "kind": self.kind, "as_of": day(self.as_of), "years_needed": self.years_needed,
            "hours_needed": str(self.hours_needed), "basic_on": day(self.basic_on), "special_on": day(self.special_on),
            "seniority_from": day(self.seniority_from), "seniority_until": day(self.seniority_until),
            "hours_from": day(self.hours_from), "hours_to": day(self.hours_to), "hours": str(self.hours),
            "excluded": [[str(r), str(h), n] for r, h, n in self.excluded],
            "by_year": [[g["key"], str(g["counted"]), str(g["recorded"])] for g in self.by_year],
            "previous": self.previous.number if self.previous else None,
            "notes": [str(n) for n in self.notes], "eligible": self.eligible,
        }


def eligibility(volunteer: Volunteer, kind: str, *, as_of: datetime.date,
                exclude_pk: int | None = None) -> Eligibility:
    """Whether `volunteer` may have a certificate of `kind` applied for on `as_of`, with the working."""
    rule = RULES[kind]
    result = Eligibility(kind, as_of, rule["years"], rule["hours"])
    result.basic_on, result.special_on = trained_since(volunteer)
    if result.basic_on is None:
        result.notes.append(_("No basic training on record."))
    if result.special_on is None:
        result.notes.append(_("No special training on record."))
    start = max(result.basic_on, result.special_on) if result.basic_on and result.special_on else None
    end = as_of
    if kind == CertificateKind.HONOR_CARD:
        end = end_of_previous_month(as_of)
        result.previous = previous_card(volunteer, exclude_pk=exclude_pk)
        if result.previous is not None:
            after_approval = result.previous.issued_on + datetime.timedelta(days=1)
            start = max(start, after_approval) if start else None
            if result.previous.hours_to:
                result.hours_from = result.previous.hours_to + datetime.timedelta(days=1)
            result.notes.append(_("A renewal: seniority and hours count only after the previous card (%(number)s).")
                                % {"number": result.previous.number})
    result.seniority_from = start
    result.seniority_until = add_years(start, rule["years"]) if start else None
    result.hours_to = end
    if result.hours_from is not None and result.hours_from > end:
        return result
    working = explain(volunteer, start=result.hours_from, end=end)
    result.hours = working.counted
    result.excluded = working.excluded_by_reason()
    result.by_year = working.by_year()
    return result


def honor_card_validity(*, approved_on: datetime.date,
                        previous: CertificateApplication | None) -> tuple[datetime.date, datetime.date]:
    """(valid from, valid until): three years from the later of the approval and the previous card's expiry."""
    start = approved_on
    if previous is not None and previous.valid_until and previous.valid_until > start:
        start = previous.valid_until
    return start, add_years(start, HONOR_CARD_YEARS)


def units_of(volunteer: Volunteer) -> list[OrgNode]:
    """The units the volunteer serves (or served) in, through their team memberships."""
    paths = set(Membership.objects.filter(volunteer=volunteer).values_list("team__path", flat=True))
    prefixes = {p[:n] for p in paths for n in range(OrgNode.steplen, len(p) + 1, OrgNode.steplen)}
    units = {u.pk: u for u in OrgNode.objects.filter(kind=OrgKind.UNIT, path__in=prefixes)}
    return sorted(units.values(), key=lambda u: u.path)


# --- Lists ---------------------------------------------------------------------------------------

def application_list(user) -> QuerySet:
    return (CertificateApplication.objects.visible_to(user, roles=VERB_ROLES["operations.certificateapplication.view"])
            .select_related("volunteer", "unit", "review").order_by("-applied_on", "-id"))


def application_detail(user, pk) -> CertificateApplication:
    return application_list(user).get(pk=pk)


def applications_of(volunteer: Volunteer) -> list[CertificateApplication]:
    return list(CertificateApplication.objects.filter(volunteer=volunteer).select_related("unit", "review")
                .order_by("-applied_on", "-id"))


def my_application(volunteer: Volunteer, pk) -> CertificateApplication:
    return CertificateApplication.objects.select_related("unit", "review", "volunteer").get(volunteer=volunteer, pk=pk)


def verify(number: str) -> CertificateApplication | None:
    """The issued (or cancelled) certificate with this verification number; None for an unknown or
    malformed number alike."""
    number = (number or "").strip().upper()[:32]
    if not NUMBER_RE.match(number):
        return None
    return (CertificateApplication.objects.select_related("volunteer", "unit")
            .filter(number=number, status__in=[CertificateStatus.ISSUED, CertificateStatus.CANCELLED]).first())


def masked_name(name: str) -> str:
    """王小明 → 王○明, 林美 → 林○; a Latin name keeps its first letters."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "○"
    return name[0] + "○" * (len(name) - 2) + name[-1]
