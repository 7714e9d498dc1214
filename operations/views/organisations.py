from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from volunteer_site.params import clean_text, parse_id

from ..filters.organisations import UnitFilter
from ..filters.plans import ServicePlanFilter
from ..forms.base import ReasonForm
from ..forms.organisations import OrgNodeCreateForm, OrgNodeRenameForm, OrgRootCreateForm, UnitProfileForm
from ..forms.staff import GrantForm
from ..forms.teams import TeamMoveForm
from ..models import ALLOWED_CHILDREN, Membership, OrgKind, OrgNode, RoleGrant
from ..selectors.audit import object_history
from ..selectors.organisations import (
    managed_node_detail,
    managed_tree,
    move_targets,
    node_children,
    org_tree_for,
    unit_choices_for,
    unit_detail,
)
from ..selectors.plans import plan_list
from ..services.organisations import orgnode_close, orgnode_create, orgnode_move, orgnode_update
from ..services.people import grant_create, grant_revoke, grantable_roles
from ..tables.organisations import UnitTable
from ..tables.plans import ServicePlanTable
from .base import (
    SingleTableMixin,
    StaffRequiredMixin,
    add_service_errors,
    saved_by_service,
    scoped_or_404,
)
from .exports import ExportMixin
from .files import private_file_response
from .system import SystemNavMixin


class OrgTreeView(StaffRequiredMixin, TemplateView):
    template_name = "operations/org_tree.html"
    module = "units"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        search = clean_text(self.request.GET.get("q"), max_length=100)
        nodes = org_tree_for(self.request.user, search=search)
        base_depth = min((n.depth for n in nodes), default=1)
        for node in nodes:
            node.indent = node.depth - base_depth
        deepest = max((n.depth for n in nodes), default=0)
        context.update(
            nodes=nodes, search=search, truncated=any(n.numchild and n.depth == deepest for n in nodes)
        )
        return context


class OrgNodeDetailView(StaffRequiredMixin, TemplateView):
    template_name = "operations/org_node.html"
    module = "units"

    def get_node(self):
        return scoped_or_404(OrgNode.objects.visible_to(self.request.user).get, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        node = kwargs.get("node") or self.get_node()
        can_grant = user.has_perm("operations.orgnode.manage_grants", node)
        ancestors = list(node.get_ancestors())
        context.update(
            node=node,
            ancestors=ancestors,
            visible_ancestor_ids=set(
                OrgNode.objects.visible_to(user).filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True)
            ),
            children=node_children(user, node),
            grants=RoleGrant.objects.filter(node=node).select_related("user") if can_grant else None,
            can_grant=can_grant,
            grant_form=kwargs.get("grant_form") or GrantForm(roles=grantable_roles(user, node)),
            history=object_history(node, limit=10),
        )
        return context

    def post(self, request, *args, **kwargs):
        node = self.get_node()
        if not request.user.has_perm("operations.orgnode.manage_grants", node):
            raise PermissionDenied
        if "revoke" in request.POST:
            grant = RoleGrant.objects.filter(node=node, pk=parse_id(request.POST.get("revoke"))).first()
            if grant is None:
                raise Http404
            try:
                grant_revoke(actor=request.user, grant=grant)
                messages.success(request, _("The role has been revoked."))
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(reverse("operations:org_node", args=[node.pk]))
        form = GrantForm(request.POST, roles=grantable_roles(request.user, node))
        if form.is_valid():
            try:
                grant_create(
                    actor=request.user, user=form.cleaned_data["user"], node=node, role=form.cleaned_data["role"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You do not have permission to do this here."))
            else:
                messages.success(request, _("The role has been granted."))
                return redirect(reverse("operations:org_node", args=[node.pk]))
        context = self.get_context_data(node=node, grant_form=form)
        return self.render_to_response(context, status=400)


class UnitsNavMixin:
    """The unit-data sub-navigation shows the application queue to those who review it."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["show_applications"] = self.request.user.has_perm("operations.unitapplication.view")
        return context


def _serve(field_file, download_name: str):
    return private_file_response(field_file, download_name)


class UnitDataHomeView(UnitsNavMixin, OrgTreeView):
    """The module's landing page: the organisation tree with the unit-data sub-navigation above it."""

    template_name = "operations/units/home.html"


class UnitListView(UnitsNavMixin, StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "operations/units/unit_list.html"
    module = "units"
    filterset_class = UnitFilter
    table_class = UnitTable
    paginate_by = 25
    export_name = "units"
    export_title = gettext_lazy("Units")

    def get_queryset(self):
        return unit_choices_for(self.request.user)


class UnitDetailView(UnitsNavMixin, StaffRequiredMixin, SingleTableMixin, FilterView):
    """A unit's profile and its service plans."""

    template_name = "operations/units/unit_detail.html"
    module = "units"
    filterset_class = ServicePlanFilter
    table_class = ServicePlanTable
    paginate_by = 25

    object_selector = unit_detail
    object_name = "unit"

    def get_queryset(self):
        return plan_list(self.request.user).filter(unit=self.unit)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["unit_queryset"] = OrgNode.objects.filter(pk=self.unit.pk)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            unit=self.unit,
            can_change=user.has_perm("operations.orgnode.change", self.unit),
            history=object_history(self.unit, limit=10),
        )
        return context


class UnitEditView(StaffRequiredMixin, FormView):
    template_name = "operations/units/unit_form.html"
    module = "units"
    form_class = UnitProfileForm

    object_selector = unit_detail
    object_name = "unit"
    permission = "operations.orgnode.change"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = OrgNode.objects.get(pk=self.unit.pk)  # a copy: the form writes into its instance
        return kwargs

    def form_valid(self, form):
        try:
            orgnode_update(actor=self.request.user, node=self.unit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The unit profile has been saved."))
        return redirect("operations:unit_detail", pk=self.unit.pk)


# -- 系統管理 › 組織: authorities and units created, renamed, moved and closed by authority officers and system
# administrators, within their subtree (the tree rules are the services', `services.organisations`) --

TREE_VERB = "operations.orgnode.manage_tree"
ROOT_VERB = "operations.orgnode.create_root"


class OrgTreeManageView(SystemNavMixin, StaffRequiredMixin, TemplateView):
    """The authorities and units of the user's part of the tree, indented, with their actions."""

    template_name = "operations/system/org_tree.html"
    role_permission = TREE_VERB

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        search = clean_text(self.request.GET.get("q"), max_length=100)
        nodes = managed_tree(self.request.user)
        if search:
            nodes = nodes.filter(Q(name__icontains=search) | Q(name_en__icontains=search) | Q(code__icontains=search))
        nodes = list(nodes)
        base_depth = min((n.depth for n in nodes), default=1)
        for node in nodes:
            node.indent = node.depth - base_depth
            node.may_add = node.is_active and bool(tree_child_kinds(node))
            node.may_move = node.is_active and node.kind != OrgKind.COMPETENT_AUTHORITY
        context.update(nodes=nodes, search=search, subnav="orgtree",
                       may_create_root=self.request.user.has_perm(ROOT_VERB))
        return context


def tree_child_kinds(parent: OrgNode) -> list[str]:
    """What may be created under `parent` on this page (authorities and units; teams are created by their units)."""
    return [kind for kind in (OrgKind.PURPOSE_AUTHORITY, OrgKind.UNIT) if kind in ALLOWED_CHILDREN[parent.kind]]


class _TreeNodeView(SystemNavMixin, StaffRequiredMixin, FormView):
    role_permission = TREE_VERB
    object_selector = managed_node_detail
    object_name = "node"
    permission = TREE_VERB

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subnav"] = "orgtree"
        return context

    def tree_url(self) -> str:
        return reverse("operations:org_tree_manage")


class OrgNodeCreateView(_TreeNodeView):
    """A purpose authority or a unit under an authority."""

    template_name = "operations/system/orgnode_form.html"
    form_class = OrgNodeCreateForm
    object_name = "parent"

    def load_objects(self):
        super().load_objects()
        if not tree_child_kinds(self.parent):
            raise Http404  # a unit: its teams are created on the team pages

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kinds": tree_child_kinds(self.parent)}

    def form_valid(self, form):
        return saved_by_service(
            self, form,
            lambda: orgnode_create(actor=self.request.user, parent=self.parent, **form.service_fields()),
            success=_("The organisation has been created."), redirect_to=self.tree_url(),
            refusals=(ValidationError, PermissionDenied),
        )


class OrgRootCreateView(SystemNavMixin, StaffRequiredMixin, FormView):
    """A new top-level competent authority: outside every subtree, so system administrators only (the tree rules,
    the audit record and the form sent twice deciding once are the service's, as for any node)."""

    template_name = "operations/system/orgnode_form.html"
    form_class = OrgRootCreateForm
    role_permission = ROOT_VERB

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(subnav="orgtree", new_root=True)
        return context

    def form_valid(self, form):
        return saved_by_service(
            self, form,
            lambda: orgnode_create(actor=self.request.user, parent=None, kind=OrgKind.COMPETENT_AUTHORITY,
                                   **form.cleaned_data),
            success=_("The organisation has been created."), redirect_to=reverse("operations:org_tree_manage"),
            refusals=(ValidationError, PermissionDenied),
        )


class OrgNodeRenameView(_TreeNodeView):
    template_name = "operations/system/orgnode_form.html"
    form_class = OrgNodeRenameForm

    def get_initial(self):
        return {"name": self.node.name, "name_en": self.node.name_en}

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: orgnode_update(actor=self.request.user, node=self.node, **form.cleaned_data),
            success=_("The organisation has been renamed."), redirect_to=self.tree_url(),
            refusals=(ValidationError, PermissionDenied),
        )


def _subtree_counts(node: OrgNode) -> dict:
    subtree = OrgNode.objects.filter(path__startswith=node.path).exclude(pk=node.pk)
    return {
        "units_below": subtree.filter(kind=OrgKind.UNIT, is_active=True).count(),
        "teams_below": subtree.filter(kind__in=[OrgKind.TEAM, OrgKind.SUBTEAM], is_active=True).count(),
        "open_members": Membership.objects.filter(team__path__startswith=node.path, left_on__isnull=True).count(),
        "open_children": subtree.filter(depth=node.depth + 1, is_active=True).count(),
    }


class OrgNodeMoveView(_TreeNodeView):
    """Confirmation (what moves with it) and the move."""

    template_name = "operations/system/orgnode_move.html"
    form_class = TeamMoveForm

    def load_objects(self):
        super().load_objects()
        if self.node.kind == OrgKind.COMPETENT_AUTHORITY:
            raise Http404  # the top of the tree does not move

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "parents": move_targets(self.request.user, self.node)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_subtree_counts(self.node), current_parent=self.node.get_parent())
        return context

    def form_valid(self, form):
        return saved_by_service(
            self, form,
            lambda: orgnode_move(actor=self.request.user, node=self.node, new_parent=form.cleaned_data["new_parent"]),
            success=_("The organisation has been moved."), redirect_to=self.tree_url(),
            refusals=(ValidationError, PermissionDenied),
        )


class OrgNodeCloseView(_TreeNodeView):
    """Confirmation (what closing does) and the close."""

    template_name = "operations/system/orgnode_close.html"
    form_class = ReasonForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_subtree_counts(self.node),
                       is_authority=self.node.kind in (OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY))
        return context

    def form_valid(self, form):
        return saved_by_service(
            self, form,
            lambda: orgnode_close(actor=self.request.user, node=self.node, reason=form.cleaned_data["reason"]),
            success=_("The organisation has been closed."), redirect_to=self.tree_url(),
            refusals=(ValidationError, PermissionDenied),
        )
