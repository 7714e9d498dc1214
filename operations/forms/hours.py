"""Forms of the service-hours screens (staff entry, correction, misuse annotation, hour-slip import) and of
the award screens (eligible list parameters, receipt, WMG recognitions)."""
from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedIntegerField, BoundedModelChoiceField

from ..identity import normalize_id_number
from ..models import MAX_HOURS_PER_DAY, OrgNode
from ..selectors.codes import offered_service_category_choices, service_category_choices
from .base import DATE, SpreadsheetImportForm

HOURS_HELP = _("Actual service time, travel to and from excluded; in steps of 0.5, at most 24.")



def _category_or_units():
    return [("", _("The unit's category")), *offered_service_category_choices()]

class HoursField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Hours"))
        kwargs.setdefault("help_text", HOURS_HELP)
        super().__init__(min_value=0.5, max_value=MAX_HOURS_PER_DAY, max_digits=4, decimal_places=1,
                         widget=forms.NumberInput(attrs={"step": "0.5"}), **kwargs)


def _date_bounds(value: datetime.date) -> datetime.date:
    if value > timezone.localdate():
        raise forms.ValidationError(_("The service date cannot be in the future."))
    if value.year < 2001:
        raise forms.ValidationError(_("The service date must be from 2001."))
    return value


class HourRecordForm(forms.Form):
    id_number = forms.CharField(label=_("Volunteer's document number"), max_length=20,
                                help_text=_("National ID, resident certificate or passport number."))
    name = forms.CharField(label=_("Volunteer's name"), max_length=100)
    unit = BoundedModelChoiceField(label=_("Unit"), queryset=OrgNode.objects.none())
    date = forms.DateField(label=_("Service date"), widget=DATE)
    category = forms.ChoiceField(label=_("Service category"), choices=_category_or_units, required=False)
    content = forms.CharField(label=_("Service content"), max_length=255,
                              help_text=_("For example: information desk, ward visits."))
    hours = HoursField()
    people_served = BoundedIntegerField(label=_("People served"), min_value=0, max_value=1_000_000, initial=0)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units

    def clean_id_number(self):
        return normalize_id_number(self.cleaned_data["id_number"])

    def clean_date(self):
        return _date_bounds(self.cleaned_data["date"])


class HourCorrectForm(forms.Form):
    date = forms.DateField(label=_("Service date"), widget=DATE)
    category = forms.ChoiceField(label=_("Service category"), choices=offered_service_category_choices)
    content = forms.CharField(label=_("Service content"), max_length=255)
    hours = HoursField()
    people_served = BoundedIntegerField(label=_("People served"), min_value=0, max_value=1_000_000)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=255,
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = BoundedIntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # a record whose category was retired since keeps it (the initial value is the record's)
        current = self.initial.get("category")
        if current:
            self.fields["category"].choices = service_category_choices(active_only=True, keep=[current])

    def clean_date(self):
        return _date_bounds(self.cleaned_data["date"])


class MisuseForm(forms.Form):
    note = forms.CharField(label=_("What was misused"), max_length=255, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("For example: the record book was lent to another person. The record stays, "
                                       "annotated, and is not counted."))


class HourImportForm(SpreadsheetImportForm):
    file_label = _("Hour-slip file")


class WorkingForm(forms.Form):
    """The period of a volunteer's working (both ends optional)."""

    start = forms.DateField(label=_("From"), widget=DATE, required=False)
    end = forms.DateField(label=_("To"), widget=DATE, required=False)


# --- awards ------------------------------------------------------------------------------------------

class EligibleForm(forms.Form):
    year = BoundedIntegerField(label=_("Year of the call"), min_value=2001, max_value=2200, required=False)
    unit = BoundedModelChoiceField(label=_("Members of"), queryset=OrgNode.objects.none(), required=False,
                                   empty_label=_("Everyone I can see"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class NominateForm(forms.Form):
    unit = BoundedModelChoiceField(label=_("Nominated by"), queryset=OrgNode.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class ReceiptForm(forms.Form):
    year = BoundedIntegerField(label=_("Year"), min_value=2001, max_value=2200)
    received_on = forms.DateField(label=_("Received on"), widget=DATE, required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class RecognitionForm(forms.Form):
    event = BoundedModelChoiceField(label=_("Event"), queryset=OrgNode.objects.none())
    cutoff = forms.DateField(label=_("Data as of"), widget=DATE)
    threshold = forms.DecimalField(label=_("Hours threshold"), min_value=0.5, max_value=100000, decimal_places=1,
                                   max_digits=7, initial=50)

    def __init__(self, *args, events=None, **kwargs):
        super().__init__(*args, **kwargs)
        if events is not None:
            self.fields["event"].queryset = events
