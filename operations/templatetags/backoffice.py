from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.translation import get_language

from ..views.base import MODULES

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context):
    """Links to the current page in every language. Wagtail pages link to their translation."""
    request = context.get("request")
    page = context.get("page")
    current = get_language()
    links = []
    for code, name in settings.LANGUAGES:
        url = None
        if page is not None and hasattr(page, "get_translation_or_none"):
            from wagtail.models import Locale

            locale = Locale.objects.filter(language_code=code).first()
            translated = page.get_translation_or_none(locale) if locale else None
            if translated is not None and translated.live:
                url = translated.get_url(request)
        if url is None and request is not None:
            url = translate_url(request.get_full_path(), code)
        links.append({"code": code, "name": name, "url": url or "/", "current": code == current})
    return links


@register.simple_tag(takes_context=True)
def backoffice_modules(context):
    active = context.get("active_module", "")
    items = []
    for key, label, url_name in MODULES:
        items.append({"key": key, "label": label, "url": reverse(url_name) if url_name else None, "active": key == active})
    return items


@register.filter
def roc_date(value):
    """2025-05-17 → 114/05/17 (民國 year), as many Taiwanese users expect on official screens."""
    if not value:
        return ""
    return f"{value.year - 1911}/{value:%m/%d}"
