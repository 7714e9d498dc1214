"""Certificate pages (績效證明書, 榮譽卡): the applications of my units, applying for a volunteer with the
eligibility working shown, an application with its working and PDF, cancelling; the volunteer's side (my
record book, IDs and certificates; apply; resubmit; download); and the public verification page."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from ..forms.base import ReasonForm
from ..forms.certificates import ApplyForm, VerifyForm
from ..forms.reviews import ResubmitForm
from ..mail import site_link
from ..models import CertificateKind, CertificateStatus, ReviewState
from ..pdf import CJKFontMissing, certificate_pdf
from ..selectors import certificates as sel
from ..selectors.people import volunteer_detail
from ..selectors.records import applying_units, record_book_of, service_ids_of
from ..selectors.reviews import review_history
from ..services import certificates as svc
from ..services.reviews import AlreadyDecided, review_resubmit
from .base import StaffRequiredMixin, saved_by_service, scoped_or_404
from .records import RecordsNavMixin
from .volunteer_zone import VolunteerRequiredMixin

MODULE = "applications"


def _kind_or_404(kind: str) -> str:
    if kind not in CertificateKind.values:
        raise Http404
    return kind


def pdf_response(application) -> HttpResponse:
    if application.status != CertificateStatus.ISSUED:
        raise Http404
    try:
        pdf = certificate_pdf(application=application,
                              verify_url=site_link(reverse("volunteer:certificate_verify")) + f"?number={application.number}")
    except CJKFontMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{application.kind}-{application.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


class ApplicationListView(RecordsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/certificates/list.html"
    module = MODULE
    role_permission = "operations.certificateapplication.view"
    subnav = "certificates"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        applications = sel.application_list(self.request.user)
        kind = self.request.GET.get("kind", "")
        if kind in CertificateKind.values:
            applications = applications.filter(kind=kind)
        context.update(applications=list(applications[:500]), kinds=CertificateKind.choices, kind=kind)
        return context


class ApplicationCreateView(RecordsNavMixin, StaffRequiredMixin, FormView):
    """Staff apply for one of their volunteers: the working of both certificates is shown first."""

    template_name = "operations/certificates/apply.html"
    module = MODULE
    role_permission = "operations.certificateapplication.apply"
    object_selector = volunteer_detail
    object_name = "volunteer"
    form_class = ApplyForm
    subnav = "certificates"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["units"] = applying_units(self.request.user)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.kind = _kind_or_404(self.kwargs["kind"])
        context.update(kind=self.kind, kind_label=CertificateKind(self.kind).label,
                       result=sel.eligibility(self.volunteer, self.kind, as_of=timezone.localdate()))
        return context

    def form_valid(self, form):
        kind = _kind_or_404(self.kwargs["kind"])
        return saved_by_service(
            self, form, lambda: svc.application_create(actor=self.request.user, volunteer=self.volunteer, kind=kind,
                                                       unit=form.cleaned_data["unit"]),
            refusals=(ValidationError, PermissionDenied),
            success=_("The application has been sent to the review chain."),
            redirect_to=lambda a: reverse("operations:certificate_application_detail", args=[a.pk]))


class ApplicationDetailView(RecordsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/certificates/detail.html"
    module = MODULE
    object_selector = sel.application_detail
    object_name = "application"
    permission = "operations.certificateapplication.view"
    subnav = "certificates"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(working=self.application.working, history=review_history(self.application.review))
        return context


class ApplicationPdfView(StaffRequiredMixin, View):
    module = MODULE
    object_selector = sel.application_detail
    object_name = "application"
    permission = "operations.certificateapplication.view"

    def get(self, request, pk):
        return pdf_response(self.application)


class ApplicationCancelView(RecordsNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/certificates/cancel.html"
    module = MODULE
    object_selector = sel.application_detail
    object_name = "application"
    permission = "operations.certificateapplication.view"
    form_class = ReasonForm
    subnav = "certificates"

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.certificate_cancel(actor=self.request.user, application=self.application,
                                                       reason=form.cleaned_data["reason"]),
            refusals=(ValidationError, PermissionDenied), success=_("The certificate has been cancelled."),
            redirect_to=reverse("operations:certificate_application_detail", args=[self.application.pk]))


# --- The volunteer's side -----------------------------------------------------------------------------

class MyApplicationsView(VolunteerRequiredMixin, TemplateView):
    """My record book, my service IDs, my certificates and applications (with their review status)."""

    template_name = "operations/certificates/my_applications.html"
    zone_nav = "applications"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context.update(
            book=record_book_of(self.volunteer), service_ids=service_ids_of(self.volunteer),
            applications=sel.applications_of(self.volunteer), kinds=CertificateKind.choices,
            results={kind: sel.eligibility(self.volunteer, kind, as_of=today) for kind in CertificateKind.values})
        return context


class MyApplyView(VolunteerRequiredMixin, FormView):
    template_name = "operations/certificates/my_apply.html"
    form_class = ApplyForm
    zone_nav = "applications"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        units = sel.units_of(self.volunteer)
        from ..models import OrgNode

        kwargs["units"] = OrgNode.objects.filter(pk__in=[u.pk for u in units])
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = _kind_or_404(self.kwargs["kind"])
        context.update(kind=kind, kind_label=CertificateKind(kind).label,
                       result=sel.eligibility(self.volunteer, kind, as_of=timezone.localdate()))
        return context

    def form_valid(self, form):
        kind = _kind_or_404(self.kwargs["kind"])
        return saved_by_service(
            self, form, lambda: svc.application_create(actor=self.request.user, volunteer=self.volunteer, kind=kind,
                                                       unit=form.cleaned_data["unit"]),
            refusals=(ValidationError, PermissionDenied),
            success=_("Your application has been sent. You can follow it here."),
            redirect_to=reverse("volunteer:applications"))


class MyApplicationResubmitView(VolunteerRequiredMixin, View):
    def post(self, request, pk):
        application = scoped_or_404(sel.my_application, self.volunteer, pk)
        form = ResubmitForm(request.POST)
        if not form.is_valid() or application.review.state != ReviewState.RETURNED:
            messages.error(request, _("This application is not waiting for changes."))
            return redirect("volunteer:applications")
        try:
            review_resubmit(actor=request.user, review=application.review, version=form.cleaned_data["version"],
                            comment=form.cleaned_data["comment"])
        except AlreadyDecided as exc:
            messages.info(request, exc.messages[0])
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your application has been sent in again."))
        return redirect("volunteer:applications")


class MyCertificatePdfView(VolunteerRequiredMixin, View):
    def get(self, request, pk):
        return pdf_response(scoped_or_404(sel.my_application, self.volunteer, pk))


class VerifyView(View):
    """Public: is this a certificate we issued? Unknown and malformed numbers get the same answer."""

    template_name = "operations/certificates/verify.html"

    def get(self, request):
        form = VerifyForm(request.GET or None)
        found = None
        asked = form.is_bound
        if asked and form.is_valid():
            found = sel.verify(form.cleaned_data["number"])
        elif asked:
            form = VerifyForm(initial={"number": request.GET.get("number", "")[:32]})
        return render(request, self.template_name, {
            "form": form, "asked": asked, "found": found,
            "masked_name": sel.masked_name(found.volunteer.name) if found else ""})
