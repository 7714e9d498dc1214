from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.urls import get_urlconf, reverse, translate_url
from django.utils.translation import get_language

from ..localised import join_list_html
from ..roles import Role
from ..scoping import is_staff_member
from ..views.base import modules_for

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _translated_path(path: str, code: str, current: str, urlconf) -> str:
    """`translate_url` of a path (resolved in the `current` language, then reversed in the other one): the same
    answer for the same path every time, kept for the most recent paths instead of resolving them on every
    page."""
    return translate_url(path, code)


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
            path, mark, query = request.get_full_path().partition("?")
            url = _translated_path(path, code, current, get_urlconf()) + mark + query
        links.append({"code": code, "name": name, "url": url or "/", "current": code == current})
    return links


@register.simple_tag(takes_context=True)
def backoffice_modules(context):
    """The side navigation: only the modules the person may open (see `views.base.MODULES`)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    active = context.get("active_module", "")
    return [
        {"key": m.key, "label": m.label, "url": reverse(m.url_name), "active": m.key == active}
        for m in modules_for(user)
    ]


def _scope_path(node) -> str:
    """A team is named with its unit ("臺北大巨蛋 › 競賽組"): team names repeat across units."""
    if node.kind not in ("team", "subteam"):
        return node.display_name
    above = [a.display_name for a in node.get_ancestors() if a.kind in ("unit", "team")]
    return " › ".join([*above, node.display_name])


@register.simple_tag(takes_context=True)
def backoffice_identity(context):
    """Who is signed in, for the header: their name and each role with its scope ("運用單位管理員 · 臺北大巨蛋")."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return None
    roles = [{"role": grant.get_role_display(), "scope": _scope_path(grant.node)}
             for grant in user.grants.select_related("node")]
    if not roles and user.is_superuser:
        roles = [{"role": Role.SYSTEM_ADMIN.label, "scope": ""}]
    return {"name": str(user), "roles": roles, "staff": is_staff_member(user)}


@register.filter
def join_local(items, attribute=""):
    """A list in a cell or a sentence, separated as the page's language writes lists (、 or a comma);
    `attribute` (dotted, e.g. "team.display_name") picks what each item shows."""
    if attribute:
        def pick(item):
            for name in attribute.split("."):
                item = getattr(item, name)
            return item
        items = [pick(item) for item in items]
    return join_list_html(items)


@register.filter
def roc_date(value):
    """2025-05-17 → 114/05/17 (民國 year), as many Taiwanese users expect on official screens."""
    if not value:
        return ""
    return f"{value.year - 1911}/{value:%m/%d}"


@register.filter
def may(user, permission: str) -> bool:
    """`{% if user|may:"operations.recordbook.view" %}`: the user holds a role that may do this somewhere
    (our permission names have a second dot, which the `perms` proxy cannot spell)."""
    return bool(user and user.is_authenticated and user.has_perm(permission))
