"""Browser tests of the public site in headless Chromium, both languages: the home page, the WMG landing
(keyboard opens a city's dialog, Escape closes it and focus returns), every page type on screen, and an
axe-core scan (vendored: tests/e2e/vendor/axe.min.js, axe-core 4.14, MPL-2.0) with no serious or critical
violation."""
from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

PAGES = {
    "home": "/", "announcements": "/announcements/", "announcement": "/announcements/wmg-recruitment-open/",
    "teams": "/organisations/teams/", "units": "/organisations/units/", "service-plan": "/apply-unit/service-plan/",
    "application": "/apply-unit/application/", "wmg": "/wmg/", "gallery": "/highlights/galleries/wmg-training-day/",
    "videos": "/highlights/videos/", "laws": "/resources/laws/", "downloads": "/resources/downloads/",
    "tutorials": "/resources/tutorials/", "sitemap": "/sitemap/", "search": "/search/?q=志工",
    "newsletter": "/newsletter/", "guide": "/guide/",
}


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.mark.django_db(transaction=True)
def test_home_page_in_both_languages(page, live_server, shot, demo_data, settings):
    settings.TAIPEIPASS = {**settings.TAIPEIPASS, "DISCOVERY_URL": "https://id.example/.well-known/openid-configuration",
                           "CLIENT_ID": "volunteer-platform"}  # the TaipeiPass links show only when configured
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant-TW"
    assert page.get_by_role("link", name="臺北通登入", exact=True).is_visible()
    assert page.get_by_role("navigation", name="Main menu").count() + page.locator("[data-main-nav]").count() >= 1
    tabs = page.get_by_role("tab")
    assert tabs.count() == 4
    # keyboard: arrow keys move between the announcement tabs
    tabs.first.focus()
    page.keyboard.press("ArrowRight")
    assert tabs.nth(1).get_attribute("aria-selected") == "true"
    assert page.locator("#panel-recruitment").is_visible()
    assert not page.locator("#panel-news").is_visible()
    shot(page, "public-home-zh")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="TaipeiPass log-in", exact=True).is_visible()
    shot(page, "public-home-en")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible()
    toggle.click()
    assert page.locator("#main-menu").is_visible()
    shot(page, "public-home-zh-phone")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prefix, city, label", [("", "taipei", "臺北市"), ("/en", "yilan", "Yilan County")])
def test_wmg_map_dialog_with_keyboard_and_escape(page, live_server, shot, demo_data, prefix, city, label):
    from operations.selectors.recruitment import venues_by_city

    venue = venues_by_city(campaign_code="wmg-2025", city=city).first()
    page.goto(live_server.url + prefix + "/wmg/")
    total = page.locator("[data-total-venues]").inner_text()
    from operations.selectors.recruitment import recruitment_status

    assert int(total) == recruitment_status(campaign_code="wmg-2025").venue_count
    shot(page, f"public-wmg{prefix.replace('/', '-') or '-zh'}")
    # Tab through the page until the city on the map has the focus
    target = page.locator(f'svg [data-city-open="{city}"]')
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('data-city-open')") == city and \
                page.evaluate("document.activeElement.tagName.toLowerCase()") == "g":
            break
    else:
        pytest.fail("the city on the map never received the keyboard focus")
    assert label in target.get_attribute("aria-label")
    page.keyboard.press("Enter")
    dialog = page.locator(f'[data-city-dialog="{city}"]')
    assert dialog.is_visible()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    name = venue.name_en if prefix == "/en" and venue.name_en else venue.name
    assert name in dialog.inner_text()
    shot(page, f"public-wmg-dialog{prefix.replace('/', '-') or '-zh'}")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.getAttribute('data-city-open')") == city
    # the mouse and the list buttons open the same dialog
    page.locator(f'.city-button[data-city-open="{city}"]').click()
    assert dialog.is_visible()
    dialog.get_by_role("button").first.click()
    assert not dialog.is_visible()


@pytest.mark.django_db(transaction=True)
def test_every_page_type_on_screen_and_axe_scan(page, live_server, shot, demo_data):
    problems = {}
    for name, url in PAGES.items():
        for prefix in ("", "/en"):
            response = page.goto(live_server.url + prefix + url)
            assert response.status == 200, prefix + url
            shot(page, f"public-{name}{'-en' if prefix else '-zh'}")
            violations = _axe(page)
            if violations:
                problems[prefix + url] = violations
    assert not problems, problems


@pytest.mark.django_db(transaction=True)
def test_video_loads_nothing_until_play(page, live_server, demo_data):
    from tests.cms.test_pages import add_site_videos

    add_site_videos()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server.url + "/highlights/videos/")
    assert not [u for u in requests if "youtube" in u or "vimeo" in u]
    assert page.locator("iframe").count() == 0
    page.locator("[data-video-play]").first.click()
    assert page.locator("iframe").first.get_attribute("src").startswith("https://www.youtube-nocookie.com/embed/")
