from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ..models import RoleGrant
from .base import DisplayColumn


class RoleGrantTable(tables.Table):
    user = tables.Column(verbose_name=_("Person"), order_by=("user__display_name", "user__username"))
    username = tables.Column(verbose_name=_("Account"), accessor="user__username")
    role = tables.Column(verbose_name=_("Role"))
    node = DisplayColumn(verbose_name=_("Where"), order_by=("node__path",))
    granted_by = tables.Column(verbose_name=_("Granted by"), orderable=False)
    created_at = tables.DateTimeColumn(verbose_name=_("Granted at"), format="Y-m-d")

    class Meta:
        model = RoleGrant
        fields = ("user", "username", "role", "node", "granted_by", "created_at")
        order_by = ("node",)
        empty_text = _("No role grants match these filters.")
        attrs = {"class": "data-table"}
