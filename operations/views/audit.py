from __future__ import annotations

from django.views.generic import TemplateView
from volunteer_site.params import clean_text

from ..models import AuditEvent
from .base import BoundedRequestConfig, StaffRequiredMixin


class AuditListView(StaffRequiredMixin, TemplateView):
    template_name = "operations/audit_list.html"
    module = "system"

    role_permission = "operations.auditevent.view"

    def get_context_data(self, **kwargs):
        from ..tables.audit import AuditEventTable

        context = super().get_context_data(**kwargs)
        qs = AuditEvent.objects.visible_to(self.request.user).select_related("node")
        action = clean_text(self.request.GET.get("action"), max_length=50)
        if action:
            qs = qs.filter(action=action)
        table = AuditEventTable(qs)
        BoundedRequestConfig(self.request, paginate={"per_page": 50}).configure(table)
        context.update(table=table, action=action)
        return context
