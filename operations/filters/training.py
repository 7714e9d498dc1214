from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import CertificateSource, Course, CourseKind, TrainingCertificate
from ..selectors.codes import service_category_choices
from .base import SEARCH, FilterSet


class OfferedSelect(forms.NullBooleanSelect):
    """Either state or both; Django's own labels ("Unknown") would read as if the state were unknown."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", "---------"), ("true", _("Offered")), ("false", _("No longer offered")))


class CourseFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search",
                                  widget=forms.TextInput(attrs={**SEARCH, "placeholder": _("Course title")}))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CourseKind.choices)
    category = django_filters.ChoiceFilter(label=_("Service category"), choices=service_category_choices)
    is_active = django_filters.BooleanFilter(label=_("Offered"), widget=OfferedSelect)

    class Meta:
        model = Course
        fields = ["q", "kind", "category", "is_active"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(title_en__icontains=value)) if value else queryset


class CertificateFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=100,
                                  widget=forms.TextInput(attrs={**SEARCH,
                                                                "placeholder": _("Name, course or certificate number")}))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CourseKind.choices)
    category = django_filters.ChoiceFilter(label=_("Service category"), choices=service_category_choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=CertificateSource.choices)

    class Meta:
        model = TrainingCertificate
        fields = ["q", "kind", "category", "source"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(volunteer__name__icontains=value) | Q(course_name__icontains=value)
                               | Q(number__icontains=value))
