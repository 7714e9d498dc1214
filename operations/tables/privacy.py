from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import PrivacyRequest


class PrivacyRequestTable(tables.Table):
    pk = tables.Column(verbose_name=_("No."), linkify=lambda record: reverse("operations:privacy_request_detail",
                                                                             args=[record.pk]))
    kind = tables.Column(verbose_name=_("Request"))
    status = tables.Column(verbose_name=_("Status"))
    volunteer = tables.Column(verbose_name=_("Volunteer"), order_by=("volunteer__name",))
    created_at = tables.DateTimeColumn(verbose_name=_("Requested at"), format="Y-m-d H:i")
    due_on = tables.DateColumn(verbose_name=_("Due on"), format="Y-m-d")
    decided_at = tables.DateTimeColumn(verbose_name=_("Decided at"), format="Y-m-d H:i")

    class Meta:
        model = PrivacyRequest
        fields = ("pk", "kind", "status", "volunteer", "created_at", "due_on", "decided_at")
        order_by = ("due_on",)
        empty_text = _("No personal-data requests match these filters.")
        attrs = {"class": "data-table"}

    def render_volunteer(self, value):
        return f"{value.name} ({value.masked_id})"

    def render_due_on(self, value, record):
        text = value.strftime("%Y-%m-%d")
        if record.is_pending and value < timezone.localdate():
            return _("%(day)s (overdue)") % {"day": text}
        return text

    def value_due_on(self, value):
        return value.isoformat()
