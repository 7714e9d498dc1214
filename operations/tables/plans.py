from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import ServicePlan
from .base import DisplayColumn


class ServicePlanTable(tables.Table):
    title = tables.Column(verbose_name=_("Title"), linkify=lambda record: reverse("operations:plan_detail", args=[record.pk]))
    unit = DisplayColumn(verbose_name=_("Unit"), order_by=("unit__path",))
    starts_on = tables.DateColumn(verbose_name=_("Starts on"), format="Y-m-d")
    ends_on = tables.DateColumn(verbose_name=_("Ends on"), format="Y-m-d")
    filing_status = tables.Column(verbose_name=_("Filing status"))
    filing_reference = tables.Column(verbose_name=_("Filing reference number"), default="—")
    report_due_on = tables.DateColumn(verbose_name=_("Next report due on"), format="Y-m-d", default="—")

    class Meta:
        model = ServicePlan
        fields = ("title", "unit", "starts_on", "ends_on", "filing_status", "filing_reference", "report_due_on")
        order_by = ("-starts_on",)
        empty_text = _("No service plans match these filters.")
        attrs = {"class": "data-table"}

    def render_report_due_on(self, record, value):
        today = timezone.localdate()
        if record.filing_status != "filed":
            return format_html('{} <span class="muted">({})</span>', value.isoformat(), _("once filed"))
        if value < today:
            return format_html('{} <span class="badge badge-danger">{}</span>', value.isoformat(), _("Overdue"))
        if (value - today).days <= 30:
            return format_html('{} <span class="badge badge-warn">{}</span>', value.isoformat(), _("Due soon"))
        return value.isoformat()

    def value_report_due_on(self, value):
        return value
