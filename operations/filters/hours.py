from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceFilter

from ..models import (
    AwardNomination,
    HourSource,
    NominationStatus,
    OrgKind,
    OrgNode,
    ServiceRecord,
)
from ..selectors.codes import service_category_choices
from .base import DATE, SEARCH, FilterSet


def _units(request):
    if request is None:
        return OrgNode.objects.none()
    return OrgNode.objects.visible_to(request.user).filter(kind=OrgKind.UNIT).order_by("path")


class MisuseSelect(forms.NullBooleanSelect):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", "---------"), ("true", _("Annotated as misuse")), ("false", _("Not annotated")))


class HourRecordFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Volunteer"), field_name="volunteer__name", lookup_expr="icontains",
                                  max_length=100, widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Name")}))
    unit = BoundedModelChoiceFilter(label=_("Unit"), queryset=_units, method="filter_unit")
    category = django_filters.ChoiceFilter(label=_("Service category"), choices=service_category_choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=HourSource.choices)
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DATE)
    misuse = django_filters.BooleanFilter(label=_("Misuse"), field_name="misuse_at", lookup_expr="isnull",
                                          exclude=True, widget=MisuseSelect)

    class Meta:
        model = ServiceRecord
        fields = ["q", "unit", "category", "source", "date_from", "date_to", "misuse"]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path) if value else queryset


class NominationFilter(FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=NominationStatus.choices)

    class Meta:
        model = AwardNomination
        fields = ["status"]
