"""The pages of personal-data rights, the audit log and the role matrix (系統管理): a volunteer sees their own data
(attendance and service records included) and their own requests only; the competent authority's queue shows what
a deletion removes and keeps and decides once; the audit log filters by person, object, action and date, sorts,
and exports within the viewer's scope (the export itself recorded); the role matrix lists every verb of
VERB_ROLES and the grants of the viewer's scope. Both languages."""
from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from operations.models import (
    AuditAction,
    AuditEvent,
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestStatus,
    User,
)
from operations.rules import VERB_ROLES
from operations.services import privacy as svc
from operations.services.audit import audit_record
from tests.conftest import assert_chinese

from .test_privacy_services import served, with_account

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# --- the volunteer zone -----------------------------------------------------------------------------------------

def test_my_data_shows_attendance_and_service_records_in_both_languages(org, client):
    user = with_account(org.vol_a)
    served(org, org.vol_a)
    client.force_login(user)
    page = client.get(reverse("volunteer:my_data_page")).content.decode()
    assert "服務紀錄" in page and "場館引導" in page and "出勤" in page and "保險保障" in page
    with translation.override("en"):
        english = client.get(reverse("volunteer:my_data_page")).content.decode()
    assert "Service records" in english and "Attendance" in english and "Insurance cover" in english
    data = client.get(reverse("volunteer:my_data", args=["json"])).json()
    assert data["service_records"][0]["content"] == "場館引導" and data["attendance"]


def test_a_volunteer_asks_and_sees_only_their_own_requests(org, client):
    user_a = with_account(org.vol_a, "a@example.org")
    user_b = with_account(org.vol_b, "b@example.org")
    other = svc.privacy_request_submit(user=user_b, kind=PrivacyRequestKind.CORRECTION, details="地址有誤")
    client.force_login(user_a)
    # bad input: a correction without details comes back with the error, nothing written
    response = client.post(reverse("volunteer:privacy_request_create", args=["correction"]), {"details": ""})
    assert response.status_code == 200 and PrivacyRequest.objects.filter(volunteer=org.vol_a).count() == 0
    assert client.get(reverse("volunteer:privacy_request_create", args=["everything"])).status_code == 404
    response = client.post(reverse("volunteer:privacy_request_create", args=["stop_processing"]),
                           {"details": "", "confirm": "on"})
    mine = PrivacyRequest.objects.get(volunteer=org.vol_a)
    assert response.status_code == 302 and response["Location"] == reverse("volunteer:privacy_request", args=[mine.pk])
    assert client.get(reverse("volunteer:privacy_request", args=[mine.pk])).status_code == 200
    assert client.get(reverse("volunteer:privacy_request", args=[other.pk])).status_code == 404
    page = client.get(reverse("volunteer:my_data_page")).content.decode()
    assert "停止處理我的個人資料" in page and "地址有誤" not in page


def test_asking_for_deletion_makes_a_tracked_request_and_closes_the_account(org, client):
    user = with_account(org.vol_a)
    client.force_login(user)
    response = client.post(reverse("volunteer:delete_account"), {"reason": "", "confirm": "on"})
    assert response.status_code == 302
    request = PrivacyRequest.objects.get(volunteer=org.vol_a, kind=PrivacyRequestKind.DELETION)
    assert request.is_pending and request.due_on == timezone.localdate() + datetime.timedelta(days=30)
    assert User.objects.get(pk=user.pk).deletion_requested_at is not None
    assert "_auth_user_id" not in client.session


# --- the competent authority's queue ----------------------------------------------------------------------------

def test_the_queue_shows_what_is_deleted_and_kept_and_decides_once(org, client):
    user = with_account(org.vol_a)
    served(org, org.vol_a)
    request = svc.privacy_request_submit(user=user, kind=PrivacyRequestKind.DELETION)
    client.force_login(org.officer_root)
    listing = client.get(reverse("operations:privacy_request_list")).content.decode()
    assert reverse("operations:privacy_request_detail", args=[request.pk]) in listing
    detail = client.get(reverse("operations:privacy_request_detail", args=[request.pk])).content.decode()
    assert "依法令運用單位應保存而保留" in detail and "服務紀錄（紀錄冊時數）" in detail
    with translation.override("en"):
        english = client.get(reverse("operations:privacy_request_detail", args=[request.pk])).content.decode()
    assert "Kept because the law requires units to keep it" in english
    url = reverse("operations:privacy_request_detail", args=[request.pk])
    assert client.post(url, {"note": ""}).status_code == 400  # neither complete nor refuse: nothing decided
    assert PrivacyRequest.objects.get().is_pending
    first = client.post(url, {"note": "", "action": "complete"})
    second = client.post(url, {"note": "", "action": "refuse"})
    assert first.status_code == 302 and second.status_code in (302, 403)
    assert PrivacyRequest.objects.get().status == PrivacyRequestStatus.COMPLETED
    assert AuditEvent.objects.filter(action__in=[AuditAction.PRIVACY_COMPLETED, AuditAction.PRIVACY_REFUSED]).count() == 1
    assert not User.objects.filter(pk=user.pk).exists()


def test_the_queue_export_is_recorded(org, client):
    user = with_account(org.vol_a)
    svc.privacy_request_submit(user=user, kind=PrivacyRequestKind.DELETION)
    client.force_login(org.sysadmin)
    rows = _csv(client.get(reverse("operations:privacy_request_export", args=["csv"])))
    assert len(rows) == 2
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED, changes__what="personal-data-requests").exists()


# --- the audit log ----------------------------------------------------------------------------------------------

@pytest.fixture
def records(org):
    old = audit_record(actor=org.admin_a, action=AuditAction.ID_REVEALED, node=org.unit_a, obj=org.vol_a,
                       reason="身分核對用")
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    audit_record(actor=org.leader_a, action=AuditAction.MEMBER_ADDED, node=org.team_a, obj=org.vol_sub_a)
    audit_record(actor=org.sysadmin, action=AuditAction.GRANTED, node=org.unit_c, obj=org.vol_c)
    return org


def _listed(client, **params) -> str:
    return client.get(reverse("operations:audit_list"), params).content.decode()


def test_the_audit_log_filters_by_person_object_action_and_date(records, client):
    org = records
    client.force_login(org.officer_root)
    page = _listed(client, person="leader_a")
    assert "甲小隊陳志明" in page and "丙隊李雅婷" not in page
    page = _listed(client, action=AuditAction.ID_REVEALED)
    assert "身分核對用" in page and "甲小隊陳志明" not in page
    page = _listed(client, object_type="operations.volunteer", object="李雅婷")
    assert "丙隊李雅婷" in page and "甲隊林美華" not in page
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    page = _listed(client, since=since)
    assert "身分核對用" not in page and "甲小隊陳志明" in page
    page = _listed(client, until=(timezone.localdate() - datetime.timedelta(days=30)).isoformat())
    assert "身分核對用" in page and "甲小隊陳志明" not in page
    page = _listed(client, sort="actor_name")
    assert page.index("admin_a") < page.index("leader_a") < page.index("sysadmin")
    assert_chinese(_listed(client))
    with translation.override("en"):
        assert "Kind of object" in client.get(reverse("operations:audit_list")).content.decode()


def test_the_audit_export_is_scoped_filtered_and_itself_recorded(records, client):
    org = records
    client.force_login(org.officer_wmg)
    rows = _csv(client.get(reverse("operations:audit_export", args=["csv"])))
    names = " ".join(" ".join(r) for r in rows[1:])
    assert "甲隊林美華" in names and "甲小隊陳志明" in names and "丙隊李雅婷" not in names  # unit C is not theirs
    rows = _csv(client.get(reverse("operations:audit_export", args=["csv"]), {"person": "admin_a"}))
    assert len(rows) == 2
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED, actor=org.officer_wmg,
                                     changes__what="audit-records").count() == 2
    client.force_login(org.admin_a)
    assert client.get(reverse("operations:audit_export", args=["csv"])).status_code == 403


# --- the role matrix --------------------------------------------------------------------------------------------

def test_the_role_matrix_lists_every_verb_of_the_permission_table(org, client):
    client.force_login(org.officer_root)
    page = client.get(reverse("operations:role_matrix")).content.decode()
    for verb in VERB_ROLES:
        assert f"<code>{verb}</code>" in page
    assert "系統管理員" in page or "System administrator" not in page
    rows = _csv(client.get(reverse("operations:role_matrix_export", args=["csv"])))
    assert [r[0] for r in rows[1:]] == list(VERB_ROLES)
    header = rows[0]
    audit_row = next(r for r in rows if r[0] == "operations.auditevent.view")
    yes = [header[i] for i, cell in enumerate(audit_row) if i >= 3 and cell]
    assert len(yes) == len(VERB_ROLES["operations.auditevent.view"])
    # filtered by a role: only the verbs it holds
    page = client.get(reverse("operations:role_matrix"), {"role": "subteam_leader"}).content.decode()
    assert "<code>operations.auditevent.view</code>" not in page and "<code>operations.volunteer.view</code>" in page
    with translation.override("en"):
        assert "Permissions by role" in client.get(reverse("operations:role_matrix")).content.decode()


def test_the_grants_on_the_matrix_page_are_those_of_the_viewers_scope(org, client):
    client.force_login(org.officer_wmg)
    page = client.get(reverse("operations:role_matrix")).content.decode()
    assert "admin_a" in page and "leader_a" in page and "officer_root" not in page
    rows = _csv(client.get(reverse("operations:role_grant_export", args=["csv"]), {"role": "unit_admin"}))
    assert sorted(r[1] for r in rows[1:]) == ["admin_a", "admin_b"]
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED, changes__what="role-grants").exists()
