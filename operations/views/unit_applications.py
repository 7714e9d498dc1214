"""Applications to become a volunteer-using unit (申請成為運用單位): the review queue of authority
officers, approval (creates the unit and its first administrator) and rejection with a reason."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView
from django_filters.views import FilterView

from ..filters.unit_applications import UnitApplicationFilter
from ..forms.unit_applications import ApproveApplicationForm, RejectApplicationForm
from ..models import ApplicationStatus
from ..selectors.plans import authority_choices
from ..selectors.reviews import review_history
from ..selectors.unit_applications import application_detail, application_list, unit_admin_grant
from ..services.unit_applications import (
    unit_application_approve,
    unit_application_reject,
    unit_application_send_welcome,
)
from ..tables.unit_applications import UnitApplicationTable
from .base import SingleTableMixin, StaffRequiredMixin, add_service_errors
from .exports import ExportMixin
from .organisations import _serve


class _ReviewerMixin(StaffRequiredMixin):
    module = "units"

    role_permission = "operations.unitapplication.view"



class ApplicationListView(_ReviewerMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "operations/applications/application_list.html"
    filterset_class = UnitApplicationFilter
    table_class = UnitApplicationTable
    paginate_by = 25
    export_name = "unit-applications"
    export_title = gettext_lazy("Unit applications")
    export_permission = "operations.unitapplication.view"

    def get_queryset(self):
        return application_list(self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if kwargs.get("data") is None or not kwargs["data"]:
            kwargs["data"] = {"status": ApplicationStatus.PENDING}  # the queue opens on what needs a decision
        return kwargs


class ApplicationDetailView(_ReviewerMixin, FormView):
    template_name = "operations/applications/application_detail.html"
    form_class = ApproveApplicationForm

    object_selector = application_detail
    object_name = "application"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["authorities"] = authority_choices(self.request.user)
        kwargs.setdefault("initial", {})["purpose_authority"] = self.application.purpose_authority
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("reject_form", RejectApplicationForm())
        admin = None
        if self.application.created_unit_id:
            admin = unit_admin_grant(self.application)
        context.update(
            application=self.application,
            can_review=self.request.user.has_perm("operations.unitapplication.review", self.application),
            admin_grant=admin,
            review_events=review_history(self.application.review) if self.application.review_id else [],
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("operations.unitapplication.review", self.application):
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "reject":
            return self.reject()
        if action == "resend":
            return self.resend()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            application = unit_application_approve(
                actor=self.request.user, application=self.application,
                purpose_authority=form.cleaned_data["purpose_authority"], code=form.cleaned_data["code"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _(
            "The application has been approved: %(unit)s was created and its administrator has been e-mailed "
            "a link to set a password.") % {"unit": application.created_unit.display_name})
        return redirect("operations:application_detail", pk=application.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def reject(self):
        form = RejectApplicationForm(self.request.POST)
        if form.is_valid():
            try:
                unit_application_reject(actor=self.request.user, application=self.application,
                                        reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(self.request, _("The application has been rejected and the applicant informed."))
                return redirect("operations:application_detail", pk=self.application.pk)
        context = self.get_context_data(reject_form=form, reject_open=True)
        return self.render_to_response(context, status=400)

    def resend(self):
        grant = unit_admin_grant(self.application)
        if self.application.status != ApplicationStatus.APPROVED or grant is None:
            messages.error(self.request, _("There is no administrator account to send a link to."))
        else:
            unit_application_send_welcome(application=self.application, user=grant.user)
            messages.success(self.request, _("The link to set a password has been sent again."))
        return redirect("operations:application_detail", pk=self.application.pk)


class ApplicationCertificateView(_ReviewerMixin, View):
    object_selector = application_detail
    object_name = "application"

    def get(self, request, pk):
        return _serve(self.application.certificate, f"certificate-{self.application.reference}")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The first administrator of a new unit (or anyone sent a link) sets their password."""

    template_name = "operations/applications/set_password.html"
    success_url = reverse_lazy("operations:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been set. You can now log in."))
        return response
