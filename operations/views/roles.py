"""系統管理 › 角色權限: the role matrix generated from the permission table, and who holds which role where."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_filters.views import FilterView
from volunteer_site.params import clean_text

from ..filters.roles import RoleGrantFilter
from ..roles import Role
from ..selectors import roles as selectors
from ..tables.roles import RoleGrantTable
from .base import SingleTableMixin, StaffRequiredMixin, client_ip
from .exports import ExportMixin, table_export_response
from .system import SystemNavMixin

VIEW = "operations.orgnode.view_grants"


def _chosen_role(request) -> str:
    role = clean_text(request.GET.get("role"), max_length=32)
    return role if role in Role.values else ""


class RoleMatrixView(SystemNavMixin, StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """The matrix (filtered by the chosen role) and the grants of the viewer's part of the tree (filtered,
    sorted, exported)."""

    template_name = "operations/roles/matrix.html"
    role_permission = VIEW
    filterset_class = RoleGrantFilter
    table_class = RoleGrantTable
    paginate_by = 50
    export_name = "role-grants"
    export_title = gettext_lazy("Role grants")

    def get_queryset(self):
        return selectors.grant_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(matrix=selectors.role_matrix(_chosen_role(self.request)), roles=selectors.matrix_roles(),
                       subnav="roles")
        return context


class RoleMatrixExportView(StaffRequiredMixin, View):
    role_permission = VIEW

    def get(self, request, fmt):
        roles = selectors.matrix_roles()
        rows = selectors.role_matrix(_chosen_role(request))
        headers = [_("Permission"), _("Object"), _("Action"), *[str(r.label) for r in roles]]
        values = ([row.verb, row.subject, row.action, *[_("yes") if a else "" for a in row.allowed]] for row in rows)
        return table_export_response(user=request.user, what="role-matrix", headers=headers, rows=values,
                                     count=len(rows), fmt=fmt, ip_address=client_ip(request),
                                     title=_("Role matrix"))
