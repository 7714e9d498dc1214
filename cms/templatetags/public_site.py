"""Template tags of the public site: menus and footer from translatable snippets (in the current
language, falling back to Chinese), and links to the volunteer zone that may not exist yet."""
from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language

register = template.Library()


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hant"


def _link(value, request, current_path: str) -> dict:
    page = value.get("page")
    url = page.get_url(request) if page is not None else (value.get("url") or "")
    active = bool(url) and url.startswith("/") and (
        current_path == url or (url not in ("/", "/en/") and current_path.startswith(url))
    )
    return {"label": value["label"], "url": url or "#", "active": active,
            "external": bool(url) and not url.startswith("/")}


@register.simple_tag(takes_context=True)
def public_menu(context, key: str) -> list[dict]:
    from ..models import Menu

    cache_name = f"_public_menu_{key}"
    if cache_name in context:
        return context[cache_name]
    request = context.get("request")
    language = _language()
    menus = {m.locale.language_code: m for m in Menu.objects.filter(key=key).select_related("locale")}
    menu = menus.get(language) or menus.get(settings.LANGUAGE_CODE)
    items: list[dict] = []
    if menu is not None:
        path = request.path if request is not None else ""
        for block in menu.items:
            item = _link(block.value, request, path)
            item["children"] = [_link(child, request, path) for child in block.value.get("children", []) or []]
            if any(child["active"] for child in item["children"]):
                item["active"] = True
            items.append(item)
    context[cache_name] = items
    return items


@register.simple_tag
def footer_text():
    from ..models import FooterText

    texts = {f.locale.language_code: f for f in FooterText.objects.select_related("locale", "accessibility_page")}
    return texts.get(_language()) or texts.get(settings.LANGUAGE_CODE)


@register.simple_tag
def site_url(name: str, fallback: str = "") -> str:
    """reverse(name) or, while another part of the product does not provide it yet, a fallback path in
    the current language."""
    try:
        return reverse(name)
    except NoReverseMatch:
        prefix = "/en" if _language() == "en" else ""
        return prefix + fallback if fallback.startswith("/") else fallback


@register.simple_tag
def home_url() -> str:
    return "/en/" if _language() == "en" else "/"


@register.filter
def roc_date(value) -> str:
    """114/05/17 (民國 year) in Chinese, 2025-05-17 in English."""
    if not value:
        return ""
    if _language() == "en":
        return f"{value:%Y-%m-%d}"
    return f"{value.year - 1911}/{value:%m/%d}"


@register.filter
def percent_width(value) -> int:
    try:
        return max(0, min(100, int(value)))
    except (TypeError, ValueError):
        return 0
