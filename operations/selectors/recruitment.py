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
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from volunteer_site.cache_versions import bump_version, current_version, note_read, settled_version

from ..models import Campaign, OrgKind, OrgNode, Position, ServicePlan, Shift, Signup, SignupStatus
from .codes import city_choices, city_label

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
        label = city_label(code) or code
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
    """Sort key of a city code: the order of the city table (系統管理 › 代碼表; the six WMG cities first)."""
    order = [value for value, _label in city_choices()]
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


def campaign_list(user):
    """Campaigns the user organises, or in which they hold a position (a WMG venue sees the
    organising committee's campaign through its own positions)."""
    own = Campaign.objects.visible_to(user).values("pk")
    via_positions = Position.objects.visible_to(user).filter(campaign=OuterRef("pk"))
    return (
        Campaign.objects.filter(Q(pk__in=own) | Exists(via_positions))
        .select_related("unit", "service_plan")
        .annotate(position_count=Count("positions", distinct=True))
        .order_by("-starts_on", "id")
    )


def campaign_detail(user, pk: int) -> Campaign:
    return campaign_list(user).get(pk=pk)


def plan_choices_for(user):
    return ServicePlan.objects.visible_to(user).select_related("unit").order_by("-starts_on", "title")


def position_list(user, campaign: Campaign | None = None):
    positions = Position.objects.visible_to(user).select_related("venue", "team", "campaign")
    if campaign is not None:
        positions = positions.filter(campaign=campaign)
    return positions.annotate(
        shift_count=Count("shifts"), needed=Sum("shifts__headcount"), signed_up=Sum("shifts__accepted_count"),
    ).order_by("title", "id")


def position_detail(user, pk: int) -> Position:
    return Position.objects.visible_to(user).select_related("venue", "team", "campaign").get(pk=pk)


def shift_list(user):
    return (
        Shift.objects.visible_to(user)
        .select_related("position__venue", "position__team", "position__campaign")
        .annotate(
            applied=Count("signups", filter=Q(signups__status=SignupStatus.APPLIED)),
            waitlisted=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED)),
        )
        .order_by("date", "start_time", "id")
    )


def shift_detail(user, pk: int) -> Shift:
    return (
        Shift.objects.visible_to(user)
        .select_related("position__venue", "position__team", "position__campaign__unit")
        .get(pk=pk)
    )


def fill_rates(*, user, campaign_code: str | None = None) -> dict:
    """Per venue, city and service group: seat fill ("signed up" = accepted seats, "needed" = headcounts)
    and, per venue and city and overall, the recruitment figure in people (`people`: distinct volunteers
    with an accepted sign-up ÷ the positions' targets), the definition of the public site and the API."""
    venues = list(fill_rates_by_venue(user=user, campaign_code=campaign_code))
    # People (the recruitment percentage, as on the public site and the API) beside the seats.
    positions = Position.objects.visible_to(user).filter(venue__isnull=False)
    if campaign_code:
        positions = positions.filter(campaign__code=campaign_code)
    targets_by_venue: dict[int, int] = {}
    targets_by_city: dict[str, int] = {}
    for target in position_targets(positions):
        targets_by_venue[target["venue_id"]] = targets_by_venue.get(target["venue_id"], 0) + target["target"]
        targets_by_city[target["city"] or ""] = targets_by_city.get(target["city"] or "", 0) + target["target"]
    people_by_venue = accepted_people(positions, "shift__position__venue_id")
    people_by_city = accepted_people(positions, "shift__position__venue__city")
    cities: dict[str, list[int]] = {}
    for row in venues:
        row["progress"] = Progress(row["needed"] or 0, row["signed_up"] or 0)
        venue_id = row["position__venue_id"]
        row["people"] = Progress(targets_by_venue.get(venue_id, 0), people_by_venue.get(venue_id, 0))
        totals = cities.setdefault(row["position__venue__city"] or "", [0, 0, 0])
        totals[0] += row["needed"] or 0
        totals[1] += row["signed_up"] or 0
        totals[2] += 1
    shifts = Shift.objects.visible_to(user).filter(position__team__isnull=False)
    if campaign_code:
        shifts = shifts.filter(position__campaign__code=campaign_code)
    groups = list(
        shifts.values("position__team__name", "position__team__name_en")
        .annotate(needed=Sum("headcount"), signed_up=Sum("accepted_count"), venues=Count("position__venue", distinct=True),
                  full_shifts=Count("id", filter=Q(accepted_count__gte=F("headcount"))))
        .order_by("position__team__name")
    )
    for row in groups:
        row["progress"] = Progress(row["needed"] or 0, row["signed_up"] or 0)
    overall = Progress(sum(r["needed"] or 0 for r in venues), sum(r["signed_up"] or 0 for r in venues))
    return {
        "venues": venues,
        "groups": groups,
        "cities": [{"city": code, "label": city_label(code) or "—",
                    "venues": n, "progress": Progress(needed, signed),
                    "people": Progress(targets_by_city.get(code, 0), people_by_city.get(code, 0))}
                   for code, (needed, signed, n) in sorted(cities.items(), key=lambda item: city_order(item[0]))],
        "venue_count": len(venues),
        "groups_total": Progress(sum(g["needed"] or 0 for g in groups), sum(g["signed_up"] or 0 for g in groups)),
        "groups_full": sum(g["full_shifts"] for g in groups),
        "venues_full": sum(v["full_shifts"] or 0 for v in venues),
        "days": fill_rates_by_day(user=user, campaign_code=campaign_code),
        "overall": overall,
        "people": Progress(sum(targets_by_venue.values()), accepted_people(positions)),
    }


def fill_rates_by_day(*, user, campaign_code: str | None = None) -> list[dict]:
    """Per service date in the user's part: shifts, full shifts, seats needed and accepted (one query)."""
    shifts = Shift.objects.visible_to(user)
    if campaign_code:
        shifts = shifts.filter(position__campaign__code=campaign_code)
    rows = list(
        shifts.values("date").annotate(
            shifts=Count("id"), needed=Sum("headcount"), signed_up=Sum("accepted_count"),
            full_shifts=Count("id", filter=Q(accepted_count__gte=F("headcount"))),
        ).order_by("date")
    )
    for row in rows:
        row["progress"] = Progress(row["needed"] or 0, row["signed_up"] or 0)
    return rows


FILL_SORTS = {
    "rate": lambda row: (row["progress"].percent, row.get("position__venue__name", "")),
    "needed": lambda row: (row["needed"] or 0, row.get("position__venue__name", "")),
    "name": lambda row: row.get("position__venue__name", ""),
}


def sort_fill_rows(rows: list[dict], sort: str) -> list[dict]:
    """Rows of `fill_rates` sorted by "rate", "needed" or "name" ("-" first for descending); unknown keys
    keep the default order."""
    key = FILL_SORTS.get(sort.lstrip("-"))
    return sorted(rows, key=key, reverse=sort.startswith("-")) if key else rows
