"""The district field of the forms with a city and a district (the back-office, the volunteer zone and the public
unit application): a <select> of the districts grouped by city, and a text box under it for a city or county whose
districts the list does not offer (the code table holds districts of some cities only). The choices are given by
the caller (`operations.forms.districts.district_field`, `cms.forms`), read from the districts' code table."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DistrictWidget(forms.MultiWidget):
    """The district's <select> (grouped by city) and, under it, a text box for a city whose districts the list
    does not offer. A value in the list is shown selected, any other (free text held or posted) in the box. A
    plain `district` in the posted data (an older form, a script) is read too."""

    template_name = "volunteer_site/district_widget.html"  # the box under the list, with a label of its own

    def __init__(self, choices, offered: set[str], attrs=None):
        self.offered = offered
        typed = forms.TextInput(attrs={"maxlength": "32", "class": "district-typed"})
        super().__init__([forms.Select(choices=choices), typed], attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["typed_label"] = _("District, typed (if your city is not in the list)")
        return context

    def id_for_label(self, id_):
        # the field's label names the list (MultiWidget labels nothing); the box has its own label
        return f"{id_}_0" if id_ else id_

    def decompress(self, value):
        if not value:
            return ["", ""]
        return [value, ""] if value in self.offered else ["", value]

    def value_from_datadict(self, data, files, name):
        if f"{name}_0" not in data and f"{name}_1" not in data and name in data:
            return self.decompress(data.get(name))
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


class DistrictField(forms.MultiValueField):
    """One value, the district: the one chosen in the list or, if none is chosen, the one typed."""

    def __init__(self, *, groups, max_length: int = 32, **kwargs):
        """`groups`: the districts offered, [(city label, [(Chinese name, label), …]), …]."""
        offered = {value for _label, options in groups for value, _name in options}
        fields = (forms.CharField(max_length=max_length, required=False),
                  forms.CharField(max_length=max_length, required=False))
        kwargs.setdefault("help_text", _("Choose from the list; if your city or county is not in it, type the "
                                         "district in the box below the list."))
        super().__init__(fields=fields, require_all_fields=False,
                         widget=DistrictWidget([("", "—"), *groups], offered), **kwargs)

    def compress(self, values):
        chosen, typed = ((values or []) + ["", ""])[:2]
        chosen, typed = (chosen or "").strip(), (typed or "").strip()
        if chosen and typed and chosen != typed:
            raise forms.ValidationError(_("Choose a district in the list or type one, not both."))
        return chosen or typed
