"""django-filter filter sets of the team, unit-data and unit-application lists."""
from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceFilter, BoundedNumberFilter

from .filters import FilterSet
from .models import (
    ApplicationStatus,
    CadreRole,
    City,
    FilingStatus,
    Membership,
    OrgKind,
    OrgNode,
    ServicePlan,
    UnitApplication,
    UnitCategory,
)

SEARCH = {"type": "search"}


def _node_filter(queryset, node):
    return queryset.filter(path__startswith=node.path) if node else queryset


class TeamFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search",
                                  widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Team name or code")}))
    unit = BoundedModelChoiceFilter(label=_("Unit"), queryset=OrgNode.objects.none(), method="filter_unit")
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=[(OrgKind.TEAM, OrgKind.TEAM.label), (OrgKind.SUBTEAM, OrgKind.SUBTEAM.label)]
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=[("active", _("Active")), ("closed", _("Closed"))], method="filter_status",
        empty_label=_("Active and closed"),
    )

    class Meta:
        model = OrgNode
        fields = ["q", "unit", "kind", "status"]

    def __init__(self, *args, unit_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit_queryset is not None:
            self.filters["unit"].queryset = unit_queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value) | Q(code__icontains=value))

    def filter_unit(self, queryset, name, value):
        return _node_filter(queryset, value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(is_active=(value == "active"))


class MemberFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Members"), choices=[("current", _("Current members")), ("former", _("Former members"))],
        method="filter_status", empty_label=_("Current and former"),
    )
    cadre_role = django_filters.ChoiceFilter(label=_("Cadre role"), choices=CadreRole.choices)

    class Meta:
        model = Membership
        fields = ["status", "cadre_role"]

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        current = Q(joined_on__lte=today) & (Q(left_on__isnull=True) | Q(left_on__gt=today))
        return queryset.filter(current) if value == "current" else queryset.exclude(current)


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


class UnitApplicationFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search",
                                  widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Organisation or reference")}))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ApplicationStatus.choices)
    category = django_filters.ChoiceFilter(label=_("Category"), choices=UnitCategory.choices)
    city = django_filters.ChoiceFilter(label=_("City"), choices=City.choices)

    class Meta:
        model = UnitApplication
        fields = ["q", "status", "category", "city"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(organisation_name__icontains=value) | Q(organisation_name_en__icontains=value)
            | Q(reference__icontains=value) | Q(contact_person__icontains=value)
        )


class UnitFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search",
                                  widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Unit name or code")}))
    category = django_filters.ChoiceFilter(label=_("Category"), choices=UnitCategory.choices)
    city = django_filters.ChoiceFilter(label=_("City"), choices=City.choices)

    class Meta:
        model = OrgNode
        fields = ["q", "category", "city"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value) | Q(code__icontains=value))
