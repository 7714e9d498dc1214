from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedIntegerField

from ..selectors.codes import offered_city_choices_blank


class CodeValueForm(forms.Form):
    """A value of a code table; the code is given once, when the value is created."""

    code = forms.SlugField(label=_("Code"), max_length=32, help_text=_("A stable short code (letters, digits, -)."))
    name = forms.CharField(label=_("Name (Chinese)"), max_length=50)
    name_en = forms.CharField(label=_("Name (English)"), max_length=50)
    order = BoundedIntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100,
                                help_text=_("Smaller numbers come first in forms and lists."))
    is_active = forms.BooleanField(label=_("Active (offered in forms)"), required=False, initial=True)

    hosting = forms.BooleanField(label=_("Hosts World Masters Games events"), required=False,
                                 help_text=_("Shown as a host city on the venue map."))
    city = forms.ChoiceField(label=_("City"), choices=offered_city_choices_blank,
                             help_text=_("The city the district belongs to; it cannot be changed later."))

    def __init__(self, *args, creating=True, code_length=16, hosting=False, city=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not hosting:
            del self.fields["hosting"]
        if not (city and creating):  # districts: the city is given once, when the district is created
            del self.fields["city"]
        else:
            self.order_fields(["city"])
        if creating:
            self.fields["code"].max_length = code_length
            self.fields["code"].widget.attrs["maxlength"] = str(code_length)
        else:
            del self.fields["code"]
