from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from ..models import Role, RoleGrant, User
from .base import SEARCH, FilterSet


class ActiveSelect(forms.NullBooleanSelect):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", "---------"), ("true", _("Active")), ("false", _("Disabled")))


class FactorSelect(forms.NullBooleanSelect):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", "---------"), ("true", _("Set up")), ("false", _("Not set up")))


class StaffAccountFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=100,
                                  widget=forms.TextInput(attrs={**SEARCH,
                                                                "placeholder": _("Account, name or e-mail")}))
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, method="filter_role")
    is_active = django_filters.BooleanFilter(label=_("Active"), widget=ActiveSelect)
    has_factor = django_filters.BooleanFilter(label=_("Second factor"), widget=FactorSelect)

    class Meta:
        model = User
        fields = ["q", "role", "is_active", "has_factor"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(email__icontains=value)
                               | Q(display_name__icontains=value) | Q(last_name__icontains=value)
                               | Q(first_name__icontains=value))

    def filter_role(self, queryset, name, value):
        return queryset.filter(Exists(RoleGrant.objects.filter(user=OuterRef("pk"), role=value))) if value else queryset
