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
from ..models import ApplicationStatus, RoleGrant, UnitApplication
from ..scoping import is_staff_member
from ..selectors.plans import authority_choices
from ..selectors.unit_applications import application_detail, application_list
from ..services.unit_applications import (
    unit_application_approve,
    unit_application_reject,
    unit_application_send_welcome,
)
from ..tables.unit_applications import UnitApplicationTable
from .base import SingleTableMixin, StaffRequiredMixin, add_service_errors, scoped_or_404
from .organisations import _serve
from .teams import ExportableListMixin


class _ReviewerMixin(StaffRequiredMixin):
    module = "units"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("operations.unitapplication.view"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _application_or_404(user, pk) -> UnitApplication:
    return scoped_or_404(application_detail, user, pk)


class ApplicationListView(_ReviewerMixin, ExportableListMixin, SingleTableMixin, FilterView):
    template_name = "operations/applications/application_list.html"
    filterset_class = UnitApplicationFilter
    table_class = UnitApplicationTable
    paginate_by = 25
    export_name = "unit-applications"
    export_title = gettext_lazy("Unit applications")
    export_perm = "operations.unitapplication.view"

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

    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user) and request.user.has_perm("operations.unitapplication.view"):
            self.application = _application_or_404(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

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
            admin = RoleGrant.objects.filter(node_id=self.application.created_unit_id, role="unit_admin") \
                .select_related("user").order_by("pk").first()
        context.update(
            application=self.application,
            can_review=self.request.user.has_perm("operations.unitapplication.review", self.application),
            admin_grant=admin,
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
        grant = RoleGrant.objects.filter(node_id=self.application.created_unit_id, role="unit_admin") \
            .select_related("user").order_by("pk").first()
        if self.application.status != ApplicationStatus.APPROVED or grant is None:
            messages.error(self.request, _("There is no administrator account to send a link to."))
        else:
            unit_application_send_welcome(application=self.application, user=grant.user)
            messages.success(self.request, _("The link to set a password has been sent again."))
        return redirect("operations:application_detail", pk=self.application.pk)


class ApplicationCertificateView(_ReviewerMixin, View):
    def get(self, request, pk):
        application = _application_or_404(request.user, pk)
        return _serve(application.certificate, f"certificate-{application.reference}")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The first administrator of a new unit (or anyone sent a link) sets their password."""

    template_name = "operations/applications/set_password.html"
    success_url = reverse_lazy("operations:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been set. You can now log in."))
        return response
