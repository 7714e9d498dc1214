from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from ..selectors.audit import recent_audit_events
from ..selectors.dashboard import campaign_fill, dashboard_counts, work_queue
from ..selectors.organisations import grants_of
from .base import StaffRequiredMixin


def _link(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


class DashboardView(StaffRequiredMixin, TemplateView):
    """The back-office home: what waits for me (each figure links to the list it counts), my campaigns'
    fill, my roles, the size of my part of the organisation and, for authorities, the latest audit records."""

    template_name = "operations/dashboard.html"

    def work_items(self, queue) -> list[dict]:
        start, end = (d.isoformat() for d in queue.window)
        items = [
            ("signups_to_review", _("Sign-ups to review"),
             _link("operations:signup_review", status="applied", date_from=start)),
            ("shifts_with_free_seats", _("Shifts in the next 7 days with free seats"),
             _link("operations:attendance_list", date_from=start, date_to=end, needs="free_seats")),
            ("shifts_with_undecided", _("Shifts in the next 7 days with sign-ups to decide"),
             _link("operations:attendance_list", date_from=start, date_to=end, needs="undecided")),
            ("missing_checkouts", _("Past shifts with forgotten check-outs"),
             _link("operations:attendance_list", needs="missing_checkout")),
            ("plans_due", _("Service plans with a result report due"), _link("operations:plan_due_list")),
            ("applications_waiting", _("Unit applications waiting for review"),
             _link("operations:application_list", status="pending")),
            ("reviews_waiting", _("Reviews in my queue"), _link("operations:review_queue")),
        ]
        return [{"key": key, "label": label, "url": url, "count": getattr(queue, key)}
                for key, label, url in items if getattr(queue, key) is not None]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        queue = work_queue(user)
        context.update(
            work_items=self.work_items(queue),
            failed_imports=queue.failed_imports,
            campaigns=campaign_fill(user),
            counts=dashboard_counts(user),
            grants=grants_of(user),
        )
        if user.has_perm("operations.auditevent.view"):
            context["recent_audit"] = recent_audit_events(user, limit=8)
        return context
