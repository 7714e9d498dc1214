"""Group rosters: templates, CSV (UTF-8 with/without BOM, Big5), XLSX and ODS uploads, per-row errors in
the uploader's language, all-or-nothing, seats then waitlist, bad files."""
from __future__ import annotations

import datetime
import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from operations.identity import generate_national_id
from operations.models import RosterImport, RosterStatus, Signup, SignupStatus, Volunteer
from operations.services.rosters import ROSTER_COLUMNS

from .journey_support import build_event, run_on_commit_at_once, volunteer_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch, settings):
    run_on_commit_at_once(monkeypatch)
    settings.VOLUNTEER_ACCOUNTS = {**settings.VOLUNTEER_ACCOUNTS, "ROSTER_MIN_ROWS": 3}


@pytest.fixture
def event(db):
    return build_event(headcount=2)


@pytest.fixture
def rep(client, event):
    volunteer = volunteer_with_account(email="rep@example.com")
    client.force_login(volunteer.user)
    return volunteer


def people(n, seed=1):
    import random

    rng = random.Random(seed)
    seen = set()
    rows = []
    while len(rows) < n:
        number = generate_national_id(rng)
        if number in seen:
            continue
        seen.add(number)
        rows.append([f"團員{len(rows):03d}", "身分證", number, "女" if number[1] == "2" else "男", "1985-06-01",
                     f"09{len(rows):08d}", "", "", ""])
    return rows


def csv_bytes(rows, encoding="utf-8-sig"):
    data = tablib.Dataset(headers=[c.header for c in ROSTER_COLUMNS])
    for row in rows:
        data.append(row)
    return data.export("csv").encode(encoding)


def upload(client, event, name, content, shifts=None):
    shifts = shifts or [event.morning.pk, event.afternoon.pk]
    return client.post("/volunteer/roster/", {"shift": shifts, "file": SimpleUploadedFile(name, content)})


def latest():
    return RosterImport.objects.latest("id")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950"])
def test_csv_in_every_accepted_encoding_imports_everyone(client, event, rep, encoding):
    response = upload(client, event, "group.csv", csv_bytes(people(5), encoding))
    assert response.status_code == 302
    job = latest()
    assert job.status == RosterStatus.DONE, job.errors
    assert (job.created_volunteers, job.accepted, job.waitlisted) == (5, 4, 6)
    assert Volunteer.objects.filter(name__startswith="團員").count() == 5
    for shift in (event.morning, event.afternoon):
        shift.refresh_from_db()
        assert shift.accepted_count == 2
        assert Signup.objects.filter(shift=shift, status=SignupStatus.WAITLISTED).count() == 3
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["job"].accepted == 4


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_template_round_trip_in_xlsx_and_ods(client, event, rep, fmt):
    template = client.get(f"/volunteer/roster/template.{fmt}")
    assert template.status_code == 200
    data = tablib.Dataset().load(template.content, format=fmt)
    assert data.headers[0] == "姓名 Name"
    for row in people(4, seed=7):
        data.append(row)
    data = data.subset(rows=list(range(1, len(data))))  # drop the example row
    data.headers = [c.header for c in ROSTER_COLUMNS]
    upload(client, event, f"group.{fmt}", data.export(fmt))
    job = latest()
    assert job.status == RosterStatus.DONE, job.errors
    assert job.created_volunteers == 4


def test_every_row_is_checked_and_nothing_is_imported_on_any_error(client, event, rep):
    rows = people(6)
    rows[1][2] = "A123456788"  # bad checksum
    rows[2][2] = rows[0][2]  # duplicate inside the file
    rows[3][4] = "1985-13-40"  # not a date
    rows[4][0] = ""  # name missing
    rows[5][4] = (event.morning.date - datetime.timedelta(days=365 * 15)).isoformat()  # under 16
    upload(client, event, "group.csv", csv_bytes(rows))
    job = latest()
    assert job.status == RosterStatus.FAILED
    by_row = {e["row"]: " ".join(e["messages"]) for e in job.errors}
    assert set(by_row) == {3, 4, 5, 6, 7}
    assert "A123456788" not in by_row[3] and by_row[3]
    assert "2" in by_row[4]  # "already in row 2"
    assert not Volunteer.objects.filter(name__startswith="團員").exists()
    assert not Signup.objects.exists()
    page = client.get(f"/volunteer/roster/{job.pk}/").content.decode()
    assert _("Nothing was imported. Correct these rows and upload the file again:") in page


def test_errors_are_in_the_uploaders_language(client, event, rep):
    rows = people(3)
    rows[0][2] = "A123456788"
    client.post("/en/volunteer/roster/", {"shift": [event.morning.pk],
                                          "file": SimpleUploadedFile("g.csv", csv_bytes(rows))})
    job = latest()
    assert job.language == "en"
    assert "check digit" in " ".join(job.errors[0]["messages"]).lower()


def test_existing_volunteers_are_matched_and_conflicts_reported(client, event, rep):
    rows = people(3)
    existing = volunteer_with_account(email="x@example.com", name=rows[0][0], birth_date=datetime.date(1985, 6, 1))
    Volunteer.objects.filter(pk=existing.pk).update(id_number=rows[0][2])
    upload(client, event, "g.csv", csv_bytes(rows))
    job = latest()
    assert job.status == RosterStatus.DONE, job.errors
    assert (job.created_volunteers, job.matched_volunteers) == (2, 1)
    rows2 = people(3, seed=99)
    rows2[0][2] = rows[1][2]  # same document as an imported member, other name
    upload(client, event, "g2.csv", csv_bytes(rows2), shifts=[event.language_shift.pk])
    assert latest().status == RosterStatus.FAILED
    assert latest().errors[0]["row"] == 2


def test_overlapping_shifts_and_too_few_rows_are_refused(client, event, rep):
    upload(client, event, "g.csv", csv_bytes(people(3)), shifts=[event.morning.pk, event.overlapping.pk])
    assert latest().status == RosterStatus.FAILED and latest().errors[0]["row"] == 0
    upload(client, event, "g.csv", csv_bytes(people(2)), shifts=[event.morning.pk])
    assert latest().status == RosterStatus.FAILED and not Volunteer.objects.filter(name__startswith="團員").exists()


@pytest.mark.parametrize("name, content", [
    ("g.csv", b""),
    ("g.xlsx", b"PK\x03\x04 this is not a workbook"),
    ("g.ods", b"garbage"),
    ("g.csv", "姓名 Name\n".encode("utf-16")),
    ("g.csv", b"\xff\xfe\xfa\xfb\x81\x39"),
    ("g.pdf", b"%PDF-1.4"),
])
def test_bad_files_say_so_and_change_nothing(client, event, rep, name, content):
    response = upload(client, event, name, content)
    if response.status_code == 200:
        assert response.context["form"].errors
    else:
        job = latest()
        assert job.status == RosterStatus.FAILED and job.errors[0]["row"] == 0 and job.errors[0]["messages"][0]
    assert not Signup.objects.exists()


def test_oversized_file_is_refused(client, event, rep, settings):
    settings.VOLUNTEER_ACCOUNTS = {**settings.VOLUNTEER_ACCOUNTS, "ROSTER_MAX_BYTES": 1000}
    response = upload(client, event, "g.csv", csv_bytes(people(40)))
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert not RosterImport.objects.exists()


def test_missing_column_names_what_is_missing(client, event, rep):
    data = "姓名 Name,證件號碼 Document number\n王小明,A123456789\n".encode()
    upload(client, event, "g.csv", data)
    assert "出生日期" in latest().errors[0]["messages"][0]


def test_formula_cells_are_kept_as_text_and_neutralised_in_exports(client, event, rep):
    rows = people(3)
    rows[0][7] = "=cmd|' /C calc'!A0"
    upload(client, event, "g.csv", csv_bytes(rows))
    assert latest().status == RosterStatus.DONE
    assert Volunteer.objects.get(id_number=rows[0][2]).emergency_contact_name.startswith("=cmd")
    from operations.exports import safe_cell

    assert safe_cell("=cmd|' /C calc'!A0").startswith("'=")


def test_status_json_reports_progress(client, event, rep):
    upload(client, event, "g.csv", csv_bytes(people(3)))
    data = client.get(f"/volunteer/roster/{latest().pk}/?format=json").json()
    assert data["finished"] and data["percent"] == 100 and data["total"] == 3


def test_roster_page_lists_chosen_shifts(client, event, rep):
    page = client.get("/volunteer/roster/", {"shift": [event.morning.pk]})
    assert page.status_code == 200 and page.context["shifts"] == [event.morning]
    assert io.BytesIO(client.get("/volunteer/roster/template.csv").content).read(3) == b"\xef\xbb\xbf"


# --- The people on the roster are told (not only the representative) ---------------------------------

def _member_mails(outbox, rep_email="rep@example.com"):
    return {m.to[0]: m for m in outbox if m.to[0] != rep_email}


def test_every_imported_person_with_an_address_is_told_shifts_and_status(client, event, rep, mailoutbox):
    from django.utils import translation

    rows = people(4)
    for i, row in enumerate(rows[:3]):
        row[6] = f"member{i}@example.com"
    english = volunteer_with_account(email="member2@example.com", name=rows[2][0],
                                     birth_date=datetime.date(1985, 6, 1))
    Volunteer.objects.filter(pk=english.pk).update(id_number=rows[2][2])
    english.user.preferred_language = "en"
    english.user.save(update_fields=["preferred_language"])
    upload(client, event, "group.csv", csv_bytes(rows))
    assert latest().status == RosterStatus.DONE, latest().errors
    mails = _member_mails(mailoutbox)
    assert set(mails) == {"member0@example.com", "member1@example.com", "member2@example.com"}  # row 4: no address
    first, third = mails["member0@example.com"], mails["member2@example.com"]
    with translation.override("zh-hant"):
        assert _("You have been signed up with a group roster") in first.subject
        assert _("Accepted") in first.body
        assert "林美華" in first.body  # the representative
    for shift in (event.morning, event.afternoon):
        assert f"{shift.date:%Y-%m-%d} {shift.name}" in first.body
    # headcount 2: the first two are accepted, the third waits on both shifts, in English
    assert third.subject == "You have been signed up with a group roster"
    assert third.body.count("On the waitlist") == 2 and "Dear " + rows[2][0] in third.body
    assert "/volunteer/shifts/" in third.body  # has an account
    assert "/volunteer/register/" in first.body  # registered by the roster, no account yet


def test_member_notices_are_sent_in_batches(client, event, rep, mailoutbox, monkeypatch):
    from operations import tasks
    from operations.services import rosters

    calls = []
    original = rosters.enqueue
    monkeypatch.setattr(rosters, "MEMBER_NOTICE_BATCH", 2)
    monkeypatch.setattr(rosters, "enqueue", lambda task, *args: (
        calls.append(args[1]) if getattr(task, "name", task) == tasks.send_roster_member_emails.name else None)
        or original(task, *args))
    rows = people(5)
    for i, row in enumerate(rows):
        row[6] = f"batch{i}@example.com"
    upload(client, event, "group.csv", csv_bytes(rows))
    assert [len(ids) for ids in calls] == [2, 2, 1]
    assert len(_member_mails(mailoutbox)) == 5


def test_no_member_notice_when_turned_off_or_nothing_imported(client, event, rep, mailoutbox):
    rows = people(3)
    for i, row in enumerate(rows):
        row[6] = f"quiet{i}@example.com"
    quiet = volunteer_with_account(email="quiet0@example.com", name=rows[0][0], birth_date=datetime.date(1985, 6, 1))
    Volunteer.objects.filter(pk=quiet.pk).update(id_number=rows[0][2])
    quiet.user.notify_by_email = False
    quiet.user.save(update_fields=["notify_by_email"])
    upload(client, event, "group.csv", csv_bytes(rows))
    assert set(_member_mails(mailoutbox)) == {"quiet1@example.com", "quiet2@example.com"}
    mailoutbox.clear()
    bad = people(3, seed=5)
    bad[0][6] = "someone@example.com"
    bad[1][2] = "A123456788"
    upload(client, event, "bad.csv", csv_bytes(bad))
    assert latest().status == RosterStatus.FAILED
    assert not _member_mails(mailoutbox)
