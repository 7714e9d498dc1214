"""Half-year and annual report writes (半年報 / 年度成果報): create a unit's report of a period (figures
computed at once), fill the manual fields, recompute explicitly (the changes are kept and shown), submit to
the review chain, follow the chain's outcome (approved → locked), re-open an approved report as a new
version with a reason; and the due-date reminders of the beat job.

Every write is keyword-only and atomic, decided on the report row locked and read again (`select_for_update`):
a double click finds the report moved on and changes nothing. Every change is audited on the report's unit."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..mail import mail_language, send_templated_mail, site_link
from ..models import (
    AuditAction,
    FormType,
    OrgKind,
    OrgNode,
    PeriodKind,
    PeriodReport,
    ReportStatus,
    ReviewState,
    RoleGrant,
    ServicePlan,
    period_bounds,
)
from ..models.reports import EDITABLE
from ..outbox import enqueue
from ..roles import UNIT_MANAGERS, Role
from ..selectors.reports import diff_figures, due_date, unit_figures
from .audit import audit_record
from .reviews import review_open, review_resubmit

MANUAL_FIELDS = ("government_subsidy", "own_funds", "plan_narrative", "notes")
MAX_REASON = 2000


class ReportMovedOn(ValidationError):
    """The report changed since the page was shown (a double click, or somebody else)."""


def _check_period(kind: str, year, half, today: datetime.date) -> tuple[int, int]:
    if kind not in PeriodKind.values:
        raise ValidationError({"period_kind": _("Choose half-year or year.")})
    try:
        year = int(year)
        half = int(half or 0)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"year": _("Enter a year.")}) from exc
    if not 1900 <= year <= 2200:
        raise ValidationError({"year": _("Enter a year between 1900 and 2200.")})
    if kind == PeriodKind.YEAR:
        half = 0
    elif half not in (1, 2):
        raise ValidationError({"half": _("Choose the first or the second half of the year.")})
    if period_bounds(kind, year, half)[1] >= today:
        raise ValidationError(_("This period has not ended yet: its figures are computed as of its last day."))
    return year, half


def _may_change(actor, unit: OrgNode) -> None:
    """The actor manages the unit (the roles of the verb `operations.periodreport.change`)."""
    if not OrgNode.objects.visible_to(actor, roles=UNIT_MANAGERS).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You cannot make reports for this unit."))


def report_create(*, actor, unit: OrgNode, period_kind: str, year, half=0,
                  now: datetime.datetime | None = None) -> PeriodReport:
    """The unit's report of the period, with its figures computed now. A report of the period that exists
    already is returned as it is (a double click makes one report)."""
    now = now or timezone.now()
    year, half = _check_period(period_kind, year, half, timezone.localdate(now))
    if unit.kind != OrgKind.UNIT:
        raise ValidationError({"unit": _("Reports are made per unit.")})
    _may_change(actor, unit)
    existing = PeriodReport.objects.current().filter(unit=unit, period_kind=period_kind, year=year, half=half).first()
    if existing is not None:
        return existing
    start, end = period_bounds(period_kind, year, half)
    figures = unit_figures([unit], start, end)[unit.pk]
    try:
        with transaction.atomic():
            report = PeriodReport.objects.create(
                unit=unit, period_kind=period_kind, year=year, half=half, version=1, status=ReportStatus.DRAFT,
                due_on=due_date(unit, period_kind, year, half), figures=figures, computed_at=now, created_by=actor)
            audit_record(actor=actor, action=AuditAction.CREATED, node=unit, obj=report,
                         changes={"report": ["", report.period_label]})
    except IntegrityError:  # somebody made it a moment ago
        return PeriodReport.objects.current().get(unit=unit, period_kind=period_kind, year=year, half=half)
    return report


def _locked(report: PeriodReport) -> PeriodReport:
    return PeriodReport.objects.select_for_update(of=("self",)).select_related("unit", "review").get(pk=report.pk)


def _editable(report: PeriodReport) -> None:
    if report.status not in EDITABLE:
        raise ReportMovedOn(_("This report is %(status)s and cannot be changed; nothing was changed.")
                          % {"status": report.get_status_display().lower()}, code="locked")


def report_update(*, actor, report: PeriodReport, data: dict, updated_at=None) -> PeriodReport:
    """Save the manual fields (funding, notes, the Art.7 narrative) of a draft or returned report."""
    _may_change(actor, report.unit)
    unknown = set(data) - set(MANUAL_FIELDS)
    if unknown:
        raise ValueError(unknown)
    with transaction.atomic():
        report = _locked(report)
        _editable(report)
        changes = {}
        for name, value in data.items():
            if getattr(report, name) != value:
                changes[name] = [str(getattr(report, name))[:200], str(value)[:200]]
                setattr(report, name, value)
        if changes:
            report.full_clean(exclude=["unit", "review", "created_by"])
            report.save()
            audit_record(actor=actor, action=AuditAction.UPDATED, node=report.unit, obj=report, changes=changes)
    return report


def report_recompute(*, actor, report: PeriodReport, now: datetime.datetime | None = None) -> list[list]:
    """Compute the figures again from today's data; returns (and keeps on the report) what changed."""
    _may_change(actor, report.unit)
    now = now or timezone.now()
    with transaction.atomic():
        report = _locked(report)
        _editable(report)
        figures = unit_figures([report.unit], report.start, report.end)[report.unit_id]
        changes = diff_figures(report.figures, figures)
        report.figures, report.computed_at, report.last_changes = figures, now, changes
        report.save(update_fields=["figures", "computed_at", "last_changes", "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATED, node=report.unit, obj=report,
                     changes={"figures": ["", f"recomputed: {len(changes)} changed"]})
    return changes


def report_submit(*, actor, report: PeriodReport, now: datetime.datetime | None = None) -> PeriodReport:
    """Send a draft or returned report to the review chain (the purpose authority, then the competent
    authority). Its figures are the snapshot computed last; a second click changes nothing."""
    _may_change(actor, report.unit)
    now = now or timezone.now()
    with transaction.atomic():
        report = _locked(report)
        if report.status not in EDITABLE:
            raise ReportMovedOn(_("This report has already been submitted; nothing was changed."), code="stale")
        if not report.figures:
            raise ValidationError(_("Compute the figures before submitting."))
        review = report.review
        if review is not None and review.state == ReviewState.RETURNED and actor.pk == review.submitter_id:
            review_resubmit(actor=actor, review=review, version=review.version, now=now)
        else:
            review = review_open(form_type=FormType.PERIOD_REPORT, node=report.unit,
                                 title=f"{report.unit.name} {report.period_label}", submitter=actor, now=now)
            report.review = review
        report.status = ReportStatus.IN_REVIEW
        report.submitted_at = now
        report.save(update_fields=["status", "submitted_at", "review", "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATED, node=report.unit, obj=report,
                     changes={"status": ["", ReportStatus.IN_REVIEW.value]})
    return report


def report_review_outcome(*, review, actor) -> None:
    """Called by the review engine inside its transaction: approved → the report is locked (and a yearly
    report marks the unit's service plans reported through that year); returned or rejected → back to the
    unit for changes; resubmitted → in review."""
    report = PeriodReport.objects.select_for_update().filter(review=review).first()
    if report is None:
        return
    if review.state == ReviewState.APPROVED:
        report.status, report.approved_at = ReportStatus.APPROVED, timezone.now()
        _mark_plans_reported(report)
    elif review.state in (ReviewState.RETURNED, ReviewState.REJECTED):
        report.status = ReportStatus.RETURNED
    else:
        report.status = ReportStatus.IN_REVIEW
    report.save(update_fields=["status", "approved_at", "updated_at"])


def _mark_plans_reported(report: PeriodReport) -> None:
    """Art.7: an approved annual report is the unit's report of its plans' periods ending in that year."""
    if report.period_kind != PeriodKind.YEAR:
        return
    for plan in ServicePlan.objects.select_for_update().filter(unit_id=report.unit_id, starts_on__lte=report.end,
                                                                 ends_on__gte=report.start):
        covered = [c for c, _due in plan.report_periods() if c.year == report.year]
        if covered and (plan.reported_through is None or plan.reported_through < max(covered)):
            plan.reported_through = max(covered)
            plan.save(update_fields=["reported_through"])


def report_reopen(*, actor, report: PeriodReport, reason: str) -> PeriodReport:
    """Re-open an approved report: it stays as it was (superseded), and a new version starts as a draft
    with its figures and manual fields, to be recomputed, corrected and submitted again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is re-opened.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("The reason is too long.")})
    if not actor.has_perm("operations.periodreport.reopen", report):
        raise PermissionDenied(_("You cannot re-open this report."))
    with transaction.atomic():
        old = _locked(report)
        if old.status != ReportStatus.APPROVED:
            raise ReportMovedOn(_("Only an approved report can be re-opened; nothing was changed."), code="stale")
        old.status = ReportStatus.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
        new = PeriodReport.objects.create(
            unit=old.unit, period_kind=old.period_kind, year=old.year, half=old.half, version=old.version + 1,
            status=ReportStatus.DRAFT, due_on=old.due_on, figures=old.figures, computed_at=old.computed_at,
            government_subsidy=old.government_subsidy, own_funds=old.own_funds, plan_narrative=old.plan_narrative,
            notes=old.notes, reopen_reason=reason, created_by=actor)
        audit_record(actor=actor, action=AuditAction.UPDATED, node=old.unit, obj=old,
                     changes={"status": [ReportStatus.APPROVED.value, ReportStatus.SUPERSEDED.value]},
                     reason=reason[:255])
        audit_record(actor=actor, action=AuditAction.CREATED, node=old.unit, obj=new,
                     changes={"version": [str(old.version), str(new.version)]}, reason=reason[:255])
    return new


# --- Reminders (Celery beat, daily) ---------------------------------------------------------------------

def reminder_periods(today: datetime.date) -> list[tuple[str, int, int]]:
    """The periods whose reports may still be due: the last two half-years and the last year."""
    year = today.year
    periods = [(PeriodKind.YEAR, year - 1, 0), (PeriodKind.HALF, year - 1, 2)]
    if today > datetime.date(year, 6, 30):
        periods.append((PeriodKind.HALF, year, 1))
    return periods


def report_reminders_queue(*, today: datetime.date | None = None, days_before: int | None = None) -> int:
    """Queue a reminder for every active unit whose report of a recent period is not submitted, on the days
    `REPORT_REMINDER_DAYS` before its due date (and every day once it is late, up to 30 days)."""
    from django.conf import settings

    from ..selectors.reports import due_dates

    today = today or timezone.localdate()
    remind_days = days_before if days_before is not None else getattr(settings, "REPORT_REMINDER_DAYS", (14, 3))
    if isinstance(remind_days, int):
        remind_days = (remind_days,)
    units = list(OrgNode.objects.filter(kind=OrgKind.UNIT, is_active=True))
    queued = 0
    for kind, year, half in reminder_periods(today):
        submitted = set(PeriodReport.objects.filter(
            unit__in=units, period_kind=kind, year=year, half=half,
            status__in=(ReportStatus.IN_REVIEW, ReportStatus.APPROVED, ReportStatus.SUPERSEDED))
            .values_list("unit_id", flat=True))
        for unit_id, due in due_dates(units, kind, year, half).items():
            if unit_id in submitted:
                continue
            days = (due - today).days
            if days in remind_days or -30 <= days < 0:
                enqueue("operations.tasks.send_report_reminder", unit_id, kind, year, half, today.isoformat())
                queued += 1
    return queued


def report_reminder_send(*, unit_id: int, kind: str, year: int, half: int, day: str, task=None) -> int:
    """Mail the unit's administrators that its report of the period is due (or late). Once per unit, period
    and day (the mail path's key)."""
    unit = OrgNode.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None:
        return 0
    if PeriodReport.objects.filter(unit=unit, period_kind=kind, year=year, half=half,
                                   status__in=(ReportStatus.IN_REVIEW, ReportStatus.APPROVED,
                                               ReportStatus.SUPERSEDED)).exists():
        return 0
    to = sorted(set(RoleGrant.objects.filter(node=unit, role=Role.UNIT_ADMIN, user__is_active=True)
                    .exclude(user__email="").values_list("user__email", flat=True)))
    if not to:
        return 0
    today = datetime.date.fromisoformat(day)
    due = due_date(unit, kind, year, half)
    probe = PeriodReport(unit=unit, period_kind=kind, year=year, half=half)
    with translation.override(mail_language(None)):
        context = {"unit": unit, "period": probe.period_label, "due_on": due, "late": due < today,
                   "link": site_link(reverse("operations:report_list"))}
        return int(send_templated_mail("report_reminder", context, to, task=task,
                                       key=f"report-reminder:{unit.pk}:{kind}:{year}:{half}:{day}"))
