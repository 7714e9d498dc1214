from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceFilter

from ..models import OrgNode, ServiceRecord, Shift
from .base import DATE, FilterSet


class AttendanceShiftFilter(FilterSet):
    date = django_filters.DateFilter(label=_("Date"), widget=DATE)
    venue = BoundedModelChoiceFilter(label=_("Venue"), field_name="position__venue", queryset=OrgNode.objects.none())

    class Meta:
        model = Shift
        fields = ["date", "venue"]

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
