"""Roster import into a team (back-office module 1): the volunteer-journey template and parser, every row
checked, all rows or none, people matched by document number, members already in the team skipped and
counted, the uploader's own imports only, and the scope (404 outside it, 403 without the verb)."""
from __future__ import annotations

import datetime
import random

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.identity import generate_national_id
from operations.models import (
    AuditAction,
    AuditEvent,
    Membership,
    RoleGrant,
    RosterImport,
    RosterStatus,
    Volunteer,
)
from operations.services.organisations import orgnode_close
from operations.services.rosters import ROSTER_COLUMNS
from operations.services.teams import team_roster_import_run, team_roster_import_start

from ..conftest import assert_chinese, fresh
from .journey_support import run_on_commit_at_once
from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)

pytestmark = pytest.mark.django_db

JOINED = datetime.date(2025, 3, 1)


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch):
    run_on_commit_at_once(monkeypatch)


def people(n, seed=1, prefix="隊員"):
    rng = random.Random(seed)
    seen, rows = set(), []
    while len(rows) < n:
        number = generate_national_id(rng)
        if number in seen:
            continue
        seen.add(number)
        rows.append([f"{prefix}{len(rows):04d}", "身分證", number, "女" if number[1] == "2" else "男",
                     "1985-06-01", f"09{len(rows):08d}", "", "", ""])
    return rows


def as_row(volunteer):
    """A roster row for a registered volunteer (same document, name and date of birth)."""
    return [volunteer.name, "身分證", volunteer.id_number, "女" if volunteer.sex == "F" else "男",
            volunteer.birth_date.isoformat(), "", "", "", ""]


def dataset(rows):
    data = tablib.Dataset(headers=[c.header for c in ROSTER_COLUMNS])
    for row in rows:
        data.append(row)
    return data


def csv_bytes(rows, encoding="utf-8-sig"):
    return dataset(rows).export("csv").encode(encoding)


def upload_url(team, lang=""):
    return f"{lang}{reverse('operations:team_roster_import', args=[team.pk])}"


def upload(client, team, name, content, *, joined_on=JOINED, reason="2025 場館志工", lang=""):
    return client.post(upload_url(team, lang), {
        "file": SimpleUploadedFile(name, content), "joined_on": joined_on.isoformat(), "reason": reason})


def latest():
    return RosterImport.objects.latest("id")


def roster_members(team):
    return Membership.objects.filter(team=team, volunteer__name__startswith="隊員")


# --- Happy paths ------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950"])
def test_csv_imports_everybody_as_current_members(org, login, encoding):
    client = login(org.leader_a)
    response = upload(client, org.team_a, "team.csv", csv_bytes(people(5), encoding))
    job = latest()
    assert response.status_code == 302 and response["Location"] == reverse("operations:team_roster_status",
                                                                          args=[job.pk])
    assert job.status == RosterStatus.DONE, job.errors
    assert (job.created_volunteers, job.matched_volunteers, job.created_memberships, job.skipped) == (5, 0, 5, 0)
    members = roster_members(org.team_a)
    assert members.count() == 5
    assert all(m.joined_on == JOINED and m.left_on is None and m.created_by == org.leader_a for m in members)
    assert Membership.objects.current().filter(team=org.team_a, volunteer__name__startswith="隊員").count() == 5
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert_chinese(page.content.decode())
    assert page.context["job"].created_memberships == 5


def test_the_import_is_audited_like_single_additions(org, login):
    client = login(org.admin_a)
    upload(client, org.sub_a, "team.csv", csv_bytes(people(3) + [as_row(org.vol_a)]))
    job = latest()
    assert job.status == RosterStatus.DONE, job.errors
    events = AuditEvent.objects.filter(node=org.sub_a, actor=org.admin_a)
    added = events.filter(action=AuditAction.MEMBER_ADDED)
    assert added.count() == 4 and set(added.values_list("reason", flat=True)) == {"2025 場館志工"}
    assert added.filter(object_type="operations.volunteer", object_id=str(org.vol_a.pk)).exists()
    assert events.filter(action=AuditAction.CREATED).count() == 3  # the new volunteers
    summary = events.get(action=AuditAction.ROSTER_IMPORTED)
    assert summary.object_id == str(job.pk) and summary.changes["created_memberships"] == 4
    assert summary.changes["rows"] == 4 and summary.reason == "2025 場館志工"


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_template_round_trip_in_xlsx_and_ods(org, login, fmt):
    client = login(org.leader_a)
    page = client.get(upload_url(org.team_a))
    assert page.status_code == 200
    assert f'href="/volunteer/roster/template.{fmt}"' in page.content.decode()
    template = client.get(f"/volunteer/roster/template.{fmt}")
    data = tablib.Dataset().load(template.content, format=fmt)
    assert data.headers[0] == "姓名 Name"
    for row in people(4, seed=7):
        data.append(row)
    data = data.subset(rows=list(range(1, len(data))))  # drop the example row
    data.headers = [c.header for c in ROSTER_COLUMNS]
    upload(client, org.team_a, f"team.{fmt}", data.export(fmt))
    job = latest()
    assert job.status == RosterStatus.DONE, job.errors
    assert job.created_memberships == 4 and roster_members(org.team_a).count() == 4


def test_no_minimum_number_of_rows_but_the_maximum_holds(org, login, settings):
    settings.VOLUNTEER_ACCOUNTS = {**settings.VOLUNTEER_ACCOUNTS, "ROSTER_MIN_ROWS": 30, "ROSTER_MAX_ROWS": 3}
    client = login(org.leader_a)
    upload(client, org.team_a, "one.csv", csv_bytes(people(1)))
    assert latest().status == RosterStatus.DONE and latest().created_memberships == 1
    upload(client, org.team_a, "four.csv", csv_bytes(people(4, seed=3)))
    job = latest()
    assert job.status == RosterStatus.FAILED and job.errors[0]["row"] == 0
    assert "3" in job.errors[0]["messages"][0]
    assert roster_members(org.team_a).count() == 1


def test_shift_rules_do_not_apply_to_a_team(org, login):
    """Age limits of campaigns, guardian consent and sign-up windows belong to the shift sign-up only."""
    rows = people(2)
    rows[0][4] = (timezone.localdate() - datetime.timedelta(days=365 * 15)).isoformat()  # fifteen years old
    upload(login(org.leader_a), org.team_a, "team.csv", csv_bytes(rows))
    assert latest().status == RosterStatus.DONE, latest().errors


# --- All or nothing -----------------------------------------------------------------------------------

def test_mixed_errors_write_nothing_and_list_every_row(org, login):
    client = login(org.leader_a)
    rows = people(8)
    rows[1][2] = "A123456788"  # bad check digit
    rows[2][2] = rows[0][2]  # the same document twice in the file
    rows[3][4] = "1985-13-40"  # not a date
    rows[4][0] = ""  # name missing
    rows[5][3] = "?"  # sex unknown
    rows[6] = as_row(org.vol_b)
    rows[6][0] = "別人"  # a registered document with another name
    volunteers_before = Volunteer.objects.count()
    audit_before = AuditEvent.objects.count()
    upload(client, org.team_a, "team.csv", csv_bytes(rows))
    job = latest()
    assert job.status == RosterStatus.FAILED
    by_row = {e["row"]: " ".join(e["messages"]) for e in job.errors}
    assert set(by_row) == {3, 4, 5, 6, 7, 8}
    assert "2" in by_row[4]  # "already in row 2"
    assert "姓名" in by_row[6]  # the missing column is named
    assert _("This document number is registered to another name or date of birth.") in by_row[8]
    for text in by_row.values():
        assert_chinese(text)
    assert Volunteer.objects.count() == volunteers_before
    assert not roster_members(org.team_a).exists()
    assert not Membership.objects.filter(team=org.team_a, volunteer=org.vol_b).exists()
    assert AuditEvent.objects.count() == audit_before
    page = client.get(reverse("operations:team_roster_status", args=[job.pk])).content.decode()
    assert _("Nothing was imported. Correct these rows and upload the file again:") in page
    assert '<th scope="row">4</th>' in page


def test_errors_are_in_the_uploaders_language(org, login):
    rows = people(2)
    rows[0][2] = "A123456788"
    upload(login(org.leader_a), org.team_a, "team.csv", csv_bytes(rows), lang="/en")
    job = latest()
    assert job.language == "en" and job.status == RosterStatus.FAILED
    assert "check digit" in " ".join(job.errors[0]["messages"]).lower()


@pytest.mark.parametrize("name, content", [
    ("team.xlsx", b"PK\x03\x04 this is not a workbook"),
    ("team.ods", b"garbage"),
    ("team.csv", b"\xff\xfe\xfa\xfb\x81\x39"),
    ("team.csv", "姓名 Name,證件號碼 Document number\n王小明,A123456789\n".encode()),
])
def test_unreadable_files_and_missing_columns_say_so(org, login, name, content):
    response = upload(login(org.leader_a), org.team_a, name, content)
    if name.endswith((".xlsx", ".ods")):  # a spreadsheet that does not open is refused on the form already
        assert response.status_code == 200 and response.context["form"].errors["file"]
        assert not RosterImport.objects.exists()
    else:
        job = latest()
        assert job.status == RosterStatus.FAILED and job.errors[0]["messages"][0]
    assert not Membership.objects.filter(team=org.team_a).exclude(volunteer=org.vol_a).exists()


@pytest.mark.parametrize("name, content", [("team.csv", b""), ("team.pdf", b"%PDF-1.4")])
def test_empty_or_foreign_files_are_refused_on_the_form(org, login, name, content):
    response = upload(login(org.leader_a), org.team_a, name, content)
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not RosterImport.objects.exists()
    html = response.content.decode()
    assert 'href="#id_file"' in html and 'aria-invalid="true"' in html  # the summary links to the field


def test_a_closed_team_takes_no_roster(org, login):
    orgnode_close(actor=None, node=org.sub_a, reason="合併")
    response = upload(login(org.leader_a), org.sub_a, "team.csv", csv_bytes(people(2)))
    assert response.status_code == 200 and not RosterImport.objects.exists()
    assert _("This team is closed.") in " ".join(response.context["form"].errors["file"])


def _queue_without_running(monkeypatch):
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: None)


def test_a_grant_revoked_before_the_task_runs_imports_nothing(org, monkeypatch):
    _queue_without_running(monkeypatch)
    job = team_roster_import_start(actor=org.leader_a, team=org.team_a, joined_on=JOINED, language="zh-hant",
                                   file=SimpleUploadedFile("team.csv", csv_bytes(people(3))))
    RoleGrant.objects.filter(user=org.leader_a).delete()
    # the task runs later, in a worker, with the account as it is then
    job = team_roster_import_run(job_id=job.pk)
    assert job.status == RosterStatus.FAILED and job.errors[0]["row"] == 0
    assert not roster_members(org.team_a).exists()


# --- Matching and skipping ------------------------------------------------------------------------------

def test_registered_volunteers_are_matched_by_document(org, login):
    """vol_b (team B, outside team A's leader's scope) is matched, not registered twice, and joins team A
    while keeping team B."""
    client = login(org.leader_a)
    upload(client, org.team_a, "team.csv", csv_bytes(people(2) + [as_row(org.vol_b)]))
    job = latest()
    assert job.status == RosterStatus.DONE, job.errors
    assert (job.created_volunteers, job.matched_volunteers, job.created_memberships) == (2, 1, 3)
    assert Volunteer.objects.filter(id_number=org.vol_b.id_number).count() == 1
    assert Membership.objects.filter(volunteer=org.vol_b, left_on__isnull=True).count() == 2


def test_members_already_in_the_team_are_skipped_and_reuploading_is_harmless(org, login):
    client = login(org.leader_a)
    rows = [as_row(org.vol_a)] + people(3)  # vol_a is already a member of team A
    upload(client, org.team_a, "team.csv", csv_bytes(rows))
    job = latest()
    assert job.status == RosterStatus.DONE, job.errors
    assert (job.created_memberships, job.skipped, job.created_volunteers) == (3, 1, 3)
    assert job.skipped_rows == [{"row": 2, "name": org.vol_a.name}]
    membership = Membership.objects.get(volunteer=org.vol_a, team=org.team_a)
    assert membership.joined_on == datetime.date(2024, 6, 1)  # untouched
    page = client.get(reverse("operations:team_roster_status", args=[job.pk])).content.decode()
    assert org.vol_a.name in page

    upload(client, org.team_a, "team-again.csv", csv_bytes(rows))
    again = latest()
    assert again.status == RosterStatus.DONE, again.errors
    assert (again.created_memberships, again.skipped, again.created_volunteers, again.matched_volunteers) == \
        (0, 4, 0, 4)
    assert roster_members(org.team_a).count() == 3
    assert Membership.objects.filter(team=org.team_a, left_on__isnull=True).count() == 4


def test_a_former_member_joins_again(org, login):
    membership = Membership.objects.get(volunteer=org.vol_a, team=org.team_a)
    from operations.services.people import membership_end

    membership_end(actor=None, membership=membership, left_on=datetime.date(2024, 12, 31), reason="搬家")
    upload(login(org.leader_a), org.team_a, "team.csv", csv_bytes([as_row(org.vol_a)]))
    assert latest().created_memberships == 1
    history = Membership.objects.filter(volunteer=org.vol_a, team=org.team_a).order_by("joined_on")
    assert [(m.joined_on, m.left_on) for m in history] == [(datetime.date(2024, 6, 1), datetime.date(2024, 12, 31)),
                                                           (JOINED, None)]


# --- Who may ---------------------------------------------------------------------------------------------

def test_outside_the_scope_upload_and_status_are_404(org, login):
    upload(login(org.leader_a), org.team_a, "team.csv", csv_bytes(people(2)))
    job = latest()
    from django.test import Client

    outsider = Client()
    outsider.force_login(org.admin_b)
    assert outsider.get(upload_url(org.team_a)).status_code == 404
    assert upload(outsider, org.team_a, "team.csv", csv_bytes(people(2, seed=5))).status_code == 404
    status_url = reverse("operations:team_roster_status", args=[job.pk])
    assert outsider.get(status_url).status_code == 404
    assert outsider.get(status_url, {"format": "json"}).status_code == 404
    assert RosterImport.objects.count() == 1


def test_another_users_import_is_not_shown_even_inside_the_scope(org, login):
    upload(login(org.leader_a), org.team_a, "team.csv", csv_bytes(people(2)))
    job = latest()
    from django.test import Client

    supervisor = Client()
    supervisor.force_login(org.admin_a)  # unit A's admin sees team A, but this is the leader's upload
    assert supervisor.get(reverse("operations:team_roster_status", args=[job.pk])).status_code == 404
    page = supervisor.get(upload_url(org.team_a))
    assert page.status_code == 200 and not page.context["imports"]
    # the unit admin still sees that it happened, in the audit trail of the team
    assert AuditEvent.objects.visible_to(fresh(org.admin_a)).filter(action=AuditAction.ROSTER_IMPORTED).exists()


def test_sub_team_leaders_may_not_import(org, login):
    client = login(org.subleader_a)
    assert client.get(upload_url(org.sub_a)).status_code == 403
    assert upload(client, org.sub_a, "team.csv", csv_bytes(people(2))).status_code == 403
    assert not RosterImport.objects.exists()


def test_team_page_offers_the_import_to_those_who_may(org, login):
    page = login(org.leader_a).get(reverse("operations:team_detail", args=[org.team_a.pk])).content.decode()
    assert upload_url(org.team_a) in page
    page = login(org.subleader_a).get(reverse("operations:team_detail", args=[org.sub_a.pk])).content.decode()
    assert upload_url(org.sub_a) not in page


def test_volunteer_zone_does_not_show_team_imports(org, client):
    """A team leader who is also a volunteer: the team import is not one of their group sign-ups."""
    from operations.models import Role
    from tests.factories import RoleGrantFactory

    from .journey_support import volunteer_with_account

    leader = volunteer_with_account(email="leader@example.com").user
    RoleGrantFactory(user=leader, node=org.team_a, role=Role.TEAM_LEADER)
    client.force_login(leader)
    upload(client, org.team_a, "team.csv", csv_bytes(people(1)))
    job = latest()
    assert job.status == RosterStatus.DONE, job.errors
    assert client.get("/volunteer/roster/").context["imports"].count() == 0
    assert client.get(f"/volunteer/roster/{job.pk}/").status_code == 404
    assert client.get(reverse("operations:team_roster_status", args=[job.pk])).status_code == 200


# --- Progress ------------------------------------------------------------------------------------------

def test_status_json_reports_progress(org, login):
    client = login(org.leader_a)
    upload(client, org.team_a, "team.csv", csv_bytes(people(3)))
    data = client.get(reverse("operations:team_roster_status", args=[latest().pk]), {"format": "json"}).json()
    assert data == {"status": "done", "percent": 100, "processed": 3, "total": 3, "finished": True}


def test_pending_page_polls_and_announces_progress(org, login, monkeypatch):
    _queue_without_running(monkeypatch)
    job = team_roster_import_start(actor=org.leader_a, team=org.team_a, joined_on=JOINED, language="zh-hant",
                                   file=SimpleUploadedFile("team.csv", csv_bytes(people(3))))
    html = login(org.leader_a).get(reverse("operations:team_roster_status", args=[job.pk])).content.decode()
    assert 'aria-live="polite"' in html and "<progress" in html and 'for="roster-bar"' in html
    assert "js/volunteer.js" in html


def test_a_concurrent_registration_fails_the_import_cleanly(org, login, monkeypatch):
    from django.db import IntegrityError

    from operations.services import teams

    def clash(records, *, note):
        raise IntegrityError("duplicate key value violates unique constraint volunteer_unique_document")

    monkeypatch.setattr(teams, "roster_create_volunteers", clash)
    upload(login(org.leader_a), org.team_a, "team.csv", csv_bytes(people(2)))
    job = latest()
    assert job.status == RosterStatus.FAILED and job.finished_at and job.errors[0]["row"] == 0
    assert not roster_members(org.team_a).exists()
