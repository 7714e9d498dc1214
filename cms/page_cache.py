"""A short-lived cache of rendered public pages for anonymous visitors, so that a burst of visitors
(the WMG landing during a recruitment drive) costs cache reads instead of page rendering.

Correctness first:
- only GET/HEAD requests without a session cookie (anonymous) and without a query string that the page
  does not use are considered; pages opt in with `public_cache = True` (forms with a CSRF token, live
  seat lists and anything personal never do), and a response that used the CSRF token or set a cookie is
  never stored;
- the key contains the language, the full path with its query string, a content version bumped whenever
  a page is published, unpublished, moved or deleted or a menu, footer, setting, image or document
  changes, and the recruitment-figures version that the sign-up services bump on commit, so live numbers
  change on the next request exactly as without this cache;
- entries also expire after `TTL` seconds (unit facts such as volunteer counts may lag that long);
- a request whose query string is longer than `MAX_QUERY_LENGTH` is served but never stored, and the path
  with its query string enters the key as a SHA-256 digest, so hostile query strings can neither flood
  the cache with entries nor make over-long keys."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from volunteer_site.cache_versions import bump_version, current_version

CONTENT_VERSION_KEY = "public-pages:content-version"
TTL = 60
MAX_QUERY_LENGTH = 200  # longer query strings are no page's own parameters: not worth a cache entry


def bump_content_version(**kwargs) -> None:
    bump_version(CONTENT_VERSION_KEY)


def _content_version() -> int:
    return current_version(CONTENT_VERSION_KEY)


def cache_key(request) -> str | None:
    if request.method not in ("GET", "HEAD"):
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_LENGTH:
        return None
    from operations.selectors.recruitment import VERSION_KEY

    figures = current_version(VERSION_KEY)
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"public-page:{_content_version()}:{figures}:{get_language()}:{path}"


def cacheable(page, request, response) -> bool:
    return (
        getattr(page, "public_cache", False)
        and response.status_code == 200
        and not request.META.get("CSRF_COOKIE_USED")
        and not response.cookies
        and not getattr(request, "is_preview", False)
        and not page.get_view_restrictions().exists()
    )


def cached_serve(request, path):
    """Wagtail's `serve`, with the page cache in front of it."""
    from wagtail.views import serve

    key = cache_key(request)
    if key is not None:
        response = cache.get(key)
        if response is not None:
            return response
    response = serve(request, path)
    if key is None:
        return response
    route = getattr(request, "_wagtail_route_for_request", None)
    if route and hasattr(response, "render"):
        response = response.render()
    if route and cacheable(route[0], request, response):
        cache.set(key, response, TTL)
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
