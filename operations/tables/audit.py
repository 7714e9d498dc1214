from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ..models import AuditEvent


class AuditEventTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("When"), format="Y-m-d H:i")
    actor_name = tables.Column(verbose_name=_("Who"))
    action = tables.Column(verbose_name=_("Action"))
    object_repr = tables.Column(verbose_name=_("Object"))
    node = tables.Column(verbose_name=_("Organisation"), order_by=("node__path",))
    reason = tables.Column(verbose_name=_("Reason"), orderable=False)
    ip_address = tables.Column(verbose_name=_("IP address"), orderable=False)

    class Meta:
        model = AuditEvent
        fields = ("created_at", "actor_name", "action", "object_repr", "node", "reason", "ip_address")
        order_by = ("-created_at",)
        empty_text = _("No audit records match these filters.")
        attrs = {"class": "data-table"}

    def render_node(self, value):
        return value.display_name if value else "—"

    def value_node(self, value):
        return value.display_name if value else ""
