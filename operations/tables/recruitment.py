from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Campaign, Position, Shift
from .base import DisplayColumn, TimeRangeColumn


class CampaignTable(tables.Table):
    title = DisplayColumn(attr="display_title", own=True, verbose_name=_("Title"), linkify=lambda record: reverse("operations:campaign_detail", args=[record.pk]))
    unit = DisplayColumn(verbose_name=_("Organiser"), order_by=("unit__name",))
    service_plan = tables.Column(verbose_name=_("Service plan"), order_by=("service_plan__title",))
    status = tables.Column(verbose_name=_("Status"))
    signup_mode = tables.Column(verbose_name=_("Sign-up mode"))
    starts_on = tables.DateColumn(verbose_name=_("Service starts on"), format="Y-m-d")
    ends_on = tables.DateColumn(verbose_name=_("Service ends on"), format="Y-m-d")
    position_count = tables.Column(verbose_name=_("Positions"))

    class Meta:
        model = Campaign
        fields = ("title", "unit", "service_plan", "status", "signup_mode", "starts_on", "ends_on", "position_count")
        order_by = ("-starts_on",)
        empty_text = _("No campaigns match these filters.")
        attrs = {"class": "data-table"}

    def render_service_plan(self, value):
        return format_html("{} <small>({})</small>", value.title, value.get_filing_status_display())

    def value_service_plan(self, value):
        return f"{value.title} ({value.get_filing_status_display()})"


class PositionTable(tables.Table):
    title = DisplayColumn(attr="display_title", own=True, verbose_name=_("Position"), linkify=lambda record: reverse("operations:position_detail", args=[record.pk]))
    venue = DisplayColumn(verbose_name=_("Venue"), order_by=("venue__name",))
    team = DisplayColumn(verbose_name=_("Service group"), order_by=("team__name",))
    shift_count = tables.Column(verbose_name=_("Shifts"))
    needed = tables.Column(verbose_name=_("Needed"), default=0)
    signed_up = tables.Column(verbose_name=_("Accepted"), default=0)

    class Meta:
        model = Position
        fields = ("title", "venue", "team", "shift_count", "needed", "signed_up")
        order_by = ("title",)
        empty_text = _("No positions yet.")
        attrs = {"class": "data-table"}


class ShiftTable(tables.Table):
    date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d (D)",
                             linkify=lambda record: reverse("operations:shift_detail", args=[record.pk]))
    name = tables.Column(verbose_name=_("Shift"))
    time = TimeRangeColumn(verbose_name=_("Time"), accessor="start_time", order_by=("start_time", "end_time"))
    position = DisplayColumn(attr="display_title", verbose_name=_("Position"), order_by=("position__title",))
    venue = DisplayColumn(verbose_name=_("Venue"), accessor="position__venue", order_by=("position__venue__name",))
    headcount = tables.Column(verbose_name=_("Headcount"))
    accepted_count = tables.Column(verbose_name=_("Accepted"))
    applied = tables.Column(verbose_name=_("Awaiting review"))
    waitlisted = tables.Column(verbose_name=_("Waitlisted"))
    free = tables.Column(verbose_name=_("Free seats"), accessor="pk", orderable=False)

    class Meta:
        model = Shift
        fields = ("date", "name", "time", "position", "venue", "headcount", "accepted_count", "applied", "waitlisted", "free")
        order_by = ("date", "time")
        empty_text = _("No shifts yet. Generate them from a pattern.")
        attrs = {"class": "data-table"}

    def render_free(self, record):
        return record.free_seats

    def value_free(self, record):
        return record.free_seats
