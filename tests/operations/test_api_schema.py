"""The API against its own OpenAPI schema: schemathesis generates requests from /api/schema/ and sends them
in-process to the WSGI application, as an anonymous caller, a unit administrator signed in by session and the
same administrator's API token. Every answer must be documented (status, content type, body shape, headers)
and none may be a 5xx. Bounded: a few examples per operation, the whole file well under a minute of fuzzing.
Also: the schema and the docs pages load, and the docs take nothing from another site."""
from __future__ import annotations

import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth

from operations.services.api_tokens import api_token_create

# per operation and caller, valid and invalid data: 5 operations × 3 callers × (10 + 5) ≈ 225 requests
POSITIVE, NEGATIVE = 10, 5


@pytest.fixture
def wsgi_app():
    from volunteer_site.wsgi import application

    # The test database lives in one transaction: the WSGI handler must not close the connection after a request
    # (Django's test client does the same).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(org, wsgi_app):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)


def fuzz(api_schema, headers, *, signed_in: bool, cookies=None, excluded=()) -> int:
    """Every operation of the schema, with valid data and then with data the schema forbids; returns the number
    of requests sent."""
    sent = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode, examples in ((GenerationMode.POSITIVE, POSITIVE), (GenerationMode.NEGATIVE, NEGATIVE)):
            _fuzz_operation(operation, mode, examples, sent, headers=headers, cookies=cookies, excluded=excluded,
                            signed_in=signed_in)
    return len(sent)


def _fuzz_operation(operation, mode, examples, sent, *, headers, cookies, excluded, signed_in):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        sent.append(case.path)
        response = case.call_and_validate(headers=headers, cookies=cookies, excluded_checks=list(excluded))
        assert response.status_code < 500
        if "/public/" not in case.path and mode is GenerationMode.POSITIVE:
            if signed_in:
                # the session or token is taken: never "who are you?" (a token header schemathesis made up
                # goes before the session, and is refused with 401 as it should be)
                if "Authorization" not in (case.headers or {}) or "Authorization" in headers:
                    assert response.status_code != 401, (case.path, response.text)
            else:
                assert response.status_code in (400, 401, 404, 405), (case.path, response.status_code)

    run()


def test_api_as_documented_for_an_anonymous_caller(api_schema):
    assert fuzz(api_schema, {}, signed_in=False) >= 5


def test_api_as_documented_for_a_session(api_schema, org, client):
    client.force_login(org.admin_a)
    # `ignored_auth` sends the request "without authentication" to see it refused, but the session cookie given
    # here goes with every request; the token run below keeps that check.
    assert fuzz(api_schema, {}, cookies={"sessionid": client.cookies["sessionid"].value}, signed_in=True,
                excluded=[ignored_auth]) >= 5


def test_api_as_documented_for_a_token(api_schema, org):
    _token, secret = api_token_create(actor=org.admin_a, name="fuzz", days=1)
    assert fuzz(api_schema, {"Authorization": f"Bearer {secret}"}, signed_in=True) >= 5


def test_schema_covers_the_staff_and_public_endpoints(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert paths == {"/api/operations/volunteers/", "/api/operations/volunteers/{id}/",
                     "/api/operations/organisations/", "/api/operations/public/venues/",
                     "/api/operations/public/recruitment/"}
    schemes = response.json()["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {**schemes["tokenAuth"], "type": "http", "scheme": "bearer"}
    assert "cookieAuth" in schemes
    yaml = client.get("/api/schema/")
    assert yaml.status_code == 200 and yaml.content.startswith(b"openapi: 3.")


def test_schema_lists_the_cities_of_the_code_table(client, db):
    """A city added on the code-table screen is in the schema's city enum (the table's values, not the constants
    of import time), and the field accepts it."""
    from operations.api.serializers import OrgNodeSerializer
    from operations.models import CityArea

    CityArea.objects.create(code="test_county", name="測試縣", name_en="Test County", order=999)
    schema = client.get("/api/schema/?format=json").json()
    assert "test_county" in str(schema["components"]["schemas"]["CityEnum"]["enum"])
    assert "taipei" in str(schema["components"]["schemas"]["CityEnum"]["enum"])
    field = OrgNodeSerializer().fields["city"]
    assert "test_county" in field.choices and field.run_validation("test_county") == "test_county"


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_and_take_nothing_from_another_site(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema/" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for source in sources:
        assert source.startswith(("/", "#")), source  # our own static files, no CDN
        if source.startswith("/static/"):  # a file we ship (served by WhiteNoise from STATIC_ROOT)
            assert finders.find(source.removeprefix("/static/")), source
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
