from __future__ import annotations

import django_filters
from django import forms
from volunteer_site.params import BoundedModelChoiceField

from ..models import (
    OrgNode,
)
from ..widgets import fast_selects


class NodeChoiceField(BoundedModelChoiceField):
    """Organisation choices labelled with their place in the tree ("臺北大巨蛋 › 競賽組 › 早班小隊"), so
    that the many teams called 行政組 can be told apart. `names` maps path → name for the labels."""

    names: dict[str, str] = {}

    def label_from_instance(self, obj):
        steplen = OrgNode.steplen
        parts = [self.names.get(obj.path[:depth * steplen]) for depth in range(2, obj.depth)]
        return " › ".join([p for p in parts if p] + [obj.display_name])


class NodeChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = NodeChoiceField


class FilterSet(django_filters.FilterSet):
    """The back-office FilterSet: its <select> fields are written in Python (see widgets.FastSelect)."""

    @property
    def form(self):
        if not hasattr(self, "_form"):
            fast_selects(super().form)
        return self._form


SEARCH = {"type": "search"}


def node_filter(queryset, node):
    return queryset.filter(path__startswith=node.path) if node else queryset


DATE = forms.DateInput(attrs={"type": "date"})
