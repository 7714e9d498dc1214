"""Recruitment and attendance screens over HTTP: scope (404 outside, 403 without the verb), the
generate-with-preview flow, headcount edit, bulk review, one-click assignment, exports, the day sheet
PDF in Chinese, the volunteer's QR check-in, and query counts that do not grow with the data."""
from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.models import Attendance, AuditEvent, Shift, Signup, SignupMode, SignupStatus
from operations.services.attendance import shift_qr_token
from tests.factories import PositionFactory, UserFactory

from .test_backoffice_recruitment_setup import accept, extra_volunteer, make_shift, rec_fixture  # noqa: F401


@pytest.fixture
def shift(rec):
    return make_shift(rec.position, date=timezone.localdate() + datetime.timedelta(days=3), headcount=2)


def test_module_pages_for_a_unit_admin(rec, shift, login):
    client = login(rec.org.admin_a)
    for name, args in [
        ("campaign_list", []), ("campaign_detail", [rec.campaign.pk]), ("position_detail", [rec.position.pk]),
        ("shift_generate", [rec.position.pk]), ("shift_detail", [shift.pk]), ("shift_match", [shift.pk]),
        ("signup_review", []), ("fill_rates", []), ("fill_rates_partial", []), ("attendance_list", []),
        ("attendance_shift", [shift.pk]), ("attendance_qr_poster", [shift.pk]), ("service_records", []),
        ("venue_live", [rec.org.unit_a.pk]), ("campaign_create", []), ("position_create", [rec.campaign.pk]),
    ]:
        response = client.get(reverse(f"operations:{name}", args=args))
        assert response.status_code == 200, name


@pytest.mark.parametrize("name", ["shift_detail", "shift_match", "attendance_shift", "attendance_qr_svg",
                                  "attendance_day_sheet_pdf"])
def test_out_of_scope_shift_is_404(rec, shift, login, name):
    assert login(rec.org.admin_b).get(reverse(f"operations:{name}", args=[shift.pk])).status_code == 404


def test_missing_verb_is_403(rec, shift, login):
    client = login(rec.org.leader_a)  # sees the position, may take attendance and decide, not make shifts
    assert client.get(reverse("operations:shift_generate", args=[rec.position.pk])).status_code == 403
    assert client.get(reverse("operations:campaign_create")).status_code == 403
    assert client.get(reverse("operations:shift_match", args=[shift.pk])).status_code == 200
    sub_position = PositionFactory(campaign=rec.campaign, venue=rec.org.unit_a, team=rec.org.sub_a, title="小隊")
    sub_shift = make_shift(sub_position, date=shift.date)
    sub = login(rec.org.subleader_a)  # sees the squad's shift and takes attendance, may not decide
    assert sub.get(reverse("operations:attendance_shift", args=[sub_shift.pk])).status_code == 200
    assert sub.get(reverse("operations:shift_match", args=[sub_shift.pk])).status_code == 403
    assert sub.get(reverse("operations:shift_match", args=[shift.pk])).status_code == 404
    assert login(rec.org.nobody).get(reverse("operations:campaign_list")).status_code == 403


def test_campaign_list_is_scoped(rec, login):
    body = login(rec.org.admin_a).get(reverse("operations:campaign_list")).content.decode()
    assert rec.campaign.title in body and rec.other_campaign.title not in body


def test_generate_shows_a_preview_then_creates(rec, login):
    client = login(rec.org.admin_a)
    url = reverse("operations:shift_generate", args=[rec.position.pk])
    start = rec.campaign.starts_on
    data = {
        "date_from": start.isoformat(), "date_to": (start + datetime.timedelta(days=1)).isoformat(),
        "slot-TOTAL_FORMS": "4", "slot-INITIAL_FORMS": "0", "slot-MIN_NUM_FORMS": "1", "slot-MAX_NUM_FORMS": "12",
        "slot-0-name": "早班", "slot-0-start": "08:00", "slot-0-end": "12:00", "slot-0-headcount": "10",
        "slot-1-name": "午班", "slot-1-start": "12:00", "slot-1-end": "16:00", "slot-1-headcount": "10",
        "slot-2-name": "晚班", "slot-2-start": "16:00", "slot-2-end": "20:00", "slot-2-headcount": "10",
    }
    response = client.post(url, {**data, "preview": "1"})
    assert response.status_code == 200
    assert len(response.context["preview"]) == 6
    assert Shift.objects.filter(position=rec.position).count() == 0
    response = client.post(url, {**data, "confirm": "1"})
    assert response.status_code == 302
    assert Shift.objects.filter(position=rec.position).count() == 6


def test_generate_bad_input_shows_the_message_and_writes_nothing(rec, login):
    client = login(rec.org.admin_a)
    start = rec.campaign.starts_on
    response = client.post(reverse("operations:shift_generate", args=[rec.position.pk]), {
        "date_from": start.isoformat(), "date_to": start.isoformat(), "confirm": "1",
        "slot-TOTAL_FORMS": "2", "slot-INITIAL_FORMS": "0", "slot-MIN_NUM_FORMS": "1", "slot-MAX_NUM_FORMS": "12",
        "slot-0-name": "早班", "slot-0-start": "08:00", "slot-0-end": "12:00", "slot-0-headcount": "10",
        "slot-1-name": "長班", "slot-1-start": "10:00", "slot-1-end": "14:00", "slot-1-headcount": "10",
    })
    assert response.status_code == 400
    assert "長班" in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert Shift.objects.filter(position=rec.position).count() == 0


def test_headcount_edit_over_http(rec, shift, login):
    accept(rec.org.vol_a, shift)
    accept(rec.org.vol_sub_a, shift)
    client = login(rec.org.admin_a)
    url = reverse("operations:shift_detail", args=[shift.pk])
    response = client.post(url, {"action": "headcount", "headcount": "1"})
    assert response.status_code == 400
    shift.refresh_from_db()
    assert shift.headcount == 2
    response = client.post(url, {"action": "headcount", "headcount": "1", "surplus_to_waitlist": "on"})
    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.headcount, shift.accepted_count) == (1, 1)
    assert login(rec.org.leader_a).post(url, {"action": "headcount", "headcount": "5"}).status_code == 403


def test_bulk_review_over_http(rec, shift, login):
    rec.campaign.signup_mode = SignupMode.REVIEWED
    rec.campaign.save()
    a = Signup.objects.create(volunteer=rec.org.vol_a, shift=shift, status=SignupStatus.APPLIED)
    b = Signup.objects.create(volunteer=rec.org.vol_sub_a, shift=shift, status=SignupStatus.APPLIED)
    client = login(rec.org.admin_a)
    url = reverse("operations:signup_review")
    page = client.get(url)
    assert rec.org.vol_a.name in page.content.decode()
    response = client.post(url, {"decision": "rejected", "reason": "", "signups": [a.pk, b.pk]})
    assert response.status_code == 400
    assert set(Signup.objects.values_list("status", flat=True)) == {"applied"}
    response = client.post(url, {"decision": "accepted", "signups": [a.pk, b.pk]})
    assert response.status_code == 302
    assert set(Signup.objects.values_list("status", flat=True)) == {"accepted"}
    assert AuditEvent.objects.filter(object_type="operations.signup").count() == 2


def test_one_by_one_decision_on_the_shift_page(rec, shift, login):
    signup = Signup.objects.create(volunteer=rec.org.vol_a, shift=shift, status=SignupStatus.APPLIED)
    client = login(rec.org.leader_a)
    client.post(reverse("operations:shift_detail", args=[shift.pk]),
                {"action": "decide", "signup": signup.pk, "decision": "waitlisted"})
    assert Signup.objects.get(pk=signup.pk).status == SignupStatus.WAITLISTED


def test_one_click_assignment(rec, shift, login):
    client = login(rec.org.admin_a)
    page = client.get(reverse("operations:shift_match", args=[shift.pk]))
    assert rec.org.vol_a.name in page.content.decode()
    client.post(reverse("operations:shift_match", args=[shift.pk]), {"volunteer": rec.org.vol_a.pk})
    assert Signup.objects.get(shift=shift, volunteer=rec.org.vol_a).status == SignupStatus.ACCEPTED
    assert client.post(reverse("operations:shift_match", args=[shift.pk]),
                       {"volunteer": rec.org.vol_b.pk}).status_code == 404


@pytest.mark.parametrize("name,args", [("campaign_export", []), ("signup_export", []), ("attendance_export", []),
                                       ("service_record_export", []), ("position_shift_export", ["pos"])])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_exports(rec, shift, login, name, args, fmt):
    accept(rec.org.vol_a, shift)
    args = [rec.position.pk if a == "pos" else a for a in args]
    response = login(rec.org.admin_a).get(reverse(f"operations:{name}", args=[*args, fmt]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        text = content.decode("utf-8")
        assert text.startswith("\ufeff")
        assert rec.campaign.title not in text or name == "campaign_export"
    assert AuditEvent.objects.filter(action="exported").count() == 1


def test_campaign_export_contains_only_scoped_rows(rec, login):
    response = login(rec.org.admin_a).get(reverse("operations:campaign_export", args=["csv"]))
    text = b"".join(response.streaming_content).decode()
    assert rec.campaign.title in text and rec.other_campaign.title not in text


def test_day_sheet_pdf_is_text_in_chinese(rec, login):
    from pypdf import PdfReader

    shift = make_shift(rec.position, date=timezone.localdate())
    accept(rec.org.vol_a, shift)
    response = login(rec.org.leader_a).get(reverse("operations:attendance_day_sheet_pdf", args=[shift.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text().replace(" ", "").replace("\x00", "")
    assert rec.org.vol_a.name in text and "志工簽到表" in text and "甲場館" in text


def test_day_sheet_pdf_without_a_font_says_so(rec, login, settings, monkeypatch):
    from operations import pdf

    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ["/nonexistent/font.ttc"])
    settings.CJK_FONT_PATH = ""
    shift = make_shift(rec.position, date=timezone.localdate())
    response = login(rec.org.leader_a).get(reverse("operations:attendance_day_sheet_pdf", args=[shift.pk]))
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.content.decode()


def test_qr_svg_and_volunteer_check_in_flow(rec, client):
    shift = make_shift(rec.position, date=timezone.localdate(), start=(0, 0), end=(23, 59))
    signup = accept(rec.org.vol_a, shift)
    client.force_login(rec.org.leader_a)
    svg = client.get(reverse("operations:attendance_qr_svg", args=[shift.pk]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    user = UserFactory(username="vol-a-phone")
    rec.org.vol_a.user = user
    rec.org.vol_a.save(update_fields=["user"])
    client.force_login(user)
    url = reverse("operations:checkin", args=[shift_qr_token(shift=shift)])
    page = client.get(url)
    assert page.status_code == 200 and page.context["next_action"] == "in"
    assert client.post(url, {"action": "in"}).status_code == 302
    assert Attendance.objects.get(signup=signup).check_in_method == "qr"
    replay = client.post(url, {"action": "in"})
    assert replay.status_code == 400 and replay.context["action_errors"]
    assert client.get(url).context["next_action"] == "out"
    bad = client.get(reverse("operations:checkin", args=["not-a-token"]))
    assert bad.status_code == 400


def test_check_in_page_needs_a_volunteer_account(rec, client):
    shift = make_shift(rec.position, date=timezone.localdate(), start=(0, 0), end=(23, 59))
    url = reverse("operations:checkin", args=[shift_qr_token(shift=shift)])
    assert client.get(url).status_code == 302  # to log in
    client.force_login(rec.org.admin_a)  # staff without a volunteer profile
    assert client.get(url).status_code == 403


def test_day_sheet_ticks_and_correction_over_http(rec, login):
    shift = make_shift(rec.position, date=timezone.localdate(), start=(0, 0), end=(23, 59))
    a, b = accept(rec.org.vol_a, shift), accept(rec.org.vol_sub_a, shift)
    client = login(rec.org.leader_a)
    client.post(reverse("operations:attendance_shift", args=[shift.pk]), {"action": "sheet", "present": [a.pk, b.pk]})
    assert Attendance.objects.filter(shift=shift, check_in_at__isnull=False).count() == 2
    correct_url = reverse("operations:attendance_correct", args=[shift.pk, a.pk])
    assert client.get(correct_url).status_code == 403
    admin = login(rec.org.admin_a)
    day = shift.date.isoformat()
    response = admin.post(correct_url, {"check_in_at": f"{day}T10:00", "check_out_at": f"{day}T09:00", "reason": "補登"})
    assert response.status_code == 400
    response = admin.post(correct_url, {"check_in_at": f"{day}T10:00", "check_out_at": f"{day}T13:00",
                                        "reason": "補登", "people_served": "12"})
    assert response.status_code == 302
    assert Attendance.objects.get(signup=a).service_record.hours == 3


def test_leader_scan_page(rec, login):
    from operations.services.attendance import volunteer_qr_token

    shift = make_shift(rec.position, date=timezone.localdate(), start=(0, 0), end=(23, 59))
    signup = accept(rec.org.vol_a, shift)
    client = login(rec.org.leader_a)
    url = reverse("operations:leader_scan", args=[volunteer_qr_token(volunteer=rec.org.vol_a)])
    assert rec.org.vol_a.name in client.get(url).content.decode()
    client.post(url, {"signup": signup.pk, "action": "in"})
    assert Attendance.objects.get(signup=signup).check_in_method == "leader"
    other = login(rec.org.admin_b)
    page = other.get(url)
    assert page.status_code == 200 and not page.context["signups"]  # outside their scope: nothing to do
    assert client.get(reverse("operations:leader_scan", args=["forged"])).status_code == 400


def _many_shifts(rec, n):
    day = timezone.localdate()
    shifts = Shift.objects.bulk_create([
        Shift(position=rec.position, date=day + datetime.timedelta(days=i // 3), start_time=datetime.time(8 + 4 * (i % 3)),
              end_time=datetime.time(12 + 4 * (i % 3)), name="班", headcount=5) for i in range(n)
    ])
    for s in shifts[: n // 2]:
        accept(extra_volunteer(rec.org), s)
    return shifts


@pytest.mark.parametrize("name", ["attendance_list", "signup_review", "fill_rates", "campaign_list", "pos"])
def test_list_queries_do_not_grow_with_the_data(rec, login, django_assert_max_num_queries, name):
    _many_shifts(rec, 30)
    client = login(rec.org.admin_a)
    if name == "pos":
        url = reverse("operations:position_detail", args=[rec.position.pk])
    else:
        url = reverse(f"operations:{name}") + ("?status=accepted" if name == "signup_review" else "")
    query = "?date=" + timezone.localdate().isoformat() if name == "attendance_list" else ""
    client.get(url + query)
    with django_assert_max_num_queries(22):
        response = client.get(url + query)
    assert response.status_code == 200


def test_day_sheet_queries_do_not_grow(rec, login, django_assert_max_num_queries):
    shift = make_shift(rec.position, date=timezone.localdate(), start=(0, 0), end=(23, 59), headcount=40)
    for _ in range(25):
        accept(extra_volunteer(rec.org), shift)
    client = login(rec.org.leader_a)
    with django_assert_max_num_queries(22):
        assert client.get(reverse("operations:attendance_shift", args=[shift.pk])).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(reverse("operations:venue_live", args=[rec.org.unit_a.pk])).status_code == 200


def test_fill_rates_by_day_totals_sort_and_export(rec, shift, login):
    """The fill-rate page: cities in the public order, totals in every table, a table by day, the venue
    table sortable, and every table downloadable in the page's words."""
    client = login(rec.org.officer_wmg)
    page = client.get("/en/backoffice/recruitment/fill-rates/", {"sort": "-rate"})
    assert page.status_code == 200
    rates = page.context["rates"]
    assert rates["days"] and [d["date"] for d in rates["days"]] == sorted(d["date"] for d in rates["days"])
    assert sum(d["needed"] for d in rates["days"]) == rates["overall"].needed
    percents = [v["progress"].percent for v in rates["venues"]]
    assert percents == sorted(percents, reverse=True)
    text = page.content.decode()
    assert "By day" in text and "fill-rates/export.csv?table=days" in text
    export = client.get("/en/backoffice/recruitment/fill-rates/export.csv", {"table": "days"})
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Date,Shifts,Needed,Accepted")
    assert len(body.strip().splitlines()) == len(rates["days"]) + 1
