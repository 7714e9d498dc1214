"""The filters of the statistics pages (scope node, period, service category; campaign and grouping on the
recruitment pages) and of the national export (unit, period). GET forms: a bad value is a form error shown
on the page (200), never a server error."""
from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import DATE_MAX, DATE_MIN, BoundedModelChoiceField

from ..models import Campaign, OrgNode
from ..selectors.codes import service_category_choices
from ..widgets import fast_selects
from .base import DATE

MAX_PERIOD_DAYS = 366 * 10 + 3  # ten years


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """This calendar year up to today."""
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE,
                          help_text=_("Counts of people are taken on this day."))

    def clean(self):
        data = super().clean()
        default_start, default_end = default_period()
        start, end = data.get("start"), data.get("end")
        for name, value in (("start", start), ("end", end)):
            if value is not None and not (DATE_MIN <= value <= DATE_MAX):
                self.add_error(name, _("Choose a date between %(min)s and %(max)s.")
                               % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()})
        if self.errors:
            return data
        start = start or (end.replace(month=1, day=1) if end else default_start)
        end = end or (max(start, default_end) if start.year == default_end.year else start.replace(month=12, day=31))
        if end < start:
            self.add_error("end", _("The end of the period is before its start."))
        elif (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("end", _("Choose a period of at most ten years."))
        data["start"], data["end"] = start, end
        return data


def _category_choices():
    return [("", _("All categories")), *service_category_choices()]


class StatisticsForm(PeriodForm):
    node = BoundedModelChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none(), required=False,
                                   empty_label=_("All of my part of the tree"))
    category = forms.ChoiceField(label=_("Service category"), required=False,
                                 choices=_category_choices)
    field_order = ["node", "start", "end", "category"]

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes
        fast_selects(self)


class RecruitmentForm(StatisticsForm):
    campaign = BoundedModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False,
                                       empty_label=None)
    by = forms.ChoiceField(label=_("Per"), required=False, choices=[
        ("city", _("City")), ("venue", _("Venue")), ("group", _("Service group"))])
    field_order = ["campaign", "by", "node", "start", "end"]

    def __init__(self, *args, campaigns=None, with_grouping: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["category"]  # recruitment has no service category
        if campaigns is not None:
            self.fields["campaign"].queryset = campaigns
        if not with_grouping:
            del self.fields["by"]
        fast_selects(self)


class NationalExportForm(PeriodForm):
    unit = BoundedModelChoiceField(label=_("Unit"), queryset=OrgNode.objects.none())
    field_order = ["unit", "start", "end"]

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        fast_selects(self)
