"""The back-office frame: its own header (person, roles and scope, language switch, log-out), a side
navigation that shows only the modules the person may open, breadcrumbs, and lists whose cells carry their
column names for the stacked phone layout. The log-in page uses the frame without the menu."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from operations.views.base import MODULES
from tests.factories import UserFactory

NAV = re.compile(r'<nav id="bo-nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')

NOT_BUILT: set[str] = set()
# role → the modules it sees, besides the dashboard link
EXPECTED = {
    "sysadmin": {"volunteers", "units", "recruitment", "insurance", "training", "attendance", "applications", "review",
                 "reports", "system", "statistics", "profile"},
    "officer_root": {"volunteers", "units", "recruitment", "insurance", "training", "attendance", "applications",
                     "review", "reports", "system", "statistics", "profile"},
    # 系統管理 shows to unit administrators too: its accounts part, for the roles they may grant
    "admin_a": {"volunteers", "units", "recruitment", "insurance", "training", "attendance", "applications", "review",
                "reports", "system", "statistics", "profile"},
    "leader_a": {"volunteers", "units", "recruitment", "training", "attendance", "statistics", "profile"},
    "subleader_a": {"volunteers", "units", "recruitment", "training", "attendance", "statistics", "profile"},
}
for _modules in EXPECTED.values():  # every staff member manages their own API tokens
    _modules.add("api_tokens")


def menu(client) -> list[tuple[str, str]]:
    html = client.get(reverse("operations:dashboard")).content.decode()
    found = NAV.search(html)
    assert found, "the side navigation is missing"
    return LINK.findall(found.group(1))


def module_urls(keys) -> set[str]:
    return {reverse(m.url_name) for m in MODULES if m.key in keys}


@pytest.mark.parametrize("user_key", sorted(EXPECTED))
def test_menu_shows_exactly_the_modules_the_role_may_open_and_each_answers_200(org, login, user_key):
    client = login(org.users[user_key])
    links = menu(client)
    hrefs = {href for href, _label in links}
    assert hrefs == module_urls(EXPECTED[user_key]) | {reverse("operations:dashboard")}
    for href, label in links:
        response = client.get(href)
        assert response.status_code == 200, (user_key, label, href, response.status_code)


@pytest.mark.parametrize("user_key", sorted(EXPECTED))
def test_modules_not_built_and_not_allowed_are_absent(org, login, user_key):
    client = login(org.users[user_key])
    html = client.get(reverse("operations:dashboard")).content.decode()
    nav = NAV.search(html).group(1)
    for module in MODULES:
        if module.key in NOT_BUILT or module.key not in EXPECTED[user_key]:
            assert str(module.label) not in nav, (user_key, module.key)
    assert "wagtailadmin" not in nav and "/admin/" not in nav


def test_unit_admin_is_not_led_to_the_audit_log_they_cannot_open(org, login):
    client = login(org.admin_a)
    assert reverse("operations:audit_list") not in NAV.search(client.get(reverse("operations:dashboard")).content.decode()).group(1)
    assert client.get(reverse("operations:audit_list")).status_code == 403


def test_front_site_management_appears_with_the_wagtail_admin_permission(org, login):
    editors = Group.objects.create(name="Back-office editors")
    editors.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    org.admin_a.groups.add(editors)
    client = login(org.admin_a)
    links = dict((href, label) for href, label in menu(client))
    assert reverse("wagtailadmin_home") in links
    assert client.get(reverse("wagtailadmin_home")).status_code == 200


def test_superuser_without_grant_sees_front_site_and_system(db, client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    hrefs = {href for href, _label in menu(client)}
    assert {reverse("wagtailadmin_home"), reverse("operations:system_home")} <= hrefs
    for href in hrefs:
        assert client.get(href).status_code == 200, href


def test_header_names_the_person_their_role_and_scope_and_offers_language_and_log_out(org, login):
    client = login(org.admin_a)
    html = client.get(reverse("operations:volunteer_list")).content.decode()
    header = re.search(r'<header class="bo-header">(.*?)</header>', html, re.S).group(1)
    assert str(org.admin_a) in header
    assert "運用單位管理者" in header and org.unit_a.name in header
    assert 'hreflang="en" lang="en"' in header and "/en/backoffice/volunteers/" in header
    assert reverse("operations:logout") in header
    # not the public site's frame
    assert "site-footer" not in html and "main-nav" not in html and "header-search" not in html
    assert 'class="skip-link" href="#main"' in html


def test_english_header_and_menu(org, login):
    client = login(org.leader_a)
    html = client.get("/en/backoffice/").content.decode()
    assert "Team leader" in html and f"{org.unit_a.name_en} › {org.team_a.name_en}" in html
    assert "Volunteer and team management" in NAV.search(html).group(1)


def test_pages_fill_the_breadcrumbs(org, login):
    client = login(org.admin_a)
    html = client.get(reverse("operations:team_detail", args=[org.team_a.pk])).content.decode()
    crumbs = re.search(r'<nav class="breadcrumb"[^>]*>(.*?)</nav>', html, re.S).group(1)
    assert reverse("operations:dashboard") in crumbs and reverse("operations:team_list") in crumbs
    assert 'aria-current="page"' in crumbs and org.team_a.name in crumbs
    assert html.count('class="breadcrumb"') == 1
    html = client.get(reverse("operations:volunteer_list")).content.decode()
    crumbs = re.search(r'<nav class="breadcrumb"[^>]*>(.*?)</nav>', html, re.S).group(1)
    assert re.search(r'<li aria-current="page">\s*志工\s*</li>', crumbs)


def test_list_cells_carry_their_column_name_for_the_phone_layout(org, login):
    client = login(org.admin_a)
    html = client.get(reverse("operations:volunteer_list")).content.decode()
    assert 'class="table-container stack-on-phone"' in html
    assert re.search(r'<td[^>]* data-label="[^"]+">', html)
    assert 'href="/static/css/backoffice.css"' in html or "css/backoffice" in html


def test_log_in_page_uses_the_frame_without_the_menu(db, client):
    html = client.get(reverse("operations:login")).content.decode()
    assert 'class="bo-header"' in html and "css/backoffice" in html
    assert 'id="bo-nav"' not in html and 'class="breadcrumb"' not in html
    assert "site-footer" not in html
