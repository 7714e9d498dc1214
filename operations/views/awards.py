"""Award schemes (獎勵, back-office module 7 各項申請): the schemes and their calendars, the eligible list of
a level for any scope (paginated, exportable, with the working one click away), nominating from it,
recording who received a level, the nominations, and the WMG recognitions."""
from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from volunteer_site.params import get_page

from ..exports import CONTENT_TYPES
from ..filters.hours import NominationFilter
from ..forms.hours import EligibleForm, NominateForm, ReceiptForm, RecognitionForm
from ..selectors import awards as sel
from ..selectors.hours import explain
from ..selectors.people import volunteer_detail
from ..selectors.reviews import review_history
from ..services import awards as svc
from ..tables.hours import NominationTable
from .base import SingleTableMixin, StaffRequiredMixin, client_ip, saved_by_service, scoped_or_404
from .exports import ExportMixin, table_export_response
from .hours import HoursNavMixin, working_context

MODULE = "applications"


class AwardsNavMixin(HoursNavMixin):
    subnav = "awards"


class SchemeListView(AwardsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/awards/scheme_list.html"
    module = MODULE
    role_permission = "operations.awardnomination.view"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = sel.call_year()
        context.update(year=year, schemes=[(s, s.cutoff_for(year), s.calendar_for(year)) for s in sel.scheme_list()])
        return context


class EligibleListView(AwardsNavMixin, StaffRequiredMixin, TemplateView):
    """Who reaches a level: in the user's scope or among a unit's members, for the call of a year."""

    template_name = "operations/awards/eligible_list.html"
    module = MODULE
    role_permission = "operations.awardnomination.view"
    object_selector = sel.level_detail
    object_name = "level"

    def compute(self):
        units = sel.award_units(self.request.user)
        form = EligibleForm(self.request.GET or None, units=units)
        year, unit = sel.call_year(), None
        if form.is_bound and form.is_valid():
            year = form.cleaned_data["year"] or year
            unit = form.cleaned_data["unit"]
        return form, sel.eligible_list(self.request.user, self.level, year=year, unit=unit)

    def get(self, request, *args, **kwargs):
        fmt = kwargs.get("fmt")
        if fmt is None:
            return super().get(request, *args, **kwargs)
        if fmt not in CONTENT_TYPES:
            raise Http404
        _form, found = self.compute()
        rows = found.fill(found.rows)
        headers = [_("Name"), _("Document number"), _("Countable hours"), _("Nomination"), _("Award"),
                   _("Hours counted up to")]
        values = ([r.volunteer.name, r.volunteer.masked_id, str(r.hours), r.nomination_label, str(found.level),
                   found.cutoff.isoformat()] for r in rows)
        return table_export_response(user=request.user, what="award-eligible", headers=headers, rows=values,
                                     count=len(rows), fmt=fmt, ip_address=client_ip(request),
                                     title=str(found.level))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, found = self.compute()
        page = get_page(Paginator(found.rows, 50), self.request.GET.get("page"))
        found.fill(page.object_list)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(form=form, found=found, page=page, querystring=query.urlencode(),
                       can_nominate=self.request.user.has_perm("operations.awardnomination.change"))
        return context


class _LevelVolunteerMixin:
    """Pages about one level and one volunteer (both read through the scope)."""

    def load_objects(self):
        super().load_objects()
        self.level = scoped_or_404(sel.level_detail, self.request.user, self.kwargs["pk"])
        self.volunteer = scoped_or_404(volunteer_detail, self.request.user, self.kwargs["volunteer"])

    def year(self) -> int:
        from volunteer_site.params import parse_int

        return parse_int(self.request.GET.get("year") or self.request.POST.get("year"), minimum=2001,
                         maximum=2200) or sel.call_year()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scheme = self.level.scheme
        year = self.year()
        cutoff = scheme.cutoff_for(year)
        working = explain(self.volunteer, start=scheme.counting_starts_on, end=cutoff,
                          categories=scheme.unit_categories or None)
        context.update(level=self.level, volunteer=self.volunteer, year=year, cutoff=cutoff,
                       receipts=sel.receipts_of(self.volunteer), **working_context(self.request, working))
        return context


class NominateView(_LevelVolunteerMixin, AwardsNavMixin, StaffRequiredMixin, FormView):
    """Nominate from the eligible list: the working shown, a confirmation, one nomination."""

    template_name = "operations/awards/nominate.html"
    module = MODULE
    form_class = NominateForm
    role_permission = "operations.awardnomination.change"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["units"] = sel.nominating_units(self.request.user)
        return kwargs

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.award_nominate(actor=self.request.user, level=self.level, volunteer=self.volunteer,
                                                   unit=form.cleaned_data["unit"], year=self.year()),
            success=_("The nomination has been recorded; it goes on to review."),
            redirect_to=reverse("operations:award_nominations"), refusals=(ValidationError, PermissionDenied))


class ReceiptView(_LevelVolunteerMixin, AwardsNavMixin, StaffRequiredMixin, FormView):
    """Record that a volunteer received a level (later lists leave them out)."""

    template_name = "operations/awards/receipt.html"
    module = MODULE
    form_class = ReceiptForm
    role_permission = "operations.awardnomination.change"

    def get_initial(self):
        return {"year": self.year()}

    def form_valid(self, form):
        data = form.cleaned_data
        return saved_by_service(
            self, form, lambda: svc.award_receipt_record(actor=self.request.user, level=self.level,
                                                         volunteer=self.volunteer, year=data["year"],
                                                         received_on=data["received_on"], note=data["note"]),
            success=_("The award has been recorded; the eligible lists leave this person out for this level."),
            redirect_to=reverse("operations:award_eligible", args=[self.level.pk]),
            refusals=(ValidationError, PermissionDenied))


class NominationListView(AwardsNavMixin, StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "operations/awards/nomination_list.html"
    module = MODULE
    role_permission = "operations.awardnomination.view"
    table_class = NominationTable
    filterset_class = NominationFilter
    paginate_by = 25
    export_name = "award-nominations"
    export_title = gettext_lazy("Award nominations")

    def get_queryset(self):
        return sel.nomination_list(self.request.user)


class NominationDetailView(AwardsNavMixin, StaffRequiredMixin, TemplateView):
    """A nomination: the hours as counted, where its review stands, and the review's history."""

    template_name = "operations/awards/nomination_detail.html"
    module = MODULE
    object_selector = sel.nomination_detail
    object_name = "nomination"
    permission = "operations.awardnomination.view"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review = self.nomination.review
        context.update(review=review, history=review_history(review) if review else [],
                       steps=review.chain.steps if review else (), today=timezone.localdate())
        return context


class RecognitionView(AwardsNavMixin, StaffRequiredMixin, TemplateView):
    """The WMG recognitions (DOMAIN §4.2), from data as of a cut-off date; exportable."""

    template_name = "operations/awards/recognitions.html"
    module = MODULE
    subnav = "wmg"
    role_permission = "operations.awardnomination.view"

    def compute(self):
        events = sel.event_nodes(self.request.user)
        default_event = events.filter(code__icontains="wmg").first() or events.first()
        initial = {"event": default_event, "cutoff": timezone.localdate(), "threshold": Decimal("50")}
        form = RecognitionForm(self.request.GET or None, events=events, initial=initial)
        if form.is_bound:
            if not form.is_valid():
                return form, None
            data = form.cleaned_data
        else:
            data = initial
        if data["event"] is None:
            return form, None
        return form, sel.wmg_recognitions(self.request.user, event=data["event"], cutoff=data["cutoff"],
                                          threshold=data["threshold"])

    def get(self, request, *args, **kwargs):
        fmt = kwargs.get("fmt")
        if fmt is None:
            return super().get(request, *args, **kwargs)
        if fmt not in CONTENT_TYPES:
            raise Http404
        form, found = self.compute()
        if found is None and form.is_bound:
            messages.error(request, _("The filters are not valid; nothing was exported."))
            return redirect("operations:award_recognitions")
        headers = [_("List"), _("Name"), _("Age"), _("Countable hours"), _("Data as of")]
        rows = [] if found is None else [[title, r.volunteer.name, r.age, str(r.hours), found.cutoff.isoformat()]
                                         for _key, title, items in found.sections() for r in items]
        return table_export_response(user=request.user, what="wmg-recognitions", headers=headers, rows=rows,
                                     count=len(rows), fmt=fmt, ip_address=client_ip(request),
                                     title=str(_("WMG recognitions")))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, found = self.compute()
        query = self.request.GET.copy()
        context.update(form=form, found=found, querystring=query.urlencode())
        return context

