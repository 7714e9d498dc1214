"""The five-level organisation tree: which kind may sit under which, moves that would take a team out
of its unit or make a cycle, and the data a unit must carry. Every refusal leaves the tree unchanged."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from operations.models import (
    AuditAction,
    AuditEvent,
    OrgKind,
    OrgNode,
    RegistrationType,
    UnitCategory,
    Volunteer,
)
from operations.services.organisations import orgnode_create, orgnode_move, orgnode_update
from tests.conftest import fresh

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)


def tree_snapshot():
    return list(OrgNode.objects.order_by("pk").values_list("pk", "path", "depth", "numchild"))


def unit_fields(**overrides):
    fields = {
        "category": UnitCategory.HEALTH, "registration_type": RegistrationType.AGENCY, "city": "taipei",
        "district": "大安區", "address": "仁愛路四段10號", "contact_person": "林護理長", "phone": "02-27093600",
        "email": "volunteer@hospital.example.org",
    }
    fields.update(overrides)
    return fields


@pytest.mark.parametrize(
    ("parent_key", "kind"),
    [
        ("wmg", OrgKind.TEAM),  # a team straight under a purpose authority
        ("root", OrgKind.TEAM),
        ("root", OrgKind.SUBTEAM),
        ("unit_a", OrgKind.SUBTEAM),
        ("unit_a", OrgKind.UNIT),
        ("team_a", OrgKind.TEAM),  # a team under a team
        ("sub_a", OrgKind.SUBTEAM),
        ("wmg", OrgKind.PURPOSE_AUTHORITY),
        ("wmg", OrgKind.COMPETENT_AUTHORITY),
    ],
)
def test_kind_rules_refuse_misplaced_nodes_and_save_nothing(org, parent_key, kind):
    before = tree_snapshot()
    audits = AuditEvent.objects.count()
    fields = unit_fields() if kind == OrgKind.UNIT else {}
    with translation.override("en"), pytest.raises(ValidationError) as info:
        orgnode_create(actor=org.sysadmin, parent=org.nodes[parent_key], kind=kind, code="misplaced", name="錯置", **fields)
    assert info.value.code == "kind"
    assert "cannot be placed under" in info.value.messages[0]
    assert tree_snapshot() == before
    assert not OrgNode.objects.filter(code="misplaced").exists()
    assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize(
    ("parent_key", "kind"),
    [("root", OrgKind.PURPOSE_AUTHORITY), ("root", OrgKind.UNIT), ("wmg", OrgKind.UNIT),
     ("unit_a", OrgKind.TEAM), ("team_a", OrgKind.SUBTEAM)],
)
def test_allowed_kinds_are_created_under_their_parent(org, parent_key, kind):
    parent = fresh_node(org.nodes[parent_key])
    fields = unit_fields() if kind == OrgKind.UNIT else {}
    node = orgnode_create(actor=org.sysadmin, parent=parent, kind=kind, code="new-node", name="新節點", **fields)
    assert node.get_parent().pk == parent.pk
    assert OrgNode.objects.get(pk=parent.pk).numchild == parent.numchild + 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATED, object_id=str(node.pk), actor=org.sysadmin).exists()


def test_only_a_system_administrator_may_create_a_new_root(org):
    # an officer of the root authority may build under it, but a new top-level authority is the system
    # administrators' (operations.orgnode.create_root, the 系統管理 › 組織 screen)
    for actor in (org.officer_root, org.admin_a):
        with pytest.raises(PermissionDenied):
            orgnode_create(actor=fresh(actor), parent=None, kind=OrgKind.COMPETENT_AUTHORITY, code="x", name="新機關")
    assert not OrgNode.objects.filter(code="x").exists()
    created = orgnode_create(actor=fresh(org.sysadmin), parent=None, kind=OrgKind.COMPETENT_AUTHORITY, code="tycg",
                             name="桃園市政府社會局")
    assert created.is_root()
    root = orgnode_create(actor=None, parent=None, kind=OrgKind.COMPETENT_AUTHORITY, code="ntpc", name="新北市政府")
    assert root.is_root()
    with pytest.raises(ValidationError):
        orgnode_create(actor=None, parent=None, kind=OrgKind.UNIT, code="y", name="頂層單位", **unit_fields())


def test_unit_admin_cannot_create_nodes_outside_their_unit(org):
    orgnode_create(actor=fresh(org.admin_a), parent=org.unit_a, kind=OrgKind.TEAM, code="a-2", name="甲第二隊")
    with pytest.raises(PermissionDenied):
        orgnode_create(actor=fresh(org.admin_a), parent=org.unit_b, kind=OrgKind.TEAM, code="b-2", name="乙第二隊")
    assert not OrgNode.objects.filter(code="b-2").exists()


def test_duplicate_code_is_refused(org):
    with pytest.raises(ValidationError) as info:
        orgnode_create(actor=None, parent=org.unit_a, kind=OrgKind.TEAM, code="team-b", name="重複")
    assert "code" in info.value.message_dict


def test_subteam_cannot_move_to_a_team_of_another_unit(org):
    before = tree_snapshot()
    with translation.override("en"), pytest.raises(ValidationError) as info:
        orgnode_move(actor=org.sysadmin, node=org.sub_a, new_parent=org.team_b)
    assert info.value.code == "other_unit"
    assert "cannot be moved to another unit" in info.value.messages[0]
    assert tree_snapshot() == before
    assert fresh_node(org.sub_a).get_parent().pk == org.team_a.pk
    assert not AuditEvent.objects.filter(action=AuditAction.MOVED).exists()


def test_team_cannot_move_to_another_unit(org):
    before = tree_snapshot()
    with pytest.raises(ValidationError) as info:
        orgnode_move(actor=org.sysadmin, node=org.team_a, new_parent=org.unit_b)
    assert info.value.code == "other_unit"
    assert tree_snapshot() == before


@pytest.mark.parametrize(("node_key", "target_key"), [("unit_a", "team_a"), ("wmg", "unit_b"), ("team_a", "sub_a"),
                                                       ("team_a", "team_a")])
def test_a_node_cannot_move_under_itself_or_its_descendants(org, node_key, target_key):
    before = tree_snapshot()
    with pytest.raises(ValidationError) as info:
        orgnode_move(actor=org.sysadmin, node=org.nodes[node_key], new_parent=org.nodes[target_key])
    assert info.value.code == "cycle"
    assert tree_snapshot() == before


def test_team_under_a_team_is_refused_by_a_move_too(org):
    before = tree_snapshot()
    second = orgnode_create(actor=None, parent=org.unit_a, kind=OrgKind.TEAM, code="a-2", name="甲第二隊")
    before = tree_snapshot()
    with pytest.raises(ValidationError) as info:
        orgnode_move(actor=org.sysadmin, node=second, new_parent=org.team_a)
    assert info.value.code == "kind"
    assert tree_snapshot() == before


def fresh_node(node):
    return OrgNode.objects.get(pk=node.pk)


def test_allowed_moves_carry_the_subtree_and_are_audited(org):
    second = orgnode_create(actor=None, parent=org.unit_a, kind=OrgKind.TEAM, code="a-2", name="甲第二隊")
    moved = orgnode_move(actor=fresh(org.admin_a), node=org.sub_a, new_parent=second)
    assert moved.get_parent().pk == second.pk
    assert moved.path.startswith(second.path)
    # the unit moves with its teams and their members stay visible to its admin
    unit = orgnode_move(actor=org.sysadmin, node=org.unit_a, new_parent=org.root)
    assert unit.get_parent().pk == org.root.pk
    for node in (org.team_a, second, moved):
        assert fresh_node(node).path.startswith(unit.path)
    assert AuditEvent.objects.filter(action=AuditAction.MOVED).count() == 2
    assert org.vol_sub_a in Volunteer.objects.visible_to(fresh(org.admin_a))


def test_moving_needs_change_rights_on_both_ends(org):
    second_b = orgnode_create(actor=None, parent=org.unit_b, kind=OrgKind.TEAM, code="b-2", name="乙第二隊")
    with pytest.raises(PermissionDenied):
        orgnode_move(actor=fresh(org.admin_a), node=org.sub_b, new_parent=second_b)
    with pytest.raises(PermissionDenied):
        orgnode_move(actor=fresh(org.leader_a), node=org.sub_a, new_parent=org.team_a)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": ""}, "category"),
        ({"registration_type": ""}, "registration_type"),
        ({"registration_type": RegistrationType.REGISTERED, "registration_number": ""}, "registration_number"),
        ({"registration_type": RegistrationType.CORPORATION, "registration_number": ""}, "registration_number"),
        ({"city": ""}, "city"),
    ],
)
def test_unit_data_is_validated_and_nothing_saved(org, overrides, field):
    before = tree_snapshot()
    with pytest.raises(ValidationError) as info:
        orgnode_create(actor=org.sysadmin, parent=org.wmg, kind=OrgKind.UNIT, code="hospital", name="仁愛醫院",
                       **unit_fields(**overrides))
    assert field in info.value.message_dict
    assert tree_snapshot() == before


@pytest.mark.parametrize("registration_type", [RegistrationType.AGENCY, RegistrationType.SCHOOL])
def test_agencies_and_schools_are_exempt_from_the_certificate(org, registration_type):
    unit = orgnode_create(actor=org.sysadmin, parent=org.root, kind=OrgKind.UNIT, code="exempt", name="免證單位",
                          **unit_fields(registration_type=registration_type, registration_number=""))
    assert unit.registration_number == ""
    assert not unit.needs_certificate


def test_registered_unit_keeps_its_certificate_number(org):
    unit = orgnode_create(actor=org.sysadmin, parent=org.root, kind=OrgKind.UNIT, code="assoc", name="協會",
                          **unit_fields(registration_type=RegistrationType.REGISTERED,
                                        registration_number="府社團字第1120001號"))
    assert fresh_node(unit).registration_number == "府社團字第1120001號"


def test_unit_update_is_validated_and_audited(org):
    with pytest.raises(ValidationError):
        orgnode_update(actor=fresh(org.admin_b), node=org.unit_b, registration_number="")
    assert fresh_node(org.unit_b).registration_number == "北市社團字第1234號"
    orgnode_update(actor=fresh(org.admin_b), node=org.unit_b, phone="02-2345-6789")
    assert fresh_node(org.unit_b).phone == "02-2345-6789"
    event = AuditEvent.objects.get(action=AuditAction.UPDATED, object_id=str(org.unit_b.pk))
    assert event.actor == org.admin_b
    assert event.changes["phone"][1] == "02-2345-6789"
    with pytest.raises(PermissionDenied):
        orgnode_update(actor=fresh(org.admin_a), node=org.unit_b, phone="0")


def test_unit_ancestor(org):
    assert org.sub_a.unit_ancestor().pk == org.unit_a.pk
    assert org.team_c.unit_ancestor().pk == org.unit_c.pk
    assert org.unit_b.unit_ancestor().pk == org.unit_b.pk
    assert org.wmg.unit_ancestor() is None
