"""The district field of the forms with a city and a district (volunteers, the volunteer's own profile, units):
a <select> of the districts grouped by city (an <optgroup> per city, in the page's language), checked against the
chosen city (`selectors.codes.district_problem`). A city with no districts in the table keeps free text; the
value a record already holds (a retired district, or free text) stays offered so that saving does not drop it."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..selectors.codes import district_choices, district_problem


def offer_districts(form, city_field: str = "city", field: str = "district") -> None:
    """Turn the form's `field` into the grouped select (call from `__init__`)."""
    if field not in form.fields:
        return
    instance = getattr(form, "instance", None)
    held = ("", "")
    if instance is not None and instance.pk:
        held = (getattr(instance, city_field, "") or "", getattr(instance, field, "") or "")
    form.district_keep = {held} if held[1] else set()
    groups = district_choices(keep=form.district_keep)
    offered = {value for _label, options in groups for value, _name in options}
    extra = []
    posted = form.data.get(form.add_prefix(field), "") if form.is_bound else ""
    for value in (held[1], posted):
        if value and value not in offered:  # free text (a city without districts), shown as it is
            extra.append((value, value))
            offered.add(value)
    old = form.fields[field]
    form.fields[field] = forms.CharField(
        label=old.label or _("District"), max_length=32, required=old.required, disabled=old.disabled,
        widget=forms.Select(choices=[("", "—"), *extra, *groups]),
    )


def clean_district(form, city_field: str = "city", field: str = "district") -> None:
    """The district must be one of the chosen city's when that city has districts (call from `clean`)."""
    data = form.cleaned_data
    if field not in data or form.fields[field].disabled:
        return
    problem = district_problem(data.get(city_field), data.get(field), keep=getattr(form, "district_keep", ()))
    if problem:
        form.add_error(field, problem)
