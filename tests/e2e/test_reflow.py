"""Reflow (WCAG 1.4.10): every public page type, in both languages, at 320 px and 390 px wide, is no
wider than the screen (`document.documentElement.scrollWidth` ≤ the viewport width), with the WMG city
dialog open too. A failure names the page, the width and the elements that stick out."""
from __future__ import annotations

import pytest

from .test_public_site import PAGES

REFLOW_PAGES = {
    **PAGES,
    "recruitment": "/recruitment/", "login": "/volunteer/login/", "register": "/volunteer/register/",
    "forgot-password": "/volunteer/forgot-password/", "accessibility": "/accessibility/",
    "highlights": "/highlights/", "not-found": "/no-such-page/",
}
WIDTHS = (320, 390)

OVERFLOWING = """(width) => {
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.right > width + 0.5 &&
            ![...el.children].some(c => c.getBoundingClientRect().right > width + 0.5)) {
            out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + Math.round(r.right) + 'px');
        }
    }
    return out.slice(0, 5);
}"""


SCROLLING_TABLES = """() => [...document.querySelectorAll('.table-container, table')]
  .filter(el => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
  .map(el => (el.closest('section')?.querySelector('h2')?.textContent || el.className).trim())"""


def _too_wide(page, width: int) -> list[str] | None:
    if page.evaluate("document.documentElement.scrollWidth") <= width:
        return None
    return page.evaluate(OVERFLOWING, width)


@pytest.mark.django_db(transaction=True)
def test_no_public_page_is_wider_than_a_phone(browser, live_server, shot, demo_data):
    problems = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15000)
        for name, url in REFLOW_PAGES.items():
            for prefix in ("", "/en"):
                response = page.goto(live_server.url + prefix + url)
                assert response.status == (404 if name == "not-found" else 200), prefix + url
                wide = _too_wide(page, width)
                if wide is not None:
                    problems[f"{prefix}{url} @ {width}px"] = wide
                if width == 320 and name in ("home", "wmg", "announcements", "announcement"):
                    shot(page, f"reflow-{name}{'-en' if prefix else '-zh'}-{width}")
        # The WMG city dialog fits too (it was cut off in English).
        for prefix in ("", "/en"):
            page.goto(live_server.url + prefix + "/wmg/")
            page.locator('.city-button[data-city-open="new_taipei"]').click()
            dialog = page.locator('[data-city-dialog="new_taipei"]')
            assert dialog.is_visible()
            box = dialog.bounding_box()
            if box["x"] < 0 or box["x"] + box["width"] > width:
                problems[f"{prefix}/wmg/ dialog @ {width}px"] = [f"dialog from {box['x']:.0f} to {box['x'] + box['width']:.0f}px"]
            wide = _too_wide(page, width)
            if wide is not None:
                problems[f"{prefix}/wmg/ with dialog @ {width}px"] = wide
            shot(page, f"reflow-wmg-dialog{'-en' if prefix else '-zh'}-{width}")
        context.close()
    assert not problems, problems


# --- The back-office ---------------------------------------------------------------------------------

def _backoffice_pages() -> dict[str, str]:
    """The main back-office pages: lists, details and a form, with objects of the Taipei Dome."""
    from django.urls import reverse

    from operations.models import OrgNode, Shift

    team = OrgNode.objects.get(code="wmg-taipei-dome-competition")
    shift = Shift.objects.filter(position__venue__code="wmg-taipei-dome").order_by("date", "start_time").first()
    return {
        "fill rates": reverse("operations:fill_rates"),
        "generate shifts": reverse("operations:shift_generate", args=[shift.position_id]),
        "day sheet": reverse("operations:attendance_shift", args=[shift.pk]),
        "venue live": reverse("operations:venue_live", args=[shift.position.venue_id]),
        "organisation tree": reverse("operations:org_tree"),
        "review sign-ups": reverse("operations:signup_review"),
        "service plans": reverse("operations:plan_list"),
        "dashboard": reverse("operations:dashboard"),
        "volunteers": reverse("operations:volunteer_list"),
        "teams": reverse("operations:team_list"),
        "team": reverse("operations:team_detail", args=[team.pk]),
        "campaigns": reverse("operations:campaign_list"),
        "shift": reverse("operations:shift_detail", args=[shift.pk]),
        "attendance": reverse("operations:attendance_list"),
        "form": reverse("operations:volunteer_create"),
    }


def session_cookie(username: str, base_url: str) -> dict:
    """A logged-in session for `username`, as a browser cookie (no log-in form, no lockout counting)."""
    from django.conf import settings
    from django.test import Client

    from operations.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": base_url}


@pytest.mark.django_db(transaction=True)
def test_no_backoffice_page_is_wider_than_a_phone(browser, live_server, shot, demo_data):
    pages = _backoffice_pages()
    problems = {}
    for username in ("officer", "unit_admin"):
        cookie = session_cookie(username, live_server.url)
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 800})
            context.add_cookies([cookie])
            page = context.new_page()
            page.set_default_timeout(15000)
            for url in pages.values():
                for prefix in ("", "/en"):
                    response = page.goto(live_server.url + prefix + url)
                    assert response.status == 200, (username, prefix + url, response.status)
                    wide = _too_wide(page, width)
                    if wide is not None:
                        problems[f"{username} {prefix}{url} @ {width}px"] = wide
                    # nor does a table scroll sideways inside its box: on phones tables become cards
                    boxed = page.evaluate(SCROLLING_TABLES) if width < 761 else []
                    if boxed:
                        problems[f"{username} {prefix}{url} @ {width}px: table scrolls in its box"] = boxed
            # the side navigation is folded away behind an accessible button
            page.goto(live_server.url + pages["volunteers"])
            toggle = page.locator("[data-nav-toggle]")
            assert toggle.get_attribute("aria-expanded") == "false"
            assert not page.locator("#bo-nav").is_visible()
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true"
            assert page.locator("#bo-nav").is_visible()
            if width == 390 and username == "unit_admin":
                shot(page, "reflow-backoffice-volunteers-menu-390")
            context.close()
    assert not problems, problems
