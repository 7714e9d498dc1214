"""Exports: streamed CSV/XLSX/ODS that spreadsheet programs read back (openpyxl, odfpy), memory that does
not grow with the number of rows, masked IDs by default and full IDs only for users who may reveal them
(and only for the volunteers they may reveal), recorded as such."""
from __future__ import annotations

import datetime
import io
import tracemalloc

import openpyxl
import pytest
from odf.opendocument import load as load_ods
from odf.table import Table, TableCell, TableRow

from operations.exports import spreadsheet_response
from operations.models import AuditAction, AuditEvent, Membership
from tests.conftest import fresh


def read_ods(body: bytes) -> list[list[str]]:
    doc = load_ods(io.BytesIO(body))
    table = doc.spreadsheet.getElementsByType(Table)[0]
    rows = []
    for row in table.getElementsByType(TableRow):
        rows.append([str(cell) for cell in row.getElementsByType(TableCell)])
    return rows


def read_xlsx(body: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def body_of(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


ROWS = [["王小明", datetime.date(1990, 3, 14), 42, "=cmd|' /C calc'!A0"], ["Lin & <Co>", None, 0.5, "正常"]]


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_writers_produce_files_that_read_back_with_types(fmt):
    response = spreadsheet_response(filename="test", headers=["姓名", "生日", "數量", "備註"], rows=iter(ROWS), fmt=fmt)
    body = body_of(response)
    if fmt == "xlsx":
        rows = read_xlsx(body)
        assert rows[0] == ["姓名", "生日", "數量", "備註"]
        assert rows[1][0] == "王小明" and rows[1][1] == datetime.datetime(1990, 3, 14) and rows[1][2] == 42
        assert rows[1][3] == "'=cmd|' /C calc'!A0"  # formula injection neutralised
        assert rows[2][0] == "Lin & <Co>" and rows[2][2] == 0.5
    elif fmt == "ods":
        rows = read_ods(body)
        assert rows[0] == ["姓名", "生日", "數量", "備註"]
        assert rows[1] == ["王小明", "1990-03-14", "42", "'=cmd|' /C calc'!A0"]
        assert rows[2][0] == "Lin & <Co>"
        assert body[30:38] == b"mimetype" and b"application/vnd.oasis.opendocument.spreadsheet" in body[:120]
    else:
        text = body.decode("utf-8")
        assert text.startswith("\ufeff姓名,生日")
        assert "'=cmd" in text


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_memory_stays_flat_as_rows_grow(fmt):
    """The peak memory of writing 40,000 rows is about that of 4,000: rows are never held together."""

    def rows(n):
        for i in range(n):
            yield [f"志工{i:06d}", datetime.date(1980, 1, 1) + datetime.timedelta(days=i % 9000), i, "臺北市大安區"]

    def peak(n):
        tracemalloc.start()
        response = spreadsheet_response(filename="t", headers=["a", "b", "c", "d"], rows=rows(n), fmt=fmt)
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top, size

    small, small_size = peak(4_000)
    large, large_size = peak(40_000)
    assert large_size > 5 * small_size  # ten times the rows really were written
    assert large < small * 2 + 512 * 1024, (small, large)


def test_volunteer_export_masks_ids_by_default(org, login):
    body = body_of(login(org.admin_a).get("/backoffice/volunteers/export.xlsx"))
    ids = {row[2] for row in read_xlsx(body)[1:]}
    assert ids == {org.vol_a.masked_id, org.vol_sub_a.masked_id}


@pytest.mark.parametrize("fmt", ["ods", "xlsx", "csv"])
def test_full_ids_for_users_who_may_reveal_and_audited_as_such(org, login, fmt):
    body = body_of(login(org.admin_a).get(f"/backoffice/volunteers/export.{fmt}", {"ids": "full"}))
    text = body.decode("utf-8-sig") if fmt == "csv" else str(read_ods(body) if fmt == "ods" else read_xlsx(body))
    assert org.vol_a.id_number in text and org.vol_sub_a.id_number in text
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.changes["ids"] == "full" and event.reason


def test_full_ids_refused_without_the_reveal_permission(org, login):
    response = login(org.leader_a).get("/backoffice/volunteers/export.csv", {"ids": "full"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_full_ids_only_where_the_user_may_reveal(org, login):
    """A unit admin of A who is also team leader in B sees B's volunteers in the list, but their full
    numbers only for A (reveal needs a unit-manager role on the volunteer)."""
    from tests.factories import RoleGrantFactory

    RoleGrantFactory(user=org.admin_a, node=org.team_b, role="team_leader")
    body = body_of(login(fresh(org.admin_a)).get("/backoffice/volunteers/export.csv", {"ids": "full"}))
    text = body.decode("utf-8-sig")
    assert org.vol_a.id_number in text
    assert org.vol_b.id_number not in text and org.vol_b.masked_id in text


def test_member_export_of_a_team_lists_its_memberships(org, login):
    Membership.objects.filter(volunteer=org.vol_a).update(leave_reason="")
    body = body_of(login(org.admin_a).get(f"/backoffice/teams/{org.team_a.pk}/members/export.ods"))
    rows = read_ods(body)
    # name, cadre role, joined, left, reason, team (its path), mobile phone, e-mail
    assert len(rows[0]) == 8 and len(rows) == 2
    assert rows[1][0] == "甲隊林美華"
    assert rows[1][5] == "甲場館 › 甲場館志工隊"  # names repeat across venues: the path says which team
    assert rows[1][6] == org.vol_a.phone
    assert rows[1][3] in ("", None) and rows[1][4] in ("", None)  # empty cells are empty, not "—"
    # phone and e-mail only for those who may reveal identity numbers here (a team leader may not)
    leader_rows = read_ods(body_of(login(org.leader_a).get(f"/backoffice/teams/{org.team_a.pk}/members/export.ods")))
    assert len(leader_rows[0]) == 6 and leader_rows[1][5] == "甲場館 › 甲場館志工隊"
