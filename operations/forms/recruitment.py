from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import (
    BoundedIntegerField,
    BoundedModelChoiceField,
    BoundedModelForm,
    BoundedModelMultipleChoiceField,
)

from ..models import Campaign, Language, OrgNode, Skill
from ..models.recruitment import DATE_VALIDATORS
from .base import DATE, DATETIME, TIME

WEEKDAYS = [
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
    (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday")),
]


class CampaignForm(BoundedModelForm):
    unit = BoundedModelChoiceField(label=_("Organiser"), queryset=OrgNode.objects.none())

    class Meta:
        model = Campaign
        fields = [
            "unit", "service_plan", "code", "title", "title_en", "description", "description_en", "volunteer_type",
            "signup_mode", "status", "starts_on", "ends_on", "signup_opens_at", "signup_closes_at",
            "cancel_deadline_hours", "min_age", "max_age",
        ]
        widgets = {
            "starts_on": DATE, "ends_on": DATE, "signup_opens_at": DATETIME, "signup_closes_at": DATETIME,
            "description": forms.Textarea(attrs={"rows": 3}), "description_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, unit_queryset=None, plan_queryset=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["unit"]
        elif unit_queryset is not None:
            self.fields["unit"].queryset = unit_queryset
        if plan_queryset is not None:
            self.fields["service_plan"].queryset = plan_queryset
        self.fields["service_plan"].help_text = _("A campaign can only open with a filed service plan.")

    def _post_clean(self):
        # The date, age and plan rules are checked by the service (one source of messages for every
        # caller); the form only checks that the code is unique.
        from django.forms.models import construct_instance

        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        self.validate_unique()


class PositionForm(forms.Form):
    venue = BoundedModelChoiceField(label=_("Venue or unit"), queryset=OrgNode.objects.none(), required=False)
    team = BoundedModelChoiceField(label=_("Service group (team)"), queryset=OrgNode.objects.none(), required=False)
    title = forms.CharField(label=_("Title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    volunteers_needed = BoundedIntegerField(
        label=_("Volunteers needed"), min_value=0, max_value=1_000_000, required=False,
        help_text=_("How many different people this position recruits (the recruitment percentage counts people, "
                    "not shift seats). Empty: the largest shift headcount."),
    )
    languages = BoundedModelMultipleChoiceField(label=_("Required languages"), queryset=Language.objects.offered(),
                                               required=False, widget=forms.CheckboxSelectMultiple)
    skills = BoundedModelMultipleChoiceField(label=_("Required skills"), queryset=Skill.objects.offered(),
                                            required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, venue_queryset=None, team_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if venue_queryset is not None:
            self.fields["venue"].queryset = venue_queryset
        if team_queryset is not None:
            self.fields["team"].queryset = team_queryset


class ShiftPatternForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE, validators=DATE_VALIDATORS)
    date_to = forms.DateField(label=_("To"), widget=DATE, validators=DATE_VALIDATORS)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Only on these weekdays (none ticked: every day)"), choices=WEEKDAYS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ShiftSlotForm(forms.Form):
    name = forms.CharField(label=_("Shift name"), max_length=50, required=False)
    start = forms.TimeField(label=_("Starts at"), widget=TIME, required=False)
    end = forms.TimeField(label=_("Ends at"), widget=TIME, required=False)
    headcount = BoundedIntegerField(min_value=0, label=_("Headcount"), required=False)

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(k) not in (None, "") for k in ("name", "start", "end", "headcount"))

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        for key in ("name", "start", "end", "headcount"):
            if data.get(key) in (None, "") and key not in self.errors:
                self.add_error(key, _("Fill in every column of a shift row, or leave the whole row empty."))
        return data


ShiftSlotFormSet = forms.formset_factory(ShiftSlotForm, extra=0, min_num=1, max_num=12, validate_max=True)


DEFAULT_SLOTS = [
    {"name": "早班", "start": datetime.time(8, 0), "end": datetime.time(12, 0), "headcount": 10},
    {"name": "午班", "start": datetime.time(12, 0), "end": datetime.time(16, 0), "headcount": 10},
    {"name": "晚班", "start": datetime.time(16, 0), "end": datetime.time(20, 0), "headcount": 10},
    {}, {},
]


class HeadcountForm(forms.Form):
    headcount = BoundedIntegerField(min_value=0, label=_("Headcount"))
    surplus_to_waitlist = forms.BooleanField(
        label=_("If the new headcount is below the accepted count, move the latest accepted volunteers back to "
                "the waitlist (they are told)"), required=False,
    )
