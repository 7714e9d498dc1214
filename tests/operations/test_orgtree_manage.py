"""系統管理 › 組織: authority officers (within their subtree) and system administrators create, rename, move and
close purpose authorities and units. Every refusal writes nothing; a form sent twice decides once; a node outside
the officer's subtree answers 404 like a missing one."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from operations.models import AuditAction, AuditEvent, Membership, OrgKind, OrgNode
from operations.services.organisations import orgnode_close, orgnode_create, orgnode_move, orgnode_update
from tests.conftest import assert_chinese, fresh

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)

UNIT = {"category": "social_welfare", "registration_type": "agency", "city": "taipei"}


def snapshot():
    return (list(OrgNode.objects.order_by("pk").values_list("pk", "path", "name", "name_en", "is_active")),
            AuditEvent.objects.count(), Membership.objects.filter(left_on__isnull=True).count())


def refused(exc_type, call, code=None):
    before = snapshot()
    with pytest.raises(exc_type) as info:
        call()
    assert snapshot() == before, "a refusal must write nothing"
    if code is not None:
        errors = ([e for field_errors in info.value.error_dict.values() for e in field_errors]
                  if hasattr(info.value, "error_dict") else info.value.error_list)
        codes = {e.code for e in errors}
        assert code in codes, codes
    return info.value


# --- services -------------------------------------------------------------------------------------------------

def test_officer_creates_a_unit_in_their_authority_once(org):
    officer = fresh(org.officer_wmg)
    unit = orgnode_create(actor=officer, parent=org.wmg, kind=OrgKind.UNIT, code="venue-d", name="丁場館",
                          name_en="Venue D", **UNIT)
    assert unit.get_parent() == org.wmg and unit.kind == OrgKind.UNIT
    again = orgnode_create(actor=fresh(org.officer_wmg), parent=org.wmg, kind=OrgKind.UNIT, code="venue-d",
                           name="丁場館", name_en="Venue D", **UNIT)
    assert again.pk == unit.pk
    assert AuditEvent.objects.filter(action=AuditAction.CREATED, object_id=str(unit.pk)).count() == 1
    # the same code for another organisation is refused
    refused(ValidationError, lambda: orgnode_create(actor=officer, parent=org.wmg, kind=OrgKind.UNIT,
                                                    code="venue-d", name="別的場館", **UNIT))


def test_tree_rules_refuse_and_write_nothing(org):
    admin = fresh(org.sysadmin)
    # a unit under a team, a purpose authority under a purpose authority or a unit
    refused(ValidationError, lambda: orgnode_create(actor=admin, parent=org.team_a, kind=OrgKind.UNIT,
                                                    code="u-under-team", name="隊下單位", **UNIT), "kind")
    refused(ValidationError, lambda: orgnode_create(actor=admin, parent=org.wmg, kind=OrgKind.PURPOSE_AUTHORITY,
                                                    code="pa-under-pa", name="目的下目的"), "kind")
    # a unit moved under a team, an authority moved into its own subtree
    refused(ValidationError, lambda: orgnode_move(actor=admin, node=org.unit_c, new_parent=org.team_a), "kind")
    refused(ValidationError, lambda: orgnode_move(actor=admin, node=org.wmg, new_parent=org.unit_a), "cycle")
    # a unit of a unit
    refused(ValidationError, lambda: orgnode_move(actor=admin, node=org.unit_c, new_parent=org.unit_a), "kind")


def test_an_officer_cannot_reach_outside_their_subtree(org):
    officer = fresh(org.officer_wmg)
    refused(PermissionDenied, lambda: orgnode_create(actor=officer, parent=org.root, kind=OrgKind.UNIT,
                                                     code="outside", name="外面", **UNIT))
    # moving a unit of theirs out to the root, or somebody else's unit in
    refused(PermissionDenied, lambda: orgnode_move(actor=officer, node=org.unit_a, new_parent=org.root))
    refused(PermissionDenied, lambda: orgnode_move(actor=fresh(org.officer_wmg), node=org.unit_c,
                                                   new_parent=org.wmg))
    refused(PermissionDenied, lambda: orgnode_close(actor=fresh(org.officer_wmg), node=org.unit_c, reason="撤銷"))
    # a unit administrator manages their unit's data, not the tree
    refused(PermissionDenied, lambda: orgnode_close(actor=fresh(org.admin_a), node=org.unit_a, reason="撤銷"))
    refused(PermissionDenied, lambda: orgnode_create(actor=fresh(org.admin_b), parent=org.wmg, kind=OrgKind.UNIT,
                                                     code="by-admin", name="單位建單位", **UNIT))


def test_move_decides_once(org):
    officer = fresh(org.officer_root)
    pa = orgnode_create(actor=officer, parent=org.root, kind=OrgKind.PURPOSE_AUTHORITY, code="culture",
                        name="文化局", name_en="Department of Cultural Affairs")
    moved = orgnode_move(actor=officer, node=org.unit_c, new_parent=pa)
    assert moved.get_parent() == pa
    assert OrgNode.objects.get(pk=org.team_c.pk).path.startswith(moved.path)  # the teams move with it
    orgnode_move(actor=fresh(org.officer_root), node=org.unit_c, new_parent=pa)  # the same form again
    assert AuditEvent.objects.filter(action=AuditAction.MOVED, object_id=str(org.unit_c.pk)).count() == 1


def test_nothing_goes_under_a_closed_authority(org):
    officer = fresh(org.officer_root)
    pa = orgnode_create(actor=officer, parent=org.root, kind=OrgKind.PURPOSE_AUTHORITY, code="closed-pa",
                        name="已裁撤機關")
    orgnode_close(actor=officer, node=pa, reason="組織改造")
    refused(ValidationError, lambda: orgnode_create(actor=fresh(org.officer_root), parent=pa, kind=OrgKind.UNIT,
                                                    code="late", name="晚來單位", **UNIT), "closed")
    refused(ValidationError, lambda: orgnode_move(actor=fresh(org.officer_root), node=org.unit_c, new_parent=pa),
            "closed")


def test_an_authority_with_open_units_is_not_closed(org):
    refused(ValidationError, lambda: orgnode_close(actor=fresh(org.officer_wmg), node=org.wmg, reason="活動結束"),
            "open_children")


def test_closing_a_unit_closes_its_teams_and_ends_memberships_once(org):
    officer = fresh(org.officer_wmg)
    open_before = Membership.objects.filter(team__path__startswith=org.unit_a.path, left_on__isnull=True).count()
    assert open_before
    orgnode_close(actor=officer, node=org.unit_a, reason="場館拆除")
    assert not OrgNode.objects.filter(path__startswith=org.unit_a.path, is_active=True).exists()
    assert not Membership.objects.filter(team__path__startswith=org.unit_a.path, left_on__isnull=True).exists()
    ended = list(Membership.objects.filter(team__path__startswith=org.unit_a.path).values_list("left_on", flat=True))
    orgnode_close(actor=fresh(org.officer_wmg), node=org.unit_a, reason="再按一次")  # the same form again
    assert AuditEvent.objects.filter(action=AuditAction.CLOSED, object_id=str(org.unit_a.pk)).count() == 1
    assert list(Membership.objects.filter(team__path__startswith=org.unit_a.path)
                .values_list("left_on", flat=True)) == ended
    # now the authority may close: unit B is still open, so not yet
    refused(ValidationError, lambda: orgnode_close(actor=fresh(org.officer_wmg), node=org.wmg, reason="結束"))
    orgnode_move(actor=fresh(org.officer_root), node=org.unit_b, new_parent=org.root)
    orgnode_close(actor=fresh(org.officer_root), node=org.wmg, reason="活動結束")
    assert not OrgNode.objects.get(pk=org.wmg.pk).is_active


def test_rename_is_audited_once(org):
    officer = fresh(org.officer_wmg)
    orgnode_update(actor=officer, node=org.unit_a, name="甲體育館", name_en="Gymnasium A")
    orgnode_update(actor=fresh(org.officer_wmg), node=org.unit_a, name="甲體育館", name_en="Gymnasium A")
    assert AuditEvent.objects.filter(action=AuditAction.UPDATED, object_id=str(org.unit_a.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_closes_at_once_decide_once(org):
    """Two officers (or a double click) close the same unit at the same moment: one close, one audit record."""
    import threading

    from django.db import connection

    results, barrier = [], threading.Barrier(2)

    def close(user):
        try:
            barrier.wait(timeout=5)
            orgnode_close(actor=fresh(user), node=org.unit_b, reason="同時關閉")
            results.append("ok")
        except Exception as exc:  # noqa: BLE001 - reported below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(u,)) for u in (org.officer_wmg, org.officer_root)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["ok", "ok"]
    assert AuditEvent.objects.filter(action=AuditAction.CLOSED, object_id=str(org.unit_b.pk)).count() == 1
    assert not OrgNode.objects.get(pk=org.unit_b.pk).is_active


# --- views ------------------------------------------------------------------------------------------------------

def tree_url(lang="zh-hant"):
    with translation.override(lang):
        return reverse("operations:org_tree_manage")


@pytest.mark.parametrize(("user_key", "status"), [
    ("sysadmin", 200), ("officer_root", 200), ("officer_wmg", 200), ("admin_a", 403), ("leader_a", 403),
    ("subleader_a", 403), ("nobody", 403),
])
def test_tree_page_for_every_role(org, login, user_key, status):
    response = login(org.users[user_key]).get(tree_url())
    assert response.status_code == status


def test_tree_page_lists_the_officers_part_in_both_languages(org, login):
    client = login(org.officer_wmg)
    response = client.get(tree_url())
    text = response.content.decode()
    assert "甲場館" in text and "乙場館" in text and "丙圖書館" not in text and "臺北市政府社會局" not in text
    assert_chinese(text)
    assert "組織" in text  # the sub-navigation entry
    english = client.get(tree_url("en")).content.decode()
    assert "Organisations" in english and "Volunteer-using unit" in english


def test_outside_the_subtree_is_404_like_a_missing_node(org, login):
    client = login(org.officer_wmg)
    for name in ("orgnode_rename", "orgnode_move", "orgnode_close"):
        outside = client.get(reverse(f"operations:{name}", args=[org.unit_c.pk]))
        missing = client.get(reverse(f"operations:{name}", args=[999999]))
        assert outside.status_code == missing.status_code == 404
    assert client.get(reverse("operations:orgnode_create", args=[org.root.pk])).status_code == 404
    # teams are not managed here
    assert client.get(reverse("operations:orgnode_close", args=[org.team_a.pk])).status_code == 404


def test_create_rename_move_and_close_through_the_pages(org, login):
    client = login(org.officer_root)
    response = client.post(reverse("operations:orgnode_create", args=[org.root.pk]), {
        "kind": OrgKind.PURPOSE_AUTHORITY, "code": "dot", "name": "交通局", "name_en": "Department of Transportation"})
    assert response.status_code == 302
    pa = OrgNode.objects.get(code="dot")
    response = client.post(reverse("operations:orgnode_create", args=[pa.pk]), {
        "kind": OrgKind.UNIT, "code": "traffic-vol", "name": "交通義警大隊", "name_en": "", "category": "traffic",
        "registration_type": "agency", "city": "taipei"})
    assert response.status_code == 302
    unit = OrgNode.objects.get(code="traffic-vol")
    assert unit.get_parent() == pa
    # a unit without its category is refused beside the field, nothing written
    response = client.post(reverse("operations:orgnode_create", args=[pa.pk]), {
        "kind": OrgKind.UNIT, "code": "no-category", "name": "缺類別", "registration_type": "agency", "city": "taipei"})
    assert response.status_code == 200 and not OrgNode.objects.filter(code="no-category").exists()
    assert "category" in response.context["form"].errors
    response = client.post(reverse("operations:orgnode_rename", args=[unit.pk]),
                           {"name": "交通志工大隊", "name_en": "Traffic Volunteers"})
    assert response.status_code == 302
    assert OrgNode.objects.get(pk=unit.pk).name_en == "Traffic Volunteers"
    # the move page confirms, then moves
    page = client.get(reverse("operations:orgnode_move", args=[unit.pk]))
    assert page.status_code == 200 and "confirm" in page.content.decode()
    assert client.post(reverse("operations:orgnode_move", args=[unit.pk]), {"new_parent": org.root.pk}).status_code == 302
    assert OrgNode.objects.get(pk=unit.pk).get_parent() == org.root
    page = client.get(reverse("operations:orgnode_close", args=[unit.pk]))
    assert page.status_code == 200 and "confirm-danger" in page.content.decode()
    assert client.post(reverse("operations:orgnode_close", args=[unit.pk]), {"reason": "併入其他單位"}).status_code == 302
    assert not OrgNode.objects.get(pk=unit.pk).is_active


def test_an_officer_cannot_pick_a_parent_outside_their_subtree(org, login):
    client = login(org.officer_wmg)
    before = snapshot()
    response = client.post(reverse("operations:orgnode_move", args=[org.unit_a.pk]), {"new_parent": org.root.pk})
    assert response.status_code == 200 and "new_parent" in response.context["form"].errors
    assert snapshot() == before


def test_closing_an_authority_with_units_shows_the_refusal_in_english(org, login):
    client = login(org.officer_wmg)
    with translation.override("en"):
        url = reverse("operations:orgnode_close", args=[org.wmg.pk])
    before = snapshot()
    response = client.post(url, {"reason": "The games are over"})
    assert response.status_code == 200
    assert "move or close them first" in response.content.decode()
    assert snapshot() == before


def test_the_verbs_follow_the_scope(org):
    verb = "operations.orgnode.manage_tree"
    officer = fresh(org.officer_wmg)
    assert officer.has_perm(verb, org.unit_a) and officer.has_perm(verb, org.wmg)
    assert not officer.has_perm(verb, org.unit_c) and not officer.has_perm(verb, org.root)
    assert not fresh(org.admin_a).has_perm(verb, org.unit_a)
    assert fresh(org.sysadmin).has_perm("operations.language.change", org.mandarin)
    assert not fresh(org.officer_root).has_perm("operations.language.change", org.mandarin)
    assert not fresh(org.officer_root).has_perm("operations.skill.change")


# --- a new top-level authority (system administrators) ------------------------------------------------------------

def test_system_administrator_creates_a_top_level_authority_once(org):
    root = orgnode_create(actor=fresh(org.sysadmin), parent=None, kind=OrgKind.COMPETENT_AUTHORITY,
                          code="new-city-dept", name="臺北市政府文化局", name_en="Department of Cultural Affairs")
    assert root.depth == 1 and root.kind == OrgKind.COMPETENT_AUTHORITY
    again = orgnode_create(actor=fresh(org.sysadmin), parent=None, kind=OrgKind.COMPETENT_AUTHORITY,
                           code="new-city-dept", name="臺北市政府文化局", name_en="Department of Cultural Affairs")
    assert again.pk == root.pk
    assert AuditEvent.objects.filter(action=AuditAction.CREATED, object_id=str(root.pk)).count() == 1
    # the tree rules hold at the top too: only a competent authority sits there; a taken code is refused
    refused(ValidationError, lambda: orgnode_create(actor=fresh(org.sysadmin), parent=None, kind=OrgKind.UNIT,
                                                    code="top-unit", name="頂層單位", **UNIT), code="kind")
    refused(ValidationError, lambda: orgnode_create(actor=fresh(org.sysadmin), parent=None,
                                                    kind=OrgKind.COMPETENT_AUTHORITY, code="new-city-dept",
                                                    name="別的局"))
    # and units go under it like under any authority
    unit = orgnode_create(actor=fresh(org.sysadmin), parent=root, kind=OrgKind.UNIT, code="culture-vol",
                          name="文化志工", **UNIT)
    assert unit.get_parent() == root


@pytest.mark.parametrize("user_key", ["officer_root", "officer_wmg", "admin_a", "leader_a"])
def test_only_system_administrators_create_a_top_level_authority(org, user_key):
    refused(PermissionDenied, lambda: orgnode_create(actor=fresh(org.users[user_key]), parent=None,
                                                     kind=OrgKind.COMPETENT_AUTHORITY, code="x-dept", name="某局"))


@pytest.mark.django_db(transaction=True)
def test_two_top_level_creations_at_once_decide_once(org):
    """The form sent twice at the same moment: one authority, one audit record, both answered with it."""
    import threading

    from django.db import connection

    results, barrier = [], threading.Barrier(2)

    def create():
        try:
            barrier.wait(timeout=5)
            node = orgnode_create(actor=fresh(org.sysadmin), parent=None, kind=OrgKind.COMPETENT_AUTHORITY,
                                  code="race-dept", name="同時局")
            results.append(node.pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    node = OrgNode.objects.get(code="race-dept")
    assert results == [node.pk, node.pk]
    assert AuditEvent.objects.filter(action=AuditAction.CREATED, object_id=str(node.pk)).count() == 1


def test_new_top_level_authority_page(org, login):
    url = reverse("operations:orgroot_create")
    assert login(org.officer_root).get(url).status_code == 403
    assert "new-authority/" not in login(org.officer_root).get(tree_url()).content.decode()
    client = login(org.sysadmin)
    tree = client.get(tree_url()).content.decode()
    assert "new-authority/" in tree
    page = client.get(url)
    assert page.status_code == 200
    assert_chinese(page.content.decode())
    # bad input: said beside the field, nothing written
    before = snapshot()
    response = client.post(url, {"code": "bad code!", "name": ""})
    assert response.status_code == 200 and {"code", "name"} <= set(response.context["form"].errors)
    assert snapshot() == before
    response = client.post(url, {"code": org.root.code, "name": "重複代碼局"})
    assert response.status_code == 200 and "code" in response.context["form"].errors
    assert snapshot() == before
    response = client.post(url, {"code": "dept-labor", "name": "臺北市政府勞動局", "name_en": "Department of Labor"})
    assert response.status_code == 302
    node = OrgNode.objects.get(code="dept-labor")
    assert node.depth == 1 and node.kind == OrgKind.COMPETENT_AUTHORITY
    with translation.override("en"):
        english = client.get(reverse("operations:orgroot_create")).content.decode()
    assert "New top-level authority" in english
