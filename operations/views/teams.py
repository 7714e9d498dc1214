"""Team management (志工運用及團隊管理): teams and sub-teams, their members and cadres. Thin views: they
fetch through the one scope (404 outside it), check the verb (403), call one service and render."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import RequestConfig
from volunteer_site.params import clean_text

from ..exports import table_export_response
from ..filters_people import MemberFilter, TeamFilter
from ..forms_people import (
    CadreForm,
    MemberAddForm,
    MemberEndForm,
    MemberMoveForm,
    ReasonForm,
    TeamForm,
    TeamMoveForm,
    TeamRosterForm,
)
from ..models import Membership, OrgKind, OrgNode, Volunteer
from ..rules import VERB_ROLES
from ..scoping import is_staff_member
from ..selectors import team_choices_for, unit_choices_for, volunteer_list
from ..selectors.audit import object_history
from ..selectors.organisations import NODE_CHOICE_FIELDS
from ..selectors.teams import (
    team_detail,
    team_list,
    team_members,
    team_roster_import_detail,
    team_roster_imports,
    unit_names_for,
)
from ..services.organisations import orgnode_close, orgnode_move, orgnode_update
from ..services.people import membership_end
from ..services.roster_files import ROSTER_COLUMNS
from ..services.teams import (
    membership_move,
    membership_set_cadre,
    team_create,
    team_member_add,
    team_roster_import_start,
)
from ..tables_people import MemberTable, TeamTable
from .base import SingleTableMixin, StaffRequiredMixin, add_service_errors, client_ip, scoped_or_404


def _error_text(exc) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


class ExportableListMixin:
    """A FilterView + SingleTableMixin list that streams its filtered rows when the URL carries `fmt`."""

    export_name = ""
    export_title = ""
    export_perm = "operations.orgnode.view"

    def get(self, request, *args, **kwargs):
        fmt = kwargs.get("fmt")
        if fmt is None:
            return super().get(request, *args, **kwargs)
        if not request.user.has_perm(self.export_perm):
            raise PermissionDenied
        filterset = self.get_filterset(self.get_filterset_class())
        if filterset.is_bound and not filterset.is_valid():
            messages.error(request, _("The filters are not valid; nothing was exported."))
            return redirect(request.path.rsplit("/", 1)[0] + "/")
        queryset = filterset.qs
        table = self.get_table_class()(queryset)
        RequestConfig(request, paginate=False).configure(table)
        self.prepare_export_table(table, queryset)
        values = table.as_values()
        headers = [str(h) for h in next(values)]
        return table_export_response(
            user=request.user, what=self.export_name, headers=headers, rows=values, count=queryset.count(),
            fmt=fmt, ip_address=client_ip(request), title=str(self.export_title),
        )

    def prepare_export_table(self, table, queryset):
        """Hook: fill what the table needs for all rows (the screen fills it per page)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        return context


# --- Teams ------------------------------------------------------------------------------------------

class TeamListView(StaffRequiredMixin, ExportableListMixin, SingleTableMixin, FilterView):
    template_name = "operations/teams/team_list.html"
    module = "volunteers"
    filterset_class = TeamFilter
    table_class = TeamTable
    paginate_by = 25
    export_name = "teams"
    export_title = _("Teams")

    def get_queryset(self):
        return team_list(self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["unit_queryset"] = unit_choices_for(self.request.user).only(*NODE_CHOICE_FIELDS)
        return kwargs

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        # one query for the "belongs to" labels of the rows on this page
        table.names = unit_names_for([row.record for row in table.page.object_list] if table.page else [])
        return table

    def prepare_export_table(self, table, queryset):
        table.names = unit_names_for(list(queryset.only("path", "depth")))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # the units where the user may create teams (orgnode.change), one query
        roles = VERB_ROLES["operations.orgnode.change"]
        context["units"] = OrgNode.objects.visible_to(self.request.user, roles=roles).filter(
            kind=OrgKind.UNIT, is_active=True).order_by("path")[:300]
        return context


def _team_or_404(user, pk) -> OrgNode:
    return scoped_or_404(team_detail, user, pk)


def _node_or_404(user, pk) -> OrgNode:
    return scoped_or_404(OrgNode.objects.visible_to(user).get, pk=pk)


class TeamDetailView(StaffRequiredMixin, ExportableListMixin, SingleTableMixin, FilterView):
    """A team: its data, its sub-teams and its members (current and former) with their actions."""

    template_name = "operations/teams/team_detail.html"
    module = "volunteers"
    filterset_class = MemberFilter
    table_class = MemberTable
    paginate_by = 50
    export_name = "team-members"
    export_title = _("Members")
    export_perm = "operations.volunteer.export"

    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user):
            self.team = _team_or_404(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return team_members(self.team)

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if self.kwargs.get("fmt") is None:
            table.can_change = self.request.user.has_perm("operations.membership.change", self.team)
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        team = self.team
        context.update(
            team=team,
            ancestors=list(team.get_ancestors()),
            subteams=team_list(user).filter(path__startswith=team.path, depth=team.depth + 1).order_by("path"),
            can_change=user.has_perm("operations.orgnode.change", team),
            can_members=user.has_perm("operations.membership.change", team),
            history=object_history(team, limit=10),
        )
        return context


class TeamCreateView(StaffRequiredMixin, FormView):
    template_name = "operations/teams/team_form.html"
    module = "volunteers"
    form_class = TeamForm

    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user):
            self.parent = _node_or_404(request.user, kwargs["pk"])
            if self.parent.kind not in (OrgKind.UNIT, OrgKind.TEAM):
                raise Http404
            if not request.user.has_perm("operations.orgnode.change", self.parent):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(parent=self.parent, creating=True)
        return context

    def form_valid(self, form):
        try:
            team = team_create(actor=self.request.user, parent=self.parent, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s has been created.") % {"name": team.display_name})
        return redirect("operations:team_detail", pk=team.pk)


class _TeamActionView(StaffRequiredMixin, FormView):
    module = "volunteers"
    perm = "operations.orgnode.change"

    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user):
            self.team = _team_or_404(request.user, kwargs["pk"])
            if not request.user.has_perm(self.perm, self.team):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["team"] = self.team
        return context

    def done(self, message):
        messages.success(self.request, message)
        return redirect("operations:team_detail", pk=self.team.pk)


class TeamEditView(_TeamActionView):
    template_name = "operations/teams/team_form.html"
    form_class = TeamForm

    def get_initial(self):
        return {"name": self.team.name, "name_en": self.team.name_en, "description": self.team.description}

    def form_valid(self, form):
        try:
            orgnode_update(actor=self.request.user, node=self.team, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.done(_("The team has been saved."))


class TeamMoveView(_TeamActionView):
    template_name = "operations/teams/team_move.html"
    form_class = TeamMoveForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        unit = self.team.unit_ancestor()
        if self.team.kind == OrgKind.TEAM:
            # a team stays in its unit in this screen; the service also refuses other units for sub-teams
            parents = OrgNode.objects.visible_to(self.request.user).filter(kind=OrgKind.UNIT, is_active=True)
        else:
            parents = team_choices_for(self.request.user).filter(
                kind=OrgKind.TEAM, is_active=True, path__startswith=unit.path if unit else self.team.path
            )
        kwargs["parents"] = parents.exclude(pk=self.team.get_parent().pk).order_by("path")
        return kwargs

    def form_valid(self, form):
        try:
            orgnode_move(actor=self.request.user, node=self.team, new_parent=form.cleaned_data["new_parent"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied:
            form.add_error("new_parent", _("You do not have permission to do this here."))
            return self.form_invalid(form)
        return self.done(_("The team has been moved."))


class TeamCloseView(_TeamActionView):
    """Confirmation page (what closing does, how many members it ends) and the close itself."""

    template_name = "operations/teams/team_close.html"
    form_class = ReasonForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subtree = OrgNode.objects.filter(path__startswith=self.team.path)
        context.update(
            open_members=Membership.objects.filter(team__in=subtree, left_on__isnull=True).count(),
            subteam_count=subtree.count() - 1,
        )
        return context

    def form_valid(self, form):
        if not self.team.is_active:
            form.add_error(None, _("This team is already closed."))
            return self.form_invalid(form)
        try:
            orgnode_close(actor=self.request.user, node=self.team, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.done(_("The team has been closed; its members' memberships ended today."))


# --- Members ------------------------------------------------------------------------------------------

class MemberAddView(_TeamActionView):
    """Find a volunteer in scope by name, phone or ID prefix and add them with a date and cadre role."""

    template_name = "operations/teams/member_add.html"
    form_class = MemberAddForm
    perm = "operations.membership.change"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["teams"] = OrgNode.objects.filter(pk=self.team.pk)
        kwargs.setdefault("initial", {})["team"] = self.team
        return kwargs

    def get_context_data(self, **kwargs):
        from ..filters import VolunteerFilter

        context = super().get_context_data(**kwargs)
        q = clean_text(self.request.GET.get("q"), max_length=100)
        candidates = []
        if q:
            filterset = VolunteerFilter({"q": q}, queryset=volunteer_list(self.request.user))
            candidates = list(filterset.qs.exclude(
                memberships__team=self.team, memberships__left_on__isnull=True
            ).order_by("name", "pk")[:20])
        context.update(q=q, candidates=candidates)
        return context

    def form_valid(self, form):
        try:
            volunteer = volunteer_list(self.request.user).get(pk=form.cleaned_data["volunteer_id"])
        except Volunteer.DoesNotExist:
            form.add_error(None, _("Choose a volunteer from the search results."))
            return self.form_invalid(form)
        try:
            team_member_add(actor=self.request.user, volunteer=volunteer, team=self.team,
                            joined_on=form.cleaned_data["joined_on"], cadre_role=form.cleaned_data["cadre_role"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.done(_("%(name)s has joined the team.") % {"name": volunteer.name})


class TeamRosterImportView(_TeamActionView):
    """名冊匯入: download the template, upload a roster; everybody in it joins the team, or nobody does."""

    template_name = "operations/teams/roster_import.html"
    form_class = TeamRosterForm
    perm = "operations.membership.change"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(columns=ROSTER_COLUMNS, max_rows=f'{settings.VOLUNTEER_ACCOUNTS["ROSTER_MAX_ROWS"]:,}',
                       imports=team_roster_imports(self.request.user, self.team))
        return context

    def form_valid(self, form):
        try:
            job = team_roster_import_start(
                actor=self.request.user, team=self.team, file=form.cleaned_data["file"],
                joined_on=form.cleaned_data["joined_on"], reason=form.cleaned_data["reason"],
                language=get_language(),
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
            return self.form_invalid(form)
        return redirect("operations:team_roster_status", pk=job.pk)


class TeamRosterStatusView(StaffRequiredMixin, TemplateView):
    """Progress of one's own roster import (polled as JSON), then its result or every row's problems."""

    template_name = "operations/teams/roster_status.html"
    module = "volunteers"

    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user):
            self.job = scoped_or_404(team_roster_import_detail, request.user, kwargs["pk"])
            if not request.user.has_perm("operations.membership.change", self.job.team):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        job = self.job
        if request.GET.get("format") == "json":
            return JsonResponse({"status": job.status, "percent": job.percent, "processed": job.processed_rows,
                                 "total": job.total_rows, "finished": job.finished_at is not None})
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(job=self.job, team=self.job.team,
                       more_skipped=max(self.job.skipped - len(self.job.skipped_rows), 0))
        return context


class _MembershipActionView(StaffRequiredMixin, FormView):
    module = "volunteers"

    def dispatch(self, request, *args, **kwargs):
        if is_staff_member(request.user):
            self.membership = scoped_or_404(
                Membership.objects.visible_to(request.user).select_related("team", "volunteer").get, pk=kwargs["pk"])
            if not request.user.has_perm("operations.membership.change", self.membership.team):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(membership=self.membership, team=self.membership.team, volunteer=self.membership.volunteer,
                       next=self.request.POST.get("next") or self.request.GET.get("next", ""))
        return context

    def back(self):
        target = self.request.POST.get("next") or ""
        if target == "volunteer":
            return redirect("operations:volunteer_detail", pk=self.membership.volunteer_id)
        return redirect("operations:team_detail", pk=self.membership.team_id)


class MembershipMoveView(_MembershipActionView):
    template_name = "operations/teams/member_move.html"
    title = gettext_lazy("Move a member")
    form_class = MemberMoveForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["teams"] = team_choices_for(self.request.user).filter(is_active=True).exclude(pk=self.membership.team_id)
        return kwargs

    def form_valid(self, form):
        try:
            membership_move(actor=self.request.user, membership=self.membership, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error("to_team", _error_text(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s has moved to %(team)s.") % {
            "name": self.membership.volunteer.name, "team": form.cleaned_data["to_team"].display_name})
        return self.back()


class MembershipEndView(_MembershipActionView):
    template_name = "operations/teams/member_end.html"
    title = gettext_lazy("Remove from the team")
    form_class = MemberEndForm

    def form_valid(self, form):
        try:
            membership_end(actor=self.request.user, membership=self.membership,
                           left_on=form.cleaned_data["left_on"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s has left the team; the membership is kept in the history.")
                         % {"name": self.membership.volunteer.name})
        return self.back()


class MembershipCadreView(_MembershipActionView):
    template_name = "operations/teams/member_cadre.html"
    title = gettext_lazy("Cadre role")
    form_class = CadreForm

    def get_initial(self):
        return {"cadre_role": self.membership.cadre_role}

    def form_valid(self, form):
        try:
            membership_set_cadre(actor=self.request.user, membership=self.membership,
                                 cadre_role=form.cleaned_data["cadre_role"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The cadre role has been saved."))
        return self.back()

