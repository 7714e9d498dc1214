"""系統管理 (system management): the module's home lists the parts the user may use. The module shows in
the menu only to those who may use at least one part (`may_use_system`)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .base import StaffRequiredMixin


@dataclass(frozen=True)
class SystemPart:
    key: str  # the sub-navigation's `subnav` value on the part's pages
    label: str
    url_name: str
    permission: str  # a verb held somewhere ("may do this somewhere"); `predicate`, if set, decides instead
    description: str
    predicate: Callable | None = None

    def allows(self, user) -> bool:
        return self.predicate(user) if self.predicate else user.has_perm(self.permission)


def _may_use_privacy_queue(user) -> bool:
    from ..selectors.privacy import may_use_queue

    return may_use_queue(user)


# The parts of 系統管理, in menu order: the module's home and its sub-navigation are both drawn from this list.
SYSTEM_PARTS = [
    SystemPart("accounts", _("Accounts"), "operations:staff_account_list", "operations.user.view",
               _("Staff accounts in your part of the organisation: create with a role, disable, reset the "
                 "password or the second factor.")),
    SystemPart("orgtree", _("Organisations"), "operations:org_tree_manage", "operations.orgnode.manage_tree",
               _("Create, rename, move and close purpose authorities and units in your part of the tree.")),
    SystemPart("roles", _("Role matrix"), "operations:role_matrix", "operations.orgnode.view_grants",
               _("Which role may do what, and who holds which role where.")),
    SystemPart("codes", _("Code tables"), "operations:code_tables", "operations.language.change",
               _("Languages and skills offered in forms: names in both languages, order, retiring a value.")),
    SystemPart("privacy", _("Personal-data requests"), "operations:privacy_request_list",
               "operations.privacyrequest.view",
               _("Deletion, stop-processing and correction requests, with their due dates."),
               predicate=_may_use_privacy_queue),
    SystemPart("audit", _("Audit records"), "operations:audit_list", "operations.auditevent.view",
               _("Who logged in, revealed identity numbers, exported data or granted roles.")),
]


def system_parts_for(user) -> list[SystemPart]:
    return [part for part in SYSTEM_PARTS if part.allows(user)]


def may_use_system(user) -> bool:
    return bool(system_parts_for(user))


class SystemNavMixin:
    """The sub-navigation of 系統管理 on every page of the module: the parts the user may open."""

    module = "system"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["system_parts"] = system_parts_for(self.request.user)
        return context


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
