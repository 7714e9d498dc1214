"""Back-office reads for recruitment management: campaigns, positions, shifts, sign-ups and fill
rates, each starting from the one scope (`visible_to`)."""
from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from ..models import Campaign, City, Position, ServicePlan, Shift, Signup, SignupStatus
from .recruitment import Progress, accepted_people, fill_rates_by_venue, position_targets


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


def shift_signups(shift: Shift):
    return (
        Signup.objects.filter(shift=shift)
        .select_related("volunteer", "decided_by")
        .order_by("status", "created_at", "id")
    )


def signup_list(user):
    return Signup.objects.visible_to(user).select_related(
        "volunteer", "shift__position__venue", "shift__position__team", "shift__position__campaign"
    ).order_by("created_at", "id")


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
        "cities": [{"city": code, "label": str(City(code).label) if code in City.values else (code or "—"),
                    "venues": n, "progress": Progress(needed, signed),
                    "people": Progress(targets_by_city.get(code, 0), people_by_city.get(code, 0))}
                   for code, (needed, signed, n) in sorted(cities.items())],
        "overall": overall,
        "people": Progress(sum(targets_by_venue.values()), accepted_people(positions)),
    }
