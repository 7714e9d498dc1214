"""English means English: a crawl of the English site (/en/) with the demo data finds no Chinese
characters outside an allow-list of words that are meant to stay Chinese (the language switch's own
name). Shift names, districts, addresses, document titles, list separators and unit facts all come in
English."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
# Proper names and words that have no English form on this site, shown as they are.
ALLOWED = {"繁體中文"}  # the language switch names the Chinese site in Chinese
MAX_PAGES = 150


class _Page(HTMLParser):
    """Visible text (and the attributes people read or hear: alt, title, aria-label, placeholder) and links."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
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

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


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

    unit = UnitFactory(code="fallback-unit", city="taipei", district="中正區", district_en="")
    position = PositionFactory(campaign=CampaignFactory(), venue=unit)
    shift = Shift.objects.create(position=position, date=datetime.date(2030, 1, 1), start_time=datetime.time(8),
                                 end_time=datetime.time(12), name="早班", headcount=3)
    with translation.override("en"):
        assert unit.display_district == "中正區" and shift.display_name == "早班"
        unit.district_en, shift.name_en = "Zhongzheng District", "Morning"
        assert unit.display_district == "Zhongzheng District" and shift.display_name == "Morning"
    with translation.override("zh-hant"):
        assert unit.display_district == "中正區" and shift.display_name == "早班"
