"""Review chain forms: a decision at a step, and sending a returned form in again."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedIntegerField

from ..models import Decision
from ..services.reviews import MAX_COMMENT


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Required when you return or reject the form: the submitter reads it."))
    version = BoundedIntegerField(widget=forms.HiddenInput, min_value=1)


class ResubmitForm(forms.Form):
    comment = forms.CharField(label=_("What was changed"), required=False, max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 3}))
    version = BoundedIntegerField(widget=forms.HiddenInput, min_value=1)
