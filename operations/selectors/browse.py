"""Public recruitment browsing (我要當志工): open campaigns → positions → shifts with filters and live
free-seat counts. One page of shifts is read with a fixed number of queries whatever the number of
shifts (count, the page, the page's required languages, and the filter options)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import get_language
from volunteer_site.cache_versions import bump_version, current_version, note_read
from volunteer_site.params import DATE_MAX, DATE_MIN, clean_text, parse_id

from ..localised import localised
from ..models import (
    Campaign,
    CampaignStatus,
    Language,
    OrgNode,
    Position,
    Shift,
    VolunteerType,
)
from .codes import city_choices

PAGE_SIZE = 40
# Only the columns the page shows: the joined campaign and organisation rows are wide.
SHIFT_COLUMNS = (
    "id", "date", "start_time", "end_time", "name", "name_en", "headcount", "accepted_count", "position_id",
    "position__id", "position__title", "position__title_en", "position__campaign_id", "position__venue_id",
    "position__team_id",
    "position__campaign__id", "position__campaign__code", "position__campaign__title",
    "position__campaign__title_en", "position__campaign__volunteer_type", "position__campaign__signup_mode",
    "position__campaign__min_age", "position__campaign__starts_on",
    "position__venue__id", "position__venue__name", "position__venue__name_en", "position__venue__city",
    "position__team__id", "position__team__name", "position__team__name_en",
)
OPTIONS_TTL = 60  # seconds: the filter choices change only when campaigns or positions change


@dataclass
class BrowseFilters:
    city: str = ""
    venue: int | None = None
    group: str = ""
    volunteer_type: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    language: str = ""
    free_only: bool = False
    campaign: str = ""

    @classmethod
    def from_querydict(cls, data) -> BrowseFilters:
        def as_date(value):
            try:
                day = datetime.date.fromisoformat(value) if value else None
                return day if day is None or DATE_MIN <= day <= DATE_MAX else None
            except ValueError:
                return None

        def as_int(value):
            return parse_id(value)

        city = data.get("city", "")
        volunteer_type = data.get("type", "")
        return cls(
            city=city if city in dict(city_choices()) else "",
            venue=as_int(data.get("venue")),
            group=clean_text(data.get("group"), max_length=100),
            volunteer_type=volunteer_type if volunteer_type in VolunteerType.values else "",
            date_from=as_date(data.get("from")),
            date_to=as_date(data.get("to")),
            language=clean_text(data.get("language"), max_length=16),
            free_only=data.get("free") in ("1", "on", "true"),
            campaign=clean_text(data.get("campaign"), max_length=64),
        )


@dataclass
class PositionGroup:
    position: Position
    shifts: list[Shift] = field(default_factory=list)


@dataclass
class CampaignGroup:
    campaign: Campaign
    positions: list[PositionGroup] = field(default_factory=list)


@dataclass
class BrowseResult:
    page: object  # django Page of Shift
    groups: list[CampaignGroup]
    total: int


def open_shifts(today: datetime.date | None = None):
    today = today or timezone.localdate()
    return Shift.objects.filter(position__campaign__status=CampaignStatus.OPEN, date__gte=today)


def browse_shifts(filters: BrowseFilters, *, page_number=1, page_size: int = PAGE_SIZE,
                  today: datetime.date | None = None) -> BrowseResult:
    note_read("browse")  # for the public page cache: the list changes with shifts, not with seat counts
    if filters.free_only:
        note_read("seat-membership")
    qs = open_shifts(today)
    if filters.campaign:
        qs = qs.filter(position__campaign__code=filters.campaign)
    if filters.city:
        qs = qs.filter(position__venue__city=filters.city)
    if filters.venue:
        qs = qs.filter(position__venue_id=filters.venue)
    if filters.group:
        qs = qs.filter(position__team__name=filters.group)
    if filters.volunteer_type:
        qs = qs.filter(position__campaign__volunteer_type=filters.volunteer_type)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    if filters.language:
        qs = qs.filter(
            Exists(Position.required_languages.through.objects.filter(
                position_id=OuterRef("position_id"), language__code=filters.language))
        )
    if filters.free_only:
        qs = qs.filter(accepted_count__lt=F("headcount"))
    qs = qs.select_related("position__campaign", "position__venue", "position__team").only(
        *SHIFT_COLUMNS).order_by("position_id", "date", "start_time", "id")
    # Positions in the order they were published (a campaign's positions are created together), then by
    # time: this order follows the (position, date) index, so a page of 40 never sorts all shifts.
    paginator = Paginator(qs, page_size)
    page = paginator.get_page(page_number)
    shifts = list(page.object_list)
    positions = {s.position_id: s.position for s in shifts}
    if positions:
        languages = (
            Position.required_languages.through.objects.filter(position_id__in=positions)
            .select_related("language")
        )
        by_position: dict[int, list] = {}
        for row in languages:
            by_position.setdefault(row.position_id, []).append(row.language)
        for pk, position in positions.items():
            position.language_list = by_position.get(pk, [])
    groups: list[CampaignGroup] = []
    for shift in shifts:
        position = shift.position
        if not groups or groups[-1].campaign.pk != position.campaign_id:
            groups.append(CampaignGroup(position.campaign))
        campaign_group = groups[-1]
        if not campaign_group.positions or campaign_group.positions[-1].position.pk != position.pk:
            campaign_group.positions.append(PositionGroup(position))
        campaign_group.positions[-1].shifts.append(shift)
    return BrowseResult(page=page, groups=groups, total=paginator.count)


def live_seat_counts(shift_ids) -> dict[int, tuple[int, int]]:
    """Headcount and accepted seats of the given shifts, in one primary-key query: the live part of a
    cached page of shifts."""
    if not shift_ids:
        return {}
    return {pk: (headcount, accepted) for pk, headcount, accepted in
            Shift.objects.filter(pk__in=list(shift_ids)).values_list("pk", "headcount", "accepted_count")}


@dataclass
class FilterOptions:
    cities: list[tuple[str, str]]
    venues: list[OrgNode]
    groups: list[tuple[str, str]]
    languages: list[Language]
    types: list[tuple[str, str]]
    campaigns: list[Campaign]


def browse_filter_options() -> FilterOptions:
    """The choices of the filter form: only what open campaigns actually offer (cached briefly per
    language; seat counts are never cached)."""
    from django.core.cache import cache

    key = f"operations:browse-options:{get_language() or ''}"
    options = cache.get(key)
    if options is None:
        options = _browse_filter_options()
        cache.set(key, options, OPTIONS_TTL)
    return options


def _browse_filter_options() -> FilterOptions:
    open_positions = Position.objects.filter(campaign__status=CampaignStatus.OPEN)
    venue_ids = open_positions.exclude(venue=None).values("venue_id")
    venues = list(OrgNode.objects.filter(pk__in=venue_ids).only("id", "name", "name_en", "city").order_by("city", "name"))
    cities_used = {v.city for v in venues}
    group_names: dict[str, str] = {}
    for name, name_en in (
        OrgNode.objects.filter(pk__in=open_positions.exclude(team=None).values("team_id"))
        .values_list("name", "name_en").distinct()
    ):
        group_names.setdefault(name, localised(name, name_en))
    groups = sorted(group_names.items())
    languages = list(Language.objects.filter(
        pk__in=Position.required_languages.through.objects.filter(
            position__campaign__status=CampaignStatus.OPEN).values("language_id")))
    campaigns = list(Campaign.objects.filter(status=CampaignStatus.OPEN).order_by("starts_on", "id"))
    for venue in venues:
        venue.label = localised(venue.name, venue.name_en)
    return FilterOptions(
        cities=[(code, label) for code, label in city_choices() if code in cities_used],
        venues=venues,
        groups=groups,
        languages=languages,
        types=list(VolunteerType.choices),
        campaigns=campaigns,
    )


def recruitment_page_url(language: str | None = None) -> str:
    """The public URL of the 我要當志工 page in a language (a Wagtail page of the cms app, found by its
    content type so that operations never imports cms), or the home page when none is published."""
    from wagtail.models import Page

    language = language or get_language() or "zh-hant"
    page = (
        Page.objects.live()
        .filter(content_type__app_label="cms", content_type__model="recruitmentpage",
                locale__language_code=language)
        .first()
    )
    if page is not None:
        return page.url or "/"
    return "/en/" if language.startswith("en") else "/"


# The version of the shift lists of the public browse page: bumped when a shift, position, campaign, venue or
# language changes, so the cached lists (without their seat counts) are made again.
BROWSE_VERSION_KEY = "public-pages:browse-version"


def browse_version() -> int:
    return current_version(BROWSE_VERSION_KEY)


def bump_browse_version(**kwargs) -> None:
    bump_version(BROWSE_VERSION_KEY)


def connect_browse_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from ..models import Campaign, Language, OrgNode, Position, Shift

    for model in (Shift, Position, Campaign, OrgNode, Language):
        post_save.connect(bump_browse_version, sender=model, dispatch_uid=f"browse-cache-save-{model.__name__}")
        post_delete.connect(bump_browse_version, sender=model, dispatch_uid=f"browse-cache-del-{model.__name__}")
    m2m_changed.connect(bump_browse_version, sender=Position.required_languages.through,
                        dispatch_uid="browse-cache-languages")
