"""Certificate forms: applying (the unit it goes through) and the public verification."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceField

from ..models import OrgNode


class ApplyForm(forms.Form):
    unit = BoundedModelChoiceField(label=_("Through the unit"), queryset=OrgNode.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("Verification number"), max_length=32,
                             help_text=_("As printed on the certificate, e.g. PC-7K2QX-M4D9R."))
