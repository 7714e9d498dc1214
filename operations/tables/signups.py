from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Signup
from .base import DisplayColumn


class SignupReviewTable(tables.Table):
    select = tables.CheckBoxColumn(accessor="pk", attrs={
        "th__input": {"aria-label": _("Select all on this page"), "data-select-all": "signups"},
        "td__input": {"name": "signups", "form": "decision-form",
                      "aria-label": lambda record: _("Select %(name)s") % {"name": record.volunteer.name}},
    }, orderable=False, exclude_from_export=True)
    volunteer = DisplayColumn(attr="name", verbose_name=_("Volunteer"), order_by=("volunteer__name",))
    date = tables.Column(verbose_name=_("Date"), accessor="shift__date",
                         linkify=lambda record: reverse("operations:shift_detail", args=[record.shift_id]))
    shift = tables.Column(verbose_name=_("Shift"), accessor="shift", order_by=("shift__date", "shift__start_time"))
    position = DisplayColumn(attr="display_title", verbose_name=_("Position"), accessor="shift__position", order_by=("shift__position__title",))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(verbose_name=_("Signed up at"), format="Y-m-d H:i")
    decision_reason = tables.Column(verbose_name=_("Reason"), orderable=False)

    class Meta:
        model = Signup
        fields = ("select", "volunteer", "date", "shift", "position", "status", "created_at", "decision_reason")
        order_by = ("created_at",)
        empty_text = _("No sign-ups match these filters.")
        attrs = {"class": "data-table"}

    def render_shift(self, value):
        return f"{value.display_name} {value.start_time:%H:%M}–{value.end_time:%H:%M}"

    def value_shift(self, value):
        return f"{value.display_name} {value.start_time:%H:%M}–{value.end_time:%H:%M}"

    def render_status(self, record):
        return format_html('<span class="status status-{}">{}</span>', record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()
