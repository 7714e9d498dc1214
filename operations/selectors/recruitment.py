"""Recruitment figures shared by the public widgets (cms), the public API and the back-office dashboards.

The recruitment percentage counts PEOPLE (the seed's "招募100位志工，已報名80人，百分比80%"):
- "needed" (volunteers needed) = the sum of the positions' targets `Position.volunteers_needed`; a position
  without a target counts its largest shift headcount (the people needed at once);
- "signed up" = the number of DISTINCT volunteers with at least one sign-up in status ACCEPTED on a shift of
  those positions. A volunteer with five shifts counts once; a volunteer at two venues of one city counts
  once for the city and once overall. Applied sign-ups (reviewed campaigns, waiting for the unit's decision)
  and waitlisted ones do not count until accepted.
- percent = signed up × 100 ÷ needed, rounded down and capped at 100.
Seat fill (accepted seats ÷ the sum of the shifts' headcounts, `Shift.accepted_count`) is kept as a second
figure for staff (`seats_filled` / `seats_needed`).
The figures are cached; every service that changes a sign-up or a headcount bumps the cache version
after its transaction commits. Readers see that version *settled* (`settings.RECRUITMENT_FIGURES_MAX_AGE`
seconds, 2 by default): during a rush of sign-ups the figures are recomputed at most once per interval, by
one process (the others keep the previous figures meanwhile), and a change shows on the next request after
the interval. Pages that show the figures note it, so the public page cache keys only those pages on them."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Q, Sum
from volunteer_site.cache_versions import bump_version, current_version, note_read, settled_version

from ..models import City, OrgKind, OrgNode, Position, Shift, Signup, SignupStatus

VERSION_KEY = "recruitment-progress:version"
TTL = 300  # seconds; a safety net, the version bump is what makes changes visible at once


def invalidate_recruitment_progress() -> None:
    bump_version(VERSION_KEY)


def _version() -> int:
    return current_version(VERSION_KEY)


def figures_max_age() -> int:
    """How old (seconds) the public figures may be: they are recomputed at most once per this interval."""
    return int(getattr(settings, "RECRUITMENT_FIGURES_MAX_AGE", 2))


def figures_stamp() -> int:
    """The recruitment-figures version as settled for readers (see the module docstring)."""
    return settled_version(VERSION_KEY, figures_max_age())


@dataclass(frozen=True)
class Progress:
    """`needed` and `signed_up` count people (see the module docstring); `seats_*` count shift seats."""

    needed: int
    signed_up: int
    seats_needed: int = 0
    seats_filled: int = 0

    @property
    def percent(self) -> int:
        """Rounded down, so 100% only when the target is reached."""
        return _percent(self.signed_up, self.needed)

    @property
    def seat_percent(self) -> int:
        return _percent(self.seats_filled, self.seats_needed)


def _percent(part: int, whole: int) -> int:
    if not whole:
        return 0
    return min(100, part * 100 // whole)


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


def _positions(campaign_code: str | None):
    positions = Position.objects.filter(venue__isnull=False)
    if campaign_code:
        positions = positions.filter(campaign__code=campaign_code)
    return positions


def position_targets(positions) -> list[dict]:
    """Per position: its venue, the venue's city and its target in people (the editor's figure, else the
    largest shift headcount). One query."""
    rows = positions.order_by().values("id", "venue_id", "venue__city", "volunteers_needed").annotate(
        peak=Max("shifts__headcount"))
    return [{"id": r["id"], "venue_id": r["venue_id"], "city": r["venue__city"],
             "target": r["volunteers_needed"] if r["volunteers_needed"] is not None else (r["peak"] or 0)}
            for r in rows]


def accepted_people(positions, group_by: str | None = None):
    """Distinct volunteers with an accepted sign-up on the positions' shifts: a number, or a dict keyed by
    `group_by` (a Signup lookup such as "shift__position__venue__city"). One query."""
    signups = Signup.objects.filter(status=SignupStatus.ACCEPTED, shift__position__in=positions)
    if group_by is None:
        return signups.aggregate(n=Count("volunteer_id", distinct=True))["n"] or 0
    return dict(signups.order_by().values(group_by).annotate(n=Count("volunteer_id", distinct=True))
                .values_list(group_by, "n"))


def _compute(campaign_code: str | None) -> dict:
    positions = _positions(campaign_code)
    shifts = Shift.objects.filter(position__in=positions)
    seats = {
        row["position__venue__city"]: (row["needed"] or 0, row["filled"] or 0)
        for row in shifts.values("position__venue__city").annotate(needed=Sum("headcount"), filled=Sum("accepted_count"))
    }
    targets: dict[str, int] = {}
    for row in position_targets(positions):
        targets[row["city"]] = targets.get(row["city"], 0) + row["target"]
    people = accepted_people(positions, "shift__position__venue__city")
    venues = OrgNode.objects.filter(kind=OrgKind.UNIT, is_venue=True, is_active=True)
    if campaign_code:
        venues = venues.filter(venue_positions__campaign__code=campaign_code)
    venue_counts = dict(venues.order_by().values("city").annotate(n=Count("id", distinct=True)).values_list("city", "n"))
    per_city = {code: (targets.get(code, 0), people.get(code, 0), *seats.get(code, (0, 0)))
                for code in set(targets) | set(seats) | set(people)}
    return {"per_city": per_city, "venue_counts": venue_counts, "people_overall": accepted_people(positions)}


def recruitment_status(*, campaign_code: str | None = None, cities: list[str] | None = None) -> RecruitmentStatus:
    """Per city: venues, volunteers needed and signed up (people) and seats; and the total, whose "signed
    up" is the distinct people over all cities (so a volunteer in two cities counts once overall).
    Five aggregate queries on a cache miss, none on a hit. Cities are whatever cities have venues.
    Single flight: while one process computes the figures of a new version, the others show the previous
    ones (at most the settled interval old) instead of computing them too."""
    note_read("figures")
    key = f"recruitment-progress:{figures_stamp()}:{campaign_code or '*'}"
    data = cache.get(key)
    if data is None:
        last_key = f"recruitment-progress:last:{campaign_code or '*'}"
        if cache.add(f"{key}:computing", 1, 30):
            data = _compute(campaign_code)
            cache.set_many({key: data, last_key: data}, TTL)
        else:
            data = cache.get(last_key)
            if data is None:  # nothing computed yet anywhere: nothing to show instead
                data = _compute(campaign_code)
    codes = cities or sorted((set(data["venue_counts"]) | set(data["per_city"])) - {None, ""}, key=city_order)
    rows = []
    for code in codes:
        needed, signed_up, seats_needed, seats_filled = data["per_city"].get(code, (0, 0, 0, 0))
        label = str(City(code).label) if code in City.values else code
        rows.append(CityProgress(code, label, data["venue_counts"].get(code, 0),
                                 Progress(needed, signed_up, seats_needed, seats_filled)))
    with_data = set(data["per_city"]) - {None, ""}
    if not cities or with_data <= set(cities):
        signed = data["people_overall"]
    elif len(rows) == 1:
        signed = rows[0].progress.signed_up
    else:  # a subset of several cities: count its distinct people (one query, not cached)
        signed = accepted_people(_positions(campaign_code).filter(venue__city__in=codes))
    total = Progress(sum(r.progress.needed for r in rows), signed,
                     sum(r.progress.seats_needed for r in rows), sum(r.progress.seats_filled for r in rows))
    return RecruitmentStatus(cities=rows, overall=total)


def city_order(code: str) -> int:
    """Sort key of a city code: the order of `City` (the six WMG cities first)."""
    order = [c.value for c in City]
    return order.index(code) if code in order else len(order)


def venues_by_city(*, campaign_code: str | None = None, city: str | None = None):
    """Venues (units marked as event venues) with their sports, for maps and dialogs."""
    venues = OrgNode.objects.filter(kind=OrgKind.UNIT, is_venue=True, is_active=True)
    if campaign_code:
        venues = venues.filter(venue_positions__campaign__code=campaign_code).distinct()
    if city:
        venues = venues.filter(city=city)
    return venues.only("id", "name", "name_en", "city", "district", "district_en", "sports", "sports_en").order_by(
        "city", "path")


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

