from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from volunteer_site.params import parse_id

from ..filters.people import VolunteerFilter
from ..forms.people import RevealIdForm, VolunteerForm
from ..models import OrgNode, Volunteer
from ..selectors.audit import object_history
from ..selectors.counting import CachedCountPaginator
from ..selectors.organisations import NODE_CHOICE_FIELDS, node_path_labels, team_choices_for, unit_choices_for
from ..selectors.people import volunteer_detail, volunteer_list
from ..services.people import volunteer_create, volunteer_reveal_id, volunteer_update
from .base import SingleTableMixin, StaffRequiredMixin, add_service_errors, client_ip, scoped_or_404
from .exports import volunteer_export_response


class VolunteerListView(StaffRequiredMixin, SingleTableMixin, FilterView):
    template_name = "operations/volunteer_list.html"
    module = "volunteers"
    filterset_class = VolunteerFilter
    paginate_by = 25
    paginator_class = CachedCountPaginator

    def get_paginate_by(self, queryset):
        # The table paginates (and shows the last page for a page number past the end); the list view's own
        # pagination would only add a COUNT query and answer 404 for such a page.
        return None

    def get_table_class(self):
        from ..tables.people import VolunteerTable

        return VolunteerTable

    def get_queryset(self):
        return volunteer_list(self.request.user)

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        # "unit › team › sub-team" for the teams on this page (one query)
        rows = [row.record for row in table.page.object_list] if table.page else []
        table.team_paths = node_path_labels({m.team for v in rows for m in getattr(v, "current_memberships", [])})
        return table

    # Above this many teams in scope (a city-wide officer sees 3,000) the team list only offers the teams
    # of the chosen unit: thousands of <option>s made the page slow and unusable.
    TEAM_CHOICE_LIMIT = 300

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        user, params = self.request.user, self.request.GET
        units = unit_choices_for(user).only(*NODE_CHOICE_FIELDS)
        teams = team_choices_for(user).only(*NODE_CHOICE_FIELDS)
        unit_id, team_id = params.get("unit", ""), params.get("team", "")
        unit = units.filter(pk=parse_id(unit_id)).first() if parse_id(unit_id) else None
        self.teams_need_unit = False
        if unit is not None:
            teams = teams.filter(path__startswith=unit.path)
        elif teams.count() > self.TEAM_CHOICE_LIMIT:
            self.teams_need_unit = True
            teams = teams.filter(pk=parse_id(team_id)) if parse_id(team_id) else teams.none()
        kwargs["unit_queryset"] = units
        kwargs["team_queryset"] = teams
        return kwargs

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        if getattr(self, "teams_need_unit", False):
            filterset.form.fields["team"].empty_label = _("Choose a unit first")
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm("operations.membership.change")
        context["querystring"] = self.request.GET.urlencode()
        context["can_export_full_ids"] = self.request.user.has_perm("operations.volunteer.reveal_id")
        return context


class VolunteerExportView(VolunteerListView):
    def get(self, request, *args, **kwargs):
        fmt = kwargs["fmt"]
        if not request.user.has_perm("operations.volunteer.export"):
            raise PermissionDenied
        full_ids = request.GET.get("ids") == "full"
        if full_ids and not request.user.has_perm("operations.volunteer.reveal_id"):
            raise PermissionDenied
        filterset = self.get_filterset(self.get_filterset_class())
        if filterset.is_bound and not filterset.is_valid():
            messages.error(request, _("The filters are not valid; nothing was exported."))
            return redirect("operations:volunteer_list")
        return volunteer_export_response(
            user=request.user, queryset=filterset.qs.order_by("name", "id"), fmt=fmt, ip_address=client_ip(request),
            full_ids=full_ids,
        )


class VolunteerDetailView(StaffRequiredMixin, TemplateView):
    template_name = "operations/volunteer_detail.html"
    module = "volunteers"

    def get_volunteer(self) -> Volunteer:
        return scoped_or_404(volunteer_detail, self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        volunteer = kwargs.get("volunteer") or self.get_volunteer()
        user = self.request.user
        all_memberships = list(volunteer.memberships.all())
        visible_team_ids = set(
            OrgNode.objects.visible_to(user).filter(pk__in=[m.team_id for m in all_memberships]).values_list("pk", flat=True)
        )
        # Memberships in other parts of the tree are not shown, only counted (data minimisation).
        memberships = [m for m in all_memberships if m.team_id in visible_team_ids]
        context.update(
            volunteer=volunteer,
            memberships=memberships,
            other_memberships=len(all_memberships) - len(memberships),
            can_reveal=user.has_perm("operations.volunteer.reveal_id", volunteer),
            can_change=user.has_perm("operations.volunteer.change", volunteer),
            can_members=user.has_perm("operations.membership.change"),
            reveal_form=kwargs.get("reveal_form") or RevealIdForm(),
            visible_team_ids=visible_team_ids,
            changeable_memberships={
                m.pk for m in memberships if user.has_perm("operations.membership.change", m.team)
            },
            history=object_history(volunteer),
        )
        return context

    def post(self, request, *args, **kwargs):
        volunteer = self.get_volunteer()
        if not request.user.has_perm("operations.volunteer.reveal_id", volunteer):
            raise PermissionDenied
        form = RevealIdForm(request.POST)
        revealed = None
        if form.is_valid():
            try:
                revealed = volunteer_reveal_id(
                    actor=request.user, volunteer=volunteer, reason=form.cleaned_data["reason"],
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
        context = self.get_context_data(volunteer=volunteer, reveal_form=form)
        context["revealed_id"] = revealed
        response = self.render_to_response(context, status=200 if revealed else 400)
        response["Cache-Control"] = "no-store"
        return response


class VolunteerCreateView(StaffRequiredMixin, FormView):
    template_name = "operations/volunteer_form.html"
    module = "volunteers"
    form_class = VolunteerForm

    role_permission = "operations.membership.change"

    def form_invalid(self, form):
        """An identity number that is already registered (on the website, or by another unit) gets the way
        to add that person to the team instead: the look-up by identity number and date of birth."""
        codes = {error.code for errors in form.errors.as_data().values() for error in errors}
        team = form.cleaned_data.get("team") if hasattr(form, "cleaned_data") else None
        if codes & {"duplicate", "unique", "unique_together"} and team is not None:
            url = reverse("operations:team_member_add", args=[team.pk]) + "#lookup-heading"
            return self.render_to_response(self.get_context_data(form=form, lookup_url=url))
        return super().form_invalid(form)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["team_queryset"] = team_choices_for(self.request.user).filter(is_active=True)
        return kwargs

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        team = data.pop("team")
        try:
            volunteer = volunteer_create(actor=self.request.user, team=team, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error("team", str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("The volunteer has been registered."))
        return redirect("operations:volunteer_detail", pk=volunteer.pk)


class VolunteerUpdateView(StaffRequiredMixin, FormView):
    template_name = "operations/volunteer_form.html"
    module = "volunteers"
    form_class = VolunteerForm

    object_selector = volunteer_detail
    object_name = "volunteer"
    permission = "operations.volunteer.change"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.volunteer
        return kwargs

    def get_initial(self):
        return {"id_type": self.volunteer.id_type, "id_number": self.volunteer.id_number}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # The number is never sent to the browser here: leaving the field empty keeps it.
        form.fields["id_number"].required = False
        form.fields["id_number"].help_text = _("Leave empty to keep %(masked)s.") % {"masked": self.volunteer.masked_id}
        form.initial["id_number"] = ""
        if not self.request.POST.get("id_number"):
            form.fields["id_number"].widget.attrs["placeholder"] = self.volunteer.masked_id
        return form

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        number = data.pop("id_number") or None
        id_type = data.pop("id_type")
        try:
            volunteer_update(
                actor=self.request.user, volunteer=self.volunteer, id_type=id_type,
                id_number=number if number else (self.volunteer.id_number if id_type != self.volunteer.id_type else None),
                **data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The volunteer's data has been saved."))
        return redirect("operations:volunteer_detail", pk=self.volunteer.pk)
