from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import Campaign, CampaignStatus, Shift, SignupMode
from .base import DATE, FilterSet


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
