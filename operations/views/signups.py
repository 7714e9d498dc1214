from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from volunteer_site.params import parse_ids

from ..filters.signups import SignupFilter
from ..forms.signups import DecisionForm
from ..models import SignupStatus
from ..selectors.insurance import with_insurance
from ..selectors.recruitment import campaign_list
from ..selectors.signups import signup_list
from ..services.recruitment import (
    signups_decide_bulk,
)
from ..tables.signups import SignupReviewTable
from .base import (
    SingleTableMixin,
    StaffRequiredMixin,
    add_service_errors,
)
from .exports import ExportMixin


class SignupReviewView(StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    paginate_by = 25
    module = "recruitment"
    filterset_class = SignupFilter
    table_class = SignupReviewTable
    export_name = "signups"
    template_name = "operations/recruitment/signup_review.html"

    def get_queryset(self):
        return with_insurance(signup_list(self.request.user))

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["campaign_queryset"] = campaign_list(self.request.user).order_by("-starts_on")
        if kwargs["data"] is None or not kwargs["data"]:
            kwargs["data"] = {"status": SignupStatus.APPLIED}
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["decision_form"] = kwargs.get("decision_form") or DecisionForm()
        context["can_decide"] = self.request.user.has_perm("operations.signup.decide")
        return context

    def post(self, request, *args, **kwargs):
        if kwargs.get("fmt") is not None:  # the export URL only answers GET
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if not request.user.has_perm("operations.signup.decide"):
            raise PermissionDenied
        form = DecisionForm(request.POST)
        ids = parse_ids(request.POST.getlist("signups"))
        signups = list(signup_list(request.user).filter(pk__in=ids))
        if form.is_valid():
            try:
                done = signups_decide_bulk(actor=request.user, signups=signups, decision=form.cleaned_data["decision"],
                                           reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("%(n)s sign-ups have been decided; the volunteers are notified.") % {"n": len(done)})
                return redirect(request.get_full_path())
        self.object_list = self.get_queryset()
        response = self.get(request, *args, **kwargs)
        response.context_data["decision_form"] = form
        response.status_code = 400
        return response
