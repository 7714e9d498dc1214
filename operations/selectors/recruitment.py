"""Recruitment figures shared by the public widgets (cms) and the back-office dashboards.

"Signed up" means a sign-up in status ACCEPTED (a confirmed seat, i.e. Shift.accepted_count); applied
and waitlisted sign-ups are not counted as filled seats. "Needed" is the sum of the shifts' headcounts.
The figures are cached; every service that changes a sign-up or a headcount bumps the cache version
after its transaction commits, so a change shows within a request without recomputing on every view."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from volunteer_site.cache_versions import bump_version, current_version

from ..models import City, OrgKind, OrgNode, Shift

VERSION_KEY = "recruitment-progress:version"
TTL = 300  # seconds; a safety net, the version bump is what makes changes visible at once


def invalidate_recruitment_progress() -> None:
    bump_version(VERSION_KEY)


def _version() -> int:
    return current_version(VERSION_KEY)


@dataclass(frozen=True)
class Progress:
    needed: int
    signed_up: int

    @property
    def percent(self) -> int:
        """Rounded down, so 100% only when every seat is taken."""
        if not self.needed:
            return 0
        return min(100, self.signed_up * 100 // self.needed)


@dataclass(frozen=True)
class CityProgress:
    city: str
    label: str
    venue_count: int
    progress: Progress


@dataclass(frozen=True)
class RecruitmentStatus:
    cities: list[CityProgress] = field(default_factory=list)
    overall: Progress = Progress(0, 0)

    @property
    def venue_count(self) -> int:
        return sum(c.venue_count for c in self.cities)


def _compute(campaign_code: str | None) -> dict:
    shifts = Shift.objects.filter(position__venue__isnull=False)
    if campaign_code:
        shifts = shifts.filter(position__campaign__code=campaign_code)
    per_city = {
        row["position__venue__city"]: (row["needed"] or 0, row["signed_up"] or 0)
        for row in shifts.values("position__venue__city").annotate(needed=Sum("headcount"), signed_up=Sum("accepted_count"))
    }
    venues = OrgNode.objects.filter(kind=OrgKind.UNIT, is_venue=True, is_active=True)
    if campaign_code:
        venues = venues.filter(venue_positions__campaign__code=campaign_code)
    venue_counts = dict(venues.order_by().values("city").annotate(n=Count("id", distinct=True)).values_list("city", "n"))
    return {"per_city": per_city, "venue_counts": venue_counts}


def recruitment_status(*, campaign_code: str | None = None, cities: list[str] | None = None) -> RecruitmentStatus:
    """Per city: venues, needed and signed-up volunteers over all its venues' shifts; and the total.
    Two aggregate queries on a cache miss, none on a hit."""
    key = f"recruitment-progress:{_version()}:{campaign_code or '*'}"
    data = cache.get(key)
    if data is None:
        data = _compute(campaign_code)
        cache.set(key, data, TTL)
    codes = cities or sorted(set(data["venue_counts"]) | set(data["per_city"]), key=_city_order)
    rows = []
    for code in codes:
        needed, signed_up = data["per_city"].get(code, (0, 0))
        rows.append(CityProgress(code, str(City(code).label), data["venue_counts"].get(code, 0), Progress(needed, signed_up)))
    total = Progress(sum(r.progress.needed for r in rows), sum(r.progress.signed_up for r in rows))
    return RecruitmentStatus(cities=rows, overall=total)


def _city_order(code: str) -> int:
    order = [c.value for c in City]
    return order.index(code) if code in order else len(order)


def venues_by_city(*, campaign_code: str | None = None, city: str | None = None):
    """Venues (units marked as event venues) with their sports, for maps and dialogs."""
    venues = OrgNode.objects.filter(kind=OrgKind.UNIT, is_venue=True, is_active=True)
    if campaign_code:
        venues = venues.filter(venue_positions__campaign__code=campaign_code).distinct()
    if city:
        venues = venues.filter(city=city)
    return venues.only("id", "name", "name_en", "city", "district", "sports", "sports_en").order_by("city", "path")


def fill_rates_by_venue(*, user, campaign_code: str | None = None):
    """Back-office: needed and accepted per venue in the user's scope (same definition as above)."""
    shifts = Shift.objects.visible_to(user).filter(position__venue__isnull=False)
    if campaign_code:
        shifts = shifts.filter(position__campaign__code=campaign_code)
    return (
        shifts.values("position__venue_id", "position__venue__name", "position__venue__name_en", "position__venue__city")
        .annotate(needed=Sum("headcount"), signed_up=Sum("accepted_count"),
                  full_shifts=Count("id", filter=Q(accepted_count__gte=F("headcount"))))
        .order_by("position__venue__path")
    )

