from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import (
    ApplicationStatus,
    UnitApplication,
)
from ..selectors.codes import city_choices, service_category_choices
from .base import SEARCH, FilterSet


class UnitApplicationFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search",
                                  widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Organisation or reference")}))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ApplicationStatus.choices)
    category = django_filters.ChoiceFilter(label=_("Category"), choices=service_category_choices)
    city = django_filters.ChoiceFilter(label=_("City"), choices=city_choices)

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
