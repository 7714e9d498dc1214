from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import ServiceRecord, Shift
from .base import DisplayColumn, TimeRangeColumn


class AttendanceShiftTable(tables.Table):
    date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d (D)")
    name = tables.Column(verbose_name=_("Shift"), linkify=lambda record: reverse("operations:attendance_shift", args=[record.pk]))
    time = TimeRangeColumn(verbose_name=_("Time"), accessor="start_time", order_by=("start_time", "end_time"))
    position = DisplayColumn(attr="display_title", verbose_name=_("Position"), order_by=("position__title",))
    venue = DisplayColumn(verbose_name=_("Venue"), accessor="position__venue", order_by=("position__venue__name",))
    accepted_count = tables.Column(verbose_name=_("Expected"))
    checked_in = tables.Column(verbose_name=_("Checked in"))
    open_checkouts = tables.Column(verbose_name=_("Not checked out"))
    no_shows = tables.Column(verbose_name=_("No-shows"))

    class Meta:
        model = Shift
        fields = ("date", "name", "time", "position", "venue", "accepted_count", "checked_in", "open_checkouts", "no_shows")
        order_by = ("date", "time")
        empty_text = _("No shifts on this day in your part of the organisation.")
        attrs = {"class": "data-table"}

    def render_name(self, record):
        return record.display_name or _("Shift")


class ServiceRecordTable(tables.Table):
    date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d")
    volunteer = DisplayColumn(attr="name", verbose_name=_("Volunteer"), order_by=("volunteer__name",))
    unit = DisplayColumn(verbose_name=_("Unit"), order_by=("unit__name",))
    category = tables.Column(verbose_name=_("Service category"))
    content = tables.Column(verbose_name=_("Service content"))
    hours = tables.Column(verbose_name=_("Hours"))
    people_served = tables.Column(verbose_name=_("People served"))
    recorded_by = tables.Column(verbose_name=_("Recorded by"), orderable=False)

    class Meta:
        model = ServiceRecord
        fields = ("date", "volunteer", "unit", "category", "content", "hours", "people_served", "recorded_by")
        order_by = ("-date",)
        empty_text = _("No service records match these filters.")
        attrs = {"class": "data-table"}
