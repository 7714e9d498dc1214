from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import (
    OrgNode,
)
from ..selectors.codes import city_choices, service_category_choices
from .base import SEARCH, FilterSet


class UnitFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search",
                                  widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Unit name or code")}))
    category = django_filters.ChoiceFilter(label=_("Category"), choices=service_category_choices)
    city = django_filters.ChoiceFilter(label=_("City"), choices=city_choices)

    class Meta:
        model = OrgNode
        fields = ["q", "category", "city"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value) | Q(code__icontains=value))
