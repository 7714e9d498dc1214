"""The public page cache during a sign-up rush: pages without live figures are not thrown away by sign-ups,
figures settle for a documented interval (single flight), stored anonymous pages are answered before the
session middleware, and 我要當志工 is stored without seat counts, which are filled live on every answer."""
import datetime
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import StandardPage
from cms.page_cache import cache_key
from cms.recruitment_pages import ensure_recruitment_page
from operations.models import Shift
from operations.selectors.recruitment import (
    figures_stamp,
    invalidate_recruitment_progress,
    recruitment_status,
)
from operations.services.signups import signup_create
from tests.factories import ShiftFactory, VolunteerFactory
from tests.operations.journey_support import build_event, future

from .test_wmg import landing  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The cache's clock, moved by hand: entries expire when the test says so, however slow the machine
    (a sleeping test would see an interval pass while a busy machine renders a page)."""
    from django.core.cache.backends import base, locmem

    offset = [time.time()]  # frozen: only `advance` moves it
    fake = SimpleNamespace(time=lambda: offset[0])
    monkeypatch.setattr(base, "time", fake)
    monkeypatch.setattr(locmem, "time", fake)

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


def _sign_up(shift, n=1):
    for _ in range(n):
        signup_create(volunteer=VolunteerFactory(birth_date=datetime.date(1990, 1, 1)), shift=shift)


def _queries(client, url, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response, len(captured)


@pytest.fixture
def plain_page(home_pages):
    page = home_pages.home.add_child(instance=StandardPage(title="關於我們", slug="about"))
    page.save_revision().publish()
    return page


def test_a_page_without_figures_survives_sign_ups_and_one_with_figures_follows_them(
        landing, plain_page, wmg_factory, client):  # noqa: F811
    wmg_factory(venues_per_city={"taipei": 1}, headcount=10, accepted=0)
    shift = Shift.objects.get()
    _sign_up(shift, 3)
    for url in ("/about/", "/wmg/"):
        client.get(url)
        client.get(url)
    _sign_up(shift, 2)
    invalidate_recruitment_progress()  # what the sign-up services do on commit
    _response, about = _queries(client, "/about/")
    assert about == 0  # still the stored copy: this page shows no figures
    response, wmg = _queries(client, "/wmg/")
    assert "5 / 10" in response.content.decode() and wmg > 0  # the figures page follows the sign-ups


def test_figures_settle_for_the_interval_and_change_on_the_next_request_after_it(landing, wmg_factory, client,  # noqa: F811
                                                                                 settings, clock):
    settings.RECRUITMENT_FIGURES_MAX_AGE = 1
    wmg_factory(venues_per_city={"taipei": 1}, headcount=10, accepted=0)
    shift = Shift.objects.get()
    _sign_up(shift, 3)
    invalidate_recruitment_progress()
    assert "3 / 10" in client.get("/wmg/").content.decode()
    _sign_up(shift, 2)
    invalidate_recruitment_progress()
    response, queries = _queries(client, "/wmg/")
    assert "3 / 10" in response.content.decode() and queries == 0  # within the interval: the stored page
    clock(1.1)
    assert "5 / 10" in client.get("/wmg/").content.decode()  # the next request after the interval


def test_figures_are_computed_by_one_process_the_others_show_the_previous_ones(wmg_factory, settings, clock,
                                                                              django_assert_num_queries):
    settings.RECRUITMENT_FIGURES_MAX_AGE = 1
    wmg_factory(venues_per_city={"taipei": 1}, headcount=10, accepted=0)
    shift = Shift.objects.get()
    _sign_up(shift, 3)
    invalidate_recruitment_progress()
    assert recruitment_status(campaign_code="wmg-2025").overall.signed_up == 3
    _sign_up(shift, 2)
    invalidate_recruitment_progress()
    clock(1.1)
    stamp = figures_stamp()  # this process won the refresh of the settled version
    assert figures_stamp() == stamp  # and it stays for the interval whatever the sign-ups
    # Another process is computing the new figures: this one shows the previous ones, without a query.
    cache.add(f"recruitment-progress:{stamp}:wmg-2025:computing", 1, 30)
    with django_assert_num_queries(0):
        assert recruitment_status(campaign_code="wmg-2025").overall.signed_up == 3
    cache.delete(f"recruitment-progress:{stamp}:wmg-2025:computing")
    assert recruitment_status(campaign_code="wmg-2025").overall.signed_up == 5


def test_the_settled_version_is_read_live_by_one_process_per_interval(clock):
    from volunteer_site.cache_versions import bump_version, current_version, settled_version

    key = "test:settled"
    first = settled_version(key, 1)
    bump_version(key)
    assert settled_version(key, 1) == first  # within the interval
    cache.delete(f"{key}:settled")  # the settled value expired, but another process holds the refresh lock
    assert settled_version(key, 1) == first  # the previous value, no stampede on the live version
    clock(1.1)
    assert settled_version(key, 1) == current_version(key) != first


def test_a_stored_page_is_answered_before_the_session_and_carries_shared_cache_headers(plain_page, client):
    first = client.get("/about/")
    assert first["Cache-Control"] == "public, max-age=0, s-maxage=30" and not first.cookies
    response, queries = _queries(client, "/about/")
    assert queries == 0 and response["Cache-Control"] == first["Cache-Control"]
    assert not hasattr(response.wsgi_request, "session")  # answered before the session middleware
    assert response["X-Frame-Options"] and response.content == first.content
    english = client.get("/en/").content.decode()
    assert 'lang="en"' in english and client.get("/").content.decode() != english  # the language is in the key


def test_personal_requests_are_never_answered_from_the_shared_copy(plain_page, client, org, settings):
    client.get("/about/")
    client.cookies["messages"] = "a-waiting-message"
    _response, queries = _queries(client, "/about/")
    assert queries > 0  # a message waits: the page is rendered (and shows it)
    del client.cookies["messages"]
    client.force_login(org.sysadmin)
    response, queries = _queries(client, "/about/")
    assert queries > 0 and "public" not in response.get("Cache-Control", "")
    assert cache_key(response.wsgi_request) is None


def test_no_shared_cache_header_when_switched_off(plain_page, client, settings):
    settings.PUBLIC_PAGES_SHARED_MAX_AGE = 0
    assert client.get("/about/")["Cache-Control"] == "private"


def test_recruitment_page_is_stored_without_seat_counts_which_are_live_on_every_answer(home_pages, client, settings):
    settings.RECRUITMENT_FIGURES_MAX_AGE = 2
    event = build_event(headcount=2)
    page = ensure_recruitment_page()
    first = client.get(page.url).content.decode()
    assert "2 / 2" in first and "<!--seats" not in first
    assert client.get(page.url)["Cache-Control"] == "public, max-age=0, s-maxage=2"
    response, queries = _queries(client, page.url)
    assert queries == 1  # the stored page, and the seat counts of its shifts in one query
    _sign_up(event.morning)  # no invalidation of any kind: the counts are read on every answer
    html = client.get(page.url).content.decode()
    assert "1 / 2" in html and "<!--seats" not in html
    _sign_up(event.morning)
    html = client.get(page.url).content.decode()
    assert "額滿：可候補" in html
    english = client.get("/en" + page.url).content.decode()
    assert "Full: waitlist" in english and "Taipei Dome · Competition" in english


def test_recruitment_page_lists_new_shifts_and_keeps_a_constant_query_count(home_pages, client):
    event = build_event(headcount=5)
    page = ensure_recruitment_page()
    _response, small = _queries(client, page.url)
    assert client.get(page.url).content.decode().count('name="shift"') == 4
    for day in range(12, 40):
        for hour in (6, 12, 18):
            ShiftFactory(position=event.dome_position, date=future(day), start_time=datetime.time(hour),
                         end_time=datetime.time(hour + 4), headcount=5)
    html = client.get(page.url).content.decode()  # a new shift bumps the list version: rendered afresh
    assert html.count('name="shift"') == 40
    _response, big = _queries(client, page.url)
    assert big == 1 and small > 1
    _response, filtered = _queries(client, page.url + "?city=taipei&free=1")
    assert filtered > 1  # first answer rendered
    _response, filtered = _queries(client, page.url + "?city=taipei&free=1")
    assert filtered == 1


def test_publishing_purges_the_front_cache_through_wagtail(plain_page, settings, django_capture_on_commit_callbacks):
    """wagtail.contrib.frontend_cache with the HTTP backend (FRONTEND_CACHE_PURGE_URL): a publish sends
    `PURGE <path>` with the page's host to the purge server of deploy/nginx."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Purge(BaseHTTPRequestHandler):
        def do_PURGE(self):  # noqa: N802 (the HTTP method's name)
            received.append((self.path, self.headers["Host"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Purge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WAGTAILFRONTENDCACHE = {"proxy": {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": f"http://127.0.0.1:{server.server_port}"}}
    try:
        with django_capture_on_commit_callbacks(execute=True):
            plain_page.title = "關於我們（更新）"
            plain_page.save_revision().publish()
    finally:
        server.shutdown()
        server.server_close()
    assert ("/about/", "localhost") in received


def test_each_process_answers_from_its_own_memory_for_a_second(plain_page, home_pages, client, settings, monkeypatch):
    """The per-process tier: within PUBLIC_PAGES_LOCAL_SECONDS a stored page is answered without any
    shared-cache read (a publish shows at most that second later); afterwards the shared cache is asked
    again; personal requests never get the copy; seat counts stay live; a handed-out copy is fresh."""
    from cms import page_cache

    settings.PUBLIC_PAGES_LOCAL_SECONDS = 1
    monkeypatch.setattr(page_cache, "_local", {})
    now = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now[0])
    client.get("/about/")  # rendered and stored in the shared cache
    client.get("/about/")  # read from the shared cache, remembered by this process
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a[0]) or real_get(*a, **k))
    first = client.get("/about/")
    assert reads == [] and first.status_code == 200
    first["X-Changed-By-A-Middleware"] = "1"
    assert "X-Changed-By-A-Middleware" not in client.get("/about/")  # a fresh response every time
    plain_page.title = "關於本站"
    plain_page.save_revision().publish()  # bumps the content version
    assert "關於本站" not in client.get("/about/").content.decode()  # within the second: the held copy
    now[0] += 1.01
    assert "關於本站" in client.get("/about/").content.decode()  # then the shared cache (and a new render)
    assert reads
    client.cookies["messages"] = "waiting"
    with CaptureQueriesContext(connection) as queries:
        client.get("/about/")
    assert len(queries) > 0  # personal: rendered, not the held copy
    del client.cookies["messages"]
    settings.RECRUITMENT_FIGURES_MAX_AGE = 2
    event = build_event(headcount=2)
    page = ensure_recruitment_page()
    client.get(page.url)
    client.get(page.url)
    assert "2 / 2" in client.get(page.url).content.decode()
    _sign_up(event.morning)
    assert "1 / 2" in client.get(page.url).content.decode()  # held page, live seat counts
    assert len(page_cache._local) <= page_cache.LOCAL_ENTRIES
