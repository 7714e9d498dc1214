"""The WMG landing page: venue map and recruitment status from operations data, in the page, in its
API v2 JSON and in the public endpoints; a constant number of queries at WMG scale."""
import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from cms.models import WMGLandingPage
from cms.page_cache import bump_content_version
from operations.models import Shift
from operations.services.signups import signup_create
from tests.factories import VolunteerFactory

WMG_SCALE = {"taipei": 30, "new_taipei": 25, "taoyuan": 5, "hsinchu_city": 3, "hsinchu_county": 4, "yilan": 3}


@pytest.fixture
def landing(home_pages):
    page = home_pages.home.add_child(instance=WMGLandingPage(title="世壯運志工專區", slug="wmg", campaign_code="wmg-2025"))
    page.save_revision().publish()
    english = page.copy_for_translation(Locale.objects.get(language_code="en"))
    english.title = "WMG volunteers"
    english.save_revision().publish()
    return page


def _row(status_json, city):
    return next(c for c in status_json["cities"] if c["city"] == city)


@pytest.mark.django_db
def test_ten_venues_needing_100_with_80_signed_up_show_80_percent(landing, wmg_factory, client):
    wmg_factory(venues_per_city={"taipei": 10, "yilan": 1}, headcount=10, accepted=8)
    html = client.get("/wmg/").content.decode()
    assert "80 / 100" in html and "80%" in html
    assert 'data-total-venues>11<' in html  # computed from the data
    assert "臺北市 80% 已招募，10 個場館" in html  # the city's label on the map (starts with its visible text)

    data = client.get(f"/api/v2/pages/{landing.pk}/").json()
    taipei = _row(data["recruitment"], "taipei")
    assert (taipei["venue_count"], taipei["needed"], taipei["signed_up"], taipei["percent"]) == (10, 100, 80, 80)
    assert data["recruitment"]["overall"] == {"venue_count": 11, "needed": 110, "signed_up": 88, "percent": 80,
                                              "seats_needed": 110, "seats_filled": 88}
    assert [c["venue_count"] for c in data["venue_map"]["cities"] if c["city"] == "taipei"] == [10]

    public = client.get("/api/operations/public/recruitment/", {"city": "taipei"}).json()
    assert public["cities"] == [{"city": "taipei", "label": "臺北市", "hosting": True, "venue_count": 10, "needed": 100,
                                 "signed_up": 80, "percent": 80, "seats_needed": 100, "seats_filled": 80}]
    assert "distinct volunteers" in public["definition"]
    venues = client.get("/api/operations/public/venues/", {"lang": "en"}).json()
    assert venues["venue_count"] == 11
    assert {c["city"]: c["venue_count"] for c in venues["cities"]} == {"taipei": 10, "yilan": 1}
    assert venues["cities"][0]["venues"][0]["sports"] == "Basketball"


@pytest.mark.django_db
def test_recruitment_counts_people_not_seats(landing, wmg_factory, client, django_capture_on_commit_callbacks):
    """The seed's example counts people: a volunteer with five shifts counts once; a sign-up waiting for
    review does not count; the position's target is the number of people needed."""
    from operations.models import Position, Signup, SignupStatus
    from operations.selectors.recruitment import invalidate_recruitment_progress, recruitment_status

    built = wmg_factory(venues_per_city={"taipei": 1}, shifts_per_venue=5, headcount=4, accepted=0)
    Position.objects.update(volunteers_needed=10)
    shifts = list(Shift.objects.order_by("date"))
    volunteer = VolunteerFactory(birth_date=datetime.date(1990, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        for shift in shifts:  # one person, five shifts (on five days)
            signup_create(volunteer=volunteer, shift=shift)
    other = VolunteerFactory(birth_date=datetime.date(1991, 1, 1))
    Signup.objects.create(volunteer=other, shift=shifts[0], status=SignupStatus.APPLIED)
    invalidate_recruitment_progress()
    row = recruitment_status(campaign_code=built.campaign.code).cities[0]
    assert (row.progress.needed, row.progress.signed_up, row.progress.percent) == (10, 1, 10)
    assert (row.progress.seats_needed, row.progress.seats_filled) == (20, 5)  # the second figure, for staff
    html = client.get("/wmg/").content.decode()
    assert "1 / 10" in html and "10%" in html
    api = client.get("/api/operations/public/recruitment/", {"city": "taipei"}).json()["cities"][0]
    assert (api["needed"], api["signed_up"], api["percent"], api["seats_filled"]) == (10, 1, 10, 5)


@pytest.mark.django_db
def test_cities_are_data_a_taichung_venue_appears(landing, wmg_factory, client):
    wmg_factory(venues_per_city={"taipei": 1, "taichung": 1}, headcount=10, accepted=5)
    html = client.get("/wmg/").content.decode()
    assert 'data-city-open="taichung"' in html and "臺中市" in html
    assert 'data-city-open="yilan"' not in html  # a city without venues is not drawn
    en = client.get("/en/wmg/").content.decode()
    assert "Taichung City" in en


@pytest.mark.django_db
def test_english_page_and_api_in_english(landing, wmg_factory, client):
    wmg_factory(venues_per_city={"new_taipei": 2}, headcount=5, accepted=5)
    html = client.get("/en/wmg/").content.decode()
    assert "New Taipei City" in html and "100%" in html
    english = WMGLandingPage.objects.get(locale__language_code="en")
    data = client.get(f"/api/v2/pages/{english.pk}/").json()
    assert _row(data["recruitment"], "new_taipei")["label"] == "New Taipei City"
    assert data["meta"]["locale"] == "en"
    listing = client.get("/api/v2/pages/", {"type": "cms.WMGLandingPage", "locale": "en", "fields": "recruitment"}).json()
    assert listing["meta"]["total_count"] == 1


@pytest.mark.django_db
def test_a_sign_up_shows_on_the_page_after_commit(landing, wmg_factory, client, django_capture_on_commit_callbacks):
    wmg_factory(venues_per_city={"taipei": 1}, headcount=10, accepted=0)
    shift = Shift.objects.get()
    for _ in range(3):  # real accepted sign-ups: on PostgreSQL the seat-invariant trigger checks the counter
        signup_create(volunteer=VolunteerFactory(birth_date=datetime.date(1990, 1, 1)), shift=shift)
    assert "3 / 10" in client.get("/wmg/").content.decode()
    volunteer = VolunteerFactory(birth_date=datetime.date(1990, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        signup_create(volunteer=volunteer, shift=shift)
    assert "4 / 10" in client.get("/wmg/").content.decode()


@pytest.mark.django_db
def test_no_personal_data_in_public_json(landing, wmg_factory, client):
    built = wmg_factory(venues_per_city={"taipei": 2})
    secrets = [built.venues[0].contact_person, built.venues[0].email]
    for url in (f"/api/v2/pages/{landing.pk}/", "/api/operations/public/venues/", "/api/operations/public/recruitment/",
                "/api/v2/pages/?fields=*"):
        body = client.get(url).content.decode()
        for secret in secrets:
            assert secret not in body, (url, secret)
        assert "owner" not in json.loads(body).get("meta", {})


@pytest.mark.django_db
def test_public_endpoint_refuses_an_unknown_city(client):
    response = client.get("/api/operations/public/venues/", {"city": "atlantis"})
    assert response.status_code == 400
    assert "無此縣市代碼" in response.json()["detail"]


def _render_queries(client, url):
    from operations.selectors.recruitment import invalidate_recruitment_progress

    client.get(url)  # warm Django's and Wagtail's own caches (content types, site root paths)
    invalidate_recruitment_progress()  # cold: the recruitment figures are recomputed
    bump_content_version()  # and the page is rendered, not taken from the anonymous page cache
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url).status_code == 200
    bump_content_version()
    with CaptureQueriesContext(connection) as warm:
        assert client.get(url).status_code == 200
    return len(cold), len(warm)


@pytest.mark.django_db
def test_query_count_is_constant_at_wmg_scale(landing, wmg_factory, client, django_assert_max_num_queries):
    built = wmg_factory(venues_per_city={"taipei": 1, "yilan": 1}, shifts_per_venue=3)
    small = _render_queries(client, "/wmg/")
    small_en = _render_queries(client, "/en/wmg/")
    # grow to WMG scale: 70 venues and 20,020 shifts
    from operations.selectors.recruitment import invalidate_recruitment_progress
    from tests.cms.conftest import build_wmg

    built.campaign.delete()  # its positions and shifts go with it
    for venue in built.venues:
        venue.is_venue = False
        venue.save(update_fields=["is_venue"])
    build_wmg(venues_per_city=WMG_SCALE, shifts_per_venue=286, campaign_code="wmg-2025", tag="b")
    invalidate_recruitment_progress()
    assert Shift.objects.count() == 70 * 286
    large = _render_queries(client, "/wmg/")
    assert large == small
    assert _render_queries(client, "/en/wmg/") == small_en
    assert small[1] < small[0]  # the cached figures save the aggregate queries
    invalidate_recruitment_progress()
    with django_assert_max_num_queries(small[0]):
        client.get("/wmg/")
    bump_content_version()
    with django_assert_max_num_queries(small[1]):
        client.get("/wmg/")


@pytest.mark.django_db
def test_anonymous_page_cache_serves_repeat_visits_and_never_stale_figures(landing, wmg_factory, client, org):
    wmg_factory(venues_per_city={"taipei": 1}, headcount=10, accepted=0)
    shift = Shift.objects.get()
    for _ in range(3):  # real accepted sign-ups: on PostgreSQL the seat-invariant trigger checks the counter
        signup_create(volunteer=VolunteerFactory(birth_date=datetime.date(1990, 1, 1)), shift=shift)
    client.get("/wmg/")  # the first visit creates the contact-details setting row (a content change)
    client.get("/wmg/")
    with CaptureQueriesContext(connection) as repeat:
        html = client.get("/wmg/").content.decode()
    assert "3 / 10" in html and len(repeat) <= 2  # a cached copy: no rendering
    for _ in range(2):
        signup_create(volunteer=VolunteerFactory(birth_date=datetime.date(1990, 1, 1)), shift=shift)
    from operations.selectors.recruitment import invalidate_recruitment_progress

    invalidate_recruitment_progress()  # what the sign-up services do on commit
    assert "5 / 10" in client.get("/wmg/").content.decode()
    landing.title = "世壯運志工專區（更新）"
    landing.save_revision().publish()
    assert "世壯運志工專區（更新）" in client.get("/wmg/").content.decode()
    client.force_login(org.sysadmin)  # a visitor with a session is never served a shared copy
    with CaptureQueriesContext(connection) as logged_in:
        client.get("/wmg/")
    assert len(logged_in) > 5


@pytest.mark.django_db
def test_hostile_query_strings_neither_flood_the_page_cache_nor_make_long_keys(landing, wmg_factory, client):
    from django.core.cache import cache

    from cms import page_cache

    wmg_factory(venues_per_city={"taipei": 1}, headcount=10, accepted=0)
    client.get("/wmg/")
    key = page_cache.cache_key(client.get("/wmg/?page=" + "x" * 150).wsgi_request)
    assert key is not None and len(key) < 200 and "xxx" not in key
    assert cache.get(key) is not None  # a short query string is still cached (under a digest)
    long_query = "/wmg/?q=" + "x" * (page_cache.MAX_QUERY_LENGTH + 1)
    assert client.get(long_query).status_code == 200
    assert page_cache.cache_key(client.get(long_query).wsgi_request) is None  # served, never stored
