from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import AuditAction, AuditEvent
from .base import DATE, SEARCH, FilterSet

# the kinds of object audit records are about (AuditEvent.object_type), labelled
OBJECT_TYPES = [
    ("operations.volunteer", _("Volunteer")), ("operations.orgnode", _("Organisation")),
    ("operations.rolegrant", _("Role grant")), ("operations.membership", _("Team membership")),
    ("operations.signup", _("Sign-up")), ("operations.privacyrequest", _("Personal-data request")),
    ("operations.user", _("Account")), ("operations.rosterimport", _("Roster import")),
]


class AuditEventFilter(FilterSet):
    person = django_filters.CharFilter(label=_("Person"), method="filter_person",
                                       widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Account name")}))
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditAction.choices, empty_label=_("All"))
    object_type = django_filters.ChoiceFilter(label=_("Kind of object"), choices=OBJECT_TYPES, empty_label=_("All"))
    object = django_filters.CharFilter(label=_("Object"), method="filter_object",
                                       widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Name or number")}))
    since = django_filters.DateFilter(label=_("From"), field_name="created_at", lookup_expr="date__gte", widget=DATE)
    until = django_filters.DateFilter(label=_("Until"), field_name="created_at", lookup_expr="date__lte", widget=DATE)

    class Meta:
        model = AuditEvent
        fields = ["person", "action", "object_type", "object", "since", "until"]

    def filter_person(self, queryset, name, value):
        value = value.strip()[:150]
        return queryset.filter(actor_name__icontains=value) if value else queryset

    def filter_object(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(object_repr__icontains=value) | Q(object_id=value))
