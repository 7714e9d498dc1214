from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceFilter

from ..models import (
    CadreRole,
    Membership,
    OrgKind,
    OrgNode,
)
from .base import SEARCH, FilterSet, node_filter


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
        return node_filter(queryset, value)

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
