from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceFilter

from ..models import Campaign, Signup, SignupMode, SignupStatus
from .base import DATE, FilterSet


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
