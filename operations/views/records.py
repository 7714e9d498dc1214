"""Record book and service ID pages (紀錄冊, 志願服務證): the books and IDs of my volunteers, batches of
applications (made by a unit, decided in the review chain), collecting / re-issuing / cancelling a book,
issuing, printing and cancelling a service ID; and the volunteer's photo upload in the volunteer zone."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from ..forms.base import ReasonForm
from ..forms.records import BatchForm, CollectForm, PhotoForm, ReissueForm, ServiceIdForm, UnitChoiceForm
from ..models import BookStatus, Volunteer
from ..pdf import CJKFontMissing, service_id_pdf
from ..selectors import records as sel
from ..selectors.people import volunteer_detail
from ..selectors.records import record_book_of, service_ids_of
from ..services import records as svc
from .base import StaffRequiredMixin, add_service_errors, saved_by_service, scoped_or_404
from .volunteer_zone import VolunteerRequiredMixin

MODULE = "applications"


class RecordsNavMixin:
    subnav = "books"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(records_subnav=self.subnav, can_apply=user.has_perm("operations.recordbook.apply"))
        return context


class RecordBookListView(RecordsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/records/book_list.html"
    module = MODULE
    role_permission = "operations.recordbook.view"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        books = sel.book_list(self.request.user)
        status = self.request.GET.get("status", "")
        if status in BookStatus.values:
            books = books.filter(status=status)
        context.update(books=list(books[:500]), statuses=BookStatus.choices, status=status)
        return context


class RecordBookDetailView(RecordsNavMixin, StaffRequiredMixin, TemplateView):
    """A book; POST `action` = collect, reissue or cancel (each decided by the service)."""

    template_name = "operations/records/book_detail.html"
    module = MODULE
    object_selector = sel.book_detail
    object_name = "book"
    permission = "operations.recordbook.view"
    FORMS = {"collect": CollectForm, "reissue": ReissueForm, "cancel": ReasonForm}

    def get_context_data(self, forms=None, **kwargs):
        context = super().get_context_data(**kwargs)
        forms = forms or {name: cls(prefix=name) for name, cls in self.FORMS.items()}
        context.update(forms=forms, service_ids=service_ids_of(self.book.volunteer))
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in self.FORMS:
            return self.render_to_response(self.get_context_data(), status=400)
        forms = {name: cls(request.POST if name == action else None, prefix=name) for name, cls in self.FORMS.items()}
        form = forms[action]
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(forms=forms))
        try:
            if action == "collect":
                svc.record_book_collect(actor=request.user, book=self.book, collected_on=form.cleaned_data["collected_on"])
            elif action == "reissue":
                svc.record_book_reissue(actor=request.user, book=self.book, kind=form.cleaned_data["kind"])
            else:
                svc.record_book_cancel(actor=request.user, book=self.book, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
            return self.render_to_response(self.get_context_data(forms=forms))
        messages.success(request, _("The record book has been updated."))
        return redirect("operations:record_book_detail", pk=self.book.pk)


class BatchListView(RecordsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/records/batch_list.html"
    module = MODULE
    role_permission = "operations.recordbook.view"
    subnav = "batches"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["batches"] = list(sel.batch_list(self.request.user)[:500])
        return context


class BatchCreateView(RecordsNavMixin, StaffRequiredMixin, FormView):
    """Choose a unit (GET ?unit=), then its trained volunteers without a record book."""

    template_name = "operations/records/batch_form.html"
    module = MODULE
    role_permission = "operations.recordbook.apply"
    form_class = BatchForm
    subnav = "batches"

    def dispatch_unit(self):
        units = sel.applying_units(self.request.user)
        chooser = UnitChoiceForm(self.request.GET or None, units=units)
        unit = chooser.cleaned_data["unit"] if chooser.is_bound and chooser.is_valid() else None
        if unit is None and units.count() == 1:
            unit = units.first()
        return chooser, unit

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.chooser, self.unit = self.dispatch_unit()
        kwargs["volunteers"] = sel.candidates(self.unit) if self.unit else Volunteer.objects.none()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(chooser=self.chooser, unit=self.unit)
        return context

    def form_valid(self, form):
        if self.unit is None:
            form.add_error(None, _("Choose a unit first."))
            return self.form_invalid(form)
        return saved_by_service(
            self, form, lambda: svc.batch_create(actor=self.request.user, unit=self.unit,
                                                 volunteers=list(form.cleaned_data["volunteers"])),
            refusals=(ValidationError, PermissionDenied),
            success=_("The application has been sent to the review chain."),
            redirect_to=lambda batch: reverse("operations:record_book_batch_detail", args=[batch.pk]))


class BatchDetailView(RecordsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/records/batch_detail.html"
    module = MODULE
    object_selector = sel.batch_detail
    object_name = "batch"
    permission = "operations.recordbook.view"
    subnav = "batches"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entries"] = sel.batch_entries(self.batch)
        return context


class ServiceIdListView(RecordsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/records/service_id_list.html"
    module = MODULE
    role_permission = "operations.recordbook.view"
    subnav = "service_ids"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["service_ids"] = list(sel.service_id_list(self.request.user)[:500])
        return context


class ServiceIdCreateView(RecordsNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/records/service_id_form.html"
    module = MODULE
    role_permission = "operations.serviceid.change"
    object_selector = volunteer_detail
    object_name = "volunteer"
    form_class = ServiceIdForm
    subnav = "service_ids"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["units"] = sel.applying_units(self.request.user)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(book=record_book_of(self.volunteer), service_ids=service_ids_of(self.volunteer))
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        return saved_by_service(
            self, form, lambda: svc.service_id_issue(actor=self.request.user, volunteer=self.volunteer,
                                                     unit=data["unit"], issued_on=data["issued_on"],
                                                     expires_on=data["expires_on"]),
            refusals=(ValidationError, PermissionDenied),
            success=_("The service ID has been issued."),
            redirect_to=reverse("operations:service_id_list"))


def _service_id_response(service_id) -> HttpResponse:
    photo = None
    if service_id.volunteer.photo:
        try:
            with service_id.volunteer.photo.open("rb") as handle:
                photo = handle.read()
        except OSError:
            photo = None
    try:
        pdf = service_id_pdf(service_id=service_id, photo=photo)
    except CJKFontMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    except Exception:  # noqa: BLE001 - a photo fpdf cannot place: print the card without it
        pdf = service_id_pdf(service_id=service_id, photo=None)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="service-id-{service_id.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


class ServiceIdPdfView(StaffRequiredMixin, View):
    module = MODULE
    object_selector = sel.service_id_detail
    object_name = "service_id"
    permission = "operations.recordbook.view"

    def get(self, request, pk):
        return _service_id_response(self.service_id)


class ServiceIdCancelView(RecordsNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/records/service_id_cancel.html"
    module = MODULE
    object_selector = sel.service_id_detail
    object_name = "service_id"
    permission = "operations.serviceid.change"
    form_class = ReasonForm
    subnav = "service_ids"

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.service_id_cancel(actor=self.request.user, service_id=self.service_id,
                                                      reason=form.cleaned_data["reason"]),
            refusals=(ValidationError, PermissionDenied),
            success=_("The service ID has been cancelled."), redirect_to=reverse("operations:service_id_list"))


# --- The volunteer's side -----------------------------------------------------------------------------

class MyPhotoView(VolunteerRequiredMixin, FormView):
    template_name = "operations/records/my_photo.html"
    form_class = PhotoForm
    zone_nav = "applications"

    def form_valid(self, form):
        try:
            svc.volunteer_photo_set(volunteer=self.volunteer, upload=form.cleaned_data["photo"], actor=self.request.user)
        except ValidationError as exc:
            form.add_error("photo", exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your photo has been saved."))
        return redirect("volunteer:applications")


class MyServiceIdPdfView(VolunteerRequiredMixin, View):
    def get(self, request, pk):
        return _service_id_response(scoped_or_404(sel.my_service_id, self.volunteer, pk))

