"""Fixtures of the public-site tests: the demo pages in both languages and WMG recruitment data of
any size."""
from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from operations.models import City, OrgKind
from tests.factories import (
    CampaignFactory,
    PositionFactory,
    PurposeAuthorityFactory,
    UnitFactory,
)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home_pages(db):
    """Only the home page in both languages (fast); tests add the pages they need."""
    from cms.demo import load_demo_pages
    from cms.models import HomePage

    home = load_demo_pages(full=False)
    return SimpleNamespace(home=home, home_en=HomePage.objects.get(locale__language_code="en"))


@pytest.fixture
def site_pages(db):
    """Every demo page type in Traditional Chinese and English, menus, footer and contact details."""
    from cms.demo import load_demo_pages
    from cms.models import HomePage

    home = load_demo_pages()
    return SimpleNamespace(home=home, home_en=HomePage.objects.get(locale__language_code="en"))


def build_wmg(*, venues_per_city: dict[str, int], shifts_per_venue: int = 1, headcount: int = 10,
              accepted: int = 8, campaign_code: str = "wmg-2025", tag: str = "a"):
    """A WMG-like campaign: venues (units marked as venues) per city, each with one position and
    `shifts_per_venue` shifts of `headcount` seats of which `accepted` are taken by `accepted` different
    volunteers of that venue (accepted sign-up rows on the venue's first shift; `accepted_count` on every
    shift), so the venue recruits `accepted` people of the `headcount` it needs."""
    authority = PurposeAuthorityFactory(code=f"wmg-auth-{tag}", name="世壯運執委會", name_en="WMG committee")
    start = timezone.localdate() + datetime.timedelta(days=30)
    campaign = CampaignFactory(unit=authority, code=campaign_code, title="世壯運志工招募", title_en="WMG recruitment",
                               starts_on=start, ends_on=start + datetime.timedelta(days=13), min_age=16)
    created = []
    number = 0
    shifts = []
    from operations.models import Shift

    for city, count in venues_per_city.items():
        for _ in range(count):
            number += 1
            venue = UnitFactory(parent=authority, code=f"{tag}-venue-{number}", name=f"{City(city).label}場館{number}",
                                name_en=f"Venue {number}", city=city, is_venue=True, sports="籃球", sports_en="Basketball")
            assert venue.kind == OrgKind.UNIT
            position = PositionFactory(campaign=campaign, venue=venue, title=f"場館{number}服務組")
            for i in range(shifts_per_venue):
                shifts.append(Shift(position=position, date=start + datetime.timedelta(days=i % 14),
                                    start_time=datetime.time(8 + (i // 14) % 3 * 4), end_time=datetime.time(11 + (i // 14) % 3 * 4),
                                    name="班", headcount=headcount, accepted_count=accepted))
            created.append(venue)
    Shift.objects.bulk_create(shifts, batch_size=2000)
    _accepted_people(shifts, shifts_per_venue, accepted, tag)
    from operations.selectors.recruitment import invalidate_recruitment_progress

    invalidate_recruitment_progress()
    return SimpleNamespace(campaign=campaign, venues=created, authority=authority)


def _accepted_people(shifts, shifts_per_venue: int, accepted: int, tag: str) -> None:
    from operations.identity import IdType
    from operations.models import Sex, Signup, SignupStatus, Volunteer
    from tests.factories.operations import unique_national_id

    firsts = shifts[::shifts_per_venue]
    volunteers = Volunteer.objects.bulk_create([
        Volunteer(id_type=IdType.NATIONAL_ID, id_number=unique_national_id(sex=Sex.FEMALE), sex=Sex.FEMALE,
                  name=f"{tag}志工{i}", birth_date=datetime.date(1980, 1, 1), phone=f"09{i:08d}")
        for i in range(len(firsts) * accepted)
    ], batch_size=2000)
    Signup.objects.bulk_create([
        Signup(volunteer=volunteers[n * accepted + k], shift=shift, status=SignupStatus.ACCEPTED)
        for n, shift in enumerate(firsts) for k in range(accepted)
    ], batch_size=2000)


@pytest.fixture
def wmg_factory(db):
    return build_wmg
