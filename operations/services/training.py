"""Training writes (教育訓練; DOMAIN.md §1.5): courses, sessions, enrolments (seats taken like shift seats,
waitlist included), attendance, completion with a certificate number from the organiser's sequence,
certificates entered by staff or imported from CSV/XLSX/ODS (all or nothing), and what a campaign or a
position requires.

Every write is keyword-only and atomic, decided on rows locked and re-read, idempotent (a double-click
does the thing once) and audited (`AuditEvent` on the session's or course's organisation node)."""
from __future__ import annotations

import datetime
import time
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..identity import normalize_id_number
from ..models import (
    AuditAction,
    Campaign,
    CertificateImport,
    CertificateSequence,
    CertificateSource,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    OrgNode,
    Position,
    TrainingCertificate,
    TrainingRequirement,
    TrainingSession,
    Volunteer,
)
from ..models.code_values import code_value_kept
from ..roles import TEAM_MANAGERS, UNIT_MANAGERS
from ..selectors.codes import service_category_codes
from ..selectors.training import need_cache_key
from .audit import audit_record, audit_record_many
from .kept import hold_count_from_dates
from .roster_jobs import (
    fails_import_on_error,
    import_at_once,
    import_job_run,
    import_job_start,
    roster_progress,
)
from .seats import TransitionTable, lock_row, release_seat, seat_transition, take_seat

COURSE_FIELDS = ("kind", "category", "title", "title_en", "hours", "subjects", "description", "where_to_take",
                 "is_active")
SESSION_FIELDS = ("date", "start_time", "end_time", "place", "online_url", "instructor", "capacity",
                  "signup_opens_at", "signup_closes_at", "is_public")
MAX_IMPORT_ROWS = 10000

ENROLMENT_TRANSITIONS = TransitionTable(
    events={
        "enrol": (frozenset({None, EnrolmentStatus.CANCELLED}), EnrolmentStatus.ENROLLED),
        "waitlist": (frozenset({None, EnrolmentStatus.CANCELLED}), EnrolmentStatus.WAITLISTED),
        "promote": (frozenset({EnrolmentStatus.WAITLISTED}), EnrolmentStatus.ENROLLED),
        "cancel": (frozenset({EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED}), EnrolmentStatus.CANCELLED),
    },
    refusals={
        "enrol": gettext_lazy("This person is already enrolled or waiting for this session."),
        "waitlist": gettext_lazy("This person is already enrolled or waiting for this session."),
        "promote": gettext_lazy("Only somebody on the waitlist can be given a seat."),
        "cancel": gettext_lazy("This enrolment is already cancelled."),
    },
)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _audit_node(actor) -> OrgNode | None:
    """Where a record about a volunteer's certificate is filed: the top of the actor's part of the tree, so
    that the officers above it read it in the audit log."""
    return OrgNode.objects.visible_to(actor, roles=TEAM_MANAGERS).order_by("depth", "path").first()


def _manages(actor, node: OrgNode, roles=UNIT_MANAGERS) -> bool:
    return OrgNode.objects.visible_to(actor, roles=roles).filter(pk=node.pk).exists()


# --- Courses ---------------------------------------------------------------------------------------

def _course_errors(data: dict) -> dict:
    errors = {}
    if data.get("kind") == CourseKind.SPECIAL and not data.get("category"):
        errors["category"] = _("Special training qualifies for a service category: choose one.")
    hours = data.get("hours")
    if hours is not None and not (Decimal("0.5") <= Decimal(hours) <= 999):
        errors["hours"] = _("Hours must be between 0.5 and 999.")
    return errors


@transaction.atomic
def course_create(*, actor, organiser: OrgNode, **data) -> Course:
    _require(_manages(actor, organiser), _("You cannot add courses for this organisation."))
    data = {k: v for k, v in data.items() if k in COURSE_FIELDS}
    errors = _course_errors(data)
    if errors:
        raise ValidationError(errors)
    with code_value_kept():  # a category deleted meanwhile: told on its field
        course = Course.objects.create(organiser=organiser, **data)
    audit_record(actor=actor, action=AuditAction.CREATED, node=organiser, obj=course)
    return course


@transaction.atomic
def course_update(*, actor, course: Course, **data) -> Course:
    course = lock_row(Course, course.pk, related=("organiser",))
    _require(actor.has_perm("operations.course.change", course), _("You cannot change this course."))
    data = {k: v for k, v in data.items() if k in COURSE_FIELDS}
    errors = _course_errors({**{f: getattr(course, f) for f in COURSE_FIELDS}, **data})
    if errors:
        raise ValidationError(errors)
    changes = {k: [str(getattr(course, k)), str(v)] for k, v in data.items() if getattr(course, k) != v}
    if not changes:
        return course
    for key, value in data.items():
        setattr(course, key, value)
    with code_value_kept():
        course.save()
    audit_record(actor=actor, action=AuditAction.UPDATED, node=course.organiser, obj=course, changes=changes)
    return course


# --- Sessions --------------------------------------------------------------------------------------

def _session_errors(data: dict) -> dict:
    errors = {}
    start, end = data.get("start_time"), data.get("end_time")
    if start and end and end <= start:
        errors["end_time"] = _("The session must end after it starts.")
    opens, closes = data.get("signup_opens_at"), data.get("signup_closes_at")
    if opens and closes and closes < opens:
        errors["signup_closes_at"] = _("Enrolment must close after it opens.")
    if not data.get("place") and not data.get("online_url"):
        errors["place"] = _("Give a place or an online link.")
    return errors


@transaction.atomic
def session_create(*, actor, course: Course, host: OrgNode, **data) -> TrainingSession:
    """A session of a course offered to the host (its own or one from above), held by a node the actor
    manages."""
    _require(_manages(actor, host), _("You cannot hold sessions for this organisation."))
    _require(Course.objects.offered_to(actor, roles=UNIT_MANAGERS).filter(pk=course.pk).exists(),
             _("This course is not offered to your organisation."))
    data = {k: v for k, v in data.items() if k in SESSION_FIELDS}
    errors = _session_errors(data)
    if errors:
        raise ValidationError(errors)
    session = TrainingSession.objects.create(course=course, host=host, **data)
    audit_record(actor=actor, action=AuditAction.CREATED, node=host, obj=session)
    return session


@transaction.atomic
def session_update(*, actor, session: TrainingSession, **data) -> TrainingSession:
    session = lock_row(TrainingSession, session.pk, related=("host", "course"))
    _require(actor.has_perm("operations.trainingsession.change", session), _("You cannot change this session."))
    data = {k: v for k, v in data.items() if k in SESSION_FIELDS}
    errors = _session_errors({**{f: getattr(session, f) for f in SESSION_FIELDS}, **data})
    if "capacity" in data and data["capacity"] < session.enrolled_count:
        errors["capacity"] = _("%(n)s people are enrolled already: the capacity cannot be lower.") % {
            "n": session.enrolled_count}
    if errors:
        raise ValidationError(errors)
    changes = {k: [str(getattr(session, k)), str(v)] for k, v in data.items() if getattr(session, k) != v}
    for key, value in data.items():
        setattr(session, key, value)
    session.save()
    if "capacity" in changes:
        _promote(session)
    if changes:
        audit_record(actor=actor, action=AuditAction.UPDATED, node=session.host, obj=session, changes=changes)
    return session


# --- Enrolment (seats like shift seats: lock the session, re-read the enrolment, conditional UPDATE) ---

def enrolment_window_errors(session: TrainingSession, now: datetime.datetime | None = None) -> list[str]:
    now = now or timezone.now()
    errors = []
    if not session.is_public:
        errors.append(_("This session is for invited people; your unit enrols you."))
    if not session.course.is_active:
        errors.append(_("This course is no longer offered."))
    if session.signup_opens_at and now < session.signup_opens_at:
        errors.append(_("Enrolment for this session has not opened yet."))
    starts = timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))
    if (session.signup_closes_at and now > session.signup_closes_at) or starts <= now:
        errors.append(_("Enrolment for this session is closed."))
    return errors


def _enrol_locked(session: TrainingSession, volunteer_id: int, actor) -> tuple[Enrolment, bool]:
    """With the session locked: enrol (or waitlist when full) one volunteer; (enrolment, changed)."""
    enrolment = Enrolment.objects.select_for_update(of=("self",)).filter(session_id=session.pk,
                                                                           volunteer_id=volunteer_id).first()
    current = enrolment.status if enrolment else None
    if current in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED):
        return enrolment, False  # a repeat: nothing to do
    seat = take_seat(TrainingSession, session.pk, counter="enrolled_count", capacity="capacity")
    step = ENROLMENT_TRANSITIONS.step("enrol" if seat else "waitlist", current)
    if enrolment is None:
        enrolment = Enrolment.objects.create(session_id=session.pk, volunteer_id=volunteer_id, status=step.target,
                                             enrolled_by=actor if getattr(actor, "pk", None) else None)
    else:
        enrolment.status = step.target
        enrolment.attended = None
        enrolment.save(update_fields=["status", "attended", "updated_at"])
    return enrolment, True


@seat_transition
def enrolment_create(*, volunteer: Volunteer, session: TrainingSession, actor=None,
                     now: datetime.datetime | None = None) -> Enrolment:
    """A volunteer enrols themselves (volunteer zone, public course page): within the window; a seat
    while there is one, else the waitlist. Enrolling twice changes nothing."""
    session = lock_row(TrainingSession, session.pk, related=("course", "host"))
    errors = enrolment_window_errors(session, now)
    if errors:
        existing = Enrolment.objects.filter(session=session, volunteer=volunteer).exclude(
            status=EnrolmentStatus.CANCELLED).first()
        if existing is not None:
            return existing
        raise ValidationError(errors, code="window")
    enrolment, changed = _enrol_locked(session, volunteer.pk, actor)
    if changed:
        audit_record(actor=actor, action=AuditAction.CREATED, node=session.host, obj=enrolment,
                     changes={"enrolment": ["", enrolment.status]})
    return enrolment


@seat_transition
def enrolments_create_many(*, actor, session: TrainingSession, volunteers: list[Volunteer]) -> dict:
    """Staff enrol people in bulk (no window: staff may enrol late). Every one must be in the actor's scope;
    seats go first come first served, the rest to the waitlist. Returns counts."""
    session = lock_row(TrainingSession, session.pk, related=("course", "host"))
    _require(actor.has_perm("operations.trainingsession.change", session), _("You cannot enrol people here."))
    ids = sorted({v.pk for v in volunteers})
    visible = set(Volunteer.objects.visible_to(actor, roles=UNIT_MANAGERS).filter(pk__in=ids).values_list(
        "pk", flat=True))
    outside = [pk for pk in ids if pk not in visible]
    if outside:
        raise PermissionDenied(_("Some of these volunteers are outside your part of the organisation."))
    counts = {EnrolmentStatus.ENROLLED: 0, EnrolmentStatus.WAITLISTED: 0, "unchanged": 0}
    created = []
    for pk in ids:
        enrolment, changed = _enrol_locked(session, pk, actor)
        if changed:
            counts[enrolment.status] += 1
            created.append(enrolment)
        else:
            counts["unchanged"] += 1
    audit_record_many(actor=actor, action=AuditAction.CREATED, node=session.host, objects=created,
                      changes={"enrolment": ["", "bulk"]})
    return counts


def _promote(session: TrainingSession) -> list[Enrolment]:
    """Fill free seats from the waitlist, first come first served (session locked by the caller)."""
    promoted = []
    for enrolment in Enrolment.objects.select_for_update(of=("self",)).filter(
            session_id=session.pk, status=EnrolmentStatus.WAITLISTED).order_by("created_at", "id"):
        if not take_seat(TrainingSession, session.pk, counter="enrolled_count", capacity="capacity"):
            break
        ENROLMENT_TRANSITIONS.step("promote", enrolment.status)
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.save(update_fields=["status", "updated_at"])
        promoted.append(enrolment)
    return promoted


@seat_transition
def enrolment_cancel(*, enrolment: Enrolment, actor, by_volunteer: Volunteer | None = None) -> Enrolment:
    """Cancel a place (the volunteer's own, or by staff of the session); a freed seat goes to the waitlist
    in the same transaction. Cancelling twice changes nothing; a completed one cannot be cancelled."""
    session = lock_row(TrainingSession, enrolment.session_id, related=("host",))
    enrolment = lock_row(Enrolment, enrolment.pk)
    if by_volunteer is not None:
        _require(enrolment.volunteer_id == by_volunteer.pk, _("This is not your enrolment."))
    else:
        _require(actor.has_perm("operations.trainingsession.change", session), _("You cannot change this session."))
    if TrainingCertificate.objects.filter(enrolment=enrolment).exists():
        raise ValidationError(_("This course is completed; a completed enrolment cannot be cancelled."))
    step = ENROLMENT_TRANSITIONS.step("cancel", enrolment.status)
    if not step.changed:
        return enrolment
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.save(update_fields=["status", "updated_at"])
    if step.source == EnrolmentStatus.ENROLLED:
        release_seat(TrainingSession, session.pk, counter="enrolled_count")
        _promote(session)
    audit_record(actor=actor, action=AuditAction.UPDATED, node=session.host, obj=enrolment,
                 changes={"enrolment": [step.source, step.target]})
    return enrolment


# --- Attendance and completion ----------------------------------------------------------------------

@transaction.atomic
def attendance_record(*, actor, session: TrainingSession, present: set[int], absent: set[int]) -> int:
    """Tick who came (`present`) and who did not (`absent`), by enrolment id; only enrolled people of this
    session. Returns how many changed."""
    session = lock_row(TrainingSession, session.pk, related=("host",))
    _require(actor.has_perm("operations.trainingsession.change", session), _("You cannot take attendance here."))
    if present & absent:
        raise ValidationError(_("Somebody is marked both present and absent."))
    changed = 0
    rows = Enrolment.objects.select_for_update(of=("self",)).filter(session=session, pk__in=present | absent)
    for enrolment in rows:
        if enrolment.status != EnrolmentStatus.ENROLLED:
            continue
        value = enrolment.pk in present
        if enrolment.attended != value:
            audit_record(actor=actor, action=AuditAction.UPDATED, node=session.host, obj=enrolment,
                         changes={"attended": [str(enrolment.attended), str(value)]})
            enrolment.attended = value
            enrolment.save(update_fields=["attended", "updated_at"])
            changed += 1
    return changed


CHECKIN_SALT = "operations.training.checkin"
CHECKIN_OPENS_BEFORE = datetime.timedelta(minutes=60)


def session_qr_token(*, session: TrainingSession) -> str:
    """The token in a session's QR code (shown in the room): the session and its date, signed."""
    return signing.dumps({"s": session.pk, "d": session.date.isoformat()}, salt=CHECKIN_SALT, compress=True)


@transaction.atomic
def enrolment_self_check_in(*, volunteer: Volunteer, token: str, now: datetime.datetime | None = None) -> Enrolment:
    """A volunteer scans the session's QR code: marked present when enrolled, on the session's day, from an
    hour before it starts until it ends. Scanning again changes nothing."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=CHECKIN_SALT)
    except signing.BadSignature as exc:
        raise ValidationError(_("This QR code is not valid."), code="bad_token") from exc
    session = TrainingSession.objects.select_related("course", "host").filter(pk=payload.get("s")).first()
    if session is None or payload.get("d") != session.date.isoformat():
        raise ValidationError(_("This QR code is not valid."), code="bad_token")
    starts = timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))
    ends = timezone.make_aware(datetime.datetime.combine(session.date, session.end_time))
    if timezone.localdate(now) != session.date:
        raise ValidationError(_("This QR code is for the session on %(date)s.") % {"date": session.date.isoformat()},
                              code="wrong_day")
    if now < starts - CHECKIN_OPENS_BEFORE or now > ends:
        raise ValidationError(_("Check-in is open from an hour before the session until it ends."), code="closed")
    enrolment = Enrolment.objects.select_for_update(of=("self",)).filter(session=session, volunteer=volunteer).first()
    if enrolment is None or enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(_("You are not enrolled in this session; ask the organiser at the door."),
                              code="not_enrolled")
    if not enrolment.attended:
        audit_record(actor=volunteer.user, action=AuditAction.UPDATED, node=session.host, obj=enrolment,
                     changes={"attended": [str(enrolment.attended), "True"], "method": ["", "qr"]})
        enrolment.attended = True
        enrolment.save(update_fields=["attended", "updated_at"])
    return enrolment


def roc_year(day: datetime.date) -> int:
    return day.year - 1911


def _next_number(organiser: OrgNode, day: datetime.date) -> str:
    """The next 結業證書字號 of `organiser`: `prefix` + ROC year + a running number (row locked)."""
    sequence = CertificateSequence.objects.select_for_update().filter(organiser=organiser).first()
    if sequence is None:
        try:
            with transaction.atomic():
                CertificateSequence.objects.create(organiser=organiser, prefix=f"{organiser.code.upper()}-")
        except IntegrityError:
            pass  # created by a concurrent completion
        sequence = CertificateSequence.objects.select_for_update().get(organiser=organiser)
    number = sequence.next_number
    sequence.next_number = number + 1
    sequence.save(update_fields=["next_number"])
    return f"{sequence.prefix}{roc_year(day)}-{number:05d}"


@transaction.atomic
def session_complete(*, actor, session: TrainingSession, enrolment_ids: set[int] | None = None,
                     completed_on: datetime.date | None = None) -> list[TrainingCertificate]:
    """Issue certificates to the enrolled people of `session` marked present (those in `enrolment_ids`
    when given), numbered from the course organiser's sequence. People who already have theirs are
    skipped, so a repeat issues nothing."""
    session = lock_row(TrainingSession, session.pk, related=("course__organiser", "host"))
    _require(actor.has_perm("operations.trainingsession.change", session), _("You cannot complete this session."))
    completed_on = completed_on or session.date
    if completed_on > timezone.localdate():
        raise ValidationError(_("A session cannot be completed before it has taken place."))
    course = session.course
    rows = Enrolment.objects.select_for_update(of=("self",)).filter(
        session=session, status=EnrolmentStatus.ENROLLED, attended=True).select_related("volunteer").order_by("id")
    if enrolment_ids is not None:
        rows = rows.filter(pk__in=enrolment_ids)
    done = set(TrainingCertificate.objects.filter(enrolment__session=session).values_list("enrolment_id", flat=True))
    rows = list(rows)
    hold_count_from_dates([e.volunteer_id for e in rows if e.pk not in done], exclusive=True)
    issued = []
    for enrolment in rows:
        if enrolment.pk in done:
            continue
        certificate = TrainingCertificate.objects.create(
            volunteer=enrolment.volunteer, course=course, enrolment=enrolment, kind=course.kind,
            category=course.category, course_name=course.title, organiser=course.organiser,
            organiser_name=course.organiser.name, hours=course.hours, completed_on=completed_on,
            number=_next_number(course.organiser, completed_on), source=CertificateSource.COURSE,
            online=bool(session.online_url and not session.place), recorded_by=actor)
        issued.append(certificate)
    audit_record_many(actor=actor, action=AuditAction.CREATED, node=session.host, objects=issued,
                      changes={"completion": ["", str(session)]})
    return issued


# --- Certificates earned elsewhere --------------------------------------------------------------------

CERTIFICATE_FIELDS = ("kind", "category", "course", "course_name", "organiser_name", "hours", "completed_on",
                      "number", "source", "online")


def _certificate_errors(data: dict) -> dict:
    errors = {}
    if data.get("kind") == CourseKind.SPECIAL and not data.get("category"):
        errors["category"] = _("Special training qualifies for a service category: choose one.")
    if data.get("completed_on") and data["completed_on"] > timezone.localdate():
        errors["completed_on"] = _("The completion date cannot be in the future.")
    return errors


@transaction.atomic
def certificate_create(*, actor, volunteer: Volunteer, **data) -> TrainingCertificate:
    """A certificate earned elsewhere, entered by staff. The same number from the same organiser is refused."""
    _require(Volunteer.objects.visible_to(actor, roles=TEAM_MANAGERS).filter(pk=volunteer.pk).exists(),
             _("This volunteer is outside your part of the organisation."))
    data = {k: v for k, v in data.items() if k in CERTIFICATE_FIELDS}
    course = data.get("course")
    if course is not None:
        data.setdefault("kind", course.kind)
        data["category"] = data.get("category") or course.category
        data["course_name"] = data.get("course_name") or course.title
    errors = _certificate_errors(data)
    data["organiser_name"] = " ".join(data.get("organiser_name", "").split())
    issuer = TrainingCertificate.issuer_key(None, data["organiser_name"])
    if TrainingCertificate.objects.filter(issuer=issuer, number=data.get("number")).exists():
        errors["number"] = _("The certificate number %(number)s of %(organiser)s is already recorded.") % {
            "number": data.get("number"), "organiser": data["organiser_name"]}
    if errors:
        raise ValidationError(errors)
    try:
        with code_value_kept():  # a category deleted meanwhile: told on its field
            certificate = TrainingCertificate.objects.create(volunteer=volunteer, recorded_by=actor, **data)
    except IntegrityError as exc:  # the same number entered at the same moment
        raise ValidationError({"number": _("This certificate number is already recorded.")}) from exc
    audit_record(actor=actor, action=AuditAction.CREATED, node=_audit_node(actor), obj=certificate,
                 changes={"volunteer": ["", volunteer.masked_id]})
    return certificate


IMPORT_COLUMNS = [
    ("id_number", "證件號碼", "Document number", True),
    ("name", "姓名", "Name", True),
    ("kind", "課程類別", "Kind", True),
    ("category", "服務類別", "Category", False),
    ("course_name", "課程名稱", "Course", True),
    ("organiser_name", "辦理單位", "Organiser", True),
    ("hours", "時數", "Hours", True),
    ("completed_on", "結業日期", "Completed on", True),
    ("number", "結業證書字號", "Certificate number", True),
    ("source", "來源", "Source", False),
]
KIND_VALUES = {"基礎": CourseKind.BASIC, "基礎訓練": CourseKind.BASIC, "basic": CourseKind.BASIC,
               "特殊": CourseKind.SPECIAL, "特殊訓練": CourseKind.SPECIAL, "special": CourseKind.SPECIAL,
               "在職": CourseKind.IN_SERVICE, "在職訓練": CourseKind.IN_SERVICE, "in_service": CourseKind.IN_SERVICE,
               "in-service": CourseKind.IN_SERVICE}
SOURCE_VALUES = {"臺北e大": CertificateSource.ELEARNING, "台北e大": CertificateSource.ELEARNING,
                 "e-learning": CertificateSource.ELEARNING, "elearning": CertificateSource.ELEARNING,
                 "他縣市": CertificateSource.OTHER_CITY, "other_city": CertificateSource.OTHER_CITY,
                 "紙本": CertificateSource.PAPER, "paper": CertificateSource.PAPER}


def certificate_template(fmt: str) -> tuple[bytes, str]:
    from .roster_files import spreadsheet_template

    return spreadsheet_template([f"{zh} {en}" for _k, zh, en, _r in IMPORT_COLUMNS],
                                ["A123456789", "王小明", "基礎", "", "志願服務基礎訓練", "臺北e大", "6", "2024-03-14",
                                 "北市e大字第1130001號", "臺北e大"], title="certificates", fmt=fmt)


def _certificate_rows_check(actor, rows: list[list[str]], *, job=None, progress=None) -> tuple[list[dict], list[dict]]:
    """Check every row of a parsed certificate file (header row first) — volunteer by document number (and
    name) in the actor's scope, kind, category, hours, date, number not used twice by its organiser (in
    the file or already recorded). Returns (errors as [{"row": n, "messages": [...]}], records); nothing is
    written. `progress(job, processed, total)` is told how far the rows are read."""
    from .roster_files import _parse_date, import_table_cells, import_table_header, unit_category_values

    mapping, errors = import_table_header(rows, IMPORT_COLUMNS)
    if errors:
        return errors, []
    if actor is None:  # the uploader's account is gone
        return [{"row": 0, "messages": [_("You cannot import certificates.")]}], []
    categories = unit_category_values()
    records, by_row = [], {}
    for number, cells, problems in import_table_cells(job, rows, IMPORT_COLUMNS, mapping, max_length=200,
                                                       progress=progress):
        kind = KIND_VALUES.get(cells.get("kind", "").lower()) or KIND_VALUES.get(cells.get("kind", ""))
        if cells.get("kind") and kind is None:
            problems.append(_("Kind must be basic, special or in-service (基礎, 特殊, 在職)."))
        category = ""
        if cells.get("category"):
            category = categories.get(cells["category"]) or categories.get(cells["category"].lower(), "")
            if not category:
                problems.append(_("Unknown service category “%(value)s”.") % {"value": cells["category"][:50]})
        if kind == CourseKind.SPECIAL and not category and cells.get("kind"):
            problems.append(_("Special training needs its service category."))
        try:
            hours = Decimal(cells.get("hours", "") or "x")
            if not (Decimal("0.5") <= hours <= 999) or hours != hours.quantize(Decimal("0.1")):
                raise InvalidOperation
        except InvalidOperation:
            hours = None
            if cells.get("hours"):
                problems.append(_("Hours must be a number between 0.5 and 999 (one decimal)."))
        completed_on = _parse_date(cells.get("completed_on", "")) if cells.get("completed_on") else None
        if cells.get("completed_on") and (completed_on is None or completed_on > timezone.localdate()
                                          or completed_on.year < 1900):
            problems.append(_("The completion date is not a valid past date (YYYY-MM-DD)."))
        source = CertificateSource.PAPER
        if cells.get("source"):
            source = SOURCE_VALUES.get(cells["source"]) or SOURCE_VALUES.get(cells["source"].lower())
            if source is None:
                problems.append(_("Source must be Taipei e-learning, another city or paper (臺北e大, 他縣市, 紙本)."))
        organiser_name = " ".join(cells.get("organiser_name", "").split())
        records.append({"row": number, "id_number": normalize_id_number(cells.get("id_number", "")),
                        "name": cells.get("name", ""), "kind": kind, "category": category,
                        "course_name": cells.get("course_name", ""), "organiser_name": organiser_name,
                        "hours": hours, "completed_on": completed_on, "number": cells.get("number", ""),
                        "source": source, "issuer": TrainingCertificate.issuer_key(None, organiser_name)})
        by_row[number] = problems
    if not records:
        return [{"row": 0, "messages": [_("The file has no rows under the header row.")]}], []
    # The registry, read in bulk: volunteers in the actor's scope by document number, numbers already used.
    scope = Volunteer.objects.visible_to(actor, roles=TEAM_MANAGERS)
    id_numbers = sorted({r["id_number"] for r in records if r["id_number"]})
    people = {}
    for start in range(0, len(id_numbers), 1000):
        for pk, id_number, person in scope.filter(id_number__in=id_numbers[start:start + 1000]).values_list(
                "pk", "id_number", "name"):
            people[id_number] = (pk, person)
    numbers = sorted({r["number"] for r in records if r["number"]})
    taken = set()
    for start in range(0, len(numbers), 1000):
        taken |= set(TrainingCertificate.objects.filter(number__in=numbers[start:start + 1000]).values_list(
            "issuer", "number"))
    seen: dict[tuple[str, str], int] = {}
    for record in records:
        problems = by_row[record["row"]]
        person = people.get(record["id_number"])
        if record["id_number"] and person is None:
            problems.append(_("No volunteer with this document number in your part of the organisation."))
        elif person is not None and record["name"] and person[1] != record["name"]:
            problems.append(_("The name does not match the volunteer with this document number."))
        key = (record["issuer"], record["number"])
        if record["number"]:
            if key in taken:
                problems.append(_("The certificate number %(number)s of %(organiser)s is already recorded.")
                                % {"number": record["number"][:64], "organiser": record["organiser_name"][:50]})
            elif key in seen:
                problems.append(_("The certificate number %(number)s appears twice (rows %(first)s and %(row)s).")
                                % {"number": record["number"][:64], "first": seen[key], "row": record["row"]})
            else:
                seen[key] = record["row"]
        if len(record["number"]) > 64:
            problems.append(_("The certificate number is longer than 64 characters."))
        record["volunteer_id"] = person[0] if person else None
    return [{"row": row, "messages": msgs} for row, msgs in sorted(by_row.items()) if msgs], records


def _certificates_write(actor, name: str, records: list[dict]) -> int:
    """Create the certificates of checked records, all or none (inside the caller's transaction); returns
    how many."""
    objects = [TrainingCertificate(
        volunteer_id=r["volunteer_id"], kind=r["kind"], category=r["category"], course_name=r["course_name"],
        organiser_name=r["organiser_name"], issuer=r["issuer"], hours=r["hours"], completed_on=r["completed_on"],
        number=r["number"], source=r["source"], recorded_by=actor) for r in records]
    hold_count_from_dates([r["volunteer_id"] for r in records], exclusive=True)
    try:
        with transaction.atomic():
            created = TrainingCertificate.objects.bulk_create(objects, batch_size=1000)
    except IntegrityError as exc:
        if getattr(exc.__cause__, "sqlstate", "") == "23503":  # a category deleted meanwhile (its trigger)
            raise ValidationError(_("A service category of the file was deleted meanwhile; nothing was imported. "
                                    "Upload the file again.")) from exc
        raise ValidationError(_("Some certificate numbers were recorded by somebody else meanwhile; "
                                "nothing was imported. Upload the file again.")) from exc
    if not all(c.pk for c in created):  # SQLite before 3.35 returns no ids: read them back
        created = list(TrainingCertificate.objects.filter(
            issuer__in={r["issuer"] for r in records}, number__in=[r["number"] for r in records]))
    audit_record_many(actor=actor, action=AuditAction.CREATED, node=_audit_node(actor), objects=created,
                      changes={"import": ["", name[:100]]})
    return len(created)


def certificates_import(*, actor, name: str, raw: bytes, max_rows: int = MAX_IMPORT_ROWS) -> dict:
    """Import certificates from a CSV/XLSX/ODS file at once (the roster parser: streamed, bounded): every
    row is checked first and nothing is written unless all rows pass: a ValidationError lists the problems
    per row ("Row 3: …"). Returns {"created": n, "seconds": t}. The back-office runs the same check and
    write as a job (`certificates_import_start`)."""
    started = time.monotonic()
    created = import_at_once(name, raw, max_rows=max_rows, check=lambda rows: _certificate_rows_check(actor, rows),
                             write=lambda records: _certificates_write(actor, name, records))
    return {"created": created, "seconds": round(time.monotonic() - started, 2)}


def certificates_import_start(*, actor, file, language: str) -> CertificateImport:
    """Store an uploaded certificate file privately and queue its import job (inline without a broker);
    the job's page shows the progress, then the result or every row's problems."""
    if actor is None or not actor.has_perm("operations.trainingcertificate.change"):
        raise PermissionDenied(_("You cannot import certificates."))
    return import_job_start(CertificateImport, task="operations.tasks.certificates_import_run", actor=actor,
                            file=file, language=language)


@fails_import_on_error(model=CertificateImport)
def certificates_import_run(*, job_id: int) -> CertificateImport:
    """The job: claimed once, every row checked (progress stored as it goes), all certificates written in
    one transaction with the job's "done" status, or none and the problems by row."""

    def check(job, rows):
        return _certificate_rows_check(job.created_by, rows, job=job, progress=roster_progress)

    def write(job, records):
        return {"created_certificates": _certificates_write(job.created_by, job.original_name, records)}

    return import_job_run(CertificateImport, job_id, check=check, write=write, max_rows=MAX_IMPORT_ROWS)


# --- What a campaign or position requires -------------------------------------------------------------

@transaction.atomic
def requirement_set(*, actor, campaign: Campaign | None = None, position: Position | None = None,
                    category: str = "", courses=()) -> TrainingRequirement | None:
    """Set (or clear, when empty) the training a campaign or a position requires."""
    if (campaign is None) == (position is None):
        raise ValidationError(_("A requirement belongs to a campaign or to a position."))
    if campaign is not None:
        _require(actor.has_perm("operations.campaign.change", campaign), _("You cannot change this campaign."))
        node = campaign.unit
    else:
        _require(actor.has_perm("operations.position.change", position), _("You cannot change this position."))
        node = position.campaign.unit
    if category and category not in service_category_codes():
        raise ValidationError({"category": _("Unknown service category.")})
    courses = list(courses)
    offered = set(Course.objects.offered_to(actor).filter(pk__in=[c.pk for c in courses]).values_list("pk", flat=True))
    if any(c.pk not in offered for c in courses):
        raise ValidationError({"courses": _("Choose courses offered to your organisation.")})
    requirement = TrainingRequirement.objects.select_for_update().filter(campaign=campaign, position=position).first()
    before = ("", []) if requirement is None else (requirement.category,
                                                    sorted(requirement.courses.values_list("pk", flat=True)))
    after = (category, sorted(c.pk for c in courses))
    if before == after:
        return requirement
    if not category and not courses:
        if requirement is not None:
            requirement.delete()
        requirement = None
    else:
        with code_value_kept():  # a category deleted meanwhile: told on its field
            if requirement is None:
                requirement = TrainingRequirement.objects.create(campaign=campaign, position=position,
                                                                 category=category)
            else:
                requirement.category = category
                requirement.save()
        requirement.courses.set(courses)
    audit_record(actor=actor, action=AuditAction.UPDATED, node=node, obj=campaign or position,
                 changes={"training_requirement": [str(before), str(after)]})
    key = need_cache_key(campaign_id=campaign.pk) if campaign else need_cache_key(position_id=position.pk)
    cache.delete(key)  # now, and again after the commit (a reader may cache the old rows meanwhile)
    transaction.on_commit(lambda: cache.delete(key))
    return requirement
