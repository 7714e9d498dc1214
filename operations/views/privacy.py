"""系統管理 › 個資請求: the competent authority's queue of personal-data requests (deletion, stop processing,
correction) with their 30-day due dates; per request what a deletion removes and what units must keep (and
until when); completing or refusing it. Thin: parse, call one service or selector, render."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from django_filters.views import FilterView

from ..filters.privacy import PrivacyRequestFilter
from ..forms.privacy import DecisionForm
from ..models import PrivacyRequestKind, PrivacyRequestStatus
from ..selectors import privacy as selectors
from ..selectors.volunteer_zone import my_data, my_data_sections
from ..services.privacy import privacy_request_complete, privacy_request_refuse
from ..tables.privacy import PrivacyRequestTable
from .base import SingleTableMixin, StaffRequiredMixin, add_service_errors, client_ip
from .exports import ExportMixin
from .system import SystemNavMixin


class _QueueMixin(SystemNavMixin, StaffRequiredMixin):
    role_permission = selectors.VIEW

    def load_objects(self):
        # Only the competent authority's staff: an officer of a purpose authority holds the verb but not the queue.
        if not selectors.may_use_queue(self.request.user):
            raise PermissionDenied
        super().load_objects()


class PrivacyRequestListView(_QueueMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "operations/privacy/request_list.html"
    filterset_class = PrivacyRequestFilter
    table_class = PrivacyRequestTable
    paginate_by = 25
    export_name = "personal-data-requests"
    export_title = gettext_lazy("Personal-data requests")

    def get_queryset(self):
        return selectors.request_queue(self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if not kwargs.get("data"):
            kwargs["data"] = {"status": PrivacyRequestStatus.PENDING}  # the queue opens on what needs a decision
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(subnav="privacy", retention_years=selectors.retention_years())
        return context


class PrivacyRequestDetailView(_QueueMixin, FormView):
    template_name = "operations/privacy/request_detail.html"
    form_class = DecisionForm
    object_selector = selectors.request_detail
    object_name = "privacy_request"
    permission = selectors.DECIDE
    permission_methods = ("POST",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.privacy_request
        volunteer = request.volunteer
        context.update(
            subnav="privacy",
            can_decide=request.is_pending and self.request.user.has_perm(selectors.DECIDE, request),
            plan=selectors.deletion_plan(volunteer) if volunteer is not None and request.is_pending
            and request.kind == PrivacyRequestKind.DELETION else None,
            held=my_data_sections(my_data(volunteer, full=False))[0] if volunteer is not None and request.is_pending
            and request.kind == PrivacyRequestKind.CORRECTION else None,
            retention_years=selectors.retention_years(),
        )
        return context

    def form_valid(self, form):
        action = self.request.POST.get("action")
        service = {"complete": privacy_request_complete, "refuse": privacy_request_refuse}.get(action)
        if service is None:
            form.add_error(None, _("Choose whether to complete or refuse the request."))
            return self.form_invalid(form)
        try:
            request = service(actor=self.request.user, request=self.privacy_request,
                              note=form.cleaned_data["note"], ip_address=client_ip(self.request))
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        if request.decided_by_id == self.request.user.pk or request.status != PrivacyRequestStatus.PENDING:
            messages.success(self.request, _("The request is decided: %(status)s. The person is told by e-mail.")
                             % {"status": request.get_status_display()})
        return redirect("operations:privacy_request_detail", pk=request.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
