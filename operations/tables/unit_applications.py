from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import UnitApplication


class UnitApplicationTable(tables.Table):
    reference = tables.Column(
        verbose_name=_("Reference number"),
        linkify=lambda record: reverse("operations:application_detail", args=[record.pk]),
    )
    organisation_name = tables.Column(verbose_name=_("Organisation name"))
    category = tables.Column(verbose_name=_("Category"))
    purpose_authority = tables.Column(verbose_name=_("Purpose authority"), order_by=("purpose_authority__path",),
                                      default="—")
    city = tables.Column(verbose_name=_("City"))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(verbose_name=_("Submitted at"), format="Y-m-d H:i")

    class Meta:
        model = UnitApplication
        fields = ("reference", "organisation_name", "category", "purpose_authority", "city", "status", "created_at")
        order_by = ("-created_at",)
        empty_text = _("No applications match these filters.")
        attrs = {"class": "data-table"}

    def render_purpose_authority(self, value):
        return value.display_name

    def value_purpose_authority(self, value):
        return value.display_name if value else ""

    def render_status(self, record, value):
        css = {"pending": "badge-warn", "approved": "", "rejected": "badge-danger"}.get(record.status, "")
        return format_html('<span class="badge {}">{}</span>', css, value)

    def value_status(self, record):
        return record.get_status_display()
