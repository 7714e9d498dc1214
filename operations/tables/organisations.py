from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import OrgNode
from .base import DisplayColumn


class UnitTable(tables.Table):
    name = DisplayColumn(own=True, verbose_name=_("Unit"), linkify=lambda record: reverse("operations:unit_detail", args=[record.pk]))
    category = tables.Column(verbose_name=_("Category"))
    registration_type = tables.Column(verbose_name=_("Registration type"))
    city = tables.Column(verbose_name=_("City"))
    contact_person = tables.Column(verbose_name=_("Contact person"), orderable=False)
    phone = tables.Column(verbose_name=_("Phone"), orderable=False)
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = OrgNode
        fields = ("name", "category", "registration_type", "city", "contact_person", "phone", "is_active")
        order_by = ("name",)
        empty_text = _("No units match these filters.")
        attrs = {"class": "data-table"}

    def render_is_active(self, value):
        return _("Active") if value else format_html('<span class="badge badge-warn">{}</span>', _("Closed"))

    def value_is_active(self, value):
        return str(_("Active") if value else _("Closed"))
