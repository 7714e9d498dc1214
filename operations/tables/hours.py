from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import AwardNomination, ServiceRecord
from .base import DisplayColumn


class HourRecordTable(tables.Table):
    date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d",
                             linkify=lambda record: reverse("operations:hours_detail", args=[record.pk]))
    volunteer = tables.Column(verbose_name=_("Volunteer"), accessor="volunteer__name", order_by=("volunteer__name",),
                              linkify=lambda record: reverse("operations:hours_working", args=[record.volunteer_id]))
    unit = DisplayColumn(verbose_name=_("Unit"), order_by=("unit__path",))
    category = tables.Column(verbose_name=_("Service category"), default="—")
    content = tables.Column(verbose_name=_("Service content"))
    hours = tables.Column(verbose_name=_("Hours"))
    people_served = tables.Column(verbose_name=_("People served"))
    source = tables.Column(verbose_name=_("Source"))
    misuse_note = tables.Column(verbose_name=_("Misuse annotation"), default="—")

    class Meta:
        model = ServiceRecord
        fields = ("date", "volunteer", "unit", "category", "content", "hours", "people_served", "source",
                  "misuse_note")
        order_by = ("-date",)
        empty_text = _("No service records match these filters.")
        attrs = {"class": "data-table"}


class NominationTable(tables.Table):
    volunteer = tables.Column(verbose_name=_("Volunteer"), accessor="volunteer__name", order_by=("volunteer__name",),
                              linkify=lambda record: reverse("operations:hours_working", args=[record.volunteer_id]))
    level = tables.Column(verbose_name=_("Award"), order_by=("level__scheme__code", "level__rank"),
                          linkify=lambda record: reverse("operations:award_nomination_detail", args=[record.pk]))
    year = tables.Column(verbose_name=_("Year"))
    hours = tables.Column(verbose_name=_("Countable hours"))
    cutoff = tables.DateColumn(verbose_name=_("Hours counted up to"), format="Y-m-d")
    unit = DisplayColumn(verbose_name=_("Nominated by"), order_by=("unit__path",))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(verbose_name=_("Nominated at"), format="Y-m-d H:i")

    class Meta:
        model = AwardNomination
        fields = ("volunteer", "level", "year", "hours", "cutoff", "unit", "status", "created_at")
        order_by = ("-created_at",)
        empty_text = _("No nominations yet.")
        attrs = {"class": "data-table"}
