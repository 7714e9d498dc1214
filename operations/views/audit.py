"""系統管理 › 稽核紀錄: the audit records of the viewer's part of the tree, filtered by person, object, action
and date, sorted, and exported (the export is itself recorded)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy
from django_filters.views import FilterView

from ..filters.audit import AuditEventFilter
from ..selectors.audit import audit_list
from ..tables.audit import AuditEventTable
from .base import SingleTableMixin, StaffRequiredMixin
from .exports import ExportMixin
from .system import SystemNavMixin


class AuditListView(SystemNavMixin, StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "operations/audit_list.html"
    role_permission = "operations.auditevent.view"
    filterset_class = AuditEventFilter
    table_class = AuditEventTable
    paginate_by = 50
    export_name = "audit-records"
    export_title = gettext_lazy("Audit records")
    export_permission = "operations.auditevent.view"

    def get_queryset(self):
        return audit_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subnav"] = "audit"
        return context
