"""Half-year and annual report pages (半年報 / 年度成果報, back-office module 9): the reports of my scope, a new
report, its figures and manual fields, recompute (with the changes), submit to the review chain, re-open an
approved report with a reason, downloads (ODS, XLSX, CSV, PDF in Chinese); the authorities' dashboard and the
roll-ups per purpose authority and for the city (approved reports or live data)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from volunteer_site.params import parse_id

from ..exports import spreadsheet_response
from ..forms.reports import (
    PeriodForm,
    ReopenForm,
    ReportCreateForm,
    ReportFilterForm,
    ReportManualForm,
    RollupForm,
)
from ..models import OrgKind, OrgNode, PeriodKind, ReportStatus
from ..models.reports import EDITABLE
from ..pdf import CJKFontMissing, period_report_pdf
from ..selectors import reports as sel
from ..services import reports as svc
from ..services.exports import export_record
from .base import StaffRequiredMixin, client_ip, saved_by_service

MODULE = "reports"
VIEW = "operations.periodreport.view"
CHANGE = "operations.periodreport.change"
REOPEN = "operations.periodreport.reopen"
ROLLUP = "operations.periodreport.rollup"
FORMATS = ("ods", "xlsx", "csv")


class ReportsNavMixin:
    subnav = "list"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(reports_subnav=self.subnav, can_rollup=user.has_perm(ROLLUP), can_create=user.has_perm(CHANGE))
        return context


class ReportListView(ReportsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/reports/report_list.html"
    module = MODULE
    role_permission = VIEW

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reports = sel.report_list(self.request.user)
        form = ReportFilterForm(self.request.GET or None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            if data["period_kind"]:
                reports = reports.filter(period_kind=data["period_kind"])
            if data["year"]:
                reports = reports.filter(year=data["year"])
            if data["status"]:
                reports = reports.filter(status=data["status"])
            if data["late"]:
                reports = reports.filter(status__in=EDITABLE, due_on__lt=timezone.localdate())
        elif form.is_bound:
            reports = reports.none()
        context.update(form=form, reports=list(reports[:500]), today=timezone.localdate())
        return context


class ReportCreateView(ReportsNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/reports/report_form.html"
    module = MODULE
    role_permission = CHANGE
    form_class = ReportCreateForm

    def get_initial(self):
        return PeriodForm.initial_period()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["units"] = sel.reportable_units(self.request.user)
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        return saved_by_service(
            self, form, lambda: svc.report_create(actor=self.request.user, unit=data["unit"],
                                                  period_kind=data["period_kind"], year=data["year"],
                                                  half=data["half"]),
            refusals=(ValidationError, PermissionDenied), success=_("The report's figures have been computed."),
            redirect_to=lambda report: reverse("operations:report_detail", args=[report.pk]))


class ReportDetailView(ReportsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/reports/report_detail.html"
    module = MODULE
    object_selector = sel.report_detail
    object_name = "report"
    permission = VIEW

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, report = self.request.user, self.report
        may_change = user.has_perm(CHANGE, report)
        changes = [(sel.change_label(key), old, new) for key, old, new in report.last_changes or []]
        context.update(
            tables=sel.figure_tables(report.figures), versions=sel.report_versions(report), changes=changes,
            can_edit=may_change and report.is_editable, can_reopen=user.has_perm(REOPEN, report)
            and report.status == ReportStatus.APPROVED, formats=FORMATS, today=timezone.localdate())
        return context


class ReportActionView(StaffRequiredMixin, View):
    """POST: recompute the figures or submit the report; a refused or repeated action changes nothing and
    says why."""

    module = MODULE
    object_selector = sel.report_detail
    object_name = "report"
    permission = CHANGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        action = kwargs["action"]
        try:
            if action == "recompute":
                changes = svc.report_recompute(actor=request.user, report=self.report)
                if changes:
                    messages.success(request, _("The figures have been recomputed: %(n)s changed.") % {"n": len(changes)})
                else:
                    messages.success(request, _("The figures have been recomputed: nothing changed."))
            else:
                svc.report_submit(actor=request.user, report=self.report)
                messages.success(request, _("The report has been sent to the review chain."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        return redirect("operations:report_detail", pk=self.report.pk)


class ReportEditView(ReportsNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/reports/report_edit.html"
    module = MODULE
    object_selector = sel.report_detail
    object_name = "report"
    permission = CHANGE
    form_class = ReportManualForm

    def get(self, request, *args, **kwargs):
        if not self.report.is_editable:
            messages.error(request, _("This report is %(status)s and cannot be changed.")
                           % {"status": self.report.get_status_display().lower()})
            return redirect("operations:report_detail", pk=self.report.pk)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = sel.report_detail(self.request.user, self.report.pk)  # a copy the form may change
        return kwargs

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.report_update(actor=self.request.user, report=self.report,
                                                  data=form.cleaned_data),
            refusals=(ValidationError, PermissionDenied), success=_("The report has been saved."),
            redirect_to=reverse("operations:report_detail", args=[self.report.pk]))


class ReportReopenView(ReportsNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/reports/report_reopen.html"
    module = MODULE
    object_selector = sel.report_detail
    object_name = "report"
    permission = REOPEN
    form_class = ReopenForm

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.report_reopen(actor=self.request.user, report=self.report,
                                                  reason=form.cleaned_data["reason"]),
            refusals=(ValidationError, PermissionDenied),
            success=_("The report has been re-opened as a new version."),
            redirect_to=lambda new: reverse("operations:report_detail", args=[new.pk]))


class ReportExportView(StaffRequiredMixin, View):
    """A report as ODS (the default for government exchange), XLSX, CSV or a text PDF in Chinese."""

    object_selector = sel.report_detail
    object_name = "report"
    permission = VIEW

    def get(self, request, *args, **kwargs):
        fmt, report = kwargs["fmt"], self.report
        filename = f"report-{report.unit.code}-{report.year}-{report.period_kind}{report.half or ''}-v{report.version}"
        if fmt == "pdf":
            try:
                with translation.override("zh-hant"):
                    content = period_report_pdf(report=report, tables=sel.figure_tables(report.figures),
                                                printed_by=request.user.get_username())
            except CJKFontMissing as exc:
                return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
            export_record(actor=request.user, what=f"period report {report.pk}", fmt=fmt, row_count=1,
                          ip_address=client_ip(request))
            response = HttpResponse(content, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
            response["Cache-Control"] = "no-store"
            return response
        if fmt not in FORMATS:
            return HttpResponse(_("Unknown export format."), status=400, content_type="text/plain; charset=utf-8")
        headers, rows = sel.export_rows(report)
        export_record(actor=request.user, what=f"period report {report.pk}", fmt=fmt, row_count=len(rows),
                      ip_address=client_ip(request))
        return spreadsheet_response(filename=filename, headers=headers, rows=rows, fmt=fmt, title=report.period_label)


def _period(request, form_class=PeriodForm):
    """The period chosen on the page (the last ended half-year when none is given); a bad value is a form
    error and the page shows nothing else."""
    form = form_class(request.GET or None, initial=form_class.initial_period())
    if not request.GET:
        initial = form_class.initial_period()
        return form, (initial["period_kind"], initial["year"], int(initial["half"]))
    if form.is_valid():
        data = form.cleaned_data
        return form, (data["period_kind"], data["year"], data["half"])
    return form, None


class ReportDashboardView(ReportsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/reports/dashboard.html"
    module = MODULE
    role_permission = ROLLUP
    subnav = "dashboard"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, period = _period(self.request)
        context["form"] = form
        if period is not None:
            rows = sel.dashboard(self.request.user, *period)
            context.update(rows=rows, counts=sel.dashboard_counts(rows), period=period,
                           period_label=_period_label(*period))
        return context


def _period_label(kind, year, half) -> str:
    if kind == PeriodKind.YEAR:
        return _("%(year)s annual report") % {"year": year}
    return _("%(year)s half-year report (H%(half)s)") % {"year": year, "half": half}


class ReportRollupView(ReportsNavMixin, StaffRequiredMixin, TemplateView):
    """The roll-up per purpose authority and for the whole of the user's part (?node= drills down into a
    purpose authority: one row per unit). A node outside the user's part answers 404."""

    template_name = "operations/reports/rollup.html"
    module = MODULE
    role_permission = ROLLUP
    subnav = "rollup"

    def load_objects(self):
        super().load_objects()
        self.node = None
        raw = self.request.GET.get("node")
        if raw:
            pk = parse_id(raw)
            node = OrgNode.objects.visible_to(self.request.user).filter(
                pk=pk, kind__in=(OrgKind.PURPOSE_AUTHORITY, OrgKind.COMPETENT_AUTHORITY)).first() if pk else None
            if node is None:
                raise Http404
            self.node = node

    def result(self):
        form, period = _period(self.request, RollupForm)
        if period is None:
            return form, None, None
        source = form.cleaned_data.get("source") if form.is_bound else sel.APPROVED
        return form, period, sel.rollup(self.request.user, *period, source or sel.APPROVED, node=self.node)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, period, result = self.result()
        params = self.request.GET.copy()
        params.pop("node", None)
        context.update(form=form, result=result, node=self.node, columns=sel.ROLLUP_COLUMNS,
                       headers=sel.rollup_headers(), formats=FORMATS, query=self.request.GET.urlencode(),
                       base_query=params.urlencode())
        if period is not None:
            context["period_label"] = _period_label(*period)
            headers = sel.rollup_headers()
            for row in result["rows"]:
                row["values"] = list(zip(headers, [row["total"][c] for c in sel.ROLLUP_COLUMNS], strict=True))
            result["total_values"] = list(zip(headers, [result["total"][c] for c in sel.ROLLUP_COLUMNS], strict=True))
        return context


class ReportRollupExportView(ReportRollupView):
    def get(self, request, *args, **kwargs):
        fmt = kwargs["fmt"]
        if fmt not in FORMATS:
            return HttpResponse(_("Unknown export format."), status=400, content_type="text/plain; charset=utf-8")
        _form, _period_chosen, result = self.result()
        if result is None:
            return HttpResponse(_("Choose a valid period; nothing was exported."), status=400,
                                content_type="text/plain; charset=utf-8")
        label = _("Approved reports") if result["source"] == sel.APPROVED else _("Live data (computed now)")
        headers = [_("Organisation"), _("Units"), _("Reported"), *sel.rollup_headers(), _("Figures from")]
        rows = [[row["node"].display_name, row["units"], row["reported"],
                 *[row["total"][c] for c in sel.ROLLUP_COLUMNS], label] for row in result["rows"]]
        rows.append([_("Total"), result["units"], result["reported"],
                     *[result["total"][c] for c in sel.ROLLUP_COLUMNS], label])
        export_record(actor=request.user, what="period report roll-up", fmt=fmt, row_count=len(rows),
                      ip_address=client_ip(request))
        return spreadsheet_response(filename=f"report-rollup-{result['start']:%Y%m%d}-{result['end']:%Y%m%d}",
                                    headers=headers, rows=rows, fmt=fmt, title=str(_("Roll-up")))
