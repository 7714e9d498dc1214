from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceFilter

from ..models import OrgNode, ServiceRecord, Shift
from ..selectors.attendance import shifts_that_need
from .base import DATE, FilterSet


class AttendanceShiftFilter(FilterSet):
    date = django_filters.DateFilter(label=_("Date"), widget=DATE)
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DATE)
    needs = django_filters.ChoiceFilter(label=_("Needs"), method="filter_needs", choices=[
        ("free_seats", _("Free seats")),
        ("undecided", _("Sign-ups to decide")),
        ("missing_checkout", _("Forgotten check-outs")),
    ])
    venue = BoundedModelChoiceFilter(label=_("Venue"), field_name="position__venue", queryset=OrgNode.objects.none())

    class Meta:
        model = Shift
        fields = ["date", "date_from", "date_to", "venue", "needs"]

    def filter_needs(self, queryset, name, value):
        return shifts_that_need(queryset, value) if value else queryset

    def __init__(self, *args, venue_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if venue_queryset is not None:
            self.filters["venue"].queryset = venue_queryset


class ServiceRecordFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Volunteer"), field_name="volunteer__name", lookup_expr="icontains")
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DATE)

    class Meta:
        model = ServiceRecord
        fields = ["q", "date_from", "date_to"]
