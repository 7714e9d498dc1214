"""Recruitment: service plans, campaigns, positions, shifts and sign-ups. The back-office and volunteer
journey build their screens on these; the data model and its constraints live here from day one."""
from __future__ import annotations

import datetime

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import DATE_MAX, DATE_MIN

from ..localised import localised
from ..scoping import scope_q
from ..storage import consent_upload_to, plan_certificate_upload_to, private_storage
from .organisations import OrgNode

# The seat invariant, checked by PostgreSQL when a transaction commits (a deferred constraint trigger):
# a shift touched by the transaction must end with accepted_count equal to its ACCEPTED sign-ups and no
# more of them than its headcount. The CHECK constraint alone cannot see a counter that stays within the
# headcount while the rows do not (a seat freed twice). No-op on SQLite, where writes are serialised and
# the services alone keep the invariant.
SEAT_INVARIANT_SQL = """
    -- Checked once per shift and transaction: deferred triggers all run at commit, on the final state.
    IF current_setting('seats.checked_' || sid, true) = '1' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('seats.checked_' || sid, '1', true);
    SELECT s.headcount, s.accepted_count INTO seat FROM operations_shift s WHERE s.id = sid;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT count(*) INTO accepted FROM operations_signup g WHERE g.shift_id = sid AND g.status = 'accepted';
    IF accepted > seat.headcount OR accepted <> seat.accepted_count THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'shift_seat_invariant',
            MESSAGE = format('shift %s: %s accepted sign-ups, accepted_count %s, headcount %s',
                             sid, accepted, seat.accepted_count, seat.headcount);
    END IF;
    RETURN NULL;
"""
SEAT_INVARIANT_DECLARE = [("sid", "bigint"), ("seat", "record"), ("accepted", "integer")]


def _seat_trigger(name: str, operation, sid: str, condition=None) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name, when=pgtrigger.After, operation=operation, timing=pgtrigger.Deferred, condition=condition,
        declare=SEAT_INVARIANT_DECLARE, func=f"sid := {sid};" + SEAT_INVARIANT_SQL,
    )


def _localised(obj, field: str) -> str:
    return localised(getattr(obj, field), getattr(obj, f"{field}_en", ""))


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to the organisation nodes reached through `scope_fields`: a row is
    visible when any of them lies in the user's part of the tree (a WMG position belongs to the
    organising committee's campaign, to its venue and to the service-group team at that venue)."""

    scope_fields: tuple[str, ...] = ()

    def visible_to(self, user, roles=None):
        q = Q(pk__in=[])
        for field in self.scope_fields:
            part = scope_q(user, field, roles=roles)
            if not part:  # Q() means "no restriction"; OR-ing it into Q(pk__in=[]) would keep the empty set
                return self.all()
            q |= part
        return self.filter(q)


class FilingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for filing")
    FILED = "filed", _("Filed")
    REJECTED = "rejected", _("Returned")


# Dates the platform stores for plans, campaigns and shifts: checked by the forms (validators) and
# enforced by the database (CheckConstraints), so that no computation on them (report periods, age on a
# service date) can leave the calendar.
DATE_VALIDATORS = [MinValueValidator(DATE_MIN), MaxValueValidator(DATE_MAX)]


def date_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": DATE_MIN, f"{field}__lte": DATE_MAX})


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the end of a shorter month (31 Dec + 2 → 28/29 Feb)."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ServicePlanQuerySet(ScopedQuerySet):
    scope_fields = ("unit",)


class ServicePlan(models.Model):
    """志願服務計畫 (Volunteer Service Act Art.7) with its seven required elements and filing status."""

    unit = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="service_plans", verbose_name=_("unit"))
    purpose_authority = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("purpose authority"),
    )
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("starts on"), validators=DATE_VALIDATORS)
    ends_on = models.DateField(_("ends on"), validators=DATE_VALIDATORS)
    recruitment = models.TextField(_("recruitment"), blank=True)
    training = models.TextField(_("training"), blank=True)
    management = models.TextField(_("management"), blank=True)
    deployment = models.TextField(_("deployment"), blank=True)
    guidance = models.TextField(_("guidance"), blank=True)
    evaluation = models.TextField(_("evaluation"), blank=True)
    service_items = models.TextField(_("service items"), blank=True)
    certificate = models.FileField(
        _("registration certificate copy"), upload_to=plan_certificate_upload_to, storage=private_storage,
        blank=True, max_length=200,
    )
    filing_status = models.CharField(
        _("filing status"), max_length=16, choices=FilingStatus.choices, default=FilingStatus.DRAFT
    )
    filing_reference = models.CharField(_("filing reference number"), max_length=64, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    # the filing's review in the chain (unit → purpose authority), opened when the plan is submitted
    review = models.OneToOneField("operations.Review", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="service_plan")
    # Art.7 result reports: the end of the period the latest submitted report covered, and the next due
    # date (kept in the row so that "due or overdue" lists filter and sort in SQL; see report_periods).
    reported_through = models.DateField(_("reported through"), null=True, blank=True)
    report_due_on = models.DateField(_("next report due on"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServicePlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("service plan")
        verbose_name_plural = _("service plans")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="plan_ends_after_start"),
            models.CheckConstraint(condition=date_in_range("starts_on") & date_in_range("ends_on"),
                                   name="plan_dates_in_range"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.starts_on and self.ends_on and self.unit_id:
            self.report_due_on = self.compute_report_due_on()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = set(kwargs["update_fields"]) | {"report_due_on"}
        super().save(*args, **kwargs)

    # --- Art.7 report due dates (DOMAIN.md §1.3) ---------------------------------------------------
    SEVEN_ELEMENTS = ("recruitment", "training", "management", "deployment", "guidance", "evaluation",
                      "service_items")

    @property
    def is_long(self) -> bool:
        """Runs for two years or longer (start + 2 years − 1 day or later)."""
        return self.ends_on >= _add_months(self.starts_on, 24) - datetime.timedelta(days=1)

    @property
    def reports_yearly(self) -> bool:
        """Long plans and plans of charter-exempt units (agencies, public schools) report every year."""
        from .organisations import RegistrationType

        exempt = self.unit.registration_type in (RegistrationType.AGENCY, RegistrationType.SCHOOL)
        return self.is_long or exempt

    def report_periods(self) -> list[tuple[datetime.date, datetime.date]]:
        """(end of the period covered, due date) of every report the plan owes, in order.
        Yearly: one per calendar year the plan touches, due on 28 February of the next year.
        Otherwise: one report, due two months after the plan ends."""
        if not self.reports_yearly:
            return [(self.ends_on, _add_months(self.ends_on, 2))]
        periods = []
        # The dates are within DATE_MIN..DATE_MAX (database constraint), so year + 1 stays a year.
        for year in range(self.starts_on.year, min(self.ends_on.year, DATE_MAX.year) + 1):
            covered = min(datetime.date(year, 12, 31), self.ends_on)
            periods.append((covered, datetime.date(year + 1, 2, 28)))
        return periods

    def compute_report_due_on(self) -> datetime.date | None:
        """The due date of the first report not yet submitted (None when all are in)."""
        for covered, due in self.report_periods():
            if self.reported_through is None or covered > self.reported_through:
                return due
        return None


class VolunteerType(models.TextChoices):
    GENERAL = "general", _("General")
    VENUE = "venue", _("Venue volunteer")
    ADMINISTRATIVE = "administrative", _("Administrative volunteer")
    LANGUAGE = "language", _("Language volunteer")


class SignupMode(models.TextChoices):
    INSTANT = "instant", _("Instant (accepted while seats remain)")
    REVIEWED = "reviewed", _("Reviewed by staff")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CampaignQuerySet(ScopedQuerySet):
    scope_fields = ("unit",)


class Campaign(models.Model):
    """A recruitment campaign of a unit (or of a purpose authority for a whole event such as the WMG)."""

    unit = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("organiser"))
    service_plan = models.ForeignKey(
        ServicePlan, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns",
        verbose_name=_("service plan"),
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    title = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    volunteer_type = models.CharField(
        _("volunteer type"), max_length=16, choices=VolunteerType.choices, default=VolunteerType.GENERAL
    )
    signup_mode = models.CharField(_("sign-up mode"), max_length=16, choices=SignupMode.choices, default=SignupMode.INSTANT)
    status = models.CharField(_("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    starts_on = models.DateField(_("service starts on"), validators=DATE_VALIDATORS)
    ends_on = models.DateField(_("service ends on"), validators=DATE_VALIDATORS)
    signup_opens_at = models.DateTimeField(_("sign-up opens at"), null=True, blank=True)
    signup_closes_at = models.DateTimeField(_("sign-up closes at"), null=True, blank=True)
    cancel_deadline_hours = models.PositiveIntegerField(
        _("cancellation deadline (hours before the shift)"), default=48
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("recruitment campaign")
        verbose_name_plural = _("recruitment campaigns")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"),
            models.CheckConstraint(condition=date_in_range("starts_on") & date_in_range("ends_on"),
                                   name="campaign_dates_in_range"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="campaign_age_range",
            ),
        ]

    def __str__(self):
        return str(self.display_title)

    @property
    def display_title(self) -> str:
        return _localised(self, "title")


POSITION_SCOPE = ("campaign__unit", "venue", "team")


class PositionQuerySet(ScopedQuerySet):
    scope_fields = POSITION_SCOPE


class Position(models.Model):
    """What a volunteer does and where: e.g. a venue × a service group."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="positions")
    venue = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, null=True, blank=True, related_name="venue_positions",
        verbose_name=_("venue"),
    )
    team = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, null=True, blank=True, related_name="team_positions",
        verbose_name=_("service group"),
    )
    title = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    volunteers_needed = models.PositiveIntegerField(
        _("volunteers needed"), null=True, blank=True,
        help_text=_("How many different people this position recruits (the recruitment percentage counts people, "
                    "not shift seats). Empty: the largest shift headcount."),
    )
    required_languages = models.ManyToManyField(
        "operations.Language", blank=True, related_name="+", verbose_name=_("required languages")
    )
    required_skills = models.ManyToManyField(
        "operations.Skill", blank=True, related_name="+", verbose_name=_("required skills")
    )

    objects = PositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["campaign", "title", "id"]

    def __str__(self):
        return str(self.display_title)

    @property
    def display_title(self) -> str:
        return _localised(self, "title")


class ShiftQuerySet(ScopedQuerySet):
    scope_fields = tuple(f"position__{field}" for field in POSITION_SCOPE)


class Shift(models.Model):
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="shifts")
    date = models.DateField(_("date"), db_index=True, validators=DATE_VALIDATORS)
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    name = models.CharField(_("shift name"), max_length=50, blank=True, help_text=_("For example “Morning”."))
    name_en = models.CharField(_("shift name (English)"), max_length=50, blank=True,
                               help_text=_("For example Morning. Shown on the English site."))
    headcount = models.PositiveIntegerField(_("headcount"))
    # Kept by the sign-up services in the same transaction as the sign-up rows, so that "seats left"
    # is one conditional UPDATE and never needs a COUNT; the constraint makes overbooking impossible.
    accepted_count = models.PositiveIntegerField(_("accepted"), default=0)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(headcount__gte=0), name="shift_headcount_not_negative"),
            models.CheckConstraint(condition=date_in_range("date"), name="shift_date_in_range"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(accepted_count__lte=F("headcount")), name="shift_not_overbooked"),
        ]
        indexes = [models.Index(fields=["position", "date"], name="shift_position_date")]
        triggers = [
            _seat_trigger("shift_seat_invariant", pgtrigger.Update, "NEW.id", condition=pgtrigger.Q(
                old__accepted_count__df=pgtrigger.F("new__accepted_count"))
                | pgtrigger.Q(old__headcount__df=pgtrigger.F("new__headcount"))),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.display_name} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def display_name(self) -> str:
        return _localised(self, "name")

    @property
    def free_seats(self) -> int:
        return max(self.headcount - self.accepted_count, 0)


class SignupStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACCEPTED = "accepted", _("Accepted")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class SignupQuerySet(ScopedQuerySet):
    scope_fields = tuple(f"shift__position__{field}" for field in POSITION_SCOPE)


class Signup(models.Model):
    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.CASCADE, related_name="signups")
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    status = models.CharField(_("status"), max_length=16, choices=SignupStatus.choices, db_index=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=255, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SignupQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "shift"], name="signup_one_per_volunteer_shift"),
        ]
        indexes = [models.Index(fields=["shift", "status"], name="signup_shift_status")]
        triggers = [
            _seat_trigger("signup_seat_invariant_ins", pgtrigger.Insert, "NEW.shift_id",
                          condition=pgtrigger.Q(new__status="accepted")),
            _seat_trigger("signup_seat_invariant_upd", pgtrigger.Update, "NEW.shift_id",
                          condition=pgtrigger.Q(old__status__df=pgtrigger.F("new__status"))
                          | pgtrigger.Q(old__shift_id__df=pgtrigger.F("new__shift_id"))),
            _seat_trigger("signup_seat_invariant_del", pgtrigger.Delete, "OLD.shift_id",
                          condition=pgtrigger.Q(old__status="accepted")),
        ]

    def __str__(self):
        return f"{self.volunteer} → {self.shift} ({self.get_status_display()})"


class GuardianConsent(models.Model):
    """A guardian's consent for a volunteer under 18, uploaded once per campaign (WMG: ages 16–17)."""

    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.CASCADE, related_name="guardian_consents")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="guardian_consents")
    file = models.FileField(_("guardian consent form"), upload_to=consent_upload_to, storage=private_storage,
                            max_length=200)
    guardian_name = models.CharField(_("guardian's name"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "campaign"], name="consent_one_per_campaign"),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.campaign}"
