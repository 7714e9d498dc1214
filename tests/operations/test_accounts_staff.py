"""系統管理 › 帳號: who sees which staff accounts, creating an account and its role on one screen within the
grant rules, disabling (sessions end, history kept), re-enabling, password links and second-factor resets,
each audited; bad input refused with nothing written; a double submit creates one account."""
from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from operations.models import AuditAction, AuditEvent, Role, RoleGrant, User
from operations.services.accounts import second_factor_reset, staff_account_create, staff_account_set_active
from tests.factories import RoleGrantFactory, UserFactory
from tests.factories.second_factor import second_factor_device


def accounts_matrix_objects(o):
    """Inside: the sub-team leader of sub-team A (unit A's side); outside: a leader of team C."""
    o.account_in = o.subleader_a
    o.account_out = UserFactory(username="leader_c")
    RoleGrantFactory(user=o.account_out, node=o.team_c, role=Role.TEAM_LEADER)


def listed(client) -> set[str]:
    response = client.get(reverse("operations:staff_account_list"), {"per_page": 100})
    assert response.status_code == 200
    return {a.username for a in response.context["table"].data}


def test_each_manager_lists_the_accounts_of_their_part(org, login):
    everybody = {"sysadmin", "officer_root", "officer_wmg", "admin_a", "leader_a", "subleader_a", "admin_b"}
    assert listed(login(org.sysadmin)) == everybody
    assert listed(login(org.officer_wmg)) == {"officer_wmg", "admin_a", "leader_a", "subleader_a", "admin_b"}
    assert listed(login(org.admin_a)) == {"admin_a", "leader_a", "subleader_a"}
    assert login(org.leader_a).get(reverse("operations:staff_account_list")).status_code == 403


def test_list_filters_and_sorts(org, login):
    client = login(org.sysadmin)
    response = client.get(reverse("operations:staff_account_list"), {"role": Role.UNIT_ADMIN, "sort": "-username"})
    assert [row.record.username for row in response.context["table"].page.object_list] == ["admin_b", "admin_a"]
    assert "last_login" in response.content.decode() or "最後登入" in response.content.decode()
    response = client.get(reverse("operations:staff_account_list"), {"q": "leader"})
    assert {a.username for a in response.context["table"].data} == {"leader_a", "subleader_a"}


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_create_an_account_and_its_role_on_one_screen(org, login, django_capture_on_commit_callbacks, language):
    client = login(org.admin_a)
    prefix = "/en" if language == "en" else ""
    url = prefix + reverse("operations:staff_account_create")
    page = client.get(url).content.decode()
    assert ("New account" if language == "en" else "新增帳號") in page
    data = {"username": "new.leader", "last_name": "王", "first_name": "小明", "email": "New.Leader@example.org",
            "node": org.team_a.pk, "role": Role.TEAM_LEADER}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    account = User.objects.get(username="new.leader")
    assert response.status_code == 302 and response["Location"].endswith(f"/system/accounts/{account.pk}/")
    assert not account.has_usable_password()
    assert RoleGrant.objects.filter(user=account, node=org.team_a, role=Role.TEAM_LEADER).exists()
    assert AuditEvent.objects.filter(action=AuditAction.CREATED, object_id=str(account.pk), actor=org.admin_a).exists()
    assert mail.outbox[0].to == ["new.leader@example.org"] and "/backoffice/login/reset/" in mail.outbox[0].body
    # a double submit: the name is taken, nothing more is written
    response = client.post(url, data)
    assert response.status_code == 200 and User.objects.filter(username="new.leader").count() == 1


@pytest.mark.parametrize(("actor", "node", "role"), [
    ("admin_a", "unit_a", Role.AUTHORITY_OFFICER),  # higher than their own / wrong kind
    ("admin_a", "unit_b", Role.UNIT_ADMIN),  # an organisation they do not manage
    ("admin_a", "wmg", Role.AUTHORITY_OFFICER),  # above their own
    ("officer_wmg", "root", Role.SYSTEM_ADMIN),  # above their own
])
def test_create_is_refused_beyond_the_grant_rules_and_writes_nothing(org, login, actor, node, role):
    client = login(org.users[actor])
    users, audits = User.objects.count(), AuditEvent.objects.count()
    response = client.post(reverse("operations:staff_account_create"), {
        "username": "too.much", "last_name": "陳", "email": "too.much@example.org",
        "node": org.nodes[node].pk, "role": role})
    assert response.status_code == 200
    assert User.objects.count() == users and AuditEvent.objects.count() == audits


def test_service_refuses_a_role_the_actor_may_not_grant(org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        staff_account_create(actor=org.admin_a, username="x.y.z", email="x@example.org", node=org.unit_b,
                             role=Role.UNIT_ADMIN)
    assert not User.objects.filter(username="x.y.z").exists()


def test_disable_ends_sessions_keeps_history_and_re_enable_sends_a_link(org, login, django_capture_on_commit_callbacks):
    victim = Client()
    victim.force_login(org.leader_a)
    assert victim.get("/backoffice/").status_code == 200
    grants_before = RoleGrant.objects.filter(user=org.leader_a).count()
    client = login(org.admin_a)
    url = reverse("operations:staff_account_action", args=[org.leader_a.pk])
    assert client.post(url, {"action": "disable"}).status_code == 302
    assert client.post(url, {"action": "disable"}).status_code == 302  # a double click changes nothing more
    assert victim.get("/backoffice/").status_code == 302  # the session has ended
    account = User.objects.get(pk=org.leader_a.pk)
    assert not account.is_active and RoleGrant.objects.filter(user=account).count() == grants_before
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_DISABLED, object_id=str(account.pk)).count() == 1
    User.objects.filter(pk=account.pk).update(email="leader.a@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "enable"})
    assert User.objects.get(pk=account.pk).is_active
    assert victim.get("/backoffice/").status_code == 302  # old sessions stay ended after re-enabling
    assert mail.outbox[-1].to == ["leader.a@example.org"]
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_ENABLED).count() == 1


def test_reset_the_second_factor_is_audited_and_asks_for_a_new_set_up(org, login):
    second_factor_device(org.leader_a)
    client = login(org.admin_a)
    url = reverse("operations:staff_account_action", args=[org.leader_a.pk])
    assert client.post(url, {"action": "reset_factor"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=org.leader_a).exists()
    assert AuditEvent.objects.filter(action=AuditAction.FACTOR_RESET, object_id=str(org.leader_a.pk)).count() == 1
    assert second_factor_reset(actor=org.admin_a, account=org.leader_a) is False  # nothing left: no record


def test_password_link_by_an_administrator(org, login, django_capture_on_commit_callbacks):
    User.objects.filter(pk=org.leader_a.pk).update(email="leader.a@example.org")
    client = login(org.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("operations:staff_account_action", args=[org.leader_a.pk]), {"action": "reset_password"})
    assert mail.outbox[0].to == ["leader.a@example.org"]
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_SENT).count() == 1


@pytest.mark.parametrize(("actor", "target"), [
    ("admin_a", "officer_wmg"),  # higher role: visible? no — 404
    ("admin_a", "admin_a"),  # oneself
    ("officer_wmg", "sysadmin"),
])
def test_no_action_on_accounts_one_may_not_manage(org, login, actor, target):
    client = login(org.users[actor])
    response = client.post(reverse("operations:staff_account_action", args=[org.users[target].pk]),
                           {"action": "disable"})
    assert response.status_code in (403, 404)
    assert User.objects.get(pk=org.users[target].pk).is_active


def test_an_account_with_a_higher_role_elsewhere_is_shown_but_not_changeable(org, login):
    RoleGrantFactory(user=org.leader_a, node=org.wmg, role=Role.AUTHORITY_OFFICER)
    client = login(org.admin_a)
    detail = client.get(reverse("operations:staff_account_detail", args=[org.leader_a.pk]))
    assert detail.status_code == 200 and detail.context["may_manage"] is False
    response = client.post(reverse("operations:staff_account_action", args=[org.leader_a.pk]), {"action": "disable"})
    assert response.status_code == 403


def test_unknown_action_is_refused(org, login):
    client = login(org.admin_a)
    response = client.post(reverse("operations:staff_account_action", args=[org.leader_a.pk]), {"action": "drop"})
    assert response.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_disable_twice_at_once_decides_once(org):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL")

    def attempt(_n):
        try:
            staff_account_set_active(actor=org.admin_a, account=org.leader_a, active=False)
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(attempt, range(4)))
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_DISABLED).count() == 1


def test_system_home_lists_the_parts_the_person_may_use(org, login):
    html = login(org.admin_a).get(reverse("operations:system_home")).content.decode()
    assert reverse("operations:staff_account_list") in html and reverse("operations:audit_list") not in html
    html = login(org.officer_wmg).get(reverse("operations:system_home")).content.decode()
    assert reverse("operations:staff_account_list") in html and reverse("operations:audit_list") in html
    assert login(org.leader_a).get(reverse("operations:system_home")).status_code == 403
