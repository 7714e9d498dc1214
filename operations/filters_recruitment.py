"""Filters of recruitment management and attendance (django-filter)."""
from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceFilter

from .filters import FilterSet
from .models import Campaign, CampaignStatus, OrgNode, ServiceRecord, Shift, Signup, SignupMode, SignupStatus

DATE = forms.DateInput(attrs={"type": "date"})


class CampaignFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", widget=forms.TextInput(attrs={"type": "search"}))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CampaignStatus.choices)
    signup_mode = django_filters.ChoiceFilter(label=_("Sign-up mode"), choices=SignupMode.choices)

    class Meta:
        model = Campaign
        fields = ["q", "status", "signup_mode"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(title_en__icontains=value) | Q(code__icontains=value))


class ShiftFilter(FilterSet):
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DATE)
    name = django_filters.CharFilter(label=_("Shift name"), lookup_expr="icontains")
    free = django_filters.BooleanFilter(label=_("With free seats"), method="filter_free",
                                        widget=forms.CheckboxInput)

    class Meta:
        model = Shift
        fields = ["date_from", "date_to", "name", "free"]

    def filter_free(self, queryset, name, value):
        from django.db.models import F

        return queryset.filter(accepted_count__lt=F("headcount")) if value else queryset


class SignupFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Volunteer"), field_name="volunteer__name", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SignupStatus.choices)
    campaign = BoundedModelChoiceFilter(label=_("Campaign"), field_name="shift__position__campaign",
                                                queryset=Campaign.objects.none())
    reviewed_only = django_filters.BooleanFilter(label=_("Reviewed campaigns only"), method="filter_reviewed",
                                                 widget=forms.CheckboxInput)
    date_from = django_filters.DateFilter(label=_("From"), field_name="shift__date", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("To"), field_name="shift__date", lookup_expr="lte", widget=DATE)

    class Meta:
        model = Signup
        fields = ["q", "status", "campaign", "reviewed_only", "date_from", "date_to"]

    def __init__(self, *args, campaign_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if campaign_queryset is not None:
            self.filters["campaign"].queryset = campaign_queryset

    def filter_reviewed(self, queryset, name, value):
        return queryset.filter(shift__position__campaign__signup_mode=SignupMode.REVIEWED) if value else queryset


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
