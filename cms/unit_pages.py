"""The editorial pages that introduce a unit (a StandardPage whose body holds a "Unit introduction" block):
the public search links a unit that has no open shifts to its page."""
from __future__ import annotations

from django.core.cache import cache
from volunteer_site.cache_versions import current_version
from wagtail.models import Page

from .models import StandardPage
from .page_cache import CONTENT_VERSION_KEY


def unit_intro_pages(locale) -> dict[int, object]:
    """unit id → the live page of `locale` whose body introduces it with a "Unit introduction" block
    (the public search links a unit that has no open shifts there). Page bodies are read once per
    content version (cms.page_cache bumps it whenever a page is published or moved)."""
    if locale is None:
        return {}
    key = f"unit-intro-pages:{current_version(CONTENT_VERSION_KEY)}:{locale.pk}"
    found = cache.get(key)
    if found is None:
        found = {}
        for page_id, body in (StandardPage.objects.live().public().filter(locale=locale)
                              .order_by("path").values_list("pk", "body")):
            for block in body.raw_data if hasattr(body, "raw_data") else body or []:
                unit = str((block.get("value") or {}).get("unit") or "") if block.get("type") == "unit_facts" else ""
                if unit.isdigit():
                    found.setdefault(int(unit), page_id)
        cache.set(key, found, 3600)
    pages = {p.pk: p for p in Page.objects.filter(pk__in=set(found.values()))}
    return {unit: pages[page_id] for unit, page_id in found.items() if page_id in pages}
