"""A short-lived cache of rendered public pages for anonymous visitors, so that a burst of visitors
(the WMG landing during a recruitment drive, 我要當志工 when sign-up opens) costs cache reads instead of
page rendering.

`PublicPageCacheMiddleware` answers a stored copy *before* the session, locale, authentication, axes and
audit middleware (a cached anonymous page needs none of them); on a miss it lets the request through, and
`cached_serve` (Wagtail's `serve`) tells it on the way back whether the page may be stored.

Correctness first:
- only GET/HEAD requests without a session cookie, a messages cookie or an Authorization header are
  considered; pages opt in with `public_cache = True` (forms with a CSRF token and anything personal never
  do), and a response that used the CSRF token, set a cookie or said `private`/`no-store` is never stored;
- the key contains the scheme, host, language (from the path, as the locale middleware decides it), the
  full path with its query string and a content version bumped whenever a page is published, unpublished,
  moved or deleted or a menu, footer, setting, image or document changes;
- live data is tracked per page: while a page renders, the selectors note what they read
  (`volunteer_site.cache_versions.note_read`). Only a page that read the recruitment figures is keyed on
  their version, and on its *settled* value (recomputed at most once per `RECRUITMENT_FIGURES_MAX_AGE`
  seconds, single flight), so a rush of sign-ups no longer throws every public page away; a page that
  listed shifts is keyed on the shift-list version (bumped when shifts, positions, campaigns, venues or
  languages are saved or deleted, and at most `BROWSE_TTL` seconds old otherwise);
- seat counts are never stored: the rows of a shift table hold a placeholder per shift and each answer
  fills them from one primary-key query (`operations.selectors.browse.live_seat_counts`), so they are
  exact on every request; a list filtered on free seats is stored for at most the figures' age;
- entries also expire after `TTL` seconds (unit facts such as volunteer counts may lag that long);
- a request whose query string is longer than `MAX_QUERY_LENGTH` is served but never stored, and the
  address enters the key as a SHA-256 digest, so hostile query strings can neither flood the cache with
  entries nor make over-long keys;
- anonymous public answers carry `Cache-Control: public, max-age=0, s-maxage=N` for a shared cache in
  front (README "Front cache"); N is `PUBLIC_PAGES_SHARED_MAX_AGE`, at most the figures' age for pages
  with live figures or seats;
- each web process keeps the copies it served in the last `PUBLIC_PAGES_LOCAL_SECONDS` (1 s; 0 turns it
  off, as the tests do) in its own memory, at most `LOCAL_ENTRIES` of them: a page that thousands load at
  once costs one shared-cache read per process per second instead of four per request. What a publish or
  the figures change therefore shows at most that second later; seat counts are still filled on every
  answer."""
from __future__ import annotations

import hashlib
import re
import secrets
import time
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import get_language_from_path
from volunteer_site.cache_versions import bump_version, current_version, recording_reads

from operations.selectors.browse import browse_version

CONTENT_VERSION_KEY = "public-pages:content-version"
TTL = 60
BROWSE_TTL = 30  # shift lists: a change made without a model signal (a bulk update) shows within this
MAX_QUERY_LENGTH = 200  # longer query strings are no page's own parameters: not worth a cache entry
LIVE_SEATS = "seats"  # a page with seat placeholders (filled on every answer)
SEAT_MEMBERSHIP = "seat-membership"  # which shifts are listed depends on the seat counts (the free filter)

LOCAL_ENTRIES = 256  # copies a process keeps in its own memory (see the module docstring)

_seat_marks: ContextVar[dict | None] = ContextVar("seat_marks", default=None)
_local: dict[str, tuple[float, dict]] = {}  # address → (expires at, monotonic clock; stored entry)


def bump_content_version(**kwargs) -> None:
    bump_version(CONTENT_VERSION_KEY)


def _content_version() -> int:
    return current_version(CONTENT_VERSION_KEY)


def _figures_max_age() -> int:
    from operations.selectors.recruitment import figures_max_age

    return figures_max_age()


def _personal_request(request) -> bool:
    cookies = request.COOKIES
    return (settings.SESSION_COOKIE_NAME in cookies
            or getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in cookies  # a message waits to be shown
            or "HTTP_AUTHORIZATION" in request.META)


def _address(request) -> str | None:
    """Language and address of an anonymous GET that may be answered from a stored copy, else None."""
    if request.method not in ("GET", "HEAD") or _personal_request(request):
        return None
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_LENGTH:
        return None
    language = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    return f"{language}:{request.scheme}://{request.get_host()}{request.get_full_path()}"


def _key_of(address: str) -> str:
    language, _sep, rest = address.partition(":")
    digest = hashlib.sha256(rest.encode()).hexdigest()
    return f"public-page:{_content_version()}:{language}:{digest}"


def cache_key(request) -> str | None:
    """The key under which an anonymous GET of this address finds its copy (or the note of what the copy
    depends on); None when the request may not be answered from the shared cache."""
    address = _address(request)
    return None if address is None else _key_of(address)


def _local_seconds() -> float:
    return float(getattr(settings, "PUBLIC_PAGES_LOCAL_SECONDS", 1))


def _local_get(address: str) -> dict | None:
    held = _local.get(address)
    if held is None:
        return None
    if held[0] <= time.monotonic():
        _local.pop(address, None)
        return None
    return held[1]


def _local_put(address: str, entry: dict, seconds: float) -> None:
    if len(_local) >= LOCAL_ENTRIES:
        now = time.monotonic()
        for stale in [a for a, (until, _e) in _local.items() if until <= now]:
            _local.pop(stale, None)
        if len(_local) >= LOCAL_ENTRIES:
            _local.clear()
    _local[address] = (time.monotonic() + seconds, entry)


def _answer(entry: dict):
    """A fresh response from a stored entry (the stored one is never handed out: later middleware and
    the seat filling change the object they get)."""
    stored = entry["response"]
    response = HttpResponse(stored.content, status=stored.status_code)
    for header, value in stored.items():
        response[header] = value
    return _fill_seats(response, entry["seats"]) if entry["seats"] else response


def _stamps(deps) -> str:
    """The versions of what a page read, as a key suffix."""
    parts = []
    if "figures" in deps:
        from operations.selectors.recruitment import figures_stamp

        parts.append(f"f{figures_stamp()}")
    if "browse" in deps:
        parts.append(f"b{browse_version()}-{timezone.localdate():%Y%m%d}")
    return ":".join(parts)


def _ttl(deps) -> int:
    ttl = TTL
    if "browse" in deps:
        ttl = min(ttl, BROWSE_TTL)
    if SEAT_MEMBERSHIP in deps:
        ttl = min(ttl, max(1, _figures_max_age()))
    return ttl


def shared_max_age(deps) -> int:
    age = int(getattr(settings, "PUBLIC_PAGES_SHARED_MAX_AGE", 30))
    if deps & {"figures", LIVE_SEATS, SEAT_MEMBERSHIP}:
        age = min(age, max(1, _figures_max_age()))
    return age


def _lookup(key: str) -> dict | None:
    entry = cache.get(key)
    if entry is not None and "deps" in entry:
        entry = cache.get(f"{key}:{_stamps(entry['deps'])}")
    return entry


def _store(key: str, deps: set[str], response, seats: dict | None) -> None:
    copy = HttpResponse(response.content, status=response.status_code)
    for header, value in response.items():
        copy[header] = value
    entry = {"response": copy, "seats": seats}
    ttl = _ttl(deps)
    if deps:
        cache.set(key, {"deps": sorted(deps)}, ttl)
        key = f"{key}:{_stamps(deps)}"
    cache.set(key, entry, ttl)


def cacheable(page, request, response) -> bool:
    return (
        getattr(page, "public_cache", False)
        and response.status_code == 200
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not response.cookies
        and not getattr(request, "is_preview", False)
        and not page.get_view_restrictions().exists()
    )


def _storable(response) -> bool:
    control = response.get("Cache-Control", "")
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and "private" not in control and "no-store" not in control)


def _public_headers(response, deps) -> None:
    age = shared_max_age(deps)
    if age > 0:
        patch_cache_control(response, public=True, max_age=0, s_maxage=age)
    else:
        patch_cache_control(response, private=True)


# --- Seat placeholders ------------------------------------------------------------------------------

def seats_html(free: int, headcount: int, full_label: str) -> str:
    if free > 0:
        return format_html('<span class="seats">{} / {}</span>', free, headcount)
    return format_html('<span class="badge badge-warn">{}</span>', full_label)


def seat_placeholder(shift_id: int, full_label: str) -> str | None:
    """While a page is rendered for the shared cache: a placeholder for a shift's seat cell (filled on
    every answer); otherwise None (render the seats at once)."""
    marks = _seat_marks.get()
    if marks is None:
        return None
    marks["ids"].append(shift_id)
    marks["full"] = str(full_label)
    return f"<!--seats:{marks['nonce']}:{shift_id}-->"


def _fill_seats(response, seats: dict):
    from operations.selectors.browse import live_seat_counts

    counts = live_seat_counts(seats["ids"])
    pattern = re.compile(re.escape(f"<!--seats:{seats['nonce']}:".encode()) + rb"(\d+)-->")

    def fill(match):
        headcount, accepted = counts.get(int(match.group(1)), (0, 0))
        return seats_html(max(headcount - accepted, 0), headcount, seats["full"]).encode()

    response.content = pattern.sub(fill, response.content)
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    return response


# --- Serving ----------------------------------------------------------------------------------------

class PublicPageCacheMiddleware:
    """Placed before the session middleware: answers an anonymous GET of a stored public page at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = _address(request)
        if address is None:
            return self.get_response(request)
        local_seconds = _local_seconds()
        if local_seconds > 0:
            entry = _local_get(address)
            if entry is not None:
                return _answer(entry)
        key = _key_of(address)
        entry = _lookup(key)
        if entry is not None:
            if local_seconds > 0:
                _local_put(address, entry, local_seconds)
                return _answer(entry)
            response = entry["response"]
            return _fill_seats(response, entry["seats"]) if entry["seats"] else response
        plan = request._public_page_plan = {}
        response = self.get_response(request)
        seats = plan.get("seats")
        if plan.get("cacheable") and _storable(response):
            deps = set(plan["deps"]) | ({LIVE_SEATS} if seats else set())
            _public_headers(response, deps)
            _store(key, deps, response, seats)
        if seats:
            response = _fill_seats(response, seats)
        return response


def cached_serve(request, path):
    """Wagtail's `serve`; for a request the page cache middleware may store, rendered with seat
    placeholders while recording what the page read."""
    from wagtail.views import serve

    plan = getattr(request, "_public_page_plan", None)
    if plan is None:
        return serve(request, path)
    marks = {"nonce": secrets.token_hex(8), "ids": [], "full": ""}
    token = _seat_marks.set(marks)
    try:
        with recording_reads() as reads:
            response = serve(request, path)
            if hasattr(response, "render") and not response.is_rendered:
                response = response.render()
    finally:
        _seat_marks.reset(token)
    if marks["ids"]:
        plan["seats"] = marks  # always filled on the way out, stored or not
    route = getattr(request, "_wagtail_route_for_request", None)
    if route and cacheable(route[0], request, response):
        plan.update(cacheable=True, deps=reads)
    return response


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page, Site
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    from .models import ContactSettings, FooterText, Menu

    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(bump_content_version, dispatch_uid=f"public-cache-{signal!r}")
    for model in (Page, Menu, FooterText, ContactSettings, Site, get_image_model(), get_document_model()):
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"public-cache-save-{model.__name__}")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"public-cache-del-{model.__name__}")
