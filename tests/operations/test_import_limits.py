"""Roster imports stop early and never hang: a file is read as a stream and refused at the first row past
the limit, a zip archive that unpacks too far is refused before parsing, cells are checked against the
lengths of the fields they are stored in, any error marks the import failed with a message the uploader
sees, and a beat job fails imports left waiting or checking."""
from __future__ import annotations

import datetime
import io
import time
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.models import RosterImport, RosterStatus, Volunteer
from operations.services import rosters
from operations.services.rosters import (
    ROSTER_COLUMNS,
    RosterFileError,
    parse_roster,
    roster_imports_fail_stuck,
)
from operations.services.teams import team_roster_import_run

from .journey_support import run_on_commit_at_once
from .test_team_roster import csv_bytes, people, upload

pytestmark = pytest.mark.django_db

HEADER = [c.header for c in ROSTER_COLUMNS]


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch):
    run_on_commit_at_once(monkeypatch)


def xlsx_with_rows(n: int, *, row_xml: str = '<row><c t="n"><v>1</v></c></row>') -> bytes:
    """An XLSX whose first sheet has the template header and `n` more rows, written straight into the
    zip (openpyxl would need minutes for a million rows); compressed, it is a few hundred KB."""
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    base = io.BytesIO()
    book.save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info.filename))
                continue
            with dst.open("xl/worksheets/sheet1.xml", "w") as fh:
                fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                         b'spreadsheetml/2006/main"><sheetData><row>')
                fh.write("".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER).encode())
                fh.write(b"</row>")
                chunk = (row_xml * 10_000).encode()
                for _i in range(n // 10_000):
                    fh.write(chunk)
                fh.write((row_xml * (n % 10_000)).encode())
                fh.write(b"</sheetData></worksheet>")
    return out.getvalue()


def measure(func):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        func()
    finally:
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, peak


def test_a_million_row_xlsx_is_refused_at_the_limit_with_little_memory(capsys, org, login):
    raw = xlsx_with_rows(1_000_000)
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    assert len(raw) < 1024 * 1024 < unpacked  # small file, large content: below the unpacked-size cap

    def run():
        with pytest.raises(RosterFileError) as caught:
            parse_roster("million.xlsx", raw)
        assert caught.value.messages == [_("A roster may have at most %(n)s people.") % {"n": 10000}]

    elapsed, peak = measure(run)
    with capsys.disabled():
        print(f"\n1,000,000-row XLSX ({len(raw) // 1024} KB, {unpacked // (1024 * 1024)} MB unpacked): refused "
              f"after {elapsed:.2f} s (under tracemalloc), peak Python memory {peak / 1024 / 1024:.1f} MB")
    assert peak < 50 * 1024 * 1024

    # The whole way: the staff upload into a team, the import task (inline), the status the uploader sees.
    client = login(org.admin_a)
    elapsed, peak = measure(lambda: upload(client, org.team_a, "million.xlsx", raw))
    job = RosterImport.objects.get()
    assert job.status == RosterStatus.FAILED
    assert job.errors == [{"row": 0, "messages": [_("A roster may have at most %(n)s people.") % {"n": 10000}]}]
    with capsys.disabled():
        print(f"upload + import task: refused after {elapsed:.2f} s, peak Python memory {peak / 1024 / 1024:.1f} MB")
    assert peak < 50 * 1024 * 1024


def test_a_zip_bomb_is_refused_before_parsing(settings):
    settings.VOLUNTEER_ACCOUNTS = {**settings.VOLUNTEER_ACCOUNTS, "ROSTER_MAX_UNPACKED_BYTES": 5 * 1024 * 1024}
    raw = xlsx_with_rows(1_000_000)
    elapsed, peak = measure(lambda: pytest.raises(RosterFileError, parse_roster, "bomb.xlsx", raw))
    assert peak < 10 * 1024 * 1024
    with pytest.raises(RosterFileError) as caught:
        parse_roster("bomb.xlsx", raw)
    assert "MB" in caught.value.messages[0]


def ods_with_repeated_rows(repeat: int) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        '<table:table table:name="roster"><table:table-row>'
        + "".join(f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
                  for h in HEADER)
        + f'</table:table-row><table:table-row table:number-rows-repeated="{repeat}">'
        '<table:table-cell office:value-type="string"><text:p>王小明</text:p></table:table-cell></table:table-row>'
        '</table:table></office:spreadsheet></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    return out.getvalue()


def test_an_ods_row_repeated_a_million_times_is_refused_quickly():
    raw = ods_with_repeated_rows(1_000_000)
    elapsed, peak = measure(lambda: pytest.raises(RosterFileError, parse_roster, "repeat.ods", raw))
    assert peak < 20 * 1024 * 1024
    rows = parse_roster("few.ods", ods_with_repeated_rows(3))
    assert rows[0] == HEADER and rows[1:] == [["王小明"]] * 3


def test_a_csv_past_the_limit_is_refused_at_the_limit(settings):
    settings.VOLUNTEER_ACCOUNTS = {**settings.VOLUNTEER_ACCOUNTS, "ROSTER_MAX_ROWS": 50}
    with pytest.raises(RosterFileError) as caught:
        parse_roster("big.csv", csv_bytes(people(51)))
    assert caught.value.messages == [_("A roster may have at most %(n)s people.") % {"n": 50}]
    assert len(parse_roster("ok.csv", csv_bytes(people(50)))) == 51


def test_a_cell_longer_than_its_field_is_a_row_error_not_a_crash(org, login):
    rows = people(3)
    rows[1][0] = "名" * 5000
    rows[2][0] = "王\x1b明"
    response = upload(login(org.admin_a), org.team_a, "long.csv", csv_bytes(rows))
    assert response.status_code == 302
    job = RosterImport.objects.get()
    assert job.status == RosterStatus.FAILED
    messages = {e["row"]: " ".join(e["messages"]) for e in job.errors}
    assert "100" in messages[3] and "5000" in messages[3]
    assert 4 in messages
    assert not Volunteer.objects.filter(name__startswith="名名").exists()


def _job(org, **kwargs):
    return RosterImport.objects.create(created_by=org.admin_a, team=org.team_a, joined_on=datetime.date(2025, 1, 1),
                                       original_name="a.csv", file=ContentFile(csv_bytes(people(2)), name="a.csv"),
                                       **kwargs)


def test_any_error_in_an_import_marks_it_failed_with_a_message(org, monkeypatch):
    job = _job(org)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("operations.services.teams._team_roster_import", broken)
    result = team_roster_import_run(job_id=job.pk)
    assert result.status == RosterStatus.FAILED
    assert result.errors == [{"row": 0, "messages": [str(rosters.UNEXPECTED_FAILURE)]}]
    assert result.finished_at is not None


def test_stuck_imports_are_failed_by_the_beat_job(org, settings):
    settings.VOLUNTEER_ACCOUNTS = {**settings.VOLUNTEER_ACCOUNTS, "ROSTER_IMPORT_TIMEOUT_MINUTES": 30}
    stuck = _job(org, status=RosterStatus.RUNNING)
    waiting = _job(org, status=RosterStatus.PENDING)
    fresh = _job(org, status=RosterStatus.RUNNING)
    done = _job(org, status=RosterStatus.DONE)
    RosterImport.objects.filter(pk__in=[stuck.pk, waiting.pk, done.pk]).update(
        created_at=timezone.now() - datetime.timedelta(hours=2))
    from operations.tasks import fail_stuck_roster_imports

    assert fail_stuck_roster_imports.delay().get() == 2
    statuses = dict(RosterImport.objects.values_list("pk", "status"))
    assert statuses == {stuck.pk: RosterStatus.FAILED, waiting.pk: RosterStatus.FAILED,
                        fresh.pk: RosterStatus.RUNNING, done.pk: RosterStatus.DONE}
    stuck.refresh_from_db()
    assert stuck.errors[0]["messages"] == [str(rosters.STUCK_FAILURE)]
    assert roster_imports_fail_stuck() == 0  # idempotent
