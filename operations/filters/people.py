from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceFilter

from ..identity import normalize_id_number
from ..models import Language, Membership, OrgKind, OrgNode, Sex, Volunteer
from .base import FilterSet, NodeChoiceFilter

# Age bands of the MOHW statistics (DOMAIN.md §1.12).
AGE_BANDS = [
    ("0-11", _("Under 12")),
    ("12-17", _("12–17")),
    ("18-29", _("18–29")),
    ("30-49", _("30–49")),
    ("50-54", _("50–54")),
    ("55-64", _("55–64")),
    ("65-", _("65 and over")),
]


ID_PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")


def birth_date_range(band: str, today: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """(earliest, latest) birth date for ages in `band` on `today`."""
    low, _sep, high = band.partition("-")

    def years_ago(years: int) -> datetime.date:
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - years, day=28)

    latest = years_ago(int(low)) if low else None
    earliest = years_ago(int(high) + 1) + datetime.timedelta(days=1) if high else None
    return earliest, latest


class VolunteerFilter(FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search",
        widget=forms.TextInput(attrs={"placeholder": _("Name, phone or ID (first six characters)"), "type": "search"}),
    )
    unit = BoundedModelChoiceFilter(label=_("Unit"), queryset=OrgNode.objects.none(), method="filter_node")
    team = NodeChoiceFilter(label=_("Team"), queryset=OrgNode.objects.none(), method="filter_node")
    language = BoundedModelChoiceFilter(
        label=_("Language"), queryset=Language.objects.all(), field_name="languages"
    )
    age_band = django_filters.ChoiceFilter(label=_("Age band"), choices=AGE_BANDS, method="filter_age_band")
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=Sex.choices)

    class Meta:
        model = Volunteer
        fields = ["q", "unit", "team", "language", "age_band", "sex"]

    def __init__(self, *args, user=None, unit_queryset=None, team_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit_queryset is not None:
            self.filters["unit"].queryset = unit_queryset
        if team_queryset is not None:
            self.filters["team"].queryset = team_queryset
            # one query for the labels: the names of the units and teams above the listed teams
            steplen = OrgNode.steplen
            prefixes = {path[: depth * steplen] for path in team_queryset.values_list("path", flat=True)
                        for depth in (2, 3, 4)}
            self.form.fields["team"].names = dict(
                OrgNode.objects.filter(path__in=prefixes, kind__in=[OrgKind.UNIT, OrgKind.TEAM])
                .values_list("path", "name")
            )

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        normalized = normalize_id_number(value).rstrip("*")  # a masked ID copied from the list: A12345****
        q = Q(name__icontains=value) | Q(english_name__icontains=value)
        if ID_PREFIX_RE.match(normalized):
            # Only the visible part of a masked ID may be searched: longer input is cut to six characters,
            # so the hidden digits cannot be found by trial and error. Latin letters may also be an
            # English name ("Lin", "Mei-hua"), so names are searched as well.
            return queryset.filter(q | Q(id_number__startswith=normalized[:6]))
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 4:
            q |= Q(phone__contains=digits)
        return queryset.filter(q)

    def filter_node(self, queryset, name, node):
        if not node:
            return queryset
        members = Membership.objects.current().filter(team__path__startswith=node.path, volunteer=OuterRef("pk"))
        return queryset.filter(Exists(members))

    def filter_age_band(self, queryset, name, value):
        earliest, latest = birth_date_range(value, timezone.localdate())
        if earliest:
            queryset = queryset.filter(birth_date__gte=earliest)
        if latest:
            queryset = queryset.filter(birth_date__lte=latest)
        return queryset
