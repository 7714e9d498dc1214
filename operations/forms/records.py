"""Record book and service ID forms: a batch of volunteers, collecting, re-issuing and cancelling a book,
issuing a service ID, and the volunteer's photo."""
from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceField, BoundedModelMultipleChoiceField

from ..models import IssueKind, OrgNode, Volunteer
from .base import DATE


class BatchForm(forms.Form):
    volunteers = BoundedModelMultipleChoiceField(
        label=_("Trained volunteers without a record book"), queryset=Volunteer.objects.none(),
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, volunteers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if volunteers is not None:
            self.fields["volunteers"].queryset = volunteers


class UnitChoiceForm(forms.Form):
    unit = BoundedModelChoiceField(label=_("Unit"), queryset=OrgNode.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class CollectForm(forms.Form):
    collected_on = forms.DateField(label=_("Collected on"), widget=DATE, initial=timezone.localdate)


class ReissueForm(forms.Form):
    kind = forms.ChoiceField(label=_("Issue"), widget=forms.RadioSelect,
                             choices=[(IssueKind.RENEWAL, IssueKind.RENEWAL.label),
                                      (IssueKind.REPLACEMENT, IssueKind.REPLACEMENT.label)])


class ServiceIdForm(forms.Form):
    unit = BoundedModelChoiceField(label=_("Issuing unit"), queryset=OrgNode.objects.none())
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE, initial=timezone.localdate)
    expires_on = forms.DateField(label=_("Valid until"), widget=DATE,
                                 initial=lambda: timezone.localdate() + datetime.timedelta(days=3 * 365))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"), max_length=200,
        help_text=_("A recent upright photo of your head and shoulders, JPEG or PNG, at most 5 MB, at least "
                    "240 × 320 pixels. It is used for your record book and service ID, and never shown publicly."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}))
