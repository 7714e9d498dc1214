"""Unit data (運用單位資料維護): unit profiles and service plans (志願服務計畫) with their filing status,
certificate and result-report due dates; the list of plans due or overdue."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView
from django_filters.views import FilterView

from ..filters_people import ServicePlanFilter, UnitFilter
from ..forms_people import RecordReportForm, ServicePlanForm, UnitProfileForm
from ..models import FilingStatus, OrgKind, OrgNode, ServicePlan
from ..scoping import is_staff_member
from ..selectors import unit_choices_for
from ..selectors.audit import object_history
from ..selectors.organisations import NODE_CHOICE_FIELDS
from ..selectors.plans import authority_choices, plan_detail, plan_list, plans_due
from ..services.organisations import orgnode_update
from ..services.plans import service_plan_create, service_plan_record_report, service_plan_update
from ..tables_people import ServicePlanTable, UnitTable
from .base import SingleTableMixin, StaffRequiredMixin, add_service_errors, scoped_or_404
from .files import private_file_response
from .pages import OrgTreeView
from .teams import ExportableListMixin


class UnitsNavMixin:
    """The unit-data sub-navigation shows the application queue to those who review it."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["show_applications"] = self.request.user.has_perm("operations.unitapplication.view")
        return context


def _unit_or_404(user, pk) -> OrgNode:
    return scoped_or_404(OrgNode.objects.visible_to(user).get, pk=pk, kind=OrgKind.UNIT)


def _plan_or_404(user, pk) -> ServicePlan:
    return scoped_or_404(plan_detail, user, pk)


def _serve(field_file, download_name: str):
    return private_file_response(field_file, download_name)


class UnitDataHomeView(UnitsNavMixin, OrgTreeView):
    """The module's landing page: the organisation tree with the unit-data sub-navigation above it."""

    template_name = "operations/units/home.html"


# --- Units --------------------------------------------------------------------------------------------

class UnitListView(UnitsNavMixin, StaffRequiredMixin, ExportableListMixin, SingleTableMixin, FilterView):
    template_name = "operations/units/unit_list.html"
    module = "units"
    filterset_class = UnitFilter
    table_class = UnitTable
    paginate_by = 25
    export_name = "units"
    export_title = gettext_lazy("Units")

    def get_queryset(self):
        return unit_choices_for(self.request.user)


class UnitDetailView(UnitsNavMixin, StaffRequiredMixin, SingleTableMixin, FilterView):
    """A unit's profile and its service plans."""

    template_name = "operations/units/unit_detail.html"
    module = "units"
    filterset_class = ServicePlanFilter
    table_class = ServicePlanTable
    paginate_by = 25

    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user):
            self.unit = _unit_or_404(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return plan_list(self.request.user).filter(unit=self.unit)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["unit_queryset"] = OrgNode.objects.filter(pk=self.unit.pk)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            unit=self.unit,
            can_change=user.has_perm("operations.orgnode.change", self.unit),
            history=object_history(self.unit, limit=10),
        )
        return context


class UnitEditView(StaffRequiredMixin, FormView):
    template_name = "operations/units/unit_form.html"
    module = "units"
    form_class = UnitProfileForm

    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user):
            self.unit = _unit_or_404(request.user, kwargs["pk"])
            if not request.user.has_perm("operations.orgnode.change", self.unit):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = OrgNode.objects.get(pk=self.unit.pk)  # a copy: the form writes into its instance
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unit"] = self.unit
        return context

    def form_valid(self, form):
        try:
            orgnode_update(actor=self.request.user, node=self.unit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The unit profile has been saved."))
        return redirect("operations:unit_detail", pk=self.unit.pk)


# --- Service plans -----------------------------------------------------------------------------------

class PlanListView(UnitsNavMixin, StaffRequiredMixin, ExportableListMixin, SingleTableMixin, FilterView):
    template_name = "operations/units/plan_list.html"
    module = "units"
    filterset_class = ServicePlanFilter
    table_class = ServicePlanTable
    paginate_by = 25
    export_name = "service-plans"
    export_title = gettext_lazy("Service plans")
    export_perm = "operations.serviceplan.view"
    due_only = False

    def get_queryset(self):
        if self.due_only:
            return plans_due(self.request.user)
        return plan_list(self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["unit_queryset"] = unit_choices_for(self.request.user).only(*NODE_CHOICE_FIELDS)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["due_only"] = self.due_only
        context["today"] = timezone.localdate()
        return context


class PlanDueListView(PlanListView):
    """Filed plans whose result report is overdue or due within 30 days, most urgent first."""

    due_only = True
    export_name = "service-plans-due"
    table_pagination = {"per_page": 50}

    def get_table_kwargs(self):
        return {"order_by": ("report_due_on",)}


class _PlanFormView(StaffRequiredMixin, FormView):
    template_name = "operations/units/plan_form.html"
    module = "units"
    form_class = ServicePlanForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["authorities"] = authority_choices(self.request.user, for_filing=True)
        kwargs["may_file"] = self.request.user.has_perm("operations.serviceplan.file", self.get_plan_or_unit())
        return kwargs


class PlanCreateView(_PlanFormView):
    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user):
            self.unit = _unit_or_404(request.user, kwargs["pk"])
            if not request.user.has_perm("operations.orgnode.change", self.unit):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_plan_or_unit(self):
        return self.unit

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        ancestors = {a.pk for a in self.unit.get_ancestors()}
        authority = OrgNode.objects.filter(pk__in=ancestors, kind=OrgKind.PURPOSE_AUTHORITY).first()
        kwargs.setdefault("initial", {})["purpose_authority"] = authority
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unit"] = self.unit
        return context

    def form_valid(self, form):
        try:
            plan = service_plan_create(actor=self.request.user, unit=self.unit, **form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The service plan has been saved."))
        return redirect("operations:plan_detail", pk=plan.pk)


class PlanEditView(_PlanFormView):
    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user):
            self.plan = _plan_or_404(request.user, kwargs["pk"])
            if not request.user.has_perm("operations.serviceplan.change", self.plan):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_plan_or_unit(self):
        return self.plan

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = ServicePlan.objects.get(pk=self.plan.pk)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(plan=self.plan, unit=self.plan.unit)
        return context

    def form_valid(self, form):
        try:
            service_plan_update(actor=self.request.user, plan=self.plan, **form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The service plan has been saved."))
        return redirect("operations:plan_detail", pk=self.plan.pk)


class PlanDetailView(StaffRequiredMixin, FormView):
    """A plan with its seven elements, filing data, report schedule; recording a submitted report."""

    template_name = "operations/units/plan_detail.html"
    module = "units"
    form_class = RecordReportForm

    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user):
            self.plan = _plan_or_404(request.user, kwargs["pk"])
            if request.method == "POST" and not request.user.has_perm("operations.serviceplan.change", self.plan):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.plan
        today = timezone.localdate()
        periods = [
            {"covered": covered, "due": due,
             "done": plan.reported_through is not None and covered <= plan.reported_through,
             "overdue": plan.filing_status == FilingStatus.FILED and due < today
             and not (plan.reported_through and covered <= plan.reported_through)}
            for covered, due in plan.report_periods()
        ]
        context.update(
            plan=plan, unit=plan.unit, periods=periods, elements=[
                (ServicePlan._meta.get_field(f).verbose_name, getattr(plan, f)) for f in ServicePlan.SEVEN_ELEMENTS
            ],
            can_change=self.request.user.has_perm("operations.serviceplan.change", plan),
            history=object_history(plan, limit=10),
        )
        return context

    def form_valid(self, form):
        try:
            service_plan_record_report(actor=self.request.user, plan=self.plan,
                                       submitted_on=form.cleaned_data["submitted_on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("The result report has been recorded."))
        return redirect("operations:plan_detail", pk=self.plan.pk)


class PlanCertificateView(StaffRequiredMixin, View):
    """The attached registration certificate, only through the scope (media files are not public)."""

    def get(self, request, pk):
        plan = _plan_or_404(request.user, pk)
        return _serve(plan.certificate, f"certificate-plan-{plan.pk}")
