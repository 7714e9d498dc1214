"""Half-year and annual reports (半年報 / 年度成果報, back-office module 9; DOMAIN.md §1.3, §1.12).

A report belongs to a unit and a period (the first or second half of a year, or the whole year). Its
figures are computed from the data as of the period's end (`selectors.reports.unit_figures`) and kept on
the row as a JSON snapshot, so an approved report never moves when the data changes later; the unit fills
the manual fields (funding, notes, the Art.7 narrative of how the plan went). A report goes through the
review chain (`FormType.PERIOD_REPORT`: the unit submits, the purpose authority and the competent authority
decide); once approved it is locked. A new version is made by re-opening it with a reason: the approved
version is kept (superseded) and the new one starts as a draft.

Scope: a report is visible to the staff whose grants cover its unit (`visible_to`)."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..scoping import scope_q
from .organisations import OrgNode
from .reviews import Review


class PeriodKind(models.TextChoices):
    HALF = "half", _("Half-year")
    YEAR = "year", _("Year")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Returned for changes")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded by a newer version")


#: statuses in which the unit may edit the manual fields and recompute the figures
EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)
#: statuses that count as "submitted" on the authority dashboard
SUBMITTED = (ReportStatus.IN_REVIEW, ReportStatus.APPROVED)


def period_bounds(kind: str, year: int, half: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a period (both inclusive)."""
    if kind == PeriodKind.YEAR:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if half == 1:
        return datetime.date(year, 1, 1), datetime.date(year, 6, 30)
    return datetime.date(year, 7, 1), datetime.date(year, 12, 31)


class PeriodReportQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "unit", roles=roles))

    def current(self):
        """The live version of every (unit, period): superseded versions left out."""
        return self.exclude(status=ReportStatus.SUPERSEDED)


class PeriodReport(models.Model):
    unit = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="period_reports", verbose_name=_("unit"))
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1900), MaxValueValidator(2200)])
    # 1 or 2 for a half-year, 0 for a year
    half = models.PositiveSmallIntegerField(_("half"), default=0, validators=[MaxValueValidator(2)])
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT,
                              db_index=True)
    due_on = models.DateField(_("due on"), null=True, blank=True, db_index=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("figures computed at"), null=True, blank=True)
    # the last recompute's changes: [[key, old, new], …]
    last_changes = models.JSONField(default=list, blank=True)
    # manual fields the unit fills
    government_subsidy = models.PositiveBigIntegerField(_("government subsidy (NT$)"), default=0,
                                                        validators=[MaxValueValidator(10 ** 12)])
    own_funds = models.PositiveBigIntegerField(_("own funds (NT$)"), default=0, validators=[MaxValueValidator(10 ** 12)])
    plan_narrative = models.TextField(_("how the service plan went (Art.7)"), blank=True, max_length=10000)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    reopen_reason = models.TextField(_("reason for re-opening"), blank=True, max_length=2000)
    review = models.OneToOneField(Review, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="period_report")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PeriodReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("period report")
        verbose_name_plural = _("period reports")
        ordering = ["-year", "-half", "unit__path", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period_kind", "year", "half", "version"],
                                    name="period_report_version_once"),
            models.UniqueConstraint(fields=["unit", "period_kind", "year", "half"],
                                    condition=~Q(status="superseded"), name="period_report_one_live"),
            models.CheckConstraint(condition=(Q(period_kind="year", half=0) | Q(period_kind="half", half__in=[1, 2])),
                                   name="period_report_half_matches_kind"),
        ]

    def __str__(self):
        return f"{self.unit} {self.period_label} v{self.version}"

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.YEAR:
            return str(_("%(year)s annual report") % {"year": self.year})
        return str(_("%(year)s half-year report (H%(half)s)") % {"year": self.year, "half": self.half})

    @property
    def start(self) -> datetime.date:
        return period_bounds(self.period_kind, self.year, self.half)[0]

    @property
    def end(self) -> datetime.date:
        return period_bounds(self.period_kind, self.year, self.half)[1]

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def is_locked(self) -> bool:
        return self.status in (ReportStatus.APPROVED, ReportStatus.SUPERSEDED)

    def is_late(self, today: datetime.date | None = None) -> bool:
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.status not in SUBMITTED and self.status != ReportStatus.SUPERSEDED \
            and self.due_on is not None and self.due_on < today
