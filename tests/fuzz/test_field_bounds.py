"""Every form and filter of ours reads ids and numbers through bounded fields, and every text field
refuses NUL: a class of 500s closed for the forms that exist and for the ones added later."""
from __future__ import annotations

import importlib
import pkgutil

import django_filters
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from volunteer_site import params

import cms
import operations


def _import_all(package):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".migrations" in module.name or ".management" in module.name:
            continue
        importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _ours(cls) -> bool:
    return cls.__module__.split(".")[0] in ("operations", "cms", "volunteer_site")


def test_every_form_field_is_bounded_and_refuses_nul():
    _import_all(operations)
    _import_all(cms)
    problems, checked = [], 0
    for form_class in {c for c in _subclasses(forms.BaseForm) if _ours(c)}:
        for name, field in getattr(form_class, "base_fields", {}).items():
            checked += 1
            where = f"{form_class.__module__}.{form_class.__name__}.{name}"
            if isinstance(field, forms.ModelMultipleChoiceField):
                if not isinstance(field, params.BoundedModelMultipleChoiceField):
                    problems.append(f"{where}: ModelMultipleChoiceField without id bounds")
            elif isinstance(field, forms.ModelChoiceField):
                if not isinstance(field, params.BoundedModelChoiceField):
                    problems.append(f"{where}: ModelChoiceField without id bounds")
            elif isinstance(field, forms.IntegerField):
                if field.max_value is None or field.max_value > params.MAX_ID or field.min_value is None:
                    problems.append(f"{where}: IntegerField without bounds")
            elif isinstance(field, forms.CharField):
                if not any(isinstance(v, ProhibitNullCharactersValidator) for v in field.validators):
                    problems.append(f"{where}: text field accepts NUL")
    assert checked > 50
    assert problems == []


def test_every_filter_is_bounded():
    _import_all(operations)
    problems, checked = [], 0
    for filterset in {c for c in _subclasses(django_filters.FilterSet) if _ours(c)}:
        for name, flt in filterset.base_filters.items():
            checked += 1
            field_class = flt.field_class
            where = f"{filterset.__name__}.{name}"
            if issubclass(field_class, forms.ModelChoiceField) and not issubclass(
                    field_class, (params.BoundedModelChoiceField, params.BoundedModelMultipleChoiceField)):
                problems.append(f"{where}: model choice without id bounds")
            if issubclass(field_class, forms.DecimalField) and not issubclass(field_class, params.BoundedIntegerField):
                problems.append(f"{where}: number without bounds")
    assert checked > 10
    assert problems == []
