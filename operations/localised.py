"""Names in the visitor's language. An operations name (unit, venue, district, address, shift, campaign,
position, team) shown on the English site without an English form falls back to its Chinese form, the
same way everywhere, and visibly: the value is a `ChineseFallback`, which templates render as
`<span lang="zh-Hant" class="zh-fallback">…</span>` (screen readers pronounce it as Chinese; the page
styles it with a dotted underline). In Python it is an ordinary string (JSON, CSV, sorting)."""
from __future__ import annotations

import re

from django.utils.html import format_html
from django.utils.translation import get_language

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class ChineseFallback(str):
    __slots__ = ()

    def __html__(self) -> str:
        return format_html('<span lang="zh-Hant" class="zh-fallback">{}</span>', str(self))


def english_wanted() -> bool:
    return (get_language() or "").startswith("en")


def list_separator() -> str:
    """Between the items of a list written out in a sentence or a cell: 、 in Chinese, a comma in English."""
    return ", " if english_wanted() else "、"


def join_list(items) -> str:
    """`items` as one string in the visitor's language (see list_separator)."""
    return list_separator().join(str(item) for item in items)


def join_list_html(items) -> str:
    """`items` joined for a template: each item escaped (or rendered through its __html__, such as a
    ChineseFallback), separated by list_separator()."""
    from django.utils.html import format_html_join

    return format_html_join(list_separator(), "{}", ((item,) for item in items))


def localised(chinese: str, english: str) -> str:
    """`english` on the English site when given; otherwise `chinese` (marked when it is Chinese text
    shown on the English site)."""
    if not english_wanted():
        return chinese
    if english:
        return english
    if chinese and _CJK.search(chinese):
        return ChineseFallback(chinese)
    return chinese
