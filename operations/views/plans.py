from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView
from django_filters.views import FilterView

from ..filters.plans import ServicePlanFilter
from ..forms.plans import RecordReportForm, ServicePlanForm
from ..models import FilingStatus, OrgKind, OrgNode, ServicePlan
from ..selectors.audit import object_history
from ..selectors.organisations import NODE_CHOICE_FIELDS, unit_choices_for, unit_detail
from ..selectors.plans import authority_choices, plan_detail, plan_list, plans_due
from ..selectors.reviews import review_history
from ..services.plans import service_plan_create, service_plan_record_report, service_plan_update
from ..tables.plans import ServicePlanTable
from .base import SingleTableMixin, StaffRequiredMixin, add_service_errors
from .exports import ExportMixin
from .organisations import UnitsNavMixin, _serve


class PlanListView(UnitsNavMixin, StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "operations/units/plan_list.html"
    module = "units"
    filterset_class = ServicePlanFilter
    table_class = ServicePlanTable
    paginate_by = 25
    export_name = "service-plans"
    export_title = gettext_lazy("Service plans")
    export_permission = "operations.serviceplan.view"
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
    object_selector = unit_detail
    object_name = "unit"
    permission = "operations.orgnode.change"

    def get_plan_or_unit(self):
        return self.unit

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        ancestors = {a.pk for a in self.unit.get_ancestors()}
        authority = OrgNode.objects.filter(pk__in=ancestors, kind=OrgKind.PURPOSE_AUTHORITY).first()
        kwargs.setdefault("initial", {})["purpose_authority"] = authority
        return kwargs

    def form_valid(self, form):
        try:
            plan = service_plan_create(actor=self.request.user, unit=self.unit, **form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The service plan has been saved."))
        return redirect("operations:plan_detail", pk=plan.pk)


class PlanEditView(_PlanFormView):
    object_selector = plan_detail
    object_name = "plan"
    permission = "operations.serviceplan.change"

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

    object_selector = plan_detail
    object_name = "plan"
    permission = "operations.serviceplan.change"
    permission_methods = ("POST",)

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
            review=plan.review, review_events=review_history(plan.review) if plan.review_id else [],
            today=today,
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

    object_selector = plan_detail
    object_name = "plan"

    def get(self, request, pk):
        return _serve(self.plan.certificate, f"certificate-plan-{self.plan.pk}")
