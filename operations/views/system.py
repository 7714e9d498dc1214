"""系統管理 (system management): the module's home lists the parts the user may use. The module shows in
the menu only to those who may use at least one part (`may_use_system`)."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .base import StaffRequiredMixin


@dataclass(frozen=True)
class SystemPart:
    label: str
    url_name: str
    permission: str
    description: str


SYSTEM_PARTS = [
    SystemPart(_("Accounts"), "operations:staff_account_list", "operations.user.view",
               _("Staff accounts in your part of the organisation: create with a role, disable, reset the "
                 "password or the second factor.")),
    SystemPart(_("Audit records"), "operations:audit_list", "operations.auditevent.view",
               _("Who logged in, revealed identity numbers, exported data or granted roles.")),
]


def system_parts_for(user) -> list[SystemPart]:
    return [part for part in SYSTEM_PARTS if user.has_perm(part.permission)]


def may_use_system(user) -> bool:
    return bool(system_parts_for(user))


class SystemHomeView(StaffRequiredMixin, TemplateView):
    template_name = "operations/system_home.html"
    module = "system"

    def has_permission(self, user, obj) -> bool:
        return may_use_system(user)

    permission = "operations.user.view"  # checked through has_permission: any part of the module

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["parts"] = system_parts_for(self.request.user)
        return context
