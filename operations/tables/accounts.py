from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from ..models import User


class StaffAccountTable(tables.Table):
    username = tables.Column(verbose_name=_("Account"),
                             linkify=lambda record: reverse("operations:staff_account_detail", args=[record.pk]))
    name = tables.Column(verbose_name=_("Name"), accessor="display_name", order_by=("last_name", "first_name"),
                         empty_values=())
    email = tables.Column(verbose_name=_("E-mail"))
    grants = tables.Column(verbose_name=_("Roles"), accessor="pk", orderable=False, empty_values=())
    has_factor = tables.BooleanColumn(verbose_name=_("Second factor"))
    last_login = tables.DateTimeColumn(verbose_name=_("Last log-in"), format="Y-m-d H:i", default="—")
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta:
        model = User
        fields = ("username", "name", "email", "grants", "has_factor", "last_login", "is_active")
        order_by = ("username",)
        empty_text = _("No accounts match these filters.")
        attrs = {"class": "data-table"}

    def render_name(self, record):
        return str(record)

    def render_grants(self, record):
        grants = list(record.grants.all())
        if not grants:
            return "—"
        return format_html_join("", "<div>{} · {}</div>",
                                ((g.get_role_display(), g.node.display_name) for g in grants))
