from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceField

from ..models import OrgNode


class ApproveApplicationForm(forms.Form):
    purpose_authority = BoundedModelChoiceField(label=_("Create the unit under"), queryset=OrgNode.objects.none())
    code = forms.SlugField(
        label=_("Unit code"), max_length=64, required=False,
        help_text=_("A short stable code in Latin letters; leave empty to generate one."),
    )

    def __init__(self, *args, authorities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if authorities is not None:
            self.fields["purpose_authority"].queryset = authorities


class RejectApplicationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The applicant receives this text by e-mail."),
    )
