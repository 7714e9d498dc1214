from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..services.privacy import DETAILS_MAX, NOTE_MAX


class DecisionForm(forms.Form):
    """Complete or refuse a personal-data request; the note is sent to the person."""

    note = forms.CharField(label=_("Note to the person"), max_length=NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Required when refusing and for corrections (say what was corrected). "
                                       "The person receives this text by e-mail."))


class StopProcessingForm(forms.Form):
    details = forms.CharField(label=_("Reason (optional)"), max_length=DETAILS_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("I understand that my coming sign-ups will be cancelled and I will not be "
                                         "matched to shifts or sent notices."))


class CorrectionForm(forms.Form):
    details = forms.CharField(label=_("Which data is wrong, and what should it be?"), max_length=DETAILS_MAX,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Your name, identity document, sex and date of birth are locked once "
                                          "verified; ask here to have them corrected."))
