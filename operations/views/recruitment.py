"""Back-office views of recruitment management and matching (招募媒合): thin, they parse input, call
one service or selector and render."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_filters.views import FilterView
from volunteer_site.params import clean_text, parse_id

from ..filters.recruitment import CampaignFilter, ShiftFilter
from ..forms.recruitment import (
    DEFAULT_SLOTS,
    CampaignForm,
    HeadcountForm,
    PositionForm,
    ShiftPatternForm,
    ShiftSlotFormSet,
)
from ..forms.signups import DecisionForm
from ..models import OrgKind, OrgNode, Signup, SignupStatus, Volunteer
from ..roles import TEAM_MANAGERS, UNIT_MANAGERS
from ..selectors.matching import match_candidates
from ..selectors.private_files import consents_by_volunteer
from ..selectors.recruitment import (
    campaign_detail,
    campaign_list,
    fill_rates,
    plan_choices_for,
    position_detail,
    position_list,
    shift_detail,
    shift_list,
    sort_fill_rows,
)
from ..selectors.signups import shift_signups
from ..services.recruitment import (
    ShiftSlot,
    campaign_create,
    campaign_open_errors,
    campaign_update,
    match_assign,
    position_create,
    shift_pattern_plan,
    shifts_generate,
    signups_decide_bulk,
)
from ..services.signups import shift_set_headcount, signup_cancel
from ..tables.recruitment import CampaignTable, PositionTable, ShiftTable
from .base import (
    BoundedRequestConfig,
    SingleTableMixin,
    StaffRequiredMixin,
    add_service_errors,
    client_ip,
    scoped_or_404,
)
from .exports import ExportMixin, table_export_response


class CampaignListView(StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    paginate_by = 25
    module = "recruitment"
    filterset_class = CampaignFilter
    table_class = CampaignTable
    export_name = "campaigns"
    export_title = gettext_lazy("Recruitment campaigns")
    template_name = "operations/recruitment/campaign_list.html"

    def get_queryset(self):
        return campaign_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm("operations.campaign.change")
        context["export_url"] = "operations:campaign_export"
        return context


def _unit_choices(user):
    return OrgNode.objects.visible_to(user, roles=UNIT_MANAGERS).filter(
        kind__in=[OrgKind.UNIT, OrgKind.PURPOSE_AUTHORITY, OrgKind.COMPETENT_AUTHORITY], is_active=True
    ).order_by("path")


class CampaignFormView(StaffRequiredMixin, TemplateView):
    module = "recruitment"
    template_name = "operations/recruitment/campaign_form.html"

    object_selector = campaign_detail
    object_name = "campaign"
    permission = "operations.campaign.change"

    def get_form(self, data=None):
        return CampaignForm(
            data, instance=self.campaign, editing=self.campaign is not None,
            unit_queryset=_unit_choices(self.request.user), plan_queryset=plan_choices_for(self.request.user),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", kwargs.get("form") or self.get_form())
        context["campaign"] = self.campaign
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if self.campaign is None:
                    campaign = campaign_create(actor=request.user, unit=data.pop("unit"), **data)
                else:
                    campaign = campaign_update(actor=request.user, campaign=self.campaign, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The campaign has been saved."))
                return redirect("operations:campaign_detail", pk=campaign.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CampaignDetailView(StaffRequiredMixin, TemplateView):
    module = "recruitment"
    template_name = "operations/recruitment/campaign_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaign = scoped_or_404(campaign_detail, user, kwargs["pk"])
        table = PositionTable(position_list(user, campaign), prefix="p-")
        BoundedRequestConfig(self.request, paginate={"per_page": 25}).configure(table)
        context.update(
            campaign=campaign, table=table, open_errors=campaign_open_errors(campaign=campaign),
            can_change=user.has_perm("operations.campaign.change", campaign),
            can_add_position=user.has_perm("operations.campaign.change", campaign)
            or OrgNode.objects.visible_to(user, roles=UNIT_MANAGERS).filter(kind=OrgKind.UNIT).exists(),
        )
        return context


class PositionCreateView(StaffRequiredMixin, TemplateView):
    module = "recruitment"
    template_name = "operations/recruitment/position_form.html"

    object_selector = campaign_detail
    object_name = "campaign"
    permission = "operations.campaign.change"

    def has_permission(self, user, obj):
        # the campaign's managers, or a unit manager adding a position of their unit to a city-wide campaign
        return user.has_perm("operations.campaign.change", obj) or user.has_perm("operations.position.change")

    def get_form(self, data=None):
        nodes = OrgNode.objects.visible_to(self.request.user, roles=UNIT_MANAGERS).filter(is_active=True)
        return PositionForm(
            data, venue_queryset=nodes.filter(kind=OrgKind.UNIT).order_by("path"),
            team_queryset=nodes.filter(kind__in=[OrgKind.TEAM, OrgKind.SUBTEAM]).order_by("path"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", kwargs.get("form") or self.get_form())
        context["campaign"] = self.campaign
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                position = position_create(
                    actor=request.user, campaign=self.campaign, venue=data["venue"], team=data["team"],
                    title=data["title"], title_en=data["title_en"], description=data["description"],
                    languages=data["languages"], skills=data["skills"], volunteers_needed=data["volunteers_needed"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The position has been added."))
                return redirect("operations:position_detail", pk=position.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PositionDetailView(StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    paginate_by = 25
    module = "recruitment"
    filterset_class = ShiftFilter
    table_class = ShiftTable
    export_name = "shifts"
    template_name = "operations/recruitment/position_detail.html"

    object_selector = position_detail
    object_name = "position"

    def get_queryset(self):
        return shift_list(self.request.user).filter(position=self.position)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["position"] = self.position
        context["can_change"] = self.request.user.has_perm("operations.position.change", self.position)
        return context


def _slots(formset) -> list[ShiftSlot]:
    slots = []
    for form in formset.forms:
        if form.is_blank():
            continue
        data = form.cleaned_data
        slots.append(ShiftSlot(data["name"], data["start"], data["end"], data["headcount"]))
    return slots


class ShiftGenerateView(StaffRequiredMixin, TemplateView):
    """Step 1: the pattern → a preview of every shift it makes; step 2 ("confirm") creates them all."""

    module = "recruitment"
    template_name = "operations/recruitment/shift_generate.html"

    object_selector = position_detail
    object_name = "position"
    permission = "operations.position.change"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.position.campaign
        context.setdefault("form", ShiftPatternForm(initial={"date_from": campaign.starts_on, "date_to": campaign.ends_on}))
        context.setdefault("formset", ShiftSlotFormSet(initial=DEFAULT_SLOTS, prefix="slot"))
        context["position"] = self.position
        return context

    def post(self, request, *args, **kwargs):
        form = ShiftPatternForm(request.POST)
        formset = ShiftSlotFormSet(request.POST, prefix="slot")
        context = {"form": form, "formset": formset}
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            kwargs_ = {"date_from": data["date_from"], "date_to": data["date_to"], "slots": _slots(formset),
                       "weekdays": set(data["weekdays"]) or None}
            try:
                if "confirm" in request.POST:
                    created = shifts_generate(actor=request.user, position=self.position, **kwargs_)
                    messages.success(request, _("%(n)s shifts have been created.") % {"n": len(created)})
                    return redirect("operations:position_detail", pk=self.position.pk)
                context["preview"] = shift_pattern_plan(position=self.position, **kwargs_)
                context["preview_total"] = sum(p.headcount for p in context["preview"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
        status = 200 if "preview" in context else 400
        return self.render_to_response(self.get_context_data(**context), status=status)


class ShiftDetailView(StaffRequiredMixin, TemplateView):
    module = "recruitment"
    template_name = "operations/recruitment/shift_detail.html"

    object_selector = shift_detail
    object_name = "shift"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        signups = list(shift_signups(self.shift))
        can_decide = user.has_perm("operations.signup.decide", self.shift)
        if can_decide:  # links to guardian consents (served through the same verb, views/files.py)
            consents = consents_by_volunteer(campaign_id=self.shift.position.campaign_id,
                                             volunteer_ids={s.volunteer_id for s in signups})
            for signup in signups:
                signup.consent_id = consents.get(signup.volunteer_id)
        context.update(
            shift=self.shift, signups=signups,
            headcount_form=kwargs.get("headcount_form") or HeadcountForm(initial={"headcount": self.shift.headcount}),
            decision_form=kwargs.get("decision_form") or DecisionForm(),
            can_change=user.has_perm("operations.shift.change", self.shift),
            can_decide=can_decide,
            counts={status: sum(1 for s in signups if s.status == status) for status in SignupStatus.values},
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "headcount":
            if not request.user.has_perm("operations.shift.change", self.shift):
                raise PermissionDenied
            form = HeadcountForm(request.POST)
            if form.is_valid():
                try:
                    shift_set_headcount(shift=self.shift, actor=request.user, headcount=form.cleaned_data["headcount"],
                                        surplus_to_waitlist=form.cleaned_data["surplus_to_waitlist"])
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("The headcount has been changed."))
                    return redirect("operations:shift_detail", pk=self.shift.pk)
            return self.render_to_response(self.get_context_data(headcount_form=form), status=400)
        if action in ("decide", "cancel"):
            if not request.user.has_perm("operations.signup.decide", self.shift):
                raise PermissionDenied
            form = DecisionForm(request.POST) if action == "decide" else None
            signup = Signup.objects.filter(shift=self.shift, pk=parse_id(request.POST.get("signup"))).select_related("volunteer").first()
            if signup is None:
                raise Http404
            try:
                if action == "cancel":
                    signup_cancel(signup=signup, actor=request.user, reason=clean_text(request.POST.get("reason"), max_length=255))
                    messages.success(request, _("The sign-up of %(name)s has been cancelled.") % {"name": signup.volunteer.name})
                elif form.is_valid():
                    signups_decide_bulk(actor=request.user, signups=[signup], decision=form.cleaned_data["decision"],
                                        reason=form.cleaned_data["reason"])
                    messages.success(request, _("The decision on %(name)s has been saved.") % {"name": signup.volunteer.name})
                else:
                    messages.error(request, _("Choose a decision."))
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            return redirect("operations:shift_detail", pk=self.shift.pk)
        return HttpResponse(_("Unknown action."), status=400, content_type="text/plain; charset=utf-8")


class MatchView(StaffRequiredMixin, TemplateView):
    module = "recruitment"
    template_name = "operations/recruitment/match.html"

    object_selector = shift_detail
    object_name = "shift"
    permission = "operations.signup.decide"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["shift"] = self.shift
        context["candidates"] = match_candidates(user=self.request.user, shift=self.shift) if self.shift.free_seats else []
        return context

    def post(self, request, *args, **kwargs):
        volunteer = Volunteer.objects.visible_to(request.user, roles=TEAM_MANAGERS).filter(
            pk=parse_id(request.POST.get("volunteer"))
        ).first()
        if volunteer is None:
            raise Http404
        try:
            match_assign(actor=request.user, shift=self.shift, volunteer=volunteer)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(name)s has been assigned to this shift and notified.") % {"name": volunteer.name})
        return redirect("operations:shift_match", pk=self.shift.pk)


class FillRateView(StaffRequiredMixin, TemplateView):
    """Fill rates per venue, service group and city; the page refreshes its figures every 30 s."""

    module = "recruitment"
    template_name = "operations/recruitment/fill_rates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        code = clean_text(self.request.GET.get("campaign"), max_length=50) or None
        context["campaigns"] = campaign_list(self.request.user).order_by("-starts_on")
        context["campaign_code"] = code or ""
        rates = fill_rates(user=self.request.user, campaign_code=code)
        sort = clean_text(self.request.GET.get("sort"), max_length=10) or ""
        rates["venues"] = sort_fill_rows(rates["venues"], sort)
        context.update(rates=rates, sort=sort, export_formats=("csv", "xlsx", "ods"), export_tables=[
            ("cities", _("By city")), ("groups", _("By service group")), ("venues", _("By venue")),
            ("days", _("By day"))])
        query = urlencode({k: v for k, v in (("campaign", code), ("sort", sort)) if v})
        context["query"] = query
        context["partial_url"] = reverse("operations:fill_rates_partial") + (f"?{query}" if query else "")
        return context


class FillRateExportView(FillRateView):
    """The fill-rate page's tables as a spreadsheet (`?table=cities|groups|venues|days`), recorded."""

    def get(self, request, *args, **kwargs):
        context = self.get_context_data()
        rates, table = context["rates"], request.GET.get("table", "venues")
        if table not in ("cities", "groups", "venues", "days"):
            table = "venues"
        headers, rows = fill_rate_rows(rates, table)
        return table_export_response(
            user=request.user, what=f"fill-rates-{table}", headers=headers, rows=rows, count=len(rows),
            fmt=kwargs["fmt"], ip_address=client_ip(request), title=str(_("Fill rates")))


def fill_rate_rows(rates: dict, table: str) -> tuple[list[str], list[list]]:
    """Header and rows of one fill-rate table, in the words of the page (and of the public site)."""
    english = get_language() == "en"

    def name(row, field):
        return (row.get(f"{field}_en") if english else "") or row.get(field) or ""

    seats = [str(_("Needed")), str(_("Accepted")), str(_("Fill rate"))]
    if table == "cities":
        headers = [str(_("City")), str(_("Venues")), str(_("Volunteers (people)")), str(_("Volunteers needed")), *seats]
        rows = [[c["label"], c["venues"], c["people"].signed_up, c["people"].needed, c["progress"].needed,
                 c["progress"].signed_up, f'{c["progress"].percent}%'] for c in rates["cities"]]
    elif table == "groups":
        headers = [str(_("Service group")), str(_("Venues")), *seats[:2], str(_("Full shifts")), seats[2]]
        rows = [[name(g, "position__team__name"), g["venues"], g["needed"], g["signed_up"], g["full_shifts"],
                 f'{g["progress"].percent}%'] for g in rates["groups"]]
    elif table == "days":
        headers = [str(_("Date")), str(_("Shifts")), *seats[:2], str(_("Full shifts")), seats[2]]
        rows = [[d["date"], d["shifts"], d["needed"], d["signed_up"], d["full_shifts"], f'{d["progress"].percent}%']
                for d in rates["days"]]
    else:
        headers = [str(_("Venue")), str(_("Volunteers (people)")), str(_("Volunteers needed")), *seats[:2],
                   str(_("Full shifts")), seats[2]]
        rows = [[name(v, "position__venue__name"), v["people"].signed_up, v["people"].needed, v["needed"],
                 v["signed_up"], v["full_shifts"], f'{v["progress"].percent}%'] for v in rates["venues"]]
    return headers, rows


class FillRatePartialView(FillRateView):
    def get(self, request, *args, **kwargs):
        html = render_to_string("operations/recruitment/_fill_rate_tables.html", self.get_context_data(), request=request)
        response = HttpResponse(html)
        response["Cache-Control"] = "no-store"
        return response
