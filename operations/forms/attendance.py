from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import (
    BoundedIntegerField,
)

from .base import DATETIME


class CorrectionForm(forms.Form):
    check_in_at = forms.DateTimeField(label=_("Checked in at"), widget=DATETIME, required=False)
    check_out_at = forms.DateTimeField(label=_("Checked out at"), widget=DATETIME, required=False)
    people_served = BoundedIntegerField(min_value=0, label=_("People served"), required=False)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=255)
