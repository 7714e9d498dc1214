"""Training (教育訓練, 志願服務法 Art.9; DOMAIN.md §1.5): courses, their sessions, enrolments, and the
certificates (結業證書) a volunteer holds — earned here or elsewhere (臺北e大, other cities, paper).

What a volunteer is trained for is computed from certificates alone (selectors.training): basic + the
special training of a category. A campaign or a position may require a category and/or named courses
(TrainingRequirement); the gate in the sign-up rule book reads those.

Scope: a course, a session and an enrolment belong to the organisation node that organises or hosts them
(`visible_to` is that node at or below the user's grants); a course is also offered down its organiser's
subtree (`Course.objects.offered_to(user)`, the catalogue units enrol their people from). A certificate
belongs to its volunteer: it is visible to whoever sees the volunteer."""
from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..localised import localised
from ..scoping import is_unrestricted, scope_paths, scope_q
from .code_values import category_triggers, service_category_choices
from .kept_sql import COUNT_FROM_HOURS_SQL, COUNT_FROM_LOCK, COUNT_FROM_LOCK_KEYS
from .organisations import OrgNode
from .recruitment import DATE_VALIDATORS, date_in_range
from .rosters import ImportJob

HOURS_VALIDATORS = [MinValueValidator(0.5), MaxValueValidator(999)]


class CourseKind(models.TextChoices):
    BASIC = "basic", _("Basic training")
    SPECIAL = "special", _("Special training")
    IN_SERVICE = "in_service", _("In-service or event training")


class CertificateSource(models.TextChoices):
    COURSE = "course", _("A session held on this platform")
    ELEARNING = "elearning", _("Taipei e-learning")
    OTHER_CITY = "other_city", _("Another city or county")
    PAPER = "paper", _("Paper certificate")


class CourseQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "organiser", roles=roles))

    def offered_to(self, user, roles=None):
        """The catalogue: courses organised in the user's part of the tree, and courses of the nodes above
        it (a course is offered down its organiser's subtree: the promotion centre's basic course is
        offered to every unit)."""
        if is_unrestricted(user, roles):
            return self.all()
        paths = scope_paths(user, roles) or []
        above = {path[:i] for path in paths for i in range(OrgNode.steplen, len(path), OrgNode.steplen)}
        return self.filter(scope_q(user, "organiser", roles=roles) | Q(organiser__path__in=above))


class Course(models.Model):
    """A course: basic (基礎訓練), special by service category (特殊訓練) or in-service / event training
    (在職訓練, e.g. the WMG special training)."""

    organiser = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="courses",
                                  verbose_name=_("organiser"))
    kind = models.CharField(_("kind"), max_length=16, choices=CourseKind.choices)
    category = models.CharField(_("service category"), max_length=32, choices=service_category_choices, blank=True,
                                help_text=_("Special training: the service category it qualifies for."))
    title = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, validators=HOURS_VALIDATORS)
    subjects = models.TextField(_("subjects"), blank=True, help_text=_("One subject per line."))
    description = models.TextField(_("description"), blank=True)
    where_to_take = models.CharField(
        _("where to take it"), max_length=255, blank=True,
        help_text=_("Told to volunteers refused for lacking this course, e.g. “Taipei e-learning or the "
                    "promotion centre”."))
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["kind", "title", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_hours_positive"),
            models.CheckConstraint(condition=~Q(kind="special") | ~Q(category=""), name="course_special_category"),
        ]
        triggers = category_triggers("course")

    def __str__(self):
        return str(self.display_title)

    @property
    def display_title(self) -> str:
        return localised(self.title, self.title_en)

    @property
    def subject_list(self) -> list[str]:
        return [line.strip() for line in self.subjects.splitlines() if line.strip()]


class TrainingSessionQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "host", roles=roles))


class TrainingSession(models.Model):
    """One session of a course: when and where, its seats (taken like shift seats: a conditional UPDATE of
    `enrolled_count`, waitlist included) and its sign-up window."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course"))
    host = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="training_sessions",
                             verbose_name=_("held by"))
    date = models.DateField(_("date"), validators=DATE_VALIDATORS, db_index=True)
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=255, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    instructor = models.CharField(_("instructor"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MaxValueValidator(100000)])
    enrolled_count = models.PositiveIntegerField(_("enrolled"), default=0)
    signup_opens_at = models.DateTimeField(_("enrolment opens at"), null=True, blank=True)
    signup_closes_at = models.DateTimeField(_("enrolment closes at"), null=True, blank=True)
    is_public = models.BooleanField(_("open to every volunteer"), default=True,
                                    help_text=_("Listed on the public course page; otherwise staff enrol people."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(enrolled_count__lte=F("capacity")), name="session_not_overbooked"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="session_ends_after_start"),
            models.CheckConstraint(condition=date_in_range("date"), name="session_date_in_range"),
            models.CheckConstraint(
                condition=Q(signup_opens_at__isnull=True) | Q(signup_closes_at__isnull=True)
                | Q(signup_closes_at__gte=F("signup_opens_at")), name="session_window_order"),
        ]

    def __str__(self):
        return f"{self.course.display_title} {self.date:%Y-%m-%d} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def free_seats(self) -> int:
        return max(self.capacity - self.enrolled_count, 0)


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


class EnrolmentQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "session__host", roles=roles))


class Enrolment(models.Model):
    """A volunteer's place (or waitlist place) in a session; attendance and completion are ticked on it."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="enrolments")
    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(_("status"), max_length=16, choices=EnrolmentStatus.choices, db_index=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "volunteer"], name="enrolment_one_per_session"),
        ]

    def __str__(self):
        return f"{self.volunteer} → {self.session}"


class CertificateSequence(models.Model):
    """The next certificate number of an organiser (結業證書字號): `prefix` + year + a running number,
    taken under a row lock so that two completions never share a number."""

    organiser = models.OneToOneField(OrgNode, on_delete=models.CASCADE, related_name="certificate_sequence")
    prefix = models.CharField(_("prefix"), max_length=40)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("certificate number sequence")
        verbose_name_plural = _("certificate number sequences")

    def __str__(self):
        return f"{self.prefix} #{self.next_number}"


class TrainingCertificateQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        if is_unrestricted(user, roles):
            return self.all()
        from .people import Volunteer

        return self.filter(volunteer__in=Volunteer.objects.visible_to(user, roles=roles).values("pk"))


# The day hours in a category start counting by training (selectors.hours, DOMAIN §1.6): the later of the first
# basic and the first special-training-of-the-category completion dates. Kept by the database on every write of
# the certificates (statement triggers below on `TrainingCertificate`: the volunteers a statement touched are
# recomputed, serialised per volunteer by an advisory lock so two writers never compute from each other's
# unfinished rows); `TrainingCountFrom` is only ever written here and by `services.hours.count_from_rebuild`.
# The lock's key is the volunteer id modulo COUNT_FROM_LOCK_KEYS, not the id itself: a statement that writes the
# certificates of 100,000 people (an import, the load data) then holds at most that many locks, where one lock per
# person would overflow PostgreSQL's lock table ("out of shared memory", max_locks_per_transaction). Two people
# sharing a key only wait for each other's trigger; the keys are taken in order, so two statements never deadlock.


def count_from_sql(changed: str) -> str:
    # only the dates that change are written (deleted, then inserted again), the others are left alone: each
    # row written moves the person's hours in the kept hours of the units (`TrainingCountFrom`'s own trigger)
    dates = f"""
      SELECT s.volunteer_id, s.category, GREATEST(b.d, s.d) AS d
        FROM (SELECT volunteer_id, category, MIN(completed_on) AS d FROM operations_trainingcertificate
               WHERE kind = 'special' AND volunteer_id IN (SELECT c.volunteer_id FROM ({changed}) c)
               GROUP BY volunteer_id, category) s
        JOIN (SELECT volunteer_id, MIN(completed_on) AS d FROM operations_trainingcertificate
               WHERE kind = 'basic' AND volunteer_id IN (SELECT c.volunteer_id FROM ({changed}) c)
               GROUP BY volunteer_id) b ON b.volunteer_id = s.volunteer_id"""
    return f"""
    PERFORM pg_advisory_xact_lock({COUNT_FROM_LOCK}, x.k)
       FROM (SELECT DISTINCT (c.volunteer_id % {COUNT_FROM_LOCK_KEYS})::integer AS k FROM ({changed}) c ORDER BY 1) x;
    DELETE FROM operations_trainingcountfrom k
     WHERE k.volunteer_id IN (SELECT c.volunteer_id FROM ({changed}) c)
       AND NOT EXISTS (SELECT 1 FROM ({dates}) n
                        WHERE n.volunteer_id = k.volunteer_id AND n.category = k.category AND n.d = k.counts_from);
    INSERT INTO operations_trainingcountfrom (volunteer_id, category, counts_from)
    SELECT n.volunteer_id, n.category, n.d FROM ({dates}) n
    ON CONFLICT (volunteer_id, category) DO NOTHING;
    RETURN NULL;
"""


COUNT_FROM_TRIGGERS = [
    pgtrigger.Trigger(name="certificate_count_from_ins", when=pgtrigger.After, operation=pgtrigger.Insert,
                      level=pgtrigger.Statement, referencing=pgtrigger.Referencing(new="new_rows"),
                      func=count_from_sql("SELECT volunteer_id FROM new_rows")),
    pgtrigger.Trigger(name="certificate_count_from_upd", when=pgtrigger.After, operation=pgtrigger.Update,
                      level=pgtrigger.Statement, referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
                      func=count_from_sql("SELECT volunteer_id FROM old_rows UNION ALL "
                                          "SELECT volunteer_id FROM new_rows")),
    pgtrigger.Trigger(name="certificate_count_from_del", when=pgtrigger.After, operation=pgtrigger.Delete,
                      level=pgtrigger.Statement, referencing=pgtrigger.Referencing(old="old_rows"),
                      func=count_from_sql("SELECT volunteer_id FROM old_rows")),
]


class TrainingCertificate(models.Model):
    """A completed course (DOMAIN.md §1.5's TrainingRecord): kind, category, course, hours, organiser,
    completion date and certificate number; earned on this platform (`enrolment`) or elsewhere. A number is
    unique per organiser (`issuer`: the organiser node's code, or the name of an organiser outside the
    platform)."""

    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.CASCADE, related_name="training_certificates")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates",
                               verbose_name=_("course"))
    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="certificate")
    kind = models.CharField(_("kind"), max_length=16, choices=CourseKind.choices)
    category = models.CharField(_("service category"), max_length=32, choices=service_category_choices, blank=True)
    course_name = models.CharField(_("course name"), max_length=200)
    organiser = models.ForeignKey(OrgNode, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("organiser on this platform"))
    organiser_name = models.CharField(_("organiser"), max_length=200)
    issuer = models.CharField(max_length=200, editable=False)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, validators=HOURS_VALIDATORS)
    completed_on = models.DateField(_("completed on"), validators=DATE_VALIDATORS)
    number = models.CharField(_("certificate number"), max_length=64)
    source = models.CharField(_("source"), max_length=16, choices=CertificateSource.choices)
    online = models.BooleanField(_("online"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrainingCertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("training certificate")
        verbose_name_plural = _("training certificates")
        ordering = ["completed_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "number"], name="certificate_number_unique_per_issuer"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="certificate_hours_positive"),
            models.CheckConstraint(condition=date_in_range("completed_on"), name="certificate_date_in_range"),
            models.CheckConstraint(condition=~Q(kind="special") | ~Q(category=""),
                                   name="certificate_special_category"),
        ]
        indexes = [models.Index(fields=["volunteer", "kind", "category"], name="certificate_volunteer_kind")]
        triggers = [*COUNT_FROM_TRIGGERS, *category_triggers("certificate")]

    def __str__(self):
        return f"{self.course_name} {self.number}"

    def save(self, *args, **kwargs):
        self.issuer = self.issuer_key(self.organiser, self.organiser_name)
        super().save(*args, **kwargs)

    @property
    def display_course_name(self) -> str:
        """The course as the page's language names it: as recorded on the certificate, or on English pages the
        English title of the platform course it was issued for (read the course with the certificate)."""
        english = self.course.title_en if self.course_id and self.course is not None else ""
        return localised(self.course_name, english)

    @staticmethod
    def issuer_key(organiser: OrgNode | None, organiser_name: str) -> str:
        """What a number is unique within: the platform node, or the outside organiser's name."""
        return f"node:{organiser.code}" if organiser is not None else f"name:{' '.join(organiser_name.split())}"


class CertificateImport(ImportJob):
    """An import of certificates earned elsewhere (結業證書匯入), run as a job: all rows or none."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("uploaded by"))
    created_certificates = models.PositiveIntegerField(_("certificates created"), default=0)

    class Meta:
        verbose_name = _("certificate import")
        verbose_name_plural = _("certificate imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.original_name


class TrainingRequirement(models.Model):
    """What a campaign or one position asks before somebody may serve: trained for a service category
    (basic + that category's special training) and/or named courses (e.g. the WMG special training)."""

    campaign = models.OneToOneField("operations.Campaign", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="training_requirement")
    position = models.OneToOneField("operations.Position", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="training_requirement")
    category = models.CharField(_("trained for the category"), max_length=32, choices=service_category_choices,
                                blank=True)
    courses = models.ManyToManyField(Course, blank=True, related_name="+", verbose_name=_("required courses"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("training requirement")
        verbose_name_plural = _("training requirements")
        constraints = [
            models.CheckConstraint(condition=Q(campaign__isnull=True) ^ Q(position__isnull=True),
                                   name="requirement_campaign_xor_position"),
        ]
        triggers = category_triggers("requirement")

    def __str__(self):
        return f"{self.campaign or self.position}: {self.category}"


class TrainingCountFrom(models.Model):
    """The day hours of a volunteer in a service category start counting by training (可採計起算日): the later of
    the first basic and the first special-training-of-the-category completion dates; a row only when both are on
    record. Always equal to what the certificates give (`selectors.hours.count_from_differences` checks it, the
    command `check_hours_rollup` runs it): written only by the triggers on `TrainingCertificate` (PostgreSQL)
    and by `services.hours.count_from_rebuild`. Read by the countable hours over many people
    (`selectors.hours`) instead of grouping every certificate on each request; not kept on SQLite, where the
    certificates are read directly."""

    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.DO_NOTHING, related_name="+",
                                  db_index=False)
    category = models.CharField(_("service category"), max_length=32, choices=service_category_choices)
    counts_from = models.DateField(_("hours count from"))

    class Meta:
        verbose_name = _("day hours count from")
        verbose_name_plural = _("days hours count from")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "category"], name="training_count_from_key"),
        ]
        # a date coming, going or moving moves the person's hours between counted and not counted in the kept
        # hours of the units (`UnitHoursMonth`, models/kept_sql.py)
        triggers = [pgtrigger.Trigger(name="count_from_kept_hours", when=pgtrigger.After,
                                      operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                                      func=COUNT_FROM_HOURS_SQL)]

    def __str__(self):
        return f"{self.volunteer_id} {self.category} {self.counts_from}"
