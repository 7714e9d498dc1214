"""English means English: a crawl of the English site (/en/) with the demo data finds no Chinese
characters outside elements marked `lang="zh-Hant"` (the language switch's own name, and any operations
name that has no English form: operations.localised marks those the same way everywhere) and an
allow-list (empty with the demo data). Shift names, districts, addresses, document titles, list separators and unit facts all come in
English."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
# Words allowed unmarked (none: Chinese on the English site is always inside an element with lang="zh-Hant").
ALLOWED: set[str] = set()
MAX_PAGES = 150


class _Page(HTMLParser):
    """Visible text (and the attributes people read or hear: alt, title, aria-label, placeholder) and links."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self.marked: list[str] = []  # text inside an element marked lang="zh-Hant"
        self._hidden = 0
        self._zh: list[str] = []  # open elements marked as Chinese

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if (attrs.get("lang") or "").lower().startswith("zh"):
            self._zh.append(tag)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("alt", "title", "aria-label", "placeholder"):
            if attrs.get(name):
                self.text.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.text.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1
        if self._zh and self._zh[-1] == tag:
            self._zh.pop()

    def handle_data(self, data):
        if not self._hidden:
            (self.marked if self._zh else self.text).append(data)


@pytest.fixture
def demo(db):
    from django.core.management import call_command

    call_command("load_demo_data", "--quiet", "--volunteers", "60")


@pytest.mark.django_db
def test_the_english_site_has_no_chinese_outside_the_allow_list(demo, client):
    seen: set[str] = set()
    queue = ["/en/"]
    found: dict[str, set[str]] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 302), url
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        page = _Page()
        page.feed(response.content.decode())
        for text in page.text:
            for word in CJK.findall(text):
                if word not in ALLOWED:
                    found.setdefault(word, set()).add(url)
        for href in page.links:
            target = urlparse(urljoin(url, href))
            if target.netloc and target.netloc != "testserver":
                continue
            path = target.path + (f"?{target.query}" if target.query else "")
            if path.startswith("/en/") and "page=" not in path and path not in seen:
                queue.append(path)
    assert len(seen) > 40  # the crawl reached the whole site, not just the home page
    assert not found, {word: sorted(urls)[:3] for word, urls in found.items()}


@pytest.mark.django_db
def test_english_fields_fall_back_to_chinese_when_missing(db):
    """A venue or shift without an English form shows its Chinese one on the English site (the same rule
    everywhere), never an empty cell."""
    import datetime

    from django.utils import translation

    from operations.models import Shift
    from tests.factories import CampaignFactory, PositionFactory, UnitFactory

    # a city without districts in the code table: the district is free text with an optional English form
    unit = UnitFactory(code="fallback-unit", city="taichung", district="西屯區", district_en="")
    position = PositionFactory(campaign=CampaignFactory(), venue=unit)
    shift = Shift.objects.create(position=position, date=datetime.date(2030, 1, 1), start_time=datetime.time(8),
                                 end_time=datetime.time(12), name="早班", headcount=3)
    with translation.override("en"):
        assert unit.display_district == "西屯區" and shift.display_name == "早班"
        unit.district_en, shift.name_en = "Xitun District", "Morning"
        assert unit.display_district == "Xitun District" and shift.display_name == "Morning"
    with translation.override("zh-hant"):
        assert unit.display_district == "西屯區" and shift.display_name == "早班"


@pytest.mark.django_db
def test_a_chinese_fallback_is_marked_the_same_way_everywhere(db):
    """Shown on the English site, a name without an English form is inside lang="zh-Hant" (screen readers
    pronounce it as Chinese) with the zh-fallback style; the crawl's parser counts it as marked."""
    from django.template import Context, Template
    from django.utils import translation

    from tests.factories import UnitFactory

    unit = UnitFactory(code="fallback-unit", name="信義區志工隊", name_en="", city="taipei", district="信義區",
                       district_en="Xinyi District")
    template = Template("{% load public_site %}<p>{{ unit.display_name }}, {{ unit.display_district }}</p>"
                        "<option{{ unit.display_name|fallback_lang }}>{{ unit.display_name|plain }}</option>")
    with translation.override("en"):
        html = template.render(Context({"unit": unit}))
        assert html == ('<p><span lang="zh-Hant" class="zh-fallback">信義區志工隊</span>, Xinyi District</p>'
                        '<option lang="zh-Hant">信義區志工隊</option>')
        assert str(unit) == "信義區志工隊" and type(str(unit)) is str  # forms and exports get plain text
        page = _Page()
        page.feed(html)
        assert not [t for t in page.text if CJK.search(t)] and "信義區志工隊" in "".join(page.marked)
    with translation.override("zh-hant"):
        assert template.render(Context({"unit": unit})) == (
            "<p>信義區志工隊, 信義區</p><option>信義區志工隊</option>")
