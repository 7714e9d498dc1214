"""Template tags of the public site: menus and footer from translatable snippets (in the current
language, falling back to Chinese), and links to the volunteer zone that may not exist yet."""
from __future__ import annotations

from django import template
from django.conf import settings
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from operations.services.taipeipass import taipeipass_enabled

register = template.Library()


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hant"


def _link(value, request) -> dict:
    page = value.get("page")
    url = page.get_url(request) if page is not None else (value.get("url") or "")
    return {"label": value["label"], "url": url or "#", "external": bool(url) and not url.startswith("/")}


def _is_active(url: str, current_path: str) -> bool:
    return url.startswith("/") and url != "#" and (
        current_path == url or (url not in ("/", "/en/") and current_path.startswith(url))
    )


def _menu_links(key: str, language: str, request) -> list[dict]:
    """The links of a menu, cached per language until content changes (the public content version is
    bumped when a menu, a page or the footer changes), so every page does not re-read the snippets."""
    from ..models import Menu
    from ..page_cache import _content_version

    cache_key = f"public-menu:{_content_version()}:{language}:{key}"
    links = cache.get(cache_key)
    if links is None:
        menus = {m.locale.language_code: m for m in Menu.objects.filter(key=key).select_related("locale")}
        menu = menus.get(language) or menus.get(settings.LANGUAGE_CODE)
        links = []
        if menu is not None:
            for block in menu.items:
                item = _link(block.value, request)
                item["children"] = [_link(child, request) for child in block.value.get("children", []) or []]
                links.append(item)
        cache.set(cache_key, links, 300)
    return links


def _account_link(url: str) -> str:
    """"login" or "taipeipass" when a menu link points at the volunteer log-in views (either language)."""
    path = url.removeprefix("/en")
    for name, kind in (("volunteer:login", "login"), ("volunteer:taipeipass_login", "taipeipass")):
        try:
            target = reverse(name).removeprefix("/en")
        except NoReverseMatch:
            continue
        if path == target:
            return kind
    return ""


@register.simple_tag
def taipeipass_on() -> bool:
    return taipeipass_enabled()


@register.simple_tag(takes_context=True)
def public_menu(context, key: str) -> list[dict]:
    cache_name = f"_public_menu_{key}"
    if cache_name in context:
        return context[cache_name]
    request = context.get("request")
    path = request.path if request is not None else ""
    items: list[dict] = []
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    for link in _menu_links(key, _language(), request):
        account = _account_link(link["url"])
        # After log-in the header shows the person and 登出 instead of the log-in links (base.html);
        # the TaipeiPass link shows only when TaipeiPass is configured.
        if account and (signed_in or (account == "taipeipass" and not taipeipass_enabled())):
            continue
        children = [{**child, "active": _is_active(child["url"], path)} for child in link["children"]]
        active = _is_active(link["url"], path) or any(child["active"] for child in children)
        items.append({**link, "children": children, "active": active})
    context[cache_name] = items
    return items


@register.simple_tag(takes_context=True)
def footer_text(context):
    """Footer lines, contact details and the accessibility page link in the current language, as a plain
    dict cached until content changes: a page with the footer costs no footer query."""
    from wagtail.models import Site

    from ..models import ContactSettings, FooterText
    from ..page_cache import _content_version

    request = context.get("request")
    language = _language()
    host = request.get_host() if request is not None else ""
    cache_key = f"public-footer:{_content_version()}:{language}:{host}"
    footer = cache.get(cache_key)
    if footer is None:
        texts = {f.locale.language_code: f for f in FooterText.objects.select_related("locale", "accessibility_page")}
        text = texts.get(language) or texts.get(settings.LANGUAGE_CODE)
        site = Site.find_for_request(request) if request is not None else None
        site = site or Site.objects.filter(is_default_site=True).first()
        contact = ContactSettings.objects.filter(site=site).first() if site is not None else None  # never creates
        footer = {"found": text is not None}
        for name in ("organisation", "opening_hours", "copyright", "accessibility_text"):
            footer[name] = getattr(text, name, "")
        page = getattr(text, "accessibility_page", None)
        footer["accessibility_url"] = page.get_url(request) if page is not None and page.live else ""
        for name in ("phone", "email", "address", "address_en"):
            footer[name] = getattr(contact, name, "")
        cache.set(cache_key, footer, 300)
    return footer


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


@register.simple_tag
def shift_rows(shifts):
    """The rows of a shift table on the 我要當志工 page, built in Python: this page lists 40 shifts and a
    template loop costs several times as much per row (the browse benchmark shows it). While the page is
    rendered for the shared page cache the seat cells are placeholders, filled with live counts on every
    answer (cms.page_cache)."""
    from django.utils.dateformat import format as date_format
    from django.utils.html import format_html_join
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext

    from ..page_cache import seat_placeholder, seats_html

    full_label = gettext("Full: waitlist")
    rows = []
    for shift in shifts:
        placeholder = seat_placeholder(shift.pk, full_label)
        seats = mark_safe(placeholder) if placeholder else seats_html(shift.free_seats, shift.headcount, full_label)
        rows.append((shift.pk, shift.pk, shift.pk, date_format(shift.date, "Y-m-d (D)"),
                     f"{shift.start_time:%H:%M}–{shift.end_time:%H:%M}", shift.display_name, seats))
    return format_html_join(
        "\n", '<tr><td><input type="checkbox" name="shift" value="{}" id="s-{}"></td>'
              '<td><label for="s-{}">{}</label></td><td>{}</td><td>{}</td><td>{}</td></tr>', rows)


@register.filter
def month_label(value) -> str:
    """A month in the current language, as the seed writes it: 2024年2月 / February 2024."""
    import datetime

    from django.utils.dateformat import format as date_format

    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    if not value:
        return ""
    if _language() == "en":
        return date_format(value, "F Y")
    return f"{value.year}年{value.month}月"


@register.filter
def plain(value) -> str:
    """The text of a name without the Chinese-fallback markup (for places that cannot hold elements,
    such as <option>); pair it with `fallback_lang` on the element."""
    return str(value) if value is not None else ""


@register.filter
def fallback_lang(value) -> str:
    """` lang="zh-Hant"` when `value` is a Chinese name shown on the English site for want of an English
    form (operations.localised.ChineseFallback), for an element that cannot contain the marked <span>."""
    from operations.localised import ChineseFallback

    return mark_safe(' lang="zh-Hant"') if isinstance(value, ChineseFallback) else ""


@register.filter
def summary_label(label) -> str:
    """A field label as the error summary's lead-in ("label: error"), without its closing full stop."""
    return str(label or "").rstrip(".。")
