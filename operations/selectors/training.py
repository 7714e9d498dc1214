"""Training reads (教育訓練; DOMAIN.md §1.5, §1.6) and the training gate of the sign-up rule book.

Trained for a category C = a basic certificate (基礎訓練; a legacy 12 h / 6 subject basic certificate is a
basic certificate too) + a special certificate (特殊訓練) of category C. Service hours in C count from the
later of the two completion dates; when the training dates are unknown, from the record-book date (§1.6).

The gate (`check_training`, registered in `signup_rules`): a campaign or a position may require a category
and/or named courses (`TrainingRequirement`); whoever lacks one is refused with a message naming the
missing training and where to take it, at every caller of the rule book. Queries: the requirement of a
shift is read once (one query, kept on the shift object) and a volunteer's certificates once (one query,
kept on the volunteer object), so a sign-up POST costs at most two more queries and a shift without a
requirement one. `check_training.volunteer_filter` says the same in SQL for the suggested matches."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..localised import localised
from ..models import (
    CertificateImport,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    Membership,
    OrgKind,
    OrgNode,
    ServiceRecord,
    Shift,
    TrainingCertificate,
    TrainingRequirement,
    TrainingSession,
    Volunteer,
)
from ..roles import UNIT_MANAGERS
from . import signup_rules
from .codes import service_category_label
from .signup_rules import Problem, SignupContext

BASIC_MISSING = "training_basic_missing"
SPECIAL_MISSING = "training_special_missing"
COURSE_MISSING = "training_course_missing"
TRAINING_CODES = frozenset({BASIC_MISSING, SPECIAL_MISSING, COURSE_MISSING})

VOLUNTEER_VOICE = {
    BASIC_MISSING: _("This shift needs the basic volunteer training (6 hours). Take it at %(where)s."),
    SPECIAL_MISSING: _("This shift needs the special training for %(category)s. Take it at %(where)s."),
    COURSE_MISSING: _("This shift needs the course “%(course)s”. Take it at %(where)s."),
}
ROSTER_VOICE = {
    BASIC_MISSING: _("No basic training on record (take it at %(where)s)."),
    SPECIAL_MISSING: _("Not trained for %(category)s: the special training is missing (take it at %(where)s)."),
    COURSE_MISSING: _("Has not completed “%(course)s” (take it at %(where)s)."),
}
STAFF_VOICE = {
    BASIC_MISSING: _("%(name)s has no basic training on record."),
    SPECIAL_MISSING: _("%(name)s is not trained for %(category)s (special training missing)."),
    COURSE_MISSING: _("%(name)s has not completed “%(course)s”."),
}
# Where the basic and special courses are taken when no particular course is named.
DEFAULT_WHERE = _("Taipei e-learning (elearning.taipei) or a session under “My training” in the "
                      "volunteer zone")


# --- What a shift requires ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CourseNeed:
    pk: int
    title: str
    where: str


@dataclass(frozen=True)
class TrainingNeed:
    category: str = ""
    courses: tuple[CourseNeed, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.category or self.courses)

    @property
    def category_label(self) -> str:
        return service_category_label(self.category)


NO_NEED = TrainingNeed()


NEED_CACHE_SECONDS = 300


def need_cache_key(*, campaign_id=None, position_id=None) -> str:
    return f"training:need:c{campaign_id}" if campaign_id is not None else f"training:need:p{position_id}"


def _need_rows(campaign_id: int, position_id: int) -> list[tuple]:
    """The requirement rows of a campaign and of a position, from the cache (deleted by
    `services.training.requirement_set` after its commit) or one query for what is missing."""
    keys = {need_cache_key(campaign_id=campaign_id): ("campaign_id", campaign_id),
            need_cache_key(position_id=position_id): ("position_id", position_id)}
    found = cache.get_many(list(keys))
    missing = [key for key in keys if key not in found]
    if missing:
        q = Q(pk__in=[])
        for key in missing:
            name, value = keys[key]
            q |= Q(**{name: value})
        fresh = {key: [] for key in missing}
        for row in TrainingRequirement.objects.filter(q).values_list(
                "campaign_id", "category", "courses__id", "courses__title", "courses__title_en",
                "courses__where_to_take", "courses__organiser__name", "courses__organiser__name_en").order_by(
                "pk", "courses__id"):
            key = need_cache_key(campaign_id=row[0]) if row[0] is not None else need_cache_key(position_id=position_id)
            fresh[key].append(row[1:])
        cache.set_many(fresh, NEED_CACHE_SECONDS)
        found.update(fresh)
    return [row for key in keys for row in found[key]]


def shift_need(shift: Shift) -> TrainingNeed:
    """The training the campaign and the position of `shift` require together (from the cache or one
    query, kept on the shift object for the rest of the request)."""
    cached = getattr(shift, "_training_need", None)
    if cached is not None:
        return cached
    position = shift.position
    rows = _need_rows(position.campaign_id, position.pk)
    category = next((row[0] for row in rows if row[0]), "")
    courses = {}
    for _cat, pk, title, title_en, where, org, org_en in rows:
        if pk is not None and pk not in courses:
            courses[pk] = CourseNeed(pk, localised(title, title_en), where or localised(org, org_en))
    need = TrainingNeed(category, tuple(courses.values())) if rows else NO_NEED
    shift._training_need = need
    return need


def requirement_of(*, campaign=None, position=None) -> TrainingRequirement | None:
    return TrainingRequirement.objects.filter(campaign=campaign, position=position).prefetch_related(
        "courses").first()


# --- What a volunteer holds --------------------------------------------------------------------------

@dataclass(frozen=True)
class Holding:
    kind: str
    category: str
    course_id: int | None
    completed_on: datetime.date


def holdings_of(volunteer: Volunteer) -> list[Holding]:
    """The volunteer's certificates in brief (one query, kept on the volunteer object)."""
    cached = getattr(volunteer, "_training_holdings", None)
    if cached is not None:
        return cached
    found = [] if not volunteer.pk else [
        Holding(*row) for row in TrainingCertificate.objects.filter(volunteer_id=volunteer.pk).order_by().values_list(
            "kind", "category", "course_id", "completed_on")]
    volunteer._training_holdings = found
    return found


def prefetch_holdings(volunteers) -> None:
    """`holdings_of` for many volunteers in one query (the suggested matches)."""
    found: dict[int, list[Holding]] = {v.pk: [] for v in volunteers if v.pk}
    ids = list(found)
    for start in range(0, len(ids), 1000):
        for volunteer_id, *row in TrainingCertificate.objects.filter(volunteer_id__in=ids[start:start + 1000]).order_by(
                ).values_list("volunteer_id", "kind", "category", "course_id", "completed_on"):
            found[volunteer_id].append(Holding(*row))
    for volunteer in volunteers:
        volunteer._training_holdings = found.get(volunteer.pk, [])


def basic_on(holdings: list[Holding]) -> datetime.date | None:
    dates = [h.completed_on for h in holdings if h.kind == CourseKind.BASIC]
    return min(dates) if dates else None


def special_on(holdings: list[Holding], category: str) -> datetime.date | None:
    dates = [h.completed_on for h in holdings if h.kind == CourseKind.SPECIAL and h.category == category]
    return min(dates) if dates else None


def trained_on(holdings: list[Holding], category: str) -> datetime.date | None:
    """The day the volunteer became trained for `category` (basic and that special both done): the later
    of the two first completions; None when one is missing."""
    basic, special = basic_on(holdings), special_on(holdings, category)
    return max(basic, special) if basic and special else None


def hours_count_from(holdings: list[Holding], category: str,
                     record_book_on: datetime.date | None = None) -> datetime.date | None:
    """From which day service hours in `category` count (DOMAIN §1.5–1.6): the later of the basic and the
    special completion; the record-book date when it is earlier and the training dates are unknown."""
    trained = trained_on(holdings, category)
    if trained is not None:
        return trained
    return record_book_on


# --- The gate ---------------------------------------------------------------------------------------

def _problem(code: str, **params) -> Problem:
    return Problem(code, str(VOLUNTEER_VOICE[code]) % params, params)


def training_problems(volunteer: Volunteer, need: TrainingNeed) -> list[Problem]:
    if not need:
        return []
    holdings = holdings_of(volunteer)
    found = []
    base = {"name": volunteer.name, "where": str(DEFAULT_WHERE), "category": need.category_label}
    if need.category:
        if basic_on(holdings) is None:
            found.append(_problem(BASIC_MISSING, **base))
        if special_on(holdings, need.category) is None:
            found.append(_problem(SPECIAL_MISSING, **base))
    held = {h.course_id for h in holdings}
    for course in need.courses:
        if course.pk not in held:
            found.append(_problem(COURSE_MISSING, **{**base, "course": course.title, "where": course.where}))
    return found


def check_training(volunteer: Volunteer, shift: Shift, context: SignupContext) -> list[Problem]:
    """The training the shift's campaign or position requires (rule book check)."""
    return training_problems(volunteer, shift_need(shift))


def trained_filter(volunteers: QuerySet, need: TrainingNeed) -> QuerySet:
    """`volunteers` who meet `need`, in SQL."""
    if not need:
        return volunteers
    certificates = TrainingCertificate.objects.filter(volunteer=OuterRef("pk"))
    if need.category:
        volunteers = volunteers.filter(Exists(certificates.filter(kind=CourseKind.BASIC)),
                                       Exists(certificates.filter(kind=CourseKind.SPECIAL, category=need.category)))
    for course in need.courses:
        volunteers = volunteers.filter(Exists(certificates.filter(course_id=course.pk)))
    return volunteers


def _volunteer_filter(volunteers: QuerySet, shift: Shift) -> QuerySet:
    return trained_filter(volunteers, shift_need(shift))


check_training.volunteer_filter = _volunteer_filter


def register() -> None:
    """Plug the gate into the rule book (AppConfig.ready), with its messages in the other voices."""
    signup_rules.ROSTER_VOICE.update(ROSTER_VOICE)
    signup_rules.STAFF_VOICE.update(STAFF_VOICE)
    signup_rules.register_check(check_training)


# --- Courses, sessions, certificates (back-office reads, through the scope) --------------------------

def course_list(user) -> QuerySet:
    return Course.objects.offered_to(user).select_related("organiser")


def course_detail(user, pk) -> Course:
    return course_list(user).get(pk=pk)


def managed_course_detail(user, pk) -> Course:
    return Course.objects.visible_to(user).select_related("organiser").get(pk=pk)


def session_list(user) -> QuerySet:
    return TrainingSession.objects.visible_to(user).select_related("course", "host")


def session_detail(user, pk) -> TrainingSession:
    return session_list(user).get(pk=pk)


def session_roster(session: TrainingSession) -> list[Enrolment]:
    """Everybody enrolled or waiting, first come first served, with their certificate if issued."""
    return list(session.enrolments.exclude(status=EnrolmentStatus.CANCELLED).select_related(
        "volunteer", "certificate").order_by("status", "created_at", "id"))


def sessions_of_course(user, course: Course) -> QuerySet:
    return TrainingSession.objects.filter(course=course).filter(
        Q(pk__in=session_list(user).values("pk")) | Q(is_public=True)).select_related("host").order_by("-date")


def certificate_list(user) -> QuerySet:
    return TrainingCertificate.objects.visible_to(user).select_related("volunteer", "course")


def certificates_of(volunteer: Volunteer) -> list[TrainingCertificate]:
    return list(volunteer.training_certificates.select_related("course").order_by("completed_on", "id"))


def certificate_of_volunteer(volunteer: Volunteer, pk) -> TrainingCertificate:
    return volunteer.training_certificates.select_related("course", "organiser").get(pk=pk)


def managed_nodes(user) -> QuerySet:
    """Authorities and units the user manages: who may organise a course or hold a session."""
    return OrgNode.objects.visible_to(user, roles=UNIT_MANAGERS).filter(
        kind__in=(OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY, OrgKind.UNIT))


# --- A volunteer's record ----------------------------------------------------------------------------

@dataclass
class CategoryStatus:
    category: str
    label: str
    basic_on: datetime.date | None
    special_on: datetime.date | None
    trained_on: datetime.date | None
    counted_hours: Decimal = Decimal("0")
    total_hours: Decimal = Decimal("0")


@dataclass
class TrainingRecord:
    certificates: list[TrainingCertificate]
    enrolments: list[Enrolment]
    categories: list[CategoryStatus] = field(default_factory=list)

    @property
    def has_basic(self) -> bool:
        return any(c.kind == CourseKind.BASIC for c in self.certificates)


def training_record(volunteer: Volunteer) -> TrainingRecord:
    """Certificates, sessions enrolled in, and per category: trained since, and the service hours that
    count (`selectors.hours`: from that day, misuse excluded) out of all hours recorded in the category. Five queries."""
    certificates = certificates_of(volunteer)
    holdings = [Holding(c.kind, c.category, c.course_id, c.completed_on) for c in certificates]
    enrolments = list(volunteer.enrolments.exclude(status=EnrolmentStatus.CANCELLED).select_related(
        "session__course", "session__host", "certificate").order_by("-session__date"))
    from .hours import countable_totals  # the one definition of the hours that count (misuse excluded)

    totals = dict(ServiceRecord.objects.filter(volunteer=volunteer).order_by().values("category").annotate(
        total=Sum("hours")).values_list("category", "total"))
    counted = {category: h for (_v, category), h in countable_totals(volunteers=volunteer.pk,
                                                                     by_category=True).items()}
    categories = sorted({h.category for h in holdings if h.category} | {c for c in totals if c})
    rows = []
    for category in categories:
        rows.append(CategoryStatus(
            category, service_category_label(category), basic_on(holdings), special_on(holdings, category),
            trained_on(holdings, category), counted_hours=counted.get(category, Decimal("0")),
            total_hours=Decimal(totals.get(category) or 0)))
    return TrainingRecord(certificates, enrolments, rows)


def counted_hours(volunteer: Volunteer, category: str) -> Decimal:
    """Service hours in `category` that count: `selectors.hours.countable_hours` (training gate and misuse)."""
    from .hours import countable_hours

    return countable_hours(volunteer, categories=[category])


# --- Open sessions for volunteers (volunteer zone, public course page) --------------------------------

def open_sessions(*, now: datetime.datetime | None = None) -> QuerySet:
    """Public sessions from today on whose enrolment window is open (or not set)."""
    now = now or timezone.now()
    return (TrainingSession.objects.filter(is_public=True, date__gte=timezone.localdate(now), course__is_active=True)
            .filter(Q(signup_opens_at__isnull=True) | Q(signup_opens_at__lte=now))
            .filter(Q(signup_closes_at__isnull=True) | Q(signup_closes_at__gte=now))
            .select_related("course", "host").order_by("date", "start_time", "id"))


def public_session(pk) -> TrainingSession:
    return TrainingSession.objects.filter(is_public=True).select_related("course", "host").get(pk=pk)


def my_enrolments(volunteer: Volunteer) -> dict[int, Enrolment]:
    return {e.session_id: e for e in volunteer.enrolments.exclude(status=EnrolmentStatus.CANCELLED)}


# --- Who is not yet trained for what (per unit) -------------------------------------------------------

def untrained_members(user, *, unit: OrgNode, category: str, course: Course | None = None,
                      day: datetime.date | None = None) -> QuerySet:
    """Current members of `unit`'s teams (in the user's scope) lacking basic, the special training of
    `category`, or `course`; annotated with the dates they have (`basic_on`, `special_on`, `course_on`)."""
    day = day or timezone.localdate()
    members = Membership.objects.current(day).filter(team__path__startswith=unit.path)
    volunteers = Volunteer.objects.visible_to(user).filter(pk__in=members.values("volunteer"))
    certificates = TrainingCertificate.objects.filter(volunteer=OuterRef("pk")).order_by()

    def first(qs):
        return Subquery(qs.values("volunteer").annotate(first=Min("completed_on")).values("first")[:1])

    volunteers = volunteers.annotate(
        basic_on=first(certificates.filter(kind=CourseKind.BASIC)),
        special_on=first(certificates.filter(kind=CourseKind.SPECIAL, category=category)),
    )
    missing = Q(basic_on__isnull=True) | Q(special_on__isnull=True)
    if course is not None:
        volunteers = volunteers.annotate(course_on=first(certificates.filter(course=course)))
        missing |= Q(course_on__isnull=True)
    return volunteers.filter(missing).order_by("name", "pk")


def training_units(user) -> QuerySet:
    return OrgNode.objects.visible_to(user).filter(kind=OrgKind.UNIT).order_by("path")


def certificate_imports(user, *, limit: int = 10) -> QuerySet:
    """The user's own recent certificate imports (see `certificate_import_detail`)."""
    return CertificateImport.objects.filter(created_by=user).order_by("-created_at", "-id")[:limit]


def certificate_import_detail(user, pk: int) -> CertificateImport:
    """One of the user's own certificate imports (DoesNotExist for anybody else's, as for one that does not
    exist): an upload lists personal data and each row's problems, so it is its uploader's to see, as with
    roster imports; supervisors read what was imported in the audit log."""
    return CertificateImport.objects.filter(created_by=user).get(pk=pk)
