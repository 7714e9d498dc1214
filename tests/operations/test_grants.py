"""Role grants: a granter may only give roles up to their own rank, on nodes they hold, with a role that
fits the node's kind, once. The same refusals show on the back-office form with nothing saved; revoking
is audited."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from operations.models import AuditAction, AuditEvent, Role, RoleGrant
from operations.services.people import grant_create, grant_revoke
from tests.conftest import assert_chinese, fresh
from tests.factories import UserFactory


@pytest.fixture
def newcomer(db):
    return UserFactory(username="newcomer", display_name="新進承辦人")


def snapshot():
    return (list(RoleGrant.objects.order_by("pk").values_list("pk", "user_id", "node_id", "role")),
            AuditEvent.objects.count())


@pytest.mark.parametrize(
    ("granter", "node", "role"),
    [
        ("admin_a", "unit_b", Role.UNIT_ADMIN),  # another unit
        ("admin_a", "team_b", Role.TEAM_LEADER),
        ("admin_a", "team_c", Role.TEAM_LEADER),
        ("officer_wmg", "unit_c", Role.UNIT_ADMIN),  # a unit under the root, not under WMG
        ("officer_wmg", "root", Role.AUTHORITY_OFFICER),  # above the granter
        ("nobody", "team_a", Role.TEAM_LEADER),
    ],
)
def test_grant_on_a_node_the_granter_does_not_hold_is_refused(org, newcomer, granter, node, role):
    before = snapshot()
    with translation.override("en"), pytest.raises(PermissionDenied) as info:
        grant_create(actor=fresh(org.users[granter]), user=newcomer, node=org.nodes[node], role=role)
    assert "do not manage" in str(info.value)
    assert snapshot() == before
    assert not RoleGrant.objects.filter(user=newcomer).exists()


def test_granting_a_higher_role_than_ones_own_is_refused(org, newcomer):
    before = snapshot()
    with translation.override("en"), pytest.raises(PermissionDenied) as info:
        grant_create(actor=fresh(org.officer_root), user=newcomer, node=org.root, role=Role.SYSTEM_ADMIN)
    assert "higher than your own" in str(info.value)
    assert snapshot() == before


def test_granting_ones_own_rank_is_allowed(org, newcomer):
    grant_create(actor=fresh(org.officer_wmg), user=newcomer, node=org.wmg, role=Role.AUTHORITY_OFFICER)
    grant_create(actor=fresh(org.admin_a), user=newcomer, node=org.unit_a, role=Role.UNIT_ADMIN)
    assert set(newcomer.grants.values_list("role", flat=True)) == {Role.AUTHORITY_OFFICER, Role.UNIT_ADMIN}


def test_leaders_cannot_grant_even_lower_roles(org, newcomer):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        grant_create(actor=fresh(org.leader_a), user=newcomer, node=org.sub_a, role=Role.SUBTEAM_LEADER)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("node", "role"),
    [
        ("unit_a", Role.TEAM_LEADER),
        ("team_a", Role.UNIT_ADMIN),
        ("sub_a", Role.TEAM_LEADER),
        ("team_a", Role.SUBTEAM_LEADER),
        ("wmg", Role.UNIT_ADMIN),
        ("wmg", Role.SYSTEM_ADMIN),
        ("unit_a", Role.AUTHORITY_OFFICER),
    ],
)
def test_role_that_does_not_fit_the_node_kind_is_refused_with_a_message(org, newcomer, node, role):
    before = snapshot()
    with translation.override("en"), pytest.raises(ValidationError) as info:
        grant_create(actor=fresh(org.sysadmin), user=newcomer, node=org.nodes[node], role=role)
    assert info.value.code == "role_kind"
    message = info.value.messages[0]
    with translation.override("en"):
        assert str(Role(role).label) in message
    assert "can only be granted on" in message
    assert snapshot() == before


def test_duplicate_grant_is_refused(org):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        grant_create(actor=fresh(org.admin_a), user=org.leader_a, node=org.team_a, role=Role.TEAM_LEADER)
    assert info.value.code == "duplicate"
    assert snapshot() == before


def test_valid_grant_is_saved_audited_and_widens_the_scope_at_once(org, newcomer):
    admin = fresh(org.admin_a)
    assert not newcomer.has_perm("operations.volunteer.view", org.vol_a)
    grant = grant_create(actor=admin, user=newcomer, node=org.team_a, role=Role.TEAM_LEADER)
    assert grant.granted_by == org.admin_a
    event = AuditEvent.objects.get(action=AuditAction.GRANTED, object_id=str(grant.pk))
    assert event.actor == org.admin_a
    assert event.node == org.team_a
    assert event.changes == {"user": "newcomer", "role": "team_leader"}
    assert newcomer.has_perm("operations.volunteer.view", org.vol_a)
    assert not newcomer.has_perm("operations.volunteer.view", org.vol_b)


def test_revoke_removes_the_scope_and_is_audited(org):
    leader = org.leader_a
    assert leader.has_perm("operations.volunteer.view", org.vol_a)
    grant = leader.grants.get()
    grant_revoke(actor=fresh(org.admin_a), grant=grant)
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.REVOKED)
    assert (event.actor, event.node, event.changes) == (org.admin_a, org.team_a, {"user": "leader_a", "role": "team_leader"})
    assert not fresh(leader).has_perm("operations.volunteer.view", org.vol_a)


def test_revoke_is_refused_outside_scope_and_above_rank(org):
    with pytest.raises(PermissionDenied):
        grant_revoke(actor=fresh(org.admin_b), grant=org.admin_a.grants.get())
    with pytest.raises(PermissionDenied):
        grant_revoke(actor=fresh(org.admin_a), grant=org.officer_wmg.grants.get())
    with pytest.raises(ValidationError):
        grant_revoke(actor=fresh(org.sysadmin), grant=org.sysadmin.grants.get())
    assert RoleGrant.objects.count() == 7
    assert not AuditEvent.objects.filter(action=AuditAction.REVOKED).exists()


# --- Over HTTP: the grant form on the organisation page -------------------------------------------

def post_grant(client, node, username, role, prefix=""):
    return client.post(f"{prefix}/backoffice/organisations/{node.pk}/", {"username": username, "role": role})


@pytest.mark.parametrize(
    ("granter", "node", "username", "role", "message"),
    [
        # roles that do not fit the node, or are above the granter, are not even offered
        ("admin_a", "unit_a", "newcomer", Role.TEAM_LEADER, "Select a valid choice"),
        ("officer_root", "root", "newcomer", Role.SYSTEM_ADMIN, "Select a valid choice"),
        ("admin_a", "team_a", "leader_a", Role.TEAM_LEADER, "This user already holds this role here."),
        ("admin_a", "team_a", "ghost", Role.TEAM_LEADER, "No active account with this name."),
    ],
)
def test_grant_form_shows_the_refusal_with_status_400_and_saves_nothing(
    org, newcomer, login, granter, node, username, role, message
):
    client = login(org.users[granter])
    before = snapshot()
    response = post_grant(client, org.nodes[node], username, role, prefix="/en")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("granter", "node", "offered"),
    [
        ("sysadmin", "root", {Role.SYSTEM_ADMIN, Role.AUTHORITY_OFFICER}),
        ("officer_root", "root", {Role.AUTHORITY_OFFICER}),
        ("officer_root", "unit_c", {Role.UNIT_ADMIN}),
        ("officer_wmg", "wmg", {Role.AUTHORITY_OFFICER}),
        ("admin_a", "unit_a", {Role.UNIT_ADMIN}),
        ("admin_a", "team_a", {Role.TEAM_LEADER}),
        ("admin_a", "sub_a", {Role.SUBTEAM_LEADER}),
    ],
)
def test_grant_form_offers_only_the_roles_the_granter_may_give_here(org, login, granter, node, offered):
    response = login(org.users[granter]).get(f"/backoffice/organisations/{org.nodes[node].pk}/")
    choices = {value for value, _label in response.context["grant_form"].fields["role"].choices if value}
    assert choices == offered


@pytest.mark.parametrize("user_key", ["leader_a", "subleader_a"])
def test_leaders_see_no_grant_form(org, login, user_key):
    response = login(org.users[user_key]).get(f"/backoffice/organisations/{org.sub_a.pk}/")
    assert response.status_code == 200
    assert not response.context["can_grant"]
    assert 'name="role"' not in response.content.decode()


def test_grant_form_refusal_is_in_chinese_on_the_chinese_site(org, login):
    client = login(org.admin_a)
    english = post_grant(client, org.team_a, "leader_a", Role.TEAM_LEADER, prefix="/en")
    chinese = post_grant(client, org.team_a, "leader_a", Role.TEAM_LEADER)
    assert english.status_code == chinese.status_code == 400
    assert "This user already holds this role here." in english.content.decode()
    assert "This user already holds this role here." not in chinese.content.decode()
    assert_chinese(chinese.context["grant_form"].non_field_errors()[0])
    assert RoleGrant.objects.filter(user=org.leader_a).count() == 1


def test_grant_form_on_another_units_node_is_404(org, newcomer, login):
    response = post_grant(login(org.admin_a), org.team_b, "newcomer", Role.TEAM_LEADER)
    assert response.status_code == 404
    assert not RoleGrant.objects.filter(user=newcomer).exists()


def test_grant_and_revoke_through_the_form(org, newcomer, login):
    client = login(org.admin_a)
    response = post_grant(client, org.team_a, "newcomer", Role.TEAM_LEADER)
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=newcomer)
    assert (grant.node, grant.role, grant.granted_by) == (org.team_a, Role.TEAM_LEADER, org.admin_a)
    page = client.get(response["Location"]).content.decode()
    assert "newcomer" in page

    response = client.post(f"/backoffice/organisations/{org.team_a.pk}/", {"revoke": grant.pk})
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.REVOKED, actor=org.admin_a, node=org.team_a).exists()


def test_revoking_a_grant_of_another_node_through_the_form_is_404(org, login):
    client = login(org.admin_a)
    foreign = org.admin_b.grants.get()
    response = client.post(f"/backoffice/organisations/{org.unit_a.pk}/", {"revoke": foreign.pk})
    assert response.status_code == 404
    assert RoleGrant.objects.filter(pk=foreign.pk).exists()
