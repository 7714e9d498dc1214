"""Team management (志工運用及團隊管理): teams and sub-teams, their members and cadres. Thin views: they
fetch through the one scope (404 outside it), check the verb (403), call one service and render."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from volunteer_site.params import clean_text

from ..filters.teams import MemberFilter, TeamFilter
from ..forms.base import ReasonForm
from ..forms.teams import (
    CadreForm,
    MemberAddForm,
    MemberEndForm,
    MemberLookupForm,
    MemberMoveForm,
    TeamForm,
    TeamMoveForm,
    TeamRosterForm,
)
from ..models import Membership, OrgKind, OrgNode
from ..rules import VERB_ROLES
from ..selectors.audit import object_history
from ..selectors.organisations import (
    NODE_CHOICE_FIELDS,
    node_path_labels,
    team_choices_for,
    team_parent_detail,
    unit_choices_for,
)
from ..selectors.people import volunteer_list
from ..selectors.teams import (
    membership_detail,
    team_detail,
    team_list,
    team_members,
    team_roster_import_detail,
    team_roster_imports,
    unit_names_for,
)
from ..services.organisations import orgnode_close, orgnode_move, orgnode_update
from ..services.people import (
    LookupLimitReached,
    membership_end,
    volunteer_from_lookup_token,
    volunteer_lookup_registered,
    volunteer_lookup_token,
)
from ..services.roster_files import ROSTER_COLUMNS
from ..services.teams import (
    membership_move,
    membership_set_cadre,
    team_create,
    team_member_add,
    team_roster_import_start,
)
from ..tables.teams import MemberTable, TeamTable
from .base import ImportJobStatusMixin, SingleTableMixin, StaffRequiredMixin, add_service_errors, client_ip
from .exports import ExportMixin


def _error_text(exc) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


# --- Teams ------------------------------------------------------------------------------------------

class TeamListView(StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
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


class TeamDetailView(StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """A team: its data, its sub-teams and its members (current and former) with their actions."""

    template_name = "operations/teams/team_detail.html"
    module = "volunteers"
    filterset_class = MemberFilter
    table_class = MemberTable
    paginate_by = 50
    export_name = "team-members"
    export_title = _("Members")
    export_permission = "operations.volunteer.export"

    object_selector = team_detail
    object_name = "team"

    def get_queryset(self):
        return team_members(self.team)

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if self.kwargs.get("fmt") is None:
            table.can_change = self.request.user.has_perm("operations.membership.change", self.team)
        return table

    def prepare_export_table(self, table, queryset):
        table.team_paths = node_path_labels([self.team])
        if not self.request.user.has_perm("operations.volunteer.reveal_id", self.team):
            # phone and e-mail go out only to those who may reveal identity numbers here (unit managers)
            table.export_exclude = ("phone", "email")

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

    object_selector = team_parent_detail
    object_name = "parent"
    permission = "operations.orgnode.change"

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
    permission = "operations.orgnode.change"

    object_selector = team_detail
    object_name = "team"

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
    permission = "operations.membership.change"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["teams"] = OrgNode.objects.filter(pk=self.team.pk)
        kwargs.setdefault("initial", {})["team"] = self.team
        return kwargs

    def get_context_data(self, **kwargs):
        from ..filters.people import VolunteerFilter

        context = super().get_context_data(**kwargs)
        q = clean_text(self.request.GET.get("q"), max_length=100)
        candidates = []
        if q:
            filterset = VolunteerFilter({"q": q}, queryset=volunteer_list(self.request.user))
            candidates = list(filterset.qs.exclude(
                memberships__team=self.team, memberships__left_on__isnull=True
            ).order_by("name", "pk")[:20])
        context.update(q=q, candidates=candidates)
        context.setdefault("lookup_form", MemberLookupForm(prefix="find"))
        return context

    def form_valid(self, form):
        user = self.request.user
        volunteer = None
        if form.cleaned_data.get("lookup"):
            # somebody found by the exact identity number and date of birth (TeamMemberLookupView)
            volunteer = volunteer_from_lookup_token(actor=user, team=self.team, token=form.cleaned_data["lookup"])
            if volunteer is not None and volunteer.pk != form.cleaned_data["volunteer_id"]:
                volunteer = None
        else:
            volunteer = volunteer_list(user).filter(pk=form.cleaned_data["volunteer_id"]).first()
        if volunteer is None:
            form.add_error(None, _("Choose a volunteer from the search results."))
            return self.form_invalid(form)
        try:
            team_member_add(actor=self.request.user, volunteer=volunteer, team=self.team,
                            joined_on=form.cleaned_data["joined_on"], cadre_role=form.cleaned_data["cadre_role"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.done(_("%(name)s has joined the team.") % {"name": volunteer.name})


class TeamMemberLookupView(MemberAddView):
    """"Add a person who is already registered": the exact identity number and date of birth find one
    volunteer (recorded in the audit log); the page then asks to confirm adding them. A wrong date of birth
    gets the same answer as an unknown number."""

    def post(self, request, *args, **kwargs):
        lookup_form = MemberLookupForm(request.POST, prefix="find")
        found = None
        if lookup_form.is_valid():
            try:
                found = volunteer_lookup_registered(
                    actor=request.user, team=self.team, id_number=lookup_form.cleaned_data["id_number"],
                    birth_date=lookup_form.cleaned_data["birth_date"], ip_address=client_ip(request))
            except LookupLimitReached:
                lookup_form.add_error(None, _("You have looked up many people in the last hour. Try again later."))
            else:
                if found is None:
                    lookup_form.add_error(None, _(
                        "No registered volunteer has this identity number with this date of birth. Check both, "
                        "or register the volunteer."))
        context = self.get_context_data(lookup_form=lookup_form, found=found)
        if found is not None:
            context["lookup_token"] = volunteer_lookup_token(actor=request.user, team=self.team, volunteer=found)
            context["already_member"] = found.memberships.filter(team=self.team, left_on__isnull=True).exists()
        return self.render_to_response(context, status=200 if found is not None else 400)


class TeamRosterImportView(_TeamActionView):
    """名冊匯入: download the template, upload a roster; everybody in it joins the team, or nobody does."""

    template_name = "operations/teams/roster_import.html"
    form_class = TeamRosterForm
    permission = "operations.membership.change"

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


class TeamRosterStatusView(ImportJobStatusMixin, StaffRequiredMixin, TemplateView):
    """Progress of one's own roster import (polled as JSON), then its result or every row's problems."""

    template_name = "operations/teams/roster_status.html"
    module = "volunteers"

    object_selector = team_roster_import_detail
    permission = "operations.membership.change"

    def get_permission_object(self):
        return self.job.team

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(job=self.job, team=self.job.team,
                       more_skipped=max(self.job.skipped - len(self.job.skipped_rows), 0))
        return context


class _MembershipActionView(StaffRequiredMixin, FormView):
    module = "volunteers"

    object_selector = membership_detail
    object_name = "membership"
    permission = "operations.membership.change"

    def get_permission_object(self):
        return self.membership.team

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

