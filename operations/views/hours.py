"""Service hours (服務時數, back-office module 7 各項申請): the ledger's list (filter, sort, paginate, export),
a record with its history, staff entry, correction, misuse annotation, the hour-slip import, a volunteer's
working; and the volunteer's "my hours"."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from volunteer_site.params import get_page

from ..exports import CONTENT_TYPES
from ..filters.hours import HourRecordFilter
from ..forms.base import ReasonForm
from ..forms.hours import HourCorrectForm, HourImportForm, HourRecordForm, MisuseForm, WorkingForm
from ..models import HourSource
from ..selectors import hours as sel
from ..selectors.people import volunteer_detail
from ..services import hours as svc
from ..services.submissions import submission_key_new, submission_once
from ..tables.hours import HourRecordTable
from .base import (
    ImportJobStartMixin,
    ImportJobStatusMixin,
    SingleTableMixin,
    StaffRequiredMixin,
    add_service_errors,
    saved_by_service,
)
from .exports import ExportMixin
from .volunteer_zone import VolunteerRequiredMixin

MODULE = "applications"


def working_groups(working) -> list:
    return [(_("Year"), working.by_year()), (_("Unit"), working.by_unit()),
            (_("Service category"), working.by_category())]


LINES_PER_PAGE = 50


def working_context(request, working) -> dict:
    """What `hours/_working.html` shows: the totals, the groups and one page of the records."""
    page = get_page(Paginator(working.lines, LINES_PER_PAGE), request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"working": working, "working_groups": working_groups(working), "lines_page": page,
            "lines_query": query.urlencode()}


def _detail_url(record) -> str:
    return reverse("operations:hours_detail", args=[record.pk])


class HoursNavMixin:
    subnav = "hours"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(hours_subnav=self.subnav, can_change_hours=user.has_perm("operations.servicerecord.change"),
                       can_see_awards=user.has_perm("operations.awardnomination.view"))
        return context


class HourRecordListView(HoursNavMixin, StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "operations/hours/record_list.html"
    module = MODULE
    role_permission = "operations.servicerecord.view"
    filterset_class = HourRecordFilter
    table_class = HourRecordTable
    paginate_by = 25
    export_name = "service-hours"
    export_title = gettext_lazy("Service hours")

    def get_queryset(self):
        return sel.record_list(self.request.user)


class HourRecordDetailView(HoursNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/hours/record_detail.html"
    module = MODULE
    role_permission = "operations.servicerecord.view"
    object_selector = sel.record_detail
    object_name = "record"
    permission = "operations.servicerecord.view"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.record
        line = next((line for line in sel.explain(record.volunteer_id, start=record.date, end=record.date).lines
                     if line.pk == record.pk), None)
        context.update(changes=sel.record_changes(record), line=line,
                       can_change=self.request.user.has_perm("operations.servicerecord.change", record),
                       is_shift=record.source == HourSource.ATTENDANCE)
        return context


class HourRecordCreateView(HoursNavMixin, StaffRequiredMixin, FormView):
    """Service that is not a shift (regular duty at a unit desk, a hospital ward), entered by staff."""

    template_name = "operations/hours/record_form.html"
    module = MODULE
    subnav = "new"
    form_class = HourRecordForm
    role_permission = "operations.servicerecord.change"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["units"] = sel.entry_units(self.request.user)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["submission_key"] = self.request.POST.get("submission_key") or submission_key_new()
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        volunteer = sel.volunteer_by_document(self.request.user, data["id_number"], data["name"].strip())
        if volunteer is None:
            form.add_error("id_number", _("No volunteer with this document number and name in your part of the "
                                          "organisation."))
            return self.form_invalid(form)

        def create():
            record = svc.hours_record_create(
                actor=self.request.user, volunteer=volunteer, unit=data["unit"], date=data["date"],
                content=data["content"], hours=data["hours"], people_served=data["people_served"] or 0,
                category=data["category"])
            return {"pk": record.pk}

        try:
            result, _repeated = submission_once(user=self.request.user, key=self.request.POST.get("submission_key", ""),
                                                purpose="hours_create", run=create)
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, ValidationError(str(exc)) if isinstance(exc, PermissionDenied) else exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The service hours have been recorded."))
        if not result:
            return redirect("operations:hours_list")
        return redirect("operations:hours_detail", pk=result["pk"])


class HourRecordCorrectView(HoursNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/hours/record_correct.html"
    module = MODULE
    form_class = HourCorrectForm
    object_selector = sel.record_detail
    object_name = "record"
    permission = "operations.servicerecord.change"

    def get_initial(self):
        r = self.record
        return {"date": r.date, "category": r.category, "content": r.content, "hours": r.hours,
                "people_served": r.people_served, "version": r.version}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.record.source == HourSource.ATTENDANCE:  # a shift's hours and date follow its attendance
            for name in ("date", "hours"):
                form.fields[name].disabled = True
        return form

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        reason, version = data.pop("reason"), data.pop("version")
        return saved_by_service(
            self, form, lambda: svc.hours_record_correct(actor=self.request.user, record=self.record, reason=reason,
                                                         version=version, **data),
            success=_("The record has been corrected; the old values are kept in its history."),
            redirect_to=_detail_url, refusals=(ValidationError, PermissionDenied))


class HourRecordMisuseView(HoursNavMixin, StaffRequiredMixin, FormView):
    """Annotate a record as misuse (DOMAIN §1.6): a confirmation with the note."""

    template_name = "operations/hours/record_misuse.html"
    module = MODULE
    form_class = MisuseForm
    object_selector = sel.record_detail
    object_name = "record"
    permission = "operations.servicerecord.change"

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.hours_record_annotate_misuse(actor=self.request.user, record=self.record,
                                                                 note=form.cleaned_data["note"]),
            success=_("The record is annotated as misuse and no longer counted."),
            redirect_to=_detail_url, refusals=(ValidationError, PermissionDenied))


class HourRecordLiftMisuseView(HoursNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/hours/record_lift.html"
    module = MODULE
    form_class = ReasonForm
    object_selector = sel.record_detail
    object_name = "record"
    permission = "operations.servicerecord.change"

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.hours_record_lift_misuse(actor=self.request.user, record=self.record,
                                                             reason=form.cleaned_data["reason"]),
            success=_("The misuse annotation has been lifted; the record counts again."),
            redirect_to=_detail_url, refusals=(ValidationError, PermissionDenied))


class HourImportView(HoursNavMixin, ImportJobStartMixin, StaffRequiredMixin, FormView):
    """Hour slips from a file: every row checked, all or nothing, problems listed by row."""

    template_name = "operations/hours/import.html"
    module = MODULE
    subnav = "import"
    form_class = HourImportForm
    role_permission = "operations.servicerecord.change"
    start_job = staticmethod(svc.hours_import_start)
    status_url_name = "operations:hours_import_status"

    def get_context_data(self, **kwargs):
        return super().get_context_data(imports=sel.hour_imports(self.request.user), **kwargs)



class HourImportStatusView(HoursNavMixin, ImportJobStatusMixin, StaffRequiredMixin, TemplateView):
    """Progress of one's own hour-slip import (polled as JSON), then its result or every row's problems."""

    template_name = "operations/hours/import_status.html"
    module = MODULE
    subnav = "import"
    object_selector = sel.hour_import_detail
    role_permission = "operations.servicerecord.change"


class HourTemplateView(StaffRequiredMixin, View):
    role_permission = "operations.servicerecord.change"

    def get(self, request, fmt):
        if fmt not in CONTENT_TYPES:
            raise Http404
        body, content_type = svc.hours_template(fmt)
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="hour-slip-template.{fmt}"'
        return response


class VolunteerWorkingView(HoursNavMixin, StaffRequiredMixin, TemplateView):
    """A volunteer's countable hours with the working: every record, counted or not and why, the dates
    used per category; optionally for a period."""

    template_name = "operations/hours/working.html"
    module = MODULE
    object_selector = volunteer_detail
    object_name = "volunteer"
    permission = "operations.volunteer.view"
    role_permission = "operations.servicerecord.view"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = WorkingForm(self.request.GET or None)
        start = end = None
        if form.is_bound and form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        context.update(form=form, **working_context(self.request, sel.explain(self.volunteer, start=start, end=end)))
        return context


# --- The volunteer's side -----------------------------------------------------------------------------

class MyHoursView(VolunteerRequiredMixin, TemplateView):
    """My hours by year, unit and category, with the working (which records counted, which did not and
    why, and the dates used)."""

    template_name = "operations/hours/my_hours.html"
    zone_nav = "hours"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(working_context(self.request, sel.explain(self.volunteer)))
        return context
