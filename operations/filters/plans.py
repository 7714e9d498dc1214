from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceFilter, BoundedNumberFilter

from ..models import (
    FilingStatus,
    OrgNode,
    ServicePlan,
)
from .base import SEARCH, FilterSet


class ServicePlanFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search",
                                  widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Title or reference number")}))
    unit = BoundedModelChoiceFilter(label=_("Unit"), queryset=OrgNode.objects.none(), field_name="unit")
    filing_status = django_filters.ChoiceFilter(label=_("Filing status"), choices=FilingStatus.choices)
    report = django_filters.ChoiceFilter(
        label=_("Result report"), method="filter_report",
        choices=[("overdue", _("Overdue")), ("due30", _("Due within 30 days")), ("done", _("All reports in"))],
    )
    year = BoundedNumberFilter(label=_("Active in year"), method="filter_year",
                               widget=forms.NumberInput(attrs={"min": 1990, "max": 2100}))

    class Meta:
        model = ServicePlan
        fields = ["q", "unit", "filing_status", "report", "year"]

    def __init__(self, *args, unit_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit_queryset is not None:
            self.filters["unit"].queryset = unit_queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(filing_reference__icontains=value)) if value else queryset

    def filter_report(self, queryset, name, value):
        today = timezone.localdate()
        filed = queryset.filter(filing_status=FilingStatus.FILED)
        if value == "overdue":
            return filed.filter(report_due_on__lt=today)
        if value == "due30":
            return filed.filter(report_due_on__gte=today, report_due_on__lte=today + datetime.timedelta(days=30))
        return filed.filter(report_due_on__isnull=True)

    def filter_year(self, queryset, name, value):
        if value is None:
            return queryset
        year = int(value)
        if not 1990 <= year <= 2100:
            return queryset.none()
        return queryset.filter(starts_on__lte=datetime.date(year, 12, 31), ends_on__gte=datetime.date(year, 1, 1))
