"""The district field of the forms with a city and a district (volunteers, the volunteer's own profile, units):
a <select> of the districts grouped by city (an <optgroup> per city, in the page's language), checked against the
chosen city (`selectors.codes.district_problem`). A city with no districts in the table keeps free text, typed in
the box under the list (`volunteer_site.district_field`); a retired district a record already holds stays offered
and free text it holds shows in the box, so that saving does not drop it."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from volunteer_site.district_field import DistrictField

from ..selectors.codes import district_choices, district_problem


def district_field(*, label, required: bool = False, disabled: bool = False, keep=()) -> DistrictField:
    """The district field of a form (offered districts in the current language; `keep`: the (city, district) a
    record already holds, offered even when retired)."""
    return DistrictField(groups=district_choices(keep=keep), label=label or _("District"), required=required,
                         disabled=disabled)


def offer_districts(form, city_field: str = "city", field: str = "district") -> None:
    """Turn the form's `field` into the grouped select with its text box (call from `__init__`)."""
    if field not in form.fields:
        return
    instance = getattr(form, "instance", None)
    held = ("", "")
    if instance is not None and instance.pk:
        held = (getattr(instance, city_field, "") or "", getattr(instance, field, "") or "")
    form.district_keep = {held} if held[1] else set()
    old = form.fields[field]
    form.fields[field] = district_field(label=old.label, required=old.required, disabled=old.disabled,
                                        keep=form.district_keep)


def clean_district(form, city_field: str = "city", field: str = "district") -> None:
    """The district must be one of the chosen city's when that city has districts (call from `clean`)."""
    data = form.cleaned_data
    if field not in data or form.fields[field].disabled:
        return
    problem = district_problem(data.get(city_field), data.get(field), keep=getattr(form, "district_keep", ()))
    if problem:
        form.add_error(field, problem)
