"""Team management: create, rename, move and close teams and sub-teams; add, move and remove members
with dates and reasons (history kept); cadre roles. Bad input is refused with a message and nothing is
half-written."""
from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from operations.models import AuditAction, AuditEvent, CadreRole, Membership, OrgKind, OrgNode
from operations.services.teams import membership_move, membership_set_cadre, team_create, team_member_add
from tests.conftest import assert_chinese, fresh
from tests.factories import VolunteerFactory

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)

TODAY = datetime.date.today()


def test_unit_admin_creates_a_team_and_a_sub_team_over_http(org, login):
    client = login(org.admin_a)
    page = client.get(f"/backoffice/organisations/{org.unit_a.pk}/teams/new/")
    assert page.status_code == 200
    assert_chinese(page.content.decode())
    response = client.post(f"/backoffice/organisations/{org.unit_a.pk}/teams/new/",
                           {"name": "交通組", "name_en": "Transport", "description": ""})
    team = OrgNode.objects.get(name="交通組")
    assert response.status_code == 302 and response["Location"].endswith(f"/teams/{team.pk}/")
    assert team.kind == OrgKind.TEAM and team.get_parent() == org.unit_a
    client.post(f"/backoffice/organisations/{team.pk}/teams/new/", {"name": "早班小隊"})
    sub = OrgNode.objects.get(name="早班小隊")
    assert sub.kind == OrgKind.SUBTEAM and sub.get_parent() == team
    assert AuditEvent.objects.filter(action=AuditAction.CREATED, object_id=str(sub.pk)).exists()


def test_team_without_a_name_is_refused_and_nothing_is_created(org, login):
    before = OrgNode.objects.count()
    response = login(org.admin_a).post(f"/backoffice/organisations/{org.unit_a.pk}/teams/new/", {"name": " "})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert OrgNode.objects.count() == before


def test_a_sub_team_cannot_hold_teams(org):
    with pytest.raises(ValidationError):
        team_create(actor=org.admin_a, parent=org.sub_a, name="孫隊")


def test_rename_a_team(org, login):
    client = login(org.admin_a)
    response = client.post(f"/backoffice/teams/{org.team_a.pk}/edit/",
                           {"name": "甲場館服務隊", "name_en": "Venue A Service Team", "description": "說明"})
    assert response.status_code == 302
    team = OrgNode.objects.get(pk=org.team_a.pk)
    assert (team.name, team.name_en, team.description) == ("甲場館服務隊", "Venue A Service Team", "說明")
    assert AuditEvent.objects.filter(action=AuditAction.UPDATED, object_id=str(team.pk)).exists()


def test_move_a_sub_team_within_its_unit_and_not_to_another_unit(org, login):
    second = team_create(actor=None, parent=org.unit_a, name="甲場館第二隊")
    client = login(org.officer_wmg)
    form = client.get(f"/backoffice/teams/{org.sub_a.pk}/move/").context["form"]
    choices = set(form.fields["new_parent"].queryset)
    assert second in choices and org.team_b not in choices  # only teams of the same unit are offered
    response = client.post(f"/backoffice/teams/{org.sub_a.pk}/move/", {"new_parent": second.pk})
    assert response.status_code == 302
    assert OrgNode.objects.get(pk=org.sub_a.pk).get_parent() == second
    # forging another unit's team in the POST is refused by the form (not offered) and the service
    response = client.post(f"/backoffice/teams/{org.sub_a.pk}/move/", {"new_parent": org.team_b.pk})
    assert response.status_code == 200 and response.context["form"].errors
    assert OrgNode.objects.get(pk=org.sub_a.pk).get_parent() == second


def test_closing_asks_for_confirmation_then_ends_memberships_with_the_reason(org, login):
    client = login(org.admin_a)
    page = client.get(f"/backoffice/teams/{org.team_a.pk}/close/")
    assert page.status_code == 200
    assert page.context["open_members"] == 2 and page.context["subteam_count"] == 1
    assert OrgNode.objects.get(pk=org.team_a.pk).is_active  # a GET changes nothing
    refused = client.post(f"/backoffice/teams/{org.team_a.pk}/close/", {"reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["reason"]
    assert OrgNode.objects.get(pk=org.team_a.pk).is_active
    client.post(f"/backoffice/teams/{org.team_a.pk}/close/", {"reason": "活動結束"})
    assert not OrgNode.objects.get(pk=org.team_a.pk).is_active
    assert not OrgNode.objects.get(pk=org.sub_a.pk).is_active
    ended = Membership.objects.filter(team__in=[org.team_a, org.sub_a])
    assert all(m.left_on == TODAY and m.leave_reason == "活動結束" for m in ended)
    again = client.post(f"/backoffice/teams/{org.team_a.pk}/close/", {"reason": "再關一次"})
    assert again.status_code == 200 and again.context["form"].non_field_errors()


def test_add_a_member_by_search_with_date_and_cadre(org, login):
    client = login(org.admin_a)
    volunteer = VolunteerFactory(name="新加入王大明", team=org.team_a)
    page = client.get(f"/backoffice/teams/{org.sub_a.pk}/members/add/", {"q": "王大明"})
    assert [v.pk for v in page.context["candidates"]] == [volunteer.pk]
    # a volunteer of another unit is not found
    assert not client.get(f"/backoffice/teams/{org.sub_a.pk}/members/add/", {"q": "乙隊"}).context["candidates"]
    response = client.post(f"/backoffice/teams/{org.sub_a.pk}/members/add/", {
        "volunteer_id": volunteer.pk, "team": org.sub_a.pk, "cadre_role": CadreRole.SUBTEAM_LEADER,
        "joined_on": "2025-03-01"})
    assert response.status_code == 302
    membership = Membership.objects.get(volunteer=volunteer, team=org.sub_a)
    assert membership.cadre_role == CadreRole.SUBTEAM_LEADER and membership.joined_on == datetime.date(2025, 3, 1)


def test_adding_a_volunteer_outside_the_scope_by_forged_id_is_refused(org, login):
    response = login(org.admin_a).post(f"/backoffice/teams/{org.team_a.pk}/members/add/", {
        "volunteer_id": org.vol_b.pk, "team": org.team_a.pk, "cadre_role": "member", "joined_on": "2025-03-01"})
    assert response.status_code == 200
    assert not Membership.objects.filter(volunteer=org.vol_b, team=org.team_a).exists()


def test_move_a_member_keeps_the_history(org, login):
    membership = Membership.objects.get(volunteer=org.vol_a, team=org.team_a)
    client = login(org.admin_a)
    response = client.post(f"/backoffice/memberships/{membership.pk}/move/",
                           {"to_team": org.sub_a.pk, "moved_on": "2025-04-01", "reason": "調整班表"})
    assert response.status_code == 302
    old = Membership.objects.get(pk=membership.pk)
    new = Membership.objects.get(volunteer=org.vol_a, team=org.sub_a)
    assert old.left_on == datetime.date(2025, 4, 1) and old.leave_reason == "調整班表"
    assert new.joined_on == datetime.date(2025, 4, 1) and new.left_on is None
    assert AuditEvent.objects.filter(action=AuditAction.MOVED, reason="調整班表").exists()
    detail = client.get(f"/backoffice/volunteers/{org.vol_a.pk}/").content.decode()
    assert "調整班表" in detail  # the former membership stays on the volunteer's page


@pytest.mark.parametrize(("data", "field"), [
    ({"moved_on": "2025-04-01", "reason": ""}, "reason"),
    ({"moved_on": "2020-01-01", "reason": "太早"}, "moved_on"),
])
def test_bad_moves_are_refused_and_nothing_changes(org, login, data, field):
    membership = Membership.objects.get(volunteer=org.vol_a, team=org.team_a)
    response = login(org.admin_a).post(f"/backoffice/memberships/{membership.pk}/move/",
                                       {"to_team": org.sub_a.pk, **data})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Membership.objects.get(pk=membership.pk).left_on is None
    assert not Membership.objects.filter(volunteer=org.vol_a, team=org.sub_a).exists()


def test_moving_to_a_team_outside_the_scope_is_refused(org):
    membership = Membership.objects.get(volunteer=org.vol_a, team=org.team_a)
    with pytest.raises(PermissionDenied):
        membership_move(actor=fresh(org.admin_a), membership=membership, to_team=org.team_b,
                        moved_on=TODAY, reason="換單位")
    assert Membership.objects.get(pk=membership.pk).left_on is None


def test_remove_a_member_needs_a_reason_and_keeps_the_record(org, login):
    membership = Membership.objects.get(volunteer=org.vol_sub_a, team=org.sub_a)
    client = login(org.leader_a)
    page = client.get(f"/backoffice/memberships/{membership.pk}/end/")
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode() and 'name="left_on"' in page.content.decode()
    refused = client.post(f"/backoffice/memberships/{membership.pk}/end/", {"left_on": "2025-01-01", "reason": ""})
    assert refused.status_code == 200 and Membership.objects.get(pk=membership.pk).left_on is None
    before_join = client.post(f"/backoffice/memberships/{membership.pk}/end/",
                              {"left_on": "2024-01-01", "reason": "搬家"})
    assert "left_on" in before_join.context["form"].errors
    client.post(f"/backoffice/memberships/{membership.pk}/end/", {"left_on": "2025-01-01", "reason": "搬家"})
    ended = Membership.objects.get(pk=membership.pk)
    assert ended.left_on == datetime.date(2025, 1, 1) and ended.leave_reason == "搬家"
    members = client.get(f"/backoffice/teams/{org.sub_a.pk}/", {"status": "former"}).context["table"].data
    assert [m.pk for m in members] == [membership.pk]


def test_cadre_roles_fit_the_team_kind_and_one_captain_at_a_time(org):
    first = Membership.objects.get(volunteer=org.vol_a, team=org.team_a)
    membership_set_cadre(actor=fresh(org.admin_a), membership=first, cadre_role=CadreRole.CAPTAIN)
    second = team_member_add(actor=None, volunteer=org.vol_sub_a, team=org.team_a, joined_on=TODAY)
    with pytest.raises(ValidationError) as exc:
        membership_set_cadre(actor=fresh(org.admin_a), membership=second, cadre_role=CadreRole.CAPTAIN)
    assert "甲隊林美華" in str(exc.value)
    membership_set_cadre(actor=fresh(org.admin_a), membership=second, cadre_role=CadreRole.VICE_CAPTAIN)
    sub = Membership.objects.get(volunteer=org.vol_sub_a, team=org.sub_a)
    with pytest.raises(ValidationError):
        membership_set_cadre(actor=None, membership=sub, cadre_role=CadreRole.CAPTAIN)  # 隊長 is for a team
    assert Membership.objects.get(pk=sub.pk).cadre_role == CadreRole.MEMBER
    events = AuditEvent.objects.filter(action=AuditAction.UPDATED, changes__cadre_role__isnull=False)
    assert events.count() == 2


def test_cadre_change_over_http_shows_the_error_beside_the_field(org, login):
    sub = Membership.objects.get(volunteer=org.vol_sub_a, team=org.sub_a)
    response = login(org.admin_a).post(f"/backoffice/memberships/{sub.pk}/cadre/", {"cadre_role": "captain"})
    assert response.status_code == 200
    assert response.context["form"].errors["cadre_role"] == [
        _("The role %(role)s does not exist in a %(kind)s.") % {"role": CadreRole.CAPTAIN.label,
                                                              "kind": OrgKind.SUBTEAM.label}]
    assert Membership.objects.get(pk=sub.pk).cadre_role == CadreRole.MEMBER


def test_team_list_is_scoped_sortable_and_exports(org, login):
    client = login(org.admin_a)
    page = client.get("/backoffice/teams/", {"sort": "-member_count"})
    assert {t.pk for t in page.context["table"].data} == {org.team_a.pk, org.sub_a.pk}
    csv_body = b"".join(client.get("/backoffice/teams/export.csv").streaming_content).decode("utf-8-sig")
    assert "甲場館志工隊" in csv_body and "乙場館" not in csv_body
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED, changes__what="teams").exists()


def test_team_list_query_count_does_not_grow(org, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(org.admin_a)
    with CaptureQueriesContext(connection) as few:
        client.get("/backoffice/teams/")
    for i in range(30):
        team_create(actor=None, parent=org.unit_a, name=f"隊{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/backoffice/teams/").status_code == 200


def test_team_pages_in_english(org, login):
    body = login(org.admin_a).get(f"/en/backoffice/teams/{org.team_a.pk}/").content.decode()
    for label in ("Members", "Sub-teams", "Rename", "Close the team", "Add a member"):
        assert label in body
