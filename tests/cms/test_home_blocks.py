"""The seed's home page: the venue map, the recruitment status and the announcements are live blocks of
the home body in the order editors give them; the banner shows the campaign's name, event dates and the
month sign-up opens, all from the recruitment data."""
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cms.models import HomePage
from cms.page_cache import bump_content_version


@pytest.mark.django_db
def test_home_body_live_blocks_in_the_editors_order(site_pages, wmg_factory, client):
    built = wmg_factory(venues_per_city={"taipei": 2, "taichung": 1}, headcount=10, accepted=4)
    campaign = built.campaign
    campaign.signup_opens_at = timezone.make_aware(datetime.datetime(2024, 2, 1, 9, 0))
    campaign.title = f"{campaign.starts_on.year}雙北世界壯年運動會志工招募"
    campaign.save()
    bump_content_version()
    html = client.get("/").content.decode()
    assert html.index('id="map-title"') < html.index("志工招募現況") < html.index('id="news-title"')
    assert 'data-city-open="taichung"' in html and "40%" in html  # 4 of 10 people at each venue
    assert f"{campaign.starts_on.year}雙北世界壯年運動會志工招募" in html  # the banner title from the campaign
    assert "2024年2月 開始報名" in html and f'<time datetime="{campaign.starts_on.isoformat()}">' in html
    assert 'role="tab"' in html  # the announcements block with its tabs

    # Editors reorder: announcements first, the map last.
    home = HomePage.objects.get(pk=site_pages.home.pk)
    blocks = list(home.body)
    order = {"announcements": 0, "recruitment_progress": 1, "paragraph": 2, "venue_map": 3}
    home.body = [(b.block_type, b.value) for b in sorted(blocks, key=lambda b: order[b.block_type])]
    home.save_revision().publish()
    html = client.get("/").content.decode()
    assert html.index('id="news-title"') < html.index("志工招募現況") < html.index('id="map-title"')

    en = client.get("/en/").content.decode()
    assert "Sign-up opened February 2024" in en and 'id="map-title"' in en


@pytest.mark.django_db
def test_home_api_carries_the_live_blocks(site_pages, wmg_factory, client):
    wmg_factory(venues_per_city={"taipei": 1}, headcount=10, accepted=5)
    data = client.get(f"/api/v2/pages/{site_pages.home.pk}/").json()
    types = [block["type"] for block in data["body"]]
    assert {"venue_map", "recruitment_progress", "announcements"} <= set(types)
    venue_map = next(b for b in data["body"] if b["type"] == "venue_map")["value"]
    assert venue_map["recruitment"]["cities"][0]["percent"] == 50
    assert venue_map["venue_map"]["cities"][0]["venue_count"] == 1


@pytest.mark.django_db
def test_announcement_detail_does_not_repeat_its_summary_and_offers_the_next_action(site_pages, client):
    html = client.get("/announcements/wmg-recruitment-open/").content.decode()
    summary = "場館、行政與語言志工同步招募，可依場館與組別選擇班次。"
    assert html.count(summary) == 1
    assert 'class="button cta" href="/recruitment/"' in html  # 我要當志工
    assert "志工服務手冊（PDF）" in html  # the attachment to download
    en = client.get("/en/announcements/wmg-recruitment-open/").content.decode()
    assert 'class="button cta" href="/en/recruitment/"' in en and "Volunteer handbook (PDF)" in en
    news = client.get("/announcements/platform-launch/").content.decode()
    assert 'class="button cta"' not in news.split("<main")[1]
