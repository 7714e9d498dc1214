from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import InsurancePolicy, OrgNode, PolicyKind, Signup
from .base import SEARCH, FilterSet, NodeChoiceFilter


class PolicyFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search",
                                  widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Insurer or policy number")}))
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=PolicyKind.choices)
    state = django_filters.ChoiceFilter(label=_("In force"), method="filter_state", choices=[
        ("current", _("In force today")), ("upcoming", _("Not yet started")), ("ended", _("Ended"))])

    class Meta:
        model = InsurancePolicy
        fields = ["q", "kind", "state"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(insurer__icontains=value) | Q(policy_number__icontains=value)) if value else queryset

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == "current":
            return queryset.filter(starts_on__lte=today, ends_on__gte=today)
        if value == "upcoming":
            return queryset.filter(starts_on__gt=today)
        return queryset.filter(ends_on__lt=today)


class InsuredForm(forms.Form):
    """The insured list's own filters: the date, a team, only those over the age cap."""

    day = forms.DateField(label=_("Insured on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    team = NodeChoiceFilter.field_class(label=_("Team"), queryset=OrgNode.objects.none(), required=False)
    over_cap = forms.BooleanField(label=_("Only those over the age cap"), required=False)

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams


class UninsuredFilter(FilterSet):
    days = django_filters.ChoiceFilter(label=_("Shifts in the next"), method="filter_days", empty_label=_("14 days"),
                                       choices=[("7", _("7 days")), ("30", _("30 days")), ("90", _("90 days"))])

    class Meta:
        model = Signup
        fields = ["days"]

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self._days = 14

    def filter_days(self, queryset, name, value):
        self._days = int(value)
        return queryset

    @property
    def qs(self):
        queryset = super().qs
        return queryset.filter(shift__date__lte=timezone.localdate() + datetime.timedelta(days=self._days))
