"""Reads for the public site (cms). Only public facts of organisations and campaigns leave here: names,
categories, places, organisation phone numbers and websites, counts. No person's data (contact
persons, volunteers) is ever returned. cms reads operations through this package only (never
`operations.models`), so the choice lists of its forms and blocks come from here too.

The public figures (recruitment per city and overall) and the venue list are serialised here once, by
`public_figures_json` and `public_venues_json`: the recruitment-status block, the venue-map block, the
event landing page's API fields and `/api/operations/public/` all return their output unchanged."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from ..localised import localised
from ..models import (
    Campaign,
    CampaignStatus,
    Membership,
    OrgKind,
    OrgNode,
    Position,
    RegistrationType,
)
from .codes import (
    city_label,
    district_choices,
    district_problem,
    offered_city_choices,
    offered_service_category_choices,
    service_category_label,
)
from .codes import host_cities as _host_cities
from .recruitment import city_order, recruitment_status, venues_by_city


def _en() -> bool:
    return (get_language() or "").startswith("en")


def public_unit_choices() -> list[tuple[str, str]]:
    """(id, name) of the active units, for the editors' choosers in the CMS."""
    return [
        (str(pk), name)
        for pk, name in OrgNode.objects.filter(kind=OrgKind.UNIT, is_active=True).order_by("path").values_list("id", "name")
    ]


@dataclass(frozen=True)
class UnitFacts:
    id: int
    name: str
    category: str
    city: str
    district: str
    address: str
    phone: str
    website: str
    description: str
    team_count: int
    volunteer_count: int
    teams: tuple[str, ...]


def public_unit_facts(unit_ids: list[int]) -> list[UnitFacts]:
    """Public facts of the given units, in the order given, in two queries whatever their number. Names,
    district and address in the current language (the Chinese form when no English one was entered); the
    unit's own description is Chinese-only data, so on the English site it is left out."""
    ids = [int(i) for i in unit_ids if str(i).isdigit()]
    if not ids:
        return []
    members = (
        Membership.objects.current()
        .filter(team__path__startswith=OuterRef("path"))
        .order_by()
        .annotate(group=Value(1))
        .values("group")
        .annotate(n=Count("volunteer", distinct=True))
        .values("n")
    )
    units = {
        u.pk: u
        for u in OrgNode.objects.filter(pk__in=ids, kind=OrgKind.UNIT, is_active=True).annotate(
            volunteer_count=Coalesce(Subquery(members), 0)
        )
    }
    if not units:
        return []
    team_q = Q()
    for unit in units.values():
        team_q |= Q(path__startswith=unit.path)
    all_teams = list(OrgNode.objects.filter(team_q, kind=OrgKind.TEAM, is_active=True).order_by("path"))
    en = _en()
    result = []
    for pk in ids:
        unit = units.get(pk)
        if unit is None:
            continue
        unit_teams = [t for t in all_teams if t.path.startswith(unit.path)]
        result.append(
            UnitFacts(
                id=unit.pk,
                name=unit.display_name,
                category=service_category_label(unit.category),
                city=city_label(unit.city),
                district=unit.display_district,
                address=unit.display_address,
                phone=unit.phone,
                website=unit.website,
                description="" if en else unit.description,
                team_count=len(unit_teams),
                volunteer_count=unit.volunteer_count,
                teams=tuple(localised(t.name, t.name_en) for t in unit_teams),
            )
        )
    return result


@dataclass(frozen=True)
class CampaignSummary:
    code: str
    title: str
    starts_on: object
    ends_on: object
    status: str
    signup_closes_at: object
    min_age: int | None
    signup_opens_at: object = None


def campaign_summary(campaign_code: str) -> CampaignSummary | None:
    """Title and dates of a campaign (e.g. the WMG event days), in one query."""
    campaign = Campaign.objects.filter(code=campaign_code).only(
        "code", "title", "title_en", "starts_on", "ends_on", "status", "signup_opens_at", "signup_closes_at", "min_age"
    ).first()
    if campaign is None:
        return None
    return CampaignSummary(
        code=campaign.code, title=campaign.display_title, starts_on=campaign.starts_on, ends_on=campaign.ends_on,
        status=campaign.status, signup_closes_at=campaign.signup_closes_at, min_age=campaign.min_age,
        signup_opens_at=campaign.signup_opens_at,
    )


def public_city_label(code: str) -> str:
    return city_label(code) or code


def public_campaign_choices() -> list[tuple[str, str]]:
    """(code, title) of the campaigns that are not drafts, for the editors' choosers in the CMS."""
    return [
        (code, title)
        for code, title in Campaign.objects.exclude(status="draft").order_by("-starts_on").values_list("code", "title")
    ] or [("wmg-2025", "2025雙北世界壯年運動會志工招募")]


@dataclass(frozen=True)
class PlaceHit:
    id: int
    name: str
    city: str
    district: str
    sports: str
    is_venue: bool
    recruiting: bool = False  # an open campaign has positions at this venue (it has shifts to show)
    category: str = ""
    website: str = ""


def public_place_search(query: str, *, limit: int = 10) -> list[PlaceHit]:
    """Every active unit (event venues and the volunteer-using units alike) whose name (either
    language), district or sports contain the query: the public search shows them beside the pages,
    venues with open positions first, linking to their shifts on 我要當志工. Public facts only (no
    contact person, phone or e-mail). One query."""
    query = (query or "").strip()
    if not query:
        return []
    match = Q()
    for field in ("name", "name_en", "district", "district_en", "sports", "sports_en"):
        match |= Q(**{f"{field}__icontains": query})
    recruits = Position.objects.filter(venue=OuterRef("pk"), campaign__status=CampaignStatus.OPEN)
    units = (OrgNode.objects.filter(match, kind=OrgKind.UNIT, is_active=True)
             .annotate(recruiting=Exists(recruits))
             .only("id", "name", "name_en", "city", "district", "district_en", "sports", "sports_en", "is_venue",
                   "category", "website")
             .order_by("-recruiting", "-is_venue", "path")[:limit])
    return [
        PlaceHit(id=u.pk, name=u.display_name, city=public_city_label(u.city) if u.city else "",
                 district=u.display_district, sports=localised(u.sports, u.sports_en),
                 is_venue=u.is_venue, recruiting=u.recruiting,
                 category=service_category_label(u.category), website=u.website)
        for u in units
    ]


# --- Choice lists of the public forms and the editors' blocks --------------------------------------

def city_choices() -> list[tuple[str, str]]:
    """The cities offered (value, label in the current language; the code table 系統管理 › 代碼表): a venue may
    be anywhere."""
    return offered_city_choices()


def district_choices_by_city() -> list:
    """The districts offered, grouped by city ([(city label, [(Chinese name, label), …]), …]) in the current
    language: the public form's <select> with an <optgroup> per city."""
    return district_choices()


def district_error(city: str | None, district: str | None) -> str | None:
    """Why the district does not go with the city (None when it does; free text for a city without districts)."""
    return district_problem(city, district)


def unit_category_choices() -> list[tuple[str, str]]:
    return offered_service_category_choices()


def registration_type_choices() -> list[tuple[str, str]]:
    return list(RegistrationType.choices)


def registration_needs_certificate(registration_type: str | None) -> bool:
    """Registered organisations and juridical persons must give a certificate number and its copy."""
    return registration_type in (RegistrationType.REGISTERED, RegistrationType.CORPORATION)


def purpose_authorities():
    """The active purpose and competent authorities (the choices of a unit application's authority)."""
    return OrgNode.objects.filter(kind__in=[OrgKind.PURPOSE_AUTHORITY, OrgKind.COMPETENT_AUTHORITY], is_active=True)


def publishing_units(unit_ids):
    """The organisations whose ids are given (a list or a values("…") subquery), in tree order, names only:
    the "publishing unit" filter of the announcements list."""
    return OrgNode.objects.filter(pk__in=unit_ids).only("id", "name", "name_en").order_by("path")


def unit_by_code(code: str) -> OrgNode | None:
    """An organisation by its code (the demo content links its announcements to demo units)."""
    return OrgNode.objects.filter(code=code).first()


# --- The public figures: one serialiser, one shape ---------------------------------------------------

# The WMG's host cities (the event's own fact); every other city with a venue is a co-host.
def host_cities() -> tuple[str, ...]:
    """The cities hosting WMG events: the `hosting` flag of the city table (系統管理 › 代碼表)."""
    return _host_cities()

FIGURES_DEFINITION = (
    "needed = volunteers (people) the positions recruit; signed_up = distinct volunteers with an accepted "
    "sign-up (applied and waitlisted sign-ups do not count); percent = signed_up * 100 / needed, rounded down, "
    "at most 100; seats_needed / seats_filled = shift headcounts and accepted seats"
)


def _progress_json(progress) -> dict:
    return {"needed": progress.needed, "signed_up": progress.signed_up, "percent": progress.percent,
            "seats_needed": progress.seats_needed, "seats_filled": progress.seats_filled}


def public_figures_json(*, campaign_code: str, city: str | None = None) -> dict:
    """The recruitment figures of a campaign as public JSON: counts only, never a person. Labels are in
    the active language (callers wrap the call in `translation.override`). The one shape, returned as is
    by the recruitment-status block, the venue-map block (under "recruitment"), the event landing page's
    `recruitment` API field and `GET /api/operations/public/recruitment/` (which adds "language")::

        {"campaign": "wmg-2025",
         "city": "taipei" | None,              # the one city asked for, or None for every city
         "definition": "needed = …",           # FIGURES_DEFINITION, in English
         "cities": [{"city": "taipei", "label": "臺北市", "hosting": true, "venue_count": 10,
                     "needed": 100, "signed_up": 80, "percent": 80, "seats_needed": 100, "seats_filled": 80}],
         "overall": {"venue_count": 10, "needed": 100, "signed_up": 80, "percent": 80,
                     "seats_needed": 100, "seats_filled": 80}}

    `needed`/`signed_up`/`percent` count people, `seats_*` shift seats (see
    `operations.selectors.recruitment`); "overall" counts a volunteer in two cities once. Cities are the
    cities with venues in the campaign, in `City` order. Cached figures: no query on a cache hit."""
    status = recruitment_status(campaign_code=campaign_code, cities=[city] if city else None)
    hosting = host_cities()
    return {
        "campaign": campaign_code,
        "city": city,
        "definition": FIGURES_DEFINITION,
        "cities": [
            {"city": row.city, "label": str(row.label), "hosting": row.city in hosting,
             "venue_count": row.venue_count, **_progress_json(row.progress)}
            for row in status.cities
        ],
        "overall": {"venue_count": status.venue_count, **_progress_json(status.overall)},
    }


def public_venues_json(*, campaign_code: str, city: str | None = None) -> dict:
    """The campaign's venues by city as public JSON (names, districts and sports in the active language;
    no contact person), returned as is by the event landing page's `venue_map` API field, the venue-map
    block (under "venue_map") and `GET /api/operations/public/venues/` (which adds "language")::

        {"campaign": "wmg-2025", "city": "taipei" | None, "venue_count": 11,
         "cities": [{"city": "taipei", "label": "臺北市", "hosting": true, "venue_count": 10,
                     "venues": [{"id": 7, "name": "臺北小巨蛋", "district": "松山區", "sports": "籃球"}]}]}

    Cities in `City` order, venues in tree order. One query."""
    en = _en()
    hosting = host_cities()
    cities: dict[str, dict] = {}
    for venue in venues_by_city(campaign_code=campaign_code, city=city):
        entry = cities.setdefault(venue.city, {
            "city": venue.city, "label": public_city_label(venue.city), "hosting": venue.city in hosting,
            "venue_count": 0, "venues": [],
        })
        entry["venues"].append({"id": venue.pk, "name": venue.display_name, "district": venue.display_district,
                                "sports": (venue.sports_en or venue.sports) if en else venue.sports})
        entry["venue_count"] += 1
    rows = sorted(cities.values(), key=lambda c: city_order(c["city"]))
    return {"campaign": campaign_code, "city": city, "venue_count": sum(c["venue_count"] for c in rows),
            "cities": rows}
