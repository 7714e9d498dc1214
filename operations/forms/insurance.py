"""Forms of the insurance module: a policy, covers (people by identity number, a team or the whole
organisation), ending a cover. They parse input; the rules are in services.insurance."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceField, BoundedModelForm

from ..models import CoverScope, InsurancePolicy, OrgNode
from ..widgets import PrivateFileInput
from .base import DATE

MAX_IDS = 1000


class PolicyForm(BoundedModelForm):
    node = BoundedModelChoiceField(label=_("Insured organisation"), queryset=OrgNode.objects.none(),
                                   help_text=_("A unit, or a purpose authority whose joint contract covers many units."))

    class Meta:
        model = InsurancePolicy
        fields = [
            "node", "insurer", "policy_number", "kind", "starts_on", "ends_on", "death_disability_cover",
            "medical_per_injury", "hospital_per_day", "premium", "min_insured", "age_cap", "commuting_note",
            "document", "notes",
        ]
        widgets = {"starts_on": DATE, "ends_on": DATE, "notes": forms.Textarea(attrs={"rows": 3}),
                   "document": PrivateFileInput(attrs={"accept": ".pdf"})}
        help_texts = {"document": _("The policy as a PDF, at most 10 MB."),
                      "commuting_note": _("E.g. the normal route to and from duty within one hour.")}

    def __init__(self, *args, nodes=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["node"]
        elif nodes is not None:
            self.fields["node"].queryset = nodes

    def _post_clean(self):
        pass  # the rules (period, unique number, the file) are the service's

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("node", None)
        document = data.pop("document", None)
        if self.files.get(self.add_prefix("document")):
            data["document"] = document
        elif document is False:
            data["document"] = False
        return data


class PeopleCoverForm(forms.Form):
    id_numbers = forms.CharField(
        label=_("Identity document numbers"), max_length=20 * MAX_IDS,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        help_text=_("One per line (or separated by spaces or commas), at most 1,000."))
    starts_on = forms.DateField(label=_("Insured from"), required=False, widget=DATE,
                                help_text=_("Empty: from the start of the policy."))
    ends_on = forms.DateField(label=_("Insured until"), required=False, widget=DATE,
                              help_text=_("Empty: to the end of the policy."))

    def clean_id_numbers(self):
        raw = self.cleaned_data["id_numbers"].replace(",", " ").replace("、", " ").split()
        numbers = list(dict.fromkeys(n.strip().upper() for n in raw if n.strip()))
        if not numbers:
            raise forms.ValidationError(_("Enter at least one identity document number."))
        if len(numbers) > MAX_IDS:
            raise forms.ValidationError(_("At most 1,000 people at once."))
        if any(len(n) > 20 for n in numbers):
            raise forms.ValidationError(_("An identity document number has at most 20 characters."))
        return numbers


class NodeCoverForm(forms.Form):
    node = BoundedModelChoiceField(label=_("Team or organisation"), queryset=OrgNode.objects.none(),
                                   help_text=_("Choose the insured organisation itself to cover all its current members."))
    node_scope = forms.ChoiceField(label=_("Who at that organisation"), choices=CoverScope.choices,
                                   initial=CoverScope.MEMBERS, widget=forms.RadioSelect)
    starts_on = forms.DateField(label=_("Insured from"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Insured until"), required=False, widget=DATE)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes


class CoverEndForm(forms.Form):
    last_day = forms.DateField(label=_("Last insured day"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=255)
