"""Every URL pattern of the site, requested with hostile values in each path parameter, in every known
query parameter and in every POST field, as an anonymous visitor, a volunteer and staff: no answer may be
a server error (5xx). Wagtail's own admin (`/admin/`) and Django's captcha images are third-party screens
and left out; the Wagtail API v2 and every page of ours are in.

Runs on SQLite locally and on PostgreSQL in CI (DATABASE_URL), where NUL bytes and out-of-range integers
fail differently."""
from __future__ import annotations

import os
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from operations.models import Membership, RosterImport, SignupStatus
from tests.factories import ServicePlanFactory, SignupFactory
from tests.operations.journey_support import build_event, volunteer_with_account

pytestmark = pytest.mark.django_db

HOSTILE = ["²", "9" * 30, "-1", "abc", "a\x00b", "'\"<>;--", "x" * 3000, "9999-12-31", "0000-00-00", '"',
           "1e400", "\x1b[0m"]
# The ones also posted to every form (fewer: a POST costs more than a GET).
POST_HOSTILE = ["²", "9" * 30, "-1", "abc", "a\x00b", "'\"<>;--", "x" * 3000, "9999-12-31", "0000-00-00", "1e400"]
# The hostile values of a path segment that the converters still let through to the view.
PATH_HOSTILE = ["9" * 30, "9223372036854775808", "²", "a\x00b", "x" * 3000, "'\"<>"]
SKIP_PREFIXES = ("admin/", "captcha/", "static/", "media/")
QUERY_PARAMS = [
    "page", "per_page", "p-page", "q", "search", "unit", "venue", "shift", "campaign", "group", "language",
    "languages", "skills", "offset", "limit", "node", "kind", "action", "category", "city", "lang", "format",
    "next", "back", "ids", "both", "partial", "status", "team", "sort", "date", "date_from", "date_to", "age_min",
    "age_max", "sex", "type", "fields", "order", "child_of", "locale", "signup", "volunteer", "signups",
    "reason", "done", "error", "cursor", "year", "month", "plan", "position", "role", "mode",
]
POST_FIELDS = QUERY_PARAMS + [
    "name", "title", "title_en", "email", "phone", "username", "password", "password1", "password2",
    "id_number", "id_type", "birth_date", "starts_on", "ends_on", "start_time", "end_time", "headcount",
    "min_age", "max_age", "code", "description", "note", "notes", "hours", "joined_on", "revoke", "token",
    "shifts", "file", "confirm", "decision", "new_password1", "new_password2", "old_password", "comment",
    "district", "address",
]


def _patterns(resolvers=None, prefix=""):
    """(regex source, name) for every URL pattern, includes flattened."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        source = entry.pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            if (prefix + source).lstrip("^").startswith(SKIP_PREFIXES):
                continue
            yield from _patterns(entry.url_patterns, prefix + source)
        elif isinstance(entry, URLPattern):
            yield prefix + source, entry.name


def _paths(source: str, ints: list[str], *, hostile: bool = True) -> list[str]:
    """Concrete paths for a pattern: real ids and hostile values for each parameter."""
    try:
        forms = normalize("^" + source)
    except Exception:  # noqa: BLE001 - a pattern normalize cannot express is left to the other URLs
        return []
    paths = []
    for fmt, params in forms[:1]:
        if not params:
            paths.append("/" + fmt)
            continue
        for value in ints + (PATH_HOSTILE if hostile else []):
            try:
                paths.append("/" + (fmt % {p: value for p in params}))
            except (KeyError, ValueError, TypeError):
                continue
    return [p for p in paths if "\n" not in p]


@pytest.fixture
def world(org):
    from cms.demo import load_demo_pages

    load_demo_pages(full=False)
    event = build_event()
    volunteer = volunteer_with_account(email="fuzz@example.com")
    # counts its seat, as the services do (PostgreSQL's seat-invariant trigger checks it at commit)
    signup = SignupFactory(volunteer=volunteer, shift=event.morning, status=SignupStatus.ACCEPTED)
    plan = ServicePlanFactory(unit=org.unit_a)
    roster = RosterImport.objects.create(created_by=volunteer.user, original_name="g.csv", file="rosters/g.csv")
    membership = Membership.objects.filter(volunteer=org.vol_a).first()
    ids = sorted({str(x) for x in (org.unit_a.pk, org.vol_a.pk, event.campaign.pk, event.morning.pk, signup.pk,
                                   event.dome_position.pk, org.team_a.pk, plan.pk, roster.pk, membership.pk)})
    return org, volunteer, ids


# Each role's walk is cut into this many parts (every `SHARDS`-th pattern), so that the parallel test processes
# share it instead of one process walking the whole site for minutes at the end of the run.
SHARDS = 4


def _walk(client, ids, *, post: bool, shard: int = 0):
    """Request every pattern of `shard`; returns (requests made, the ones answered with a server error)."""
    seen, failures = 0, []

    def _check(response, what):
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            failures.append(f"{response.status_code} {what}: {exc[1]!r}"[:400] if exc else f"{response.status_code} {what}")

    for index, (source, _name) in enumerate(_patterns()):
        if index % SHARDS != shard:
            continue
        if re.search(r"logout", source):
            continue
        real = set(_paths(source, ids, hostile=False))
        path = None  # the first real object this user may open: hostile parameters are sent to it
        for candidate in _paths(source, ids):
            if path is not None and candidate in real:
                continue  # one real object this user may open is enough; the hostile values are all sent
            seen += 1
            response = client.get(candidate)
            _check(response, f"GET {candidate[:120]!r}")
            if path is None and candidate in real and response.status_code < 400:
                path = candidate
        path = path or next(iter(sorted(real)), None)
        if path is None:
            continue
        for value in HOSTILE:
            _check(client.get(path, {p: value for p in QUERY_PARAMS}), f"GET {path} ?…={value[:20]!r}")
        for value in POST_HOSTILE if post else []:
            _check(client.post(path, {p: value for p in POST_FIELDS}), f"POST {path} …={value[:20]!r}")
    if failures and os.environ.get("FUZZ_REPORT"):
        with open(os.environ["FUZZ_REPORT"], "a", encoding="utf-8") as fh:
            fh.write("\n".join(failures) + "\n")
    return seen, failures


@pytest.fixture
def client():
    from django.test import Client

    return Client(raise_request_exception=False)


def test_the_parts_cover_every_pattern():
    assert SHARDS > 1
    parts = [[p for i, p in enumerate(_patterns()) if i % SHARDS == shard] for shard in range(SHARDS)]
    assert sum(len(part) for part in parts) == len(list(_patterns())) > 200
    assert all(len(part) > 50 for part in parts)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_server_error_for_anonymous(world, client, shard):
    org, volunteer, ids = world
    seen, failures = _walk(client, ids, post=True, shard=shard)
    assert seen > 150
    assert failures == []


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_server_error_for_volunteer(world, client, shard):
    org, volunteer, ids = world
    client.force_login(volunteer.user)
    seen, failures = _walk(client, ids, post=True, shard=shard)
    assert seen > 150
    assert failures == []


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_server_error_for_staff(world, client, shard):
    org, volunteer, ids = world
    client.force_login(org.sysadmin)
    seen, failures = _walk(client, ids, post=True, shard=shard)
    assert seen > 150
    assert failures == []
