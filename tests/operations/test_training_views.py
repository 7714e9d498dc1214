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
