"""The insurance module's pages (志工保險管理): policies, their covers, the insured list on a date with the
insurer's roster export, and the accepted sign-ups without insurance. Thin: parse, call one service or
selector, render."""
from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView

from ..filters.insurance import InsuredForm, PolicyFilter, UninsuredFilter
from ..forms.insurance import CoverEndForm, NodeCoverForm, PeopleCoverForm, PolicyForm
from ..localised import join_list
from ..models import InsurancePolicy
from ..selectors import insurance as selectors
from ..selectors.audit import object_history
from ..services import insurance as services
from ..tables.insurance import InsuredTable, PolicyTable, UninsuredTable
from .base import SingleTableMixin, StaffRequiredMixin, add_service_errors, client_ip, saved_by_service
from .exports import ExportMixin, insurer_roster_response
from .organisations import _serve

VIEW = "operations.insurancepolicy.view"
CHANGE = "operations.insurancepolicy.change"


class InsuranceNavMixin:
    module = "insurance"


class PolicyListView(InsuranceNavMixin, StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "operations/insurance/policy_list.html"
    role_permission = VIEW
    filterset_class = PolicyFilter
    table_class = PolicyTable
    paginate_by = 25
    export_name = "insurance-policies"
    export_title = gettext_lazy("Insurance policies")

    def get_queryset(self):
        return selectors.policy_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm(CHANGE)
        context["policies_above"] = selectors.policies_above(self.request.user)
        return context


class PolicyCreateView(InsuranceNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/insurance/policy_form.html"
    form_class = PolicyForm
    permission = CHANGE

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["nodes"] = selectors.policy_node_choices(self.request.user)
        return kwargs

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: services.policy_create(actor=self.request.user, node=form.cleaned_data["node"],
                                                       **form.service_data()),
            success=_("The insurance policy has been saved."),
            redirect_to=lambda policy: reverse("operations:insurance_policy_detail", args=[policy.pk]))


class PolicyEditView(InsuranceNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/insurance/policy_form.html"
    form_class = PolicyForm
    object_selector = selectors.policy_detail
    object_name = "policy"
    permission = CHANGE

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = InsurancePolicy.objects.get(pk=self.policy.pk)
        kwargs["editing"] = True
        return kwargs

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: services.policy_update(actor=self.request.user, policy=self.policy,
                                                       **form.service_data()),
            success=_("The insurance policy has been saved."),
            redirect_to=reverse("operations:insurance_policy_detail", args=[self.policy.pk]))


class PolicyDetailView(InsuranceNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/insurance/policy_detail.html"
    object_selector = selectors.policy_detail
    object_name = "policy"
    permission = VIEW
    COVERS_SHOWN = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = self.policy
        today = timezone.localdate()
        covers = selectors.policy_covers(policy)
        count = selectors.insured_count(policy, min(max(today, policy.starts_on), policy.ends_on))
        context.update(
            covers=list(covers[:self.COVERS_SHOWN]), cover_count=covers.count(), covers_shown=self.COVERS_SHOWN,
            insured_now=count, below_minimum=policy.min_insured and count < policy.min_insured,
            in_force=policy.starts_on <= today <= policy.ends_on, today=today,
            can_change=self.request.user.has_perm(CHANGE, policy), history=object_history(policy, limit=10),
        )
        return context


class PolicyDocumentView(StaffRequiredMixin, View):
    object_selector = selectors.policy_detail
    object_name = "policy"
    permission = VIEW

    def get(self, request, pk):
        return _serve(self.policy.document, f"insurance-policy-{self.policy.pk}")


class _PolicyFormPage(InsuranceNavMixin, StaffRequiredMixin, FormView):
    object_selector = selectors.policy_detail
    object_name = "policy"
    permission = CHANGE

    def done(self, message: str):
        messages.success(self.request, message)
        return redirect("operations:insurance_policy_detail", pk=self.policy.pk)


class CoverPeopleView(_PolicyFormPage):
    template_name = "operations/insurance/cover_form.html"
    form_class = PeopleCoverForm
    extra_context = {"title": gettext_lazy("Insure people")}

    def form_valid(self, form):
        numbers = form.cleaned_data["id_numbers"]
        found = selectors.volunteers_by_id_numbers(self.request.user, numbers)
        missing = [n for n in numbers if n not in found]
        if missing:
            form.add_error("id_numbers", _("Not found among your volunteers: %(numbers)s")
                           % {"numbers": join_list(missing[:20])})
            return self.form_invalid(form)
        try:
            n = services.cover_add_people(actor=self.request.user, policy=self.policy, volunteers=list(found.values()),
                                          starts_on=form.cleaned_data["starts_on"], ends_on=form.cleaned_data["ends_on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.done(_("%(n)s people insured.") % {"n": n})


class CoverNodeView(_PolicyFormPage):
    template_name = "operations/insurance/cover_form.html"
    form_class = NodeCoverForm
    extra_context = {"title": gettext_lazy("Insure a team or the whole organisation")}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["nodes"] = selectors.cover_node_choices(self.policy)
        return kwargs

    def form_valid(self, form):
        try:
            services.cover_add_node(actor=self.request.user, policy=self.policy, node=form.cleaned_data["node"],
                                    scope=form.cleaned_data["node_scope"], starts_on=form.cleaned_data["starts_on"], ends_on=form.cleaned_data["ends_on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.done(_("The cover has been saved."))


class CoverEndView(InsuranceNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/insurance/cover_end.html"
    form_class = CoverEndForm
    object_selector = selectors.cover_detail
    object_name = "cover"
    permission = CHANGE

    def get_permission_object(self):
        return self.cover.policy

    def get_initial(self):
        return {"last_day": timezone.localdate()}

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: services.cover_end(actor=self.request.user, cover=self.cover,
                                                   last_day=form.cleaned_data["last_day"],
                                                   reason=form.cleaned_data["reason"]),
            success=_("The cover has been ended."),
            redirect_to=reverse("operations:insurance_policy_detail", args=[self.cover.policy_id]))


class InsuredListView(InsuranceNavMixin, StaffRequiredMixin, SingleTableMixin, TemplateView):
    """Who the policy insures on a date (the insurer's roster), with a team and "over the age cap" filter."""

    template_name = "operations/insurance/insured_list.html"
    object_selector = selectors.policy_detail
    object_name = "policy"
    permission = VIEW
    table_class = InsuredTable
    table_pagination = {"per_page": 50}

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            form = InsuredForm(self.request.GET or None, teams=selectors.cover_node_choices(self.policy))
            self._filter_form = form
        return self._filter_form

    def filtered(self):
        form = self.get_filter_form()
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        today = timezone.localdate()
        day = data.get("day") or min(max(today, self.policy.starts_on), self.policy.ends_on)
        return day, selectors.insured_list(self.policy, day, team=data.get("team"), over_cap=data.get("over_cap"))

    def get_table_data(self):
        return self.filtered()[1]

    def get_table_kwargs(self):
        return {"day": self.filtered()[0], "cap": self.policy.age_cap}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter=SimpleNamespace(form=self.get_filter_form()), day=self.filtered()[0], querystring=query.urlencode(),
                       can_export_full_ids=self.request.user.has_perm("operations.volunteer.reveal_id"))
        return context


class InsuredExportView(InsuredListView):
    def get(self, request, *args, **kwargs):
        full_ids = request.GET.get("ids") == "full"
        if full_ids and not request.user.has_perm("operations.volunteer.reveal_id"):
            raise PermissionDenied
        form = self.get_filter_form()
        if form.is_bound and not form.is_valid():
            messages.error(request, _("The filters are not valid; nothing was exported."))
            return redirect("operations:insurance_insured", pk=self.policy.pk)
        _day, queryset = self.filtered()
        return insurer_roster_response(user=request.user, queryset=queryset.order_by("name", "id"),
                                       fmt=kwargs["fmt"], ip_address=client_ip(request), full_ids=full_ids)


class UninsuredView(InsuranceNavMixin, StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """Accepted sign-ups of the coming days whose volunteer is not insured on the shift's date."""

    template_name = "operations/insurance/uninsured.html"
    role_permission = "operations.shift.view"
    filterset_class = UninsuredFilter
    table_class = UninsuredTable
    paginate_by = 50
    export_name = "uninsured-signups"
    export_title = gettext_lazy("Accepted sign-ups without insurance")

    def get_queryset(self):
        return selectors.uninsured_upcoming(self.request.user, days=max(selectors.UPCOMING_CHOICES))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["today"] = timezone.localdate()
        context["horizon"] = timezone.localdate() + datetime.timedelta(days=selectors.UPCOMING_DAYS)
        return context
