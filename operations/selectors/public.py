"""Reads for the public site (cms). Only public facts of organisations and campaigns leave here: names,
categories, places, organisation phone numbers and websites, counts. No person's data (contact
persons, volunteers) is ever returned."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from ..localised import localised
from ..models import Campaign, CampaignStatus, City, Membership, OrgKind, OrgNode, Position, UnitCategory


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
                category=str(UnitCategory(unit.category).label) if unit.category else "",
                city=str(City(unit.city).label) if unit.city else "",
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
    return str(City(code).label) if code in City.values else code


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
                 category=str(UnitCategory(u.category).label) if u.category else "", website=u.website)
        for u in units
    ]
