from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.views.generic import TemplateView
from volunteer_site.params import clean_text

from ..models import AuditEvent
from ..scoping import has_any_role
from .base import BoundedRequestConfig, StaffRequiredMixin


class AuditListView(StaffRequiredMixin, TemplateView):
    template_name = "operations/audit_list.html"
    module = "system"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_any_role(request.user, ("system_admin", "authority_officer")):
            if not request.user.is_superuser:
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

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
