from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import RoleGrant
from ..roles import Role
from .base import SEARCH, FilterSet


class RoleGrantFilter(FilterSet):
    person = django_filters.CharFilter(label=_("Person"), method="filter_person",
                                       widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Name or account")}))
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, empty_label=_("All"))
    where = django_filters.CharFilter(label=_("Where"), method="filter_where",
                                      widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Organisation")}))

    class Meta:
        model = RoleGrant
        fields = ["person", "role", "where"]

    def filter_person(self, queryset, name, value):
        value = value.strip()[:150]
        if not value:
            return queryset
        return queryset.filter(Q(user__username__icontains=value) | Q(user__display_name__icontains=value)
                               | Q(user__last_name__icontains=value) | Q(user__first_name__icontains=value))

    def filter_where(self, queryset, name, value):
        value = value.strip()[:100]
        return queryset.filter(Q(node__name__icontains=value) | Q(node__name_en__icontains=value)) if value else queryset
