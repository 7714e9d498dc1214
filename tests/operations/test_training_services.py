"""Training (教育訓練): the gate in the sign-up rule book (every caller, same codes, a message that names the
missing training and where to take it), hours counted from the training date, enrolment seats and the
waitlist, completion with certificate numbers, certificates entered and imported (all or nothing), and the
catalogue offered down the tree."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.utils import timezone

from operations.models import (
    AuditEvent,
    CertificateSource,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    ServiceRecord,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    TrainingCertificate,
    TrainingSession,
    UnitCategory,
)
from operations.selectors import training as sel
from operations.selectors.matching import match_candidates
from operations.selectors.signup_rules import codes
from operations.services import training as svc
from operations.services.signups import signup_create, signup_decide, signup_problems
from tests.conftest import fresh

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)
from .test_backoffice_recruitment_setup import extra_volunteer, make_shift, rec_fixture  # noqa: F401
from .test_signup_rules import assign_codes, roster_codes, roster_of_one  # noqa: F401

pytestmark = pytest.mark.django_db

DAY = timezone.localdate() + datetime.timedelta(days=7)
TODAY = timezone.localdate()
SW = UnitCategory.SOCIAL_WELFARE


def course(org, kind=CourseKind.BASIC, category="", title="志願服務基礎訓練", node=None, **kwargs) -> Course:
    return Course.objects.create(organiser=node or org.root, kind=kind, category=category, title=title,
                                 title_en=kwargs.pop("title_en", ""), hours=kwargs.pop("hours", Decimal("6")), **kwargs)


def certify(volunteer, kind, category="", *, on=datetime.date(2024, 1, 10), number=None, course=None, hours="6"):
    certify.n = getattr(certify, "n", 0) + 1
    return TrainingCertificate.objects.create(
        volunteer=volunteer, kind=kind, category=category, course=course, course_name=str(course or kind),
        organiser_name="臺北e大", hours=Decimal(hours), completed_on=on, number=number or f"E-{certify.n}",
        source=CertificateSource.ELEARNING)


@pytest.fixture
def shift(rec):
    return Shift.objects.select_related("position__campaign").get(pk=make_shift(rec.position, date=DAY).pk)


@pytest.fixture
def wmg_course(rec):
    return course(rec.org, CourseKind.IN_SERVICE, title="世壯運志工特殊訓練", title_en="WMG special training",
                  node=rec.org.wmg, where_to_take="世壯運籌委會 (WMG organising committee)")


def require(rec, *, category="", courses=(), position=False):
    target = {"position": rec.position} if position else {"campaign": rec.campaign}
    return svc.requirement_set(actor=fresh(rec.org.admin_a), category=category, courses=courses, **target)


def fresh_shift(shift):
    return Shift.objects.select_related("position__campaign").get(pk=shift.pk)


# --- the gate -------------------------------------------------------------------------------------

def test_category_gate_needs_basic_and_that_special_and_names_what_is_missing(rec, shift):
    require(rec, category=SW)
    volunteer = extra_volunteer(rec.org)
    problems = signup_problems(volunteer=volunteer, shift=fresh_shift(shift))
    assert codes(problems) == [sel.BASIC_MISSING, sel.SPECIAL_MISSING]
    assert "臺北e大" in problems[0].message and "基礎訓練" in problems[0].message
    # a legacy 12-hour basic certificate counts as basic
    certify(volunteer, CourseKind.BASIC, hours="12")
    volunteer = type(volunteer).objects.get(pk=volunteer.pk)
    assert codes(signup_problems(volunteer=volunteer, shift=fresh_shift(shift))) == [sel.SPECIAL_MISSING]
    # special training of another category does not count
    certify(volunteer, CourseKind.SPECIAL, UnitCategory.CULTURE)
    volunteer = type(volunteer).objects.get(pk=volunteer.pk)
    assert codes(signup_problems(volunteer=volunteer, shift=fresh_shift(shift))) == [sel.SPECIAL_MISSING]
    certify(volunteer, CourseKind.SPECIAL, SW)
    volunteer = type(volunteer).objects.get(pk=volunteer.pk)
    assert signup_problems(volunteer=volunteer, shift=fresh_shift(shift)) == []
    assert signup_create(volunteer=volunteer, shift=fresh_shift(shift)).status == SignupStatus.ACCEPTED


@pytest.mark.usefixtures("roster_of_one")
def test_named_course_on_a_position_is_refused_by_every_caller(rec, shift, wmg_course):
    require(rec, courses=[wmg_course], position=True)
    untrained = extra_volunteer(rec.org, name="未受訓者")
    trained = extra_volunteer(rec.org, name="已受訓者")
    certify(trained, CourseKind.IN_SERVICE, course=wmg_course)
    shift = fresh_shift(shift)
    with pytest.raises(ValidationError) as refused:
        signup_create(volunteer=untrained, shift=shift)
    assert [e.code for e in refused.value.error_list] == [sel.COURSE_MISSING]
    assert "世壯運志工特殊訓練" in refused.value.messages[0] and "世壯運籌委會" in refused.value.messages[0]
    assert roster_codes(rec, untrained, fresh_shift(shift)) == [sel.COURSE_MISSING]
    assert roster_codes(rec, trained, fresh_shift(shift)) == []
    assert assign_codes(rec, untrained, fresh_shift(shift)) == [sel.COURSE_MISSING]
    # the suggested matches list the untrained after the trained, with what they lack
    candidates = match_candidates(user=fresh(rec.org.admin_a), shift=fresh_shift(shift), limit=50)
    order = [c.volunteer.pk for c in candidates]
    assert order.index(trained.pk) < order.index(untrained.pk)
    gap = next(c for c in candidates if c.volunteer.pk == untrained.pk)
    assert any("世壯運志工特殊訓練" in w for w in gap.warnings)
    assert not any("世壯運志工特殊訓練" in w for c in candidates if c.volunteer.pk == trained.pk for w in c.warnings)
    assert signup_create(volunteer=trained, shift=fresh_shift(shift)).status == SignupStatus.ACCEPTED


def test_staff_acceptance_is_refused_for_an_application_made_before_the_requirement(rec, shift):
    rec.campaign.signup_mode = SignupMode.REVIEWED
    rec.campaign.save()
    volunteer = extra_volunteer(rec.org)
    applied = signup_create(volunteer=volunteer, shift=fresh_shift(shift))
    assert applied.status == SignupStatus.APPLIED
    require(rec, category=SW)
    with pytest.raises(ValidationError) as refused:
        signup_decide(signup=applied, actor=fresh(rec.org.admin_a), decision=SignupStatus.ACCEPTED)
    assert [e.code for e in refused.value.error_list] == [sel.BASIC_MISSING, sel.SPECIAL_MISSING]
    assert volunteer.name in refused.value.messages[0]  # the staff voice names the person
    assert Signup.objects.get(pk=applied.pk).status == SignupStatus.APPLIED


def test_requirement_change_reaches_the_gate_at_once_and_clearing_it_lifts_it(rec, shift):
    volunteer = extra_volunteer(rec.org)
    assert signup_problems(volunteer=volunteer, shift=fresh_shift(shift)) == []  # cached "no requirement"
    require(rec, category=SW)
    assert codes(signup_problems(volunteer=volunteer, shift=fresh_shift(shift))) == [sel.BASIC_MISSING,
                                                                                   sel.SPECIAL_MISSING]
    require(rec)  # cleared
    assert signup_problems(volunteer=volunteer, shift=fresh_shift(shift)) == []


def test_gate_costs_at_most_two_queries_and_one_without_a_requirement(rec, shift, django_assert_num_queries):
    volunteer = extra_volunteer(rec.org)
    from django.core.cache import cache

    cache.clear()
    with django_assert_num_queries(1):
        sel.check_training(volunteer, shift, None)
    next_request = Shift.objects.select_related("position").get(pk=shift.pk)
    with django_assert_num_queries(0):  # cached for the next request
        sel.check_training(volunteer, next_request, None)
    require(rec, category=SW)
    cache.clear()
    s = Shift.objects.select_related("position").get(pk=shift.pk)
    v = type(volunteer).objects.get(pk=volunteer.pk)
    with django_assert_num_queries(2):
        assert len(sel.check_training(v, s, None)) == 2
        sel.check_training(v, s, None)  # kept on the objects


def test_requirement_needs_the_campaign_permission(rec, wmg_course):
    with pytest.raises(PermissionDenied):
        svc.requirement_set(actor=fresh(rec.org.admin_b), campaign=rec.campaign, category=SW)
    with pytest.raises(PermissionDenied):
        svc.requirement_set(actor=fresh(rec.org.leader_a), campaign=rec.campaign, category=SW)


# --- hours count from training ------------------------------------------------------------------

def test_hours_count_from_the_later_of_basic_and_special(rec):
    volunteer = extra_volunteer(rec.org)
    certify(volunteer, CourseKind.BASIC, on=datetime.date(2024, 3, 1))
    certify(volunteer, CourseKind.SPECIAL, SW, on=datetime.date(2024, 6, 1))
    for day, hours in ((datetime.date(2024, 4, 1), 4), (datetime.date(2024, 6, 1), 3), (datetime.date(2024, 7, 1), 2)):
        ServiceRecord.objects.create(volunteer=volunteer, unit=rec.org.unit_a, date=day, category=SW,
                                     content="關懷訪視", minutes=hours * 60, hours=hours)
    assert sel.counted_hours(volunteer, SW) == Decimal("5")
    record = sel.training_record(volunteer)
    status = next(c for c in record.categories if c.category == SW)
    assert status.trained_on == datetime.date(2024, 6, 1)
    assert (status.counted_hours, status.total_hours) == (Decimal("5"), Decimal("9"))
    # no training dates: from the record-book date
    other = extra_volunteer(rec.org)
    ServiceRecord.objects.create(volunteer=other, unit=rec.org.unit_a, date=datetime.date(2024, 5, 1), category=SW,
                                 content="x", minutes=60, hours=1)
    assert sel.counted_hours(other, SW) == 0
    # the record-book module gives its dates to the one selector of countable hours (selectors.hours)
    from django.db.models import Value
    from django.db.models.functions import Cast

    from operations.models import Volunteer
    from operations.selectors import hours

    before = hours._record_book_dates
    hours.register_record_book_dates(lambda: Volunteer.objects.filter(pk=other.pk).annotate(
        volunteer_id=Cast("pk", output_field=models.BigIntegerField()),
        d=Value(datetime.date(2024, 1, 1), output_field=models.DateField())))
    try:
        assert sel.counted_hours(other, SW) == Decimal("1")
    finally:
        hours.register_record_book_dates(before)


# --- sessions and enrolment ---------------------------------------------------------------------

@pytest.fixture
def session(rec):
    basic = course(rec.org)
    return svc.session_create(actor=fresh(rec.org.admin_a), course=basic, host=rec.org.unit_a, date=DAY,
                              start_time=datetime.time(9), end_time=datetime.time(16), place="甲場館會議室",
                              capacity=1)


def test_session_seats_waitlist_promotion_and_double_submit(rec, session):
    first, second = extra_volunteer(rec.org), extra_volunteer(rec.org)
    a = svc.enrolment_create(volunteer=first, session=session, actor=first.user)
    again = svc.enrolment_create(volunteer=first, session=session, actor=first.user)
    assert a.pk == again.pk and a.status == EnrolmentStatus.ENROLLED
    b = svc.enrolment_create(volunteer=second, session=session)
    assert b.status == EnrolmentStatus.WAITLISTED
    assert TrainingSession.objects.get(pk=session.pk).enrolled_count == 1
    svc.enrolment_cancel(enrolment=a, actor=None, by_volunteer=first)
    svc.enrolment_cancel(enrolment=a, actor=None, by_volunteer=first)  # twice: nothing more
    assert Enrolment.objects.get(pk=b.pk).status == EnrolmentStatus.ENROLLED
    assert TrainingSession.objects.get(pk=session.pk).enrolled_count == 1
    with pytest.raises(PermissionDenied):
        svc.enrolment_cancel(enrolment=b, actor=None, by_volunteer=first)


def test_enrolment_window_and_private_sessions(rec, session):
    volunteer = extra_volunteer(rec.org)
    TrainingSession.objects.filter(pk=session.pk).update(signup_closes_at=timezone.now() - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError, match="closed|截止|關閉"):
        svc.enrolment_create(volunteer=volunteer, session=session)
    TrainingSession.objects.filter(pk=session.pk).update(signup_closes_at=None, is_public=False)
    with pytest.raises(ValidationError):
        svc.enrolment_create(volunteer=volunteer, session=session)
    assert not Enrolment.objects.exists()


def test_bulk_enrol_is_scoped_and_fills_then_waitlists(rec, session):
    mine = [extra_volunteer(rec.org) for _ in range(3)]
    with pytest.raises(PermissionDenied):
        svc.enrolments_create_many(actor=fresh(rec.org.admin_a), session=session, volunteers=[*mine, rec.org.vol_c])
    assert not Enrolment.objects.exists()
    counts = svc.enrolments_create_many(actor=fresh(rec.org.admin_a), session=session, volunteers=mine)
    assert counts[EnrolmentStatus.ENROLLED] == 1 and counts[EnrolmentStatus.WAITLISTED] == 2
    again = svc.enrolments_create_many(actor=fresh(rec.org.admin_a), session=session, volunteers=mine)
    assert again["unchanged"] == 3
    with pytest.raises(PermissionDenied):
        svc.enrolments_create_many(actor=fresh(rec.org.admin_b), session=session, volunteers=mine[:1])


def test_completion_issues_numbers_in_sequence_once_and_only_to_those_present(rec, session):
    TrainingSession.objects.filter(pk=session.pk).update(capacity=5, date=TODAY)
    session.refresh_from_db()
    people = [extra_volunteer(rec.org) for _ in range(3)]
    svc.enrolments_create_many(actor=fresh(rec.org.admin_a), session=session, volunteers=people)
    rows = list(Enrolment.objects.filter(session=session).order_by("id"))
    svc.attendance_record(actor=fresh(rec.org.admin_a), session=session, present={rows[0].pk, rows[1].pk},
                          absent={rows[2].pk})
    issued = svc.session_complete(actor=fresh(rec.org.admin_a), session=session)
    assert len(issued) == 2
    roc = TODAY.year - 1911
    assert [c.number for c in issued] == [f"DOSW-{roc}-00001", f"DOSW-{roc}-00002"]
    assert svc.session_complete(actor=fresh(rec.org.admin_a), session=session) == []  # a repeat issues nothing
    audited = AuditEvent.objects.filter(node=rec.org.unit_a)
    assert audited.filter(object_type="operations.trainingcertificate").count() == 2
    assert audited.filter(object_type="operations.enrolment").count() == 3 + 3  # enrolled, then attendance
    assert not TrainingCertificate.objects.filter(volunteer=people[2]).exists()
    with pytest.raises(ValidationError):
        svc.enrolment_cancel(enrolment=rows[0], actor=fresh(rec.org.admin_a))
    with pytest.raises(PermissionDenied):
        svc.session_complete(actor=fresh(rec.org.leader_a), session=session)


def test_session_bad_input_writes_nothing(rec):
    basic = course(rec.org)
    with pytest.raises(ValidationError) as refused:
        svc.session_create(actor=fresh(rec.org.admin_a), course=basic, host=rec.org.unit_a, date=DAY,
                           start_time=datetime.time(16), end_time=datetime.time(9), place="", capacity=5)
    assert set(refused.value.error_dict) == {"end_time", "place"}
    with pytest.raises(PermissionDenied):
        svc.session_create(actor=fresh(rec.org.admin_a), course=basic, host=rec.org.unit_c, date=DAY,
                           start_time=datetime.time(9), end_time=datetime.time(12), place="x", capacity=5)
    c_course = course(rec.org, node=rec.org.unit_c, title="丙館特殊訓練")
    with pytest.raises(PermissionDenied):  # not offered to unit A
        svc.session_create(actor=fresh(rec.org.admin_a), course=c_course, host=rec.org.unit_a, date=DAY,
                           start_time=datetime.time(9), end_time=datetime.time(12), place="x", capacity=5)
    assert not TrainingSession.objects.exists()


def test_catalogue_is_offered_down_the_tree_but_changed_only_by_its_organiser(rec):
    city = course(rec.org, title="市府基礎訓練")
    wmg = course(rec.org, CourseKind.IN_SERVICE, title="世壯運訓練", node=rec.org.wmg)
    c_only = course(rec.org, CourseKind.SPECIAL, SW, title="丙館特殊訓練", node=rec.org.unit_c)
    admin_a = fresh(rec.org.admin_a)
    assert set(Course.objects.offered_to(admin_a)) == {city, wmg}
    assert set(Course.objects.visible_to(admin_a)) == set()
    assert not admin_a.has_perm("operations.course.change", city)
    assert set(Course.objects.offered_to(fresh(rec.org.admin_b))) == {city, wmg}
    assert c_only in set(Course.objects.offered_to(fresh(rec.org.sysadmin)))
    with pytest.raises(PermissionDenied):
        svc.course_update(actor=admin_a, course=city, title="改名")
    with pytest.raises(ValidationError):
        svc.course_create(actor=admin_a, organiser=rec.org.unit_a, kind=CourseKind.SPECIAL, category="",
                          title="沒有類別", hours=Decimal("6"))


# --- certificates ---------------------------------------------------------------------------------

def test_a_certificate_number_is_unique_per_organiser(rec):
    volunteer = extra_volunteer(rec.org)
    admin = fresh(rec.org.admin_a)
    data = dict(kind=CourseKind.BASIC, course_name="基礎訓練", organiser_name="臺北e大", hours=Decimal("6"),
                completed_on=datetime.date(2024, 1, 1), number="E-100", source=CertificateSource.ELEARNING)
    svc.certificate_create(actor=admin, volunteer=volunteer, **data)
    with pytest.raises(ValidationError) as refused:
        svc.certificate_create(actor=admin, volunteer=volunteer, **{**data, "organiser_name": " 臺北e大 "})
    assert "number" in refused.value.error_dict
    svc.certificate_create(actor=admin, volunteer=volunteer, **{**data, "organiser_name": "新北市政府"})
    with pytest.raises(PermissionDenied):
        svc.certificate_create(actor=admin, volunteer=rec.org.vol_c, **{**data, "number": "E-101"})
    assert TrainingCertificate.objects.count() == 2


def _csv(rows) -> bytes:
    header = ",".join(f"{zh} {en}" for _k, zh, en, _r in svc.IMPORT_COLUMNS)
    return ("\ufeff" + header + "\n" + "\n".join(",".join(r) for r in rows) + "\n").encode()


def test_import_is_all_or_nothing_and_lists_problems_per_row(rec):
    a, b = rec.org.vol_a, rec.org.vol_sub_a
    good = [a.id_number, a.name, "基礎", "", "志願服務基礎訓練", "臺北e大", "6", "2024-03-14", "E-1", "臺北e大"]
    special = [b.id_number, b.name, "特殊", "社會福利類", "社會福利類特殊訓練", "臺北e大", "6", "113/04/01", "E-2", ""]
    admin = fresh(rec.org.admin_a)
    bad_rows = [good, special,
                [a.id_number, a.name, "基礎", "", "x", "臺北e大", "6", "2024-03-14", "E-1", ""],  # twice in the file
                [rec.org.vol_c.id_number, rec.org.vol_c.name, "基礎", "", "x", "臺北e大", "6", "2024-01-01", "E-3", ""],
                [b.id_number, "別人", "特殊", "", "x", "臺北e大", "abc", "2999-01-01", "E-4", "火星"]]
    with pytest.raises(ValidationError) as refused:
        svc.certificates_import(actor=admin, name="c.csv", raw=_csv(bad_rows))
    text = " ".join(refused.value.messages)
    for row in ("4", "5", "6"):
        assert f"{row}" in text
    assert "E-1" in text and not any(m.startswith(("第 2 列", "Row 2:")) for m in refused.value.messages)
    assert not TrainingCertificate.objects.exists()
    result = svc.certificates_import(actor=admin, name="c.csv", raw=_csv([good, special]))
    assert result["created"] == 2
    cert = TrainingCertificate.objects.get(number="E-2")
    assert (cert.kind, cert.category, cert.completed_on) == (CourseKind.SPECIAL, SW, datetime.date(2024, 4, 1))
    with pytest.raises(ValidationError, match="E-1"):  # already recorded
        svc.certificates_import(actor=admin, name="c.csv", raw=_csv([good]))
    assert TrainingCertificate.objects.count() == 2


def test_import_refuses_a_file_that_is_not_what_it_claims(rec):
    with pytest.raises(ValidationError):
        svc.certificates_import(actor=fresh(rec.org.admin_a), name="c.xlsx", raw=b"not a zip at all")
    with pytest.raises(ValidationError, match="結業證書字號|Certificate number"):
        svc.certificates_import(actor=fresh(rec.org.admin_a), name="c.csv", raw="姓名\n王\n".encode())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the code tables' triggers are PostgreSQL's")
def test_a_category_deleted_meanwhile_is_told_on_its_field_for_courses_certificates_and_requirements(rec):
    """Another process deletes a service category after this one read the table (its forms still offer it): the
    category columns' trigger refuses the row, and the course, the certificate and the training requirement are
    each refused with a message on the category field, nothing written."""
    from operations.models.code_values import service_category_codes

    admin = fresh(rec.org.admin_a)
    assert "culture" in service_category_codes()  # this process still has it
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM operations_servicecategory WHERE code = 'culture'")
    refused = {"category": ["請重新選擇服務類別。"]}
    with pytest.raises(ValidationError) as info:
        svc.course_create(actor=admin, organiser=rec.org.unit_a, kind=CourseKind.SPECIAL, category="culture",
                          title="文化類特殊訓練", hours=Decimal("6"))
    assert info.value.message_dict == refused
    with pytest.raises(ValidationError) as info:
        svc.certificate_create(actor=admin, volunteer=extra_volunteer(rec.org), kind=CourseKind.SPECIAL,
                               category="culture", course_name="文化類特殊訓練", organiser_name="臺北e大",
                               hours=Decimal("6"), completed_on=datetime.date(2024, 1, 1), number="E-900",
                               source=CertificateSource.ELEARNING)
    assert info.value.message_dict == refused
    with pytest.raises(ValidationError) as info:
        svc.requirement_set(actor=admin, campaign=rec.position.campaign, category="culture", courses=[])
    assert info.value.message_dict == refused
    assert not Course.objects.filter(category="culture").exists()
    assert not TrainingCertificate.objects.filter(number="E-900").exists()
