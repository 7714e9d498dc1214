"""Training screens (教育訓練): the back-office pages for every role, the volunteer zone's "my training",
the public course page, bad input, and the rows the scope and permission-matrix tests use."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from operations.models import (
    CertificateSource,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    TrainingCertificate,
    TrainingSession,
    UnitCategory,
)

DAY = timezone.localdate() + datetime.timedelta(days=7)


def _course(node, title, kind=CourseKind.BASIC, category=""):
    return Course.objects.create(organiser=node, kind=kind, category=category, title=title, hours=Decimal("6"))


def _session(course, host, day=DAY, capacity=20):
    return TrainingSession.objects.create(course=course, host=host, date=day, start_time=datetime.time(9),
                                          end_time=datetime.time(12), place="會議室", capacity=capacity)


def _certificate(volunteer, number, course=None, kind=CourseKind.BASIC, category=""):
    return TrainingCertificate.objects.create(
        volunteer=volunteer, course=course, kind=kind, category=category, course_name=str(course or "基礎訓練"),
        organiser_name="臺北e大", hours=Decimal("6"), completed_on=datetime.date(2024, 1, 1), number=number,
        source=CertificateSource.ELEARNING)


def training_scope_rows(org):
    """A course, a session with an enrolment and certificates at several places of the tree (test_scope)."""
    rows = {}
    for key in ("root", "wmg", "unit_a", "unit_b", "unit_c"):
        node = org.nodes[key]
        course = _course(node, f"{key} 課程")
        session = _session(course, node)
        volunteer = {"unit_a": org.vol_a, "unit_b": org.vol_b, "unit_c": org.vol_c}.get(key, org.vol_sub_a)
        Enrolment.objects.create(session=session, volunteer=volunteer, status=EnrolmentStatus.ENROLLED)
        rows[key] = (course, session)
    for key, volunteer in org.volunteers.items():
        _certificate(volunteer, f"SCOPE-{key}")
    return rows


def training_matrix_objects(o):
    """The inside (unit A, its volunteer in sub-team A) and outside (unit C) objects of the permission matrix."""
    o.course_in = _course(o.unit_a, "甲場館特殊訓練", CourseKind.SPECIAL,
                          UnitCategory.SPORTS)
    o.course_out = _course(o.unit_c, "丙館特殊訓練", CourseKind.SPECIAL, UnitCategory.CULTURE)
    o.session_in = _session(o.course_in, o.course_in.organiser)
    o.session_out = _session(o.course_out, o.unit_c)
    o.enrolment_in = Enrolment.objects.create(session=o.session_in, volunteer=o.vol_sub_a,
                                              status=EnrolmentStatus.ENROLLED)
    o.enrolment_out = Enrolment.objects.create(session=o.session_out, volunteer=o.vol_c,
                                               status=EnrolmentStatus.ENROLLED)
    o.certificate_in = _certificate(o.vol_sub_a, "MATRIX-IN")
    o.certificate_out = _certificate(o.vol_c, "MATRIX-OUT")
    return o


# --- HTTP ---------------------------------------------------------------------------------------------

import pytest  # noqa: E402
from django.urls import reverse  # noqa: E402

from operations.models import AuditEvent, Volunteer  # noqa: E402
from tests.conftest import CJK_RE  # noqa: E402
from tests.factories import UserFactory  # noqa: E402


def _with_account(volunteer):
    user = UserFactory(username=f"vol-{volunteer.pk}")
    Volunteer.objects.filter(pk=volunteer.pk).update(user=user)
    return user


@pytest.mark.django_db
def test_a_unit_admin_runs_a_session_from_course_to_certificate(org, login):
    client = login(org.admin_a)
    response = client.post(reverse("operations:course_create"), {
        "organiser": org.unit_a.pk, "kind": "special", "category": "", "title": "甲場館特殊訓練", "hours": "6"})
    assert response.status_code == 200 and not Course.objects.exists()  # special without a category: refused
    assert "category" in response.context["form"].errors
    response = client.post(reverse("operations:course_create"), {
        "organiser": org.unit_a.pk, "kind": "special", "category": "sports", "title": "甲場館特殊訓練", "hours": "6",
        "is_active": "on"})
    course = Course.objects.get()
    assert response.status_code == 302 and course.organiser == org.unit_a
    today = timezone.localdate().isoformat()
    bad = {"host": org.unit_a.pk, "date": today, "start_time": "12:00", "end_time": "09:00", "capacity": 2}
    response = client.post(reverse("operations:session_create", args=[course.pk]), bad)
    assert response.status_code == 200 and not TrainingSession.objects.exists()
    assert set(response.context["form"].errors) >= {"end_time", "place"}
    response = client.post(reverse("operations:session_create", args=[course.pk]),
                           {**bad, "start_time": "08:00", "end_time": "09:00", "place": "甲場館"})
    session = TrainingSession.objects.get()
    people = [org.vol_a, org.vol_sub_a]
    response = client.post(reverse("operations:session_enrol", args=[session.pk]),
                           {"volunteers": [v.pk for v in people]})
    assert response.status_code == 302
    assert Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED).count() == 2
    rows = list(Enrolment.objects.filter(session=session).order_by("id"))
    client.post(reverse("operations:session_attendance", args=[session.pk]),
                {"listed": [r.pk for r in rows], "present": [rows[0].pk]})
    assert [Enrolment.objects.get(pk=r.pk).attended for r in rows] == [True, False]
    for _ in range(2):  # a double click issues one certificate
        client.post(reverse("operations:session_complete", args=[session.pk]), {"completed_on": today})
    certificate = TrainingCertificate.objects.get()
    assert certificate.volunteer == rows[0].volunteer and certificate.number.startswith("VENUE-A-")
    page = client.get(reverse("operations:session_detail", args=[session.pk])).content.decode()
    assert certificate.number in page
    pdf = client.get(reverse("operations:certificate_pdf", args=[certificate.pk]))
    assert pdf.status_code in (200, 503)
    if pdf.status_code == 200:
        assert pdf.content.startswith(b"%PDF")
    sheet = client.get(reverse("operations:session_sheet_pdf", args=[session.pk]))
    assert sheet.status_code in (200, 503)
    if sheet.status_code == 200:
        import io

        from pypdf import PdfReader

        text = PdfReader(io.BytesIO(sheet.content)).pages[0].extract_text().replace(" ", "").replace("\x00", "")
        assert "課程簽到表" in text and rows[0].volunteer.name in text
        text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().replace(" ", "").replace("\x00", "")
        assert "結業證書" in text and certificate.number in text
    record = client.get(reverse("operations:volunteer_training", args=[rows[0].volunteer_id])).content.decode()
    assert certificate.number in record


@pytest.mark.django_db
def test_duplicate_certificate_number_gets_a_message_and_writes_nothing(org, login):
    _certificate(org.vol_a, "E-9")
    client = login(org.admin_a)
    before = AuditEvent.objects.count()
    response = client.post(reverse("operations:certificate_create", args=[org.vol_sub_a.pk]), {
        "kind": "basic", "course_name": "基礎訓練", "organiser_name": "臺北e大", "hours": "6",
        "completed_on": "2024-01-01", "number": "E-9", "source": "elearning"})
    assert response.status_code == 200 and "number" in response.context["form"].errors
    assert TrainingCertificate.objects.count() == 1 and AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_import_page_lists_row_errors_and_imports_nothing_then_everything(org, login,
                                                                          django_capture_on_commit_callbacks):
    """The upload is a job (run inline here, as without a broker): the POST leads to its page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from operations.services.training import IMPORT_COLUMNS

    header = ",".join(f"{zh} {en}" for _k, zh, en, _r in IMPORT_COLUMNS)
    good = f"{org.vol_a.id_number},{org.vol_a.name},基礎,,基礎訓練,臺北e大,6,2024-01-01,IMP-1,臺北e大"
    bad = f"{org.vol_sub_a.id_number},{org.vol_sub_a.name},特殊,,x,臺北e大,6,2024-01-01,IMP-2,"
    client = login(org.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("operations:certificate_import"), {
            "file": SimpleUploadedFile("c.csv", f"{header}\n{good}\n{bad}\n".encode())})
    assert response.status_code == 302 and not TrainingCertificate.objects.exists()
    page = client.get(response["Location"])
    assert [e["row"] for e in page.context["job"].errors] == [3]
    response = client.post(reverse("operations:certificate_import"), {
        "file": SimpleUploadedFile("c.xlsx", b"PK not really a spreadsheet")})
    assert response.status_code == 200 and response.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("operations:certificate_import"), {
            "file": SimpleUploadedFile("c.csv", f"{header}\n{good}\n".encode())})
    assert response.status_code == 302 and TrainingCertificate.objects.count() == 1
    assert "已匯入 1 張證書" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_gap_list_shows_who_lacks_what_in_the_unit_and_exports(org, login):
    _certificate(org.vol_a, "G-1")
    _certificate(org.vol_a, "G-2", kind=CourseKind.SPECIAL, category=UnitCategory.SOCIAL_WELFARE)
    client = login(org.admin_a)
    response = client.get(reverse("operations:training_gaps"), {"unit": org.unit_a.pk, "category": "social_welfare"})
    names = {row.record.name for row in response.context["table"].rows}
    assert names == {org.vol_sub_a.name}  # vol_a is trained; vol_b is in another unit
    response = client.get(reverse("operations:training_gap_export", args=["csv"]),
                          {"unit": org.unit_a.pk, "category": "social_welfare"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert org.vol_sub_a.name in body and org.vol_a.name not in body
    response = client.get(reverse("operations:training_gaps"), {"unit": org.unit_c.pk, "category": "social_welfare"})
    assert response.context["table"] is None and "unit" in response.context["form"].errors  # outside the scope


@pytest.mark.django_db
def test_volunteer_enrols_from_the_public_page_once_and_sees_my_training(org, client):
    course = _course(org.root, "志願服務基礎訓練")
    session = _session(course, org.unit_a, capacity=1)
    anonymous = client.get(reverse("volunteer:training_session", args=[session.pk]))
    assert anonymous.status_code == 200 and "志願服務基礎訓練" in anonymous.content.decode()
    assert client.get(reverse("volunteer:training_sessions")).status_code == 200
    client.force_login(_with_account(org.vol_a))
    for _ in range(2):
        client.post(reverse("volunteer:training_enrol", args=[session.pk]))
    assert Enrolment.objects.filter(volunteer=org.vol_a, status=EnrolmentStatus.ENROLLED).count() == 1
    other = _with_account(org.vol_b)
    client.force_login(other)
    client.post(reverse("volunteer:training_enrol", args=[session.pk]))
    assert Enrolment.objects.get(volunteer=org.vol_b).status == EnrolmentStatus.WAITLISTED
    _certificate(org.vol_b, "MY-1")
    page = client.get(reverse("volunteer:training")).content.decode()
    assert "MY-1" in page
    home = client.get(reverse("volunteer:home")).content.decode()
    assert "基礎訓練" in home  # the card shows the certificate
    mine = TrainingCertificate.objects.get(number="MY-1")
    theirs = _certificate(org.vol_a, "THEIRS-1")
    assert client.get(reverse("volunteer:training_certificate", args=[mine.pk])).status_code in (200, 503)
    assert client.get(reverse("volunteer:training_certificate", args=[theirs.pk])).status_code == 404
    enrolment = Enrolment.objects.get(volunteer=org.vol_a)
    client.post(reverse("volunteer:training_cancel", args=[enrolment.pk]))  # not theirs
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ENROLLED


@pytest.mark.django_db
def test_english_training_pages_show_no_chinese_but_names(org, login):
    client = login(org.admin_a)
    for url in (reverse("operations:course_list"), reverse("operations:certificate_list"),
                reverse("operations:training_gaps"), reverse("operations:certificate_import"),
                reverse("operations:course_create")):
        html = client.get("/en" + url).content.decode()
        main = html.split("<main", 1)[1].split("</main>", 1)[0]
        # proper names only: the organisations and volunteers of the fixture, and the values a file may hold
        for name in ("甲場館", "基礎, 特殊, 在職", "臺北e大, 他縣市, 紙本"):
            main = main.replace(name, "")
        assert not CJK_RE.search(main), (url, CJK_RE.findall(main)[:10])


@pytest.mark.django_db
def test_volunteer_page_shows_the_training_summary(org, login):
    _certificate(org.vol_sub_a, "SUM-1")
    _certificate(org.vol_sub_a, "SUM-2", kind=CourseKind.SPECIAL, category=UnitCategory.SOCIAL_WELFARE)
    html = login(org.subleader_a).get(reverse("operations:volunteer_detail", args=[org.vol_sub_a.pk])).content.decode()
    assert "2024-01-01" in html and reverse("operations:volunteer_training", args=[org.vol_sub_a.pk]) in html
    assert "社福類" in html  # trained for social welfare since the later date


@pytest.mark.django_db
def test_qr_check_in_marks_the_enrolled_present_once_and_refuses_the_rest(org, client, login):
    from operations.services.training import enrolment_self_check_in, session_qr_token

    now = timezone.now()
    local = timezone.localtime(now)
    session = TrainingSession.objects.create(
        course=_course(org.root, "志願服務基礎訓練"), host=org.unit_a, date=local.date(),
        start_time=(local - datetime.timedelta(minutes=30)).time().replace(second=0, microsecond=0)
        if local.hour >= 1 else datetime.time(0, 0),
        end_time=datetime.time(23, 59), place="教室", capacity=5)
    enrolment = Enrolment.objects.create(session=session, volunteer=org.vol_a, status=EnrolmentStatus.ENROLLED)
    token = session_qr_token(session=session)
    svg = login(org.admin_a).get(reverse("operations:session_qr_svg", args=[session.pk]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    client.force_login(_with_account(org.vol_a))
    for _ in range(2):  # a second scan changes nothing
        response = client.post(reverse("volunteer:training_checkin", args=[token]))
        assert response.status_code == 200
    assert Enrolment.objects.get(pk=enrolment.pk).attended is True
    assert AuditEvent.objects.filter(object_type="operations.enrolment", object_id=str(enrolment.pk)).count() == 1
    response = client.post(reverse("volunteer:training_checkin", args=["forged-token"]))
    assert response.status_code == 400 and response.context["error"]
    client.force_login(_with_account(org.vol_b))  # not enrolled
    response = client.post(reverse("volunteer:training_checkin", args=[token]))
    assert response.status_code == 400
    assert not Enrolment.objects.filter(volunteer=org.vol_b).exists()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):  # another day
        enrolment_self_check_in(volunteer=org.vol_a, token=token, now=now + datetime.timedelta(days=1))


@pytest.mark.django_db
def test_a_certificate_of_a_platform_course_is_named_in_the_pages_language(org, client, login):
    """The zone's card, "my training" and the back-office list name a certificate as recorded on it; on English
    pages a certificate issued for a platform course with an English title takes that title (one issued
    elsewhere keeps the name it was recorded with)."""
    course = Course.objects.create(organiser=org.root, kind=CourseKind.BASIC, title="志願服務基礎訓練",
                                   title_en="Basic volunteer training", hours=Decimal("6"))
    _certificate(org.vol_a, "EN-1", course=course)
    listing = reverse("operations:certificate_list")  # before a request switches the active language
    client.force_login(_with_account(org.vol_a))
    for url in (reverse("volunteer:home"), reverse("volunteer:training")):
        chinese, english = client.get(url).content.decode(), client.get("/en" + url).content.decode()
        assert "志願服務基礎訓練" in chinese and "Basic volunteer training" not in chinese, url
        assert "Basic volunteer training" in english and "志願服務基礎訓練" not in english, url
    response = login(org.admin_a).get("/en" + listing)
    listed = response.content.decode().split("<main", 1)[1]
    assert response.status_code == 200 and "Basic volunteer training" in listed and "志願服務基礎訓練" not in listed
