from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import (
    BoundedIdField,
)

from ..models import SignupStatus

DECISIONS = [
    (SignupStatus.ACCEPTED, _("Accept")),
    (SignupStatus.WAITLISTED, _("Waitlist")),
    (SignupStatus.REJECTED, _("Reject")),
]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)
    reason = forms.CharField(label=_("Reason (required to reject; sent to the volunteer)"), max_length=255, required=False)


class StaffAssignForm(forms.Form):
    volunteer = BoundedIdField(widget=forms.HiddenInput)
