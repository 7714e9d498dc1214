from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelForm

from ..models import FilingStatus, ServicePlan
from ..services.plans import AUTHORITY_STATES
from ..widgets import PrivateFileInput
from .base import DATE


class ServicePlanForm(BoundedModelForm):
    class Meta:
        model = ServicePlan
        fields = [
            "title", "purpose_authority", "starts_on", "ends_on", "recruitment", "training", "management",
            "deployment", "guidance", "evaluation", "service_items", "certificate", "filing_status",
            "filing_reference", "filed_on",
        ]
        widgets = {
            "starts_on": DATE, "ends_on": DATE, "filed_on": DATE,
            **{f: forms.Textarea(attrs={"rows": 3}) for f in ServicePlan.SEVEN_ELEMENTS},
            "certificate": PrivateFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
        }
        help_texts = {
            "certificate": _("PDF, PNG or JPEG, at most 5 MB. Required for registered organisations."),
            "filing_reference": _("The reference number of the authority's letter."),
        }

    def __init__(self, *args, authorities=None, may_file=False, **kwargs):
        super().__init__(*args, **kwargs)
        if authorities is not None:
            self.fields["purpose_authority"].queryset = authorities
        current = self.instance.filing_status if self.instance.pk else FilingStatus.DRAFT
        self.fields["filing_status"].choices = [
            (value, label) for value, label in FilingStatus.choices
            if may_file or value not in AUTHORITY_STATES or value == current
        ]
        for field in ServicePlan.SEVEN_ELEMENTS:
            self.fields[field].help_text = _("Required before the plan is submitted for filing.")

    def _post_clean(self):
        # Rules live in services.plans (they depend on the unit and on who files); skip the model checks.
        pass

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        certificate = data.pop("certificate", None)
        if self.files.get(self.add_prefix("certificate")):
            data["certificate"] = certificate  # a new upload (validated by the service)
        elif certificate is False:
            data["certificate"] = False  # "clear" ticked
        return data


class RecordReportForm(forms.Form):
    submitted_on = forms.DateField(label=_("Report submitted on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submitted_on"].initial = timezone.localdate()
