from __future__ import annotations

from django.views.generic import TemplateView

from ..models import AuditEvent, RoleGrant
from ..selectors.dashboard import dashboard_counts
from .base import StaffRequiredMixin


class DashboardView(StaffRequiredMixin, TemplateView):
    template_name = "operations/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["counts"] = dashboard_counts(user)
        context["grants"] = RoleGrant.objects.filter(user=user).select_related("node").order_by("node__path")
        if user.has_perm("operations.auditevent.view"):
            context["recent_audit"] = AuditEvent.objects.visible_to(user).select_related("node")[:8]
        return context
