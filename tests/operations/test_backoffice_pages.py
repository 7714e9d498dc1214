"""The back-office shell: who gets in, the pages every staff level uses, and the error pages in both
languages. Every URL of the back-office is enumerated from the URL configuration, so a new page that
forgets its log-in or role check fails here."""
from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from operations.models import CampaignStatus, User
from tests.conftest import GRANTS, assert_chinese
from tests.factories import CampaignFactory
from tests.factories.operations import DEFAULT_PASSWORD
from tests.factories.second_factor import second_factor_device, totp_code

# Back-office URLs meant for people who are not (yet) logged in.
PUBLIC = {"login", "logout", "set_password",
          # the steps of the staff sign-in (second factor, forgotten password): open before the back-office
          "login_verify", "login_enrol", "password_reset", "password_reset_confirm", "password_reset_complete"}
# Back-office URLs that volunteers (accounts without a staff role) open, e.g. from a check-in QR code:
# they send anonymous visitors to the volunteers' log-in instead. The private-file views serve volunteers
# their own files too (and answer 404 to a user without a grant, like any file outside the scope).
VOLUNTEER_FACING = {"checkin", "my_qr", "my_qr_svg", "consent_file", "roster_file", "volunteer_photo"}


def backoffice_urls(pk: int) -> list[tuple[str, str]]:
    """(name, path) of every URL in the "operations" namespace, with `pk` for every integer argument."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "operations" and pattern.name not in PUBLIC:
                route = prefix + str(pattern.pattern)
                route = re.sub(r"<int:\w+>", str(pk), route)
                route = re.sub(r"<str:fmt>", "csv", route)
                route = re.sub(r"<(?:str|slug|path|uuid):\w+>", "sample", route)
                route = re.sub(r"<\w+>", "sample", route)
                assert "<" not in route and "(" not in route, f"add a sample value for {route}"
                found.append((pattern.name, "/" + route))

    walk(get_resolver().url_patterns, "", None)
    assert len(found) >= 10
    return found


def test_anonymous_is_sent_to_log_in_from_every_backoffice_url(org, client):
    wrong = []
    for name, url in backoffice_urls(org.team_a.pk):
        for prefix in ("", "/en"):
            response = client.get(prefix + url)
            login_page = "volunteer" if name in VOLUNTEER_FACING else "backoffice"
            if response.status_code != 302 or not response["Location"].startswith(
                f"{prefix}/{login_page}/login/?next={prefix}{url}"
            ):
                wrong.append((name, prefix + url, response.status_code, response.get("Location")))
    assert wrong == [], "\n".join(map(str, wrong))


def test_user_without_a_grant_is_refused_everywhere_with_403(org, login):
    client = login(org.nobody)
    wrong = []
    for name, url in backoffice_urls(org.vol_a.pk):
        if name in VOLUNTEER_FACING:
            continue
        response = client.get(url)
        if response.status_code != 403:
            wrong.append((name, url, response.status_code))
        assert "甲隊林美華" not in response.content.decode()
    assert wrong == [], "\n".join(map(str, wrong))


def test_user_without_a_grant_cannot_post_either(org, login):
    client = login(org.nobody)
    assert client.post(f"/backoffice/volunteers/{org.vol_a.pk}/", {"reason": "好奇"}).status_code == 403
    assert client.post("/backoffice/volunteers/new/", {"name": "x"}).status_code == 403
    assert client.post(f"/backoffice/organisations/{org.team_a.pk}/",
                       {"username": "nobody", "role": "team_leader"}).status_code == 403
    assert not org.nobody.grants.exists()


# --- Log-in ----------------------------------------------------------------------------------------

def test_login_page_in_both_languages(db, client):
    chinese = client.get("/backoffice/login/")
    english = client.get("/en/backoffice/login/")
    assert chinese.status_code == english.status_code == 200
    assert '<html lang="zh-Hant-TW">' in chinese.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert "<h1>Back-office log-in</h1>" in english.content.decode()
    heading = re.search(r"<h1>(.*?)</h1>", chinese.content.decode()).group(1)
    assert_chinese(heading)
    assert "log-in" not in heading


def test_staff_log_in_lands_on_the_dashboard_and_wrong_password_is_refused(org, client):
    device = second_factor_device(org.admin_a)
    response = client.post("/en/backoffice/login/", {"username": "admin_a", "password": "wrong-password-123",
                                                     "captcha_0": "x", "captcha_1": "PASSED"})
    assert response.status_code == 200
    assert "The account or password is incorrect" in response.content.decode()
    response = client.post("/backoffice/login/", {"username": "admin_a", "password": DEFAULT_PASSWORD,
                                                  "captcha_0": "x", "captcha_1": "PASSED"})
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/login/verify/?next=%2Fbackoffice%2F"  # then the code
    response = client.post(response["Location"], {"code": totp_code(device), "next": "/backoffice/"})
    assert response["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200


def test_log_in_goes_back_to_the_page_asked_for(org, client):
    target = f"/backoffice/volunteers/{org.vol_a.pk}/"
    response = client.post(f"/backoffice/login/?next={target}",
                           {"username": "leader_a", "password": DEFAULT_PASSWORD, "next": target,
                            "captcha_0": "x", "captcha_1": "PASSED"})
    assert response["Location"] == target  # a team leader without a second factor: the password is enough


def test_log_out(org, login):
    client = login(org.admin_a)
    assert client.post("/backoffice/logout/").status_code == 302
    assert client.get("/backoffice/").status_code == 302


# --- Pages at every level --------------------------------------------------------------------------

STAFF = [key for key, grants in GRANTS.items() if grants]


@pytest.mark.parametrize("user_key", STAFF)
def test_dashboard_shows_the_users_roles_and_counts(org, login, user_key):
    CampaignFactory(unit=org.unit_a, status=CampaignStatus.OPEN)
    CampaignFactory(unit=org.unit_c, status=CampaignStatus.OPEN)
    CampaignFactory(unit=org.unit_c, status=CampaignStatus.DRAFT)
    response = login(org.users[user_key]).get("/en/backoffice/")
    assert response.status_code == 200
    text = response.content.decode()
    for _role, node_key in GRANTS[user_key]:
        assert org.nodes[node_key].name_en in text
    counts = response.context["counts"]
    expected_volunteers = {"sysadmin": 5, "officer_root": 5, "officer_wmg": 4, "admin_a": 2, "leader_a": 2,
                           "subleader_a": 1, "admin_b": 2}[user_key]
    assert counts["volunteers"] == expected_volunteers
    expected_campaigns = {"sysadmin": 2, "officer_root": 2, "officer_wmg": 1, "admin_a": 1, "leader_a": 0,
                          "subleader_a": 0, "admin_b": 0}[user_key]
    assert counts["open_campaigns"] == expected_campaigns
    # the 13 modules are in the navigation
    assert "Volunteer and team management" in text
    assert "My profile" in text
    # only authorities see the audit trail
    assert (response.context.get("recent_audit") is not None) == (user_key in {"sysadmin", "officer_root",
                                                                              "officer_wmg"})


@pytest.mark.parametrize("user_key", STAFF)
def test_org_tree_shows_the_users_part_only(org, login, user_key):
    response = login(org.users[user_key]).get("/backoffice/organisations/")
    assert response.status_code == 200
    shown = {node.code for node in response.context["nodes"]}
    top = {org.nodes[key] for _role, key in GRANTS[user_key]}
    allowed = {n.code for n in org.nodes.values() if any(n.path.startswith(t.path) for t in top)}
    assert shown <= allowed
    assert {t.code for t in top} <= shown
    text = response.content.decode()
    for node in org.nodes.values():
        if node.code not in allowed:
            assert f'/backoffice/organisations/{node.pk}/"' not in text


@pytest.mark.parametrize("user_key", STAFF)
def test_node_detail_renders_for_each_level(org, login, user_key):
    client = login(org.users[user_key])
    for _role, node_key in GRANTS[user_key]:
        node = org.nodes[node_key]
        response = client.get(f"/en/backoffice/organisations/{node.pk}/")
        assert response.status_code == 200
        text = response.content.decode()
        assert node.name_en in text
        children = {child.code for child in response.context["children"]}
        assert children == {n.code for n in org.nodes.values() if n.depth == node.depth + 1
                            and n.path.startswith(node.path)}


def test_unit_detail_shows_the_unit_data(org, login):
    text = login(org.admin_b).get(f"/en/backoffice/organisations/{org.unit_b.pk}/").content.decode()
    for value in ("北市社團字第1234號", "Registered organisation", "Sports", org.unit_b.email, org.unit_b.phone):
        assert value in text


def test_org_tree_search(org, login):
    response = login(org.officer_wmg).get("/backoffice/organisations/", {"q": "乙場館"})
    assert {n.code for n in response.context["nodes"]} >= {"venue-b"}
    assert "venue-a" not in {n.code for n in response.context["nodes"]}


@pytest.mark.parametrize("user_key", STAFF)
def test_profile_edit_saves_own_data(org, login, user_key):
    client = login(org.users[user_key])
    response = client.post("/backoffice/profile/", {
        "last_name": "陳", "first_name": "怡君", "display_name": "陳組長", "email": f"{user_key}@example.org",
        "phone": "02-2720-8889", "job_title": "志工督導", "preferred_language": "en",
    })
    assert response.status_code == 302
    user = User.objects.get(pk=org.users[user_key].pk)
    assert (user.last_name, user.first_name, user.display_name, user.email, user.job_title,
            user.preferred_language) == ("陳", "怡君", "陳組長", f"{user_key}@example.org", "志工督導", "en")
    assert user.get_full_name() == "陳怡君"
    # nobody else changed
    assert User.objects.exclude(pk=user.pk).filter(display_name="陳組長").count() == 0


def test_profile_edit_refuses_bad_email_and_cannot_touch_privileges(org, login):
    client = login(org.admin_a)
    response = client.post("/en/backoffice/profile/", {"display_name": "x", "email": "not-an-address",
                                                       "preferred_language": "zh-hant"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    client.post("/backoffice/profile/", {"display_name": "admin", "preferred_language": "zh-hant",
                                         "is_superuser": "on", "is_staff": "on", "username": "root"})
    user = User.objects.get(pk=org.admin_a.pk)
    assert not user.is_superuser
    assert user.username == "admin_a"


def test_password_change(org, client):
    client.login(username="leader_a", password=DEFAULT_PASSWORD)
    assert client.get("/backoffice/profile/password/").status_code == 200
    new = "Volunteer-Tuesday-2025"
    wrong = client.post("/en/backoffice/profile/password/",
                        {"old_password": "not-it", "new_password1": new, "new_password2": new})
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    weak = client.post("/backoffice/profile/password/",
                       {"old_password": DEFAULT_PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200
    response = client.post("/backoffice/profile/password/",
                           {"old_password": DEFAULT_PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    # still logged in after the change, and the new password works from now on
    assert client.get("/backoffice/").status_code == 200
    user = User.objects.get(username="leader_a")
    assert user.check_password(new)
    assert not user.check_password(DEFAULT_PASSWORD)


def test_audit_list_for_authorities_within_their_scope(org, login):
    from tests.factories import AuditEventFactory

    AuditEventFactory(node=org.unit_c, action="exported", reason="丙圖書館匯出")
    AuditEventFactory(node=org.unit_a, action="exported", reason="甲場館匯出")
    assert "丙圖書館匯出" in login(org.officer_root).get("/backoffice/audit/").content.decode()
    text = login(org.officer_wmg).get("/backoffice/audit/").content.decode()
    assert "甲場館匯出" in text
    assert "丙圖書館匯出" not in text


# --- Error pages -------------------------------------------------------------------------------------

def heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S).group(1).strip()


def test_404_page_in_chinese_and_english(db, client):
    chinese = client.get("/no-such-page/")
    english = client.get("/en/no-such-page/")
    assert chinese.status_code == english.status_code == 404
    assert '<html lang="zh-Hant-TW">' in chinese.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert heading(english) == "Page not found"
    assert_chinese(heading(chinese))
    assert "Page not found" not in chinese.content.decode()


def test_403_page_in_chinese_and_english(org, login):
    client = login(org.subleader_a)
    chinese = client.get("/backoffice/audit/")
    english = client.get("/en/backoffice/audit/")
    assert chinese.status_code == english.status_code == 403
    assert heading(english) == "Not allowed"
    assert '<html lang="zh-Hant-TW">' in chinese.content.decode()
    assert_chinese(heading(chinese))
    assert "Not allowed" not in chinese.content.decode()


def test_404_inside_the_backoffice_in_both_languages(org, login):
    client = login(org.admin_a)
    chinese = client.get("/backoffice/volunteers/999999/")
    english = client.get("/en/backoffice/volunteers/999999/")
    assert chinese.status_code == english.status_code == 404
    assert heading(english) == "Page not found"
    assert_chinese(heading(chinese))
