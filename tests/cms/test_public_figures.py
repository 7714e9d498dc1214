"""The public figures are serialised once (`operations.selectors.public.public_figures_json`, the venues by
`public_venues_json`): the recruitment-status block, the venue-map block, the event landing page's API
fields and `/api/operations/public/` return the very same JSON."""
from __future__ import annotations

import pytest
from wagtail.models import Locale

from cms.blocks import RecruitmentProgressBlock
from cms.models import WMGLandingPage


@pytest.fixture
def landing(home_pages):
    page = home_pages.home.add_child(instance=WMGLandingPage(title="世壯運志工專區", slug="wmg", campaign_code="wmg-2025"))
    page.save_revision().publish()
    english = page.copy_for_translation(Locale.objects.get(language_code="en"))
    english.title = "WMG volunteers"
    english.save_revision().publish()
    return page


def _without_language(data: dict) -> dict:
    assert data.pop("language") in ("zh-hant", "en")
    return data


def _block(body: list[dict], kind: str) -> dict:
    return next(b for b in body if b["type"] == kind)["value"]


@pytest.mark.django_db
def test_block_page_field_and_public_endpoint_give_the_same_figures(landing, home_pages, wmg_factory, client):
    wmg_factory(venues_per_city={"taipei": 3, "new_taipei": 2, "taichung": 1}, headcount=10, accepted=4)
    home = home_pages.home
    home.body = [("recruitment_progress", {"campaign": "wmg-2025", "city": "", "heading": ""}),
                 ("venue_map", {"campaign": "wmg-2025", "heading": "", "volunteer_page": None})]
    home.save_revision().publish()
    public = _without_language(client.get("/api/operations/public/recruitment/").json())
    page = client.get(f"/api/v2/pages/{landing.pk}/").json()
    home_body = client.get(f"/api/v2/pages/{home_pages.home.pk}/").json()["body"]
    progress_block = _block(home_body, "recruitment_progress")
    map_block = _block(home_body, "venue_map")

    assert public == page["recruitment"] == progress_block == map_block["recruitment"]
    # the documented shape, with figures that are not all zero
    assert set(public) == {"campaign", "city", "definition", "cities", "overall"}
    assert [c["city"] for c in public["cities"]] == ["taipei", "new_taipei", "taichung"]
    assert public["cities"][0] == {"city": "taipei", "label": "臺北市", "hosting": True, "venue_count": 3,
                                   "needed": 30, "signed_up": 12, "percent": 40, "seats_needed": 30,
                                   "seats_filled": 12}
    assert public["cities"][2]["hosting"] is False
    assert public["overall"] == {"venue_count": 6, "needed": 60, "signed_up": 24, "percent": 40,
                                 "seats_needed": 60, "seats_filled": 24}

    venues = _without_language(client.get("/api/operations/public/venues/").json())
    assert venues == page["venue_map"] == map_block["venue_map"]
    assert set(venues) == {"campaign", "city", "venue_count", "cities"} and venues["venue_count"] == 6
    assert {c["city"]: c["venue_count"] for c in venues["cities"]} == {"taipei": 3, "new_taipei": 2, "taichung": 1}


@pytest.mark.django_db
def test_one_city_and_english_give_the_same_figures_too(landing, wmg_factory, client):
    wmg_factory(venues_per_city={"taipei": 2, "yilan": 1}, headcount=5, accepted=5)
    block = RecruitmentProgressBlock().get_api_representation({"campaign": "wmg-2025", "city": "yilan"})
    public = _without_language(client.get("/api/operations/public/recruitment/", {"city": "yilan"}).json())
    assert block == public
    assert public["city"] == "yilan" and [c["city"] for c in public["cities"]] == ["yilan"]
    assert public["overall"]["percent"] == 100

    english = WMGLandingPage.objects.get(locale__language_code="en")
    page = client.get(f"/api/v2/pages/{english.pk}/").json()
    assert page["recruitment"] == _without_language(
        client.get("/api/operations/public/recruitment/", {"lang": "en"}).json())
    assert page["venue_map"] == _without_language(client.get("/api/operations/public/venues/", {"lang": "en"}).json())
    assert page["recruitment"]["cities"][0]["label"] == "Taipei City"
