from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ..models import PrivacyRequest, PrivacyRequestKind, PrivacyRequestStatus
from .base import FilterSet


class PrivacyRequestFilter(FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PrivacyRequestStatus.choices,
                                         empty_label=_("All"))
    kind = django_filters.ChoiceFilter(label=_("Request"), choices=PrivacyRequestKind.choices, empty_label=_("All"))

    class Meta:
        model = PrivacyRequest
        fields = ["status", "kind"]
