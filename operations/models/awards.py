"""Award schemes by service hours (獎勵, DOMAIN.md §1.10), as data: each scheme has its levels (thresholds),
the unit categories whose hours count, the day hours start counting and the yearly cut-off, the calendar
of deadlines (volunteer → unit → authority → ministry) and the documents a candidate needs. Who received
which level is recorded (`AwardReceipt`, once per level per person, a database constraint); a nomination
from the eligible list is an `AwardNomination` (the review chain decides it)."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..localised import localised
from ..scoping import is_unrestricted, scope_q
from .code_values import service_category_codes, service_category_label
from .organisations import OrgNode


class CalendarStep(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteers apply to their unit")
    UNIT = "unit", _("Units send to the purpose authority")
    AUTHORITY = "authority", _("Authorities send to the ministry")
    MINISTRY = "ministry", _("The ministry decides")


class Prerequisite(models.TextChoices):
    PERFORMANCE_CERTIFICATE = "performance_certificate", _("Performance certificate (績效證明書)")
    RECORD_BOOK = "record_book", _("Service record book (紀錄冊)")
    NO_CONVICTION = "no_conviction", _("No criminal conviction in the last five years")


class AwardScheme(models.Model):
    """One award scheme (e.g. 志願服務獎勵辦法). `unit_categories` empty = hours of every category count."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    authority = models.CharField(_("awarded by"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    unit_categories = models.JSONField(_("unit categories whose hours count"), default=list, blank=True)
    counting_starts_on = models.DateField(_("hours count from"), null=True, blank=True)
    cutoff_month = models.PositiveSmallIntegerField(_("hours cut-off month"), default=12)
    cutoff_day = models.PositiveSmallIntegerField(_("hours cut-off day"), default=31)
    cutoff_previous_year = models.BooleanField(
        _("cut-off in the year before the call"), default=True,
        help_text=_("The 2026 call counts hours up to 2025-12-31, for example."))
    # [{"step": "volunteer", "month": 6, "day": 30}, …] in order
    calendar = models.JSONField(_("yearly calendar"), default=list, blank=True)
    prerequisites = models.JSONField(_("documents required"), default=list, blank=True)
    once_per_level = models.BooleanField(_("each level once per person"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    source_url = models.URLField(_("source"), blank=True)

    class Meta:
        verbose_name = _("award scheme")
        verbose_name_plural = _("award schemes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(cutoff_month__gte=1, cutoff_month__lte=12, cutoff_day__gte=1,
                                               cutoff_day__lte=31), name="award_scheme_cutoff_valid"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return localised(self.name, self.name_en)

    def clean(self):
        try:
            datetime.date(2000, self.cutoff_month, self.cutoff_day)
        except (TypeError, ValueError) as exc:
            raise ValidationError({"cutoff_day": _("Not a day of that month.")}) from exc
        known = service_category_codes()
        if not isinstance(self.unit_categories, list) or not set(self.unit_categories) <= known:
            raise ValidationError({"unit_categories": _("Unknown service category.")})

    def cutoff_for(self, year: int) -> datetime.date:
        """The hours cut-off of the call of `year`."""
        return datetime.date(year - 1 if self.cutoff_previous_year else year, self.cutoff_month, self.cutoff_day)

    def calendar_for(self, year: int) -> list[tuple[str, datetime.date]]:
        """(step label, deadline) of the call of `year`."""
        steps = []
        for step in self.calendar:
            try:
                label = CalendarStep(step["step"]).label
                steps.append((str(label), datetime.date(year, int(step["month"]), int(step["day"]))))
            except (KeyError, TypeError, ValueError):
                continue
        return steps

    @property
    def category_labels(self) -> list[str]:
        return [service_category_label(c) for c in self.unit_categories]

    @property
    def prerequisite_labels(self) -> list[str]:
        return [str(Prerequisite(p).label) for p in self.prerequisites if p in Prerequisite.values]


class AwardLevel(models.Model):
    """A level of a scheme (銅 / 銀 / 金) and the countable hours it needs."""

    scheme = models.ForeignKey(AwardScheme, on_delete=models.CASCADE, related_name="levels")
    code = models.SlugField(_("code"), max_length=20)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    hours = models.DecimalField(_("hours needed"), max_digits=8, decimal_places=1)
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        verbose_name = _("award level")
        verbose_name_plural = _("award levels")
        ordering = ["scheme", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="award_level_code_unique"),
            models.UniqueConstraint(fields=["scheme", "rank"], name="award_level_rank_unique"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="award_level_hours_positive"),
        ]

    def __str__(self):
        return f"{self.scheme.display_name} · {self.display_name}"

    @property
    def display_name(self) -> str:
        return localised(self.name, self.name_en)


class VolunteerScopedQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        if is_unrestricted(user, roles):
            return self.all()
        from .people import Volunteer

        return self.filter(volunteer__in=Volunteer.objects.visible_to(user, roles=roles).values("pk"))


class AwardReceipt(models.Model):
    """A level a volunteer received (so the eligible list leaves them out next time)."""

    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.CASCADE, related_name="award_receipts")
    level = models.ForeignKey(AwardLevel, on_delete=models.PROTECT, related_name="receipts",
                              verbose_name=_("award level"))
    year = models.PositiveSmallIntegerField(_("year"))
    received_on = models.DateField(_("received on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VolunteerScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("award received")
        verbose_name_plural = _("awards received")
        ordering = ["-year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "level"], name="award_once_per_level"),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.level}"


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    SUBMITTED = "submitted", _("Submitted for review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: a nomination in one of these still stands (a second one of the same person and level is refused)
OPEN_NOMINATION = (NominationStatus.NOMINATED, NominationStatus.SUBMITTED, NominationStatus.RETURNED,
                   NominationStatus.APPROVED)


class AwardNominationQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "unit", roles=roles))


class AwardNomination(models.Model):
    """A unit nominates a volunteer for a level of a scheme in the call of `year`, from the eligible list.
    The hours and the working are kept as they were when nominated."""

    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.CASCADE, related_name="award_nominations")
    level = models.ForeignKey(AwardLevel, on_delete=models.PROTECT, related_name="nominations",
                              verbose_name=_("award level"))
    unit = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="award_nominations",
                             verbose_name=_("nominated by"))
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=16, choices=NominationStatus.choices,
                              default=NominationStatus.NOMINATED, db_index=True)
    hours = models.DecimalField(_("countable hours"), max_digits=10, decimal_places=1)
    cutoff = models.DateField(_("hours counted up to"))
    working = models.JSONField(_("working"), default=dict, blank=True)
    # the review chain's decision (purpose authority → competent authority); none for older nominations
    review = models.OneToOneField("operations.Review", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="award_nomination")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AwardNominationQuerySet.as_manager()

    class Meta:
        verbose_name = _("award nomination")
        verbose_name_plural = _("award nominations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "level"], condition=Q(status__in=[s.value for s in OPEN_NOMINATION]),
                                    name="award_nomination_one_open"),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.level} ({self.year})"
