"""Forms of the team, unit-data and unit-application screens. They parse input; the services decide."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedIdField, BoundedModelChoiceField, BoundedModelForm

from .filters import NodeChoiceField
from .models import CadreRole, FilingStatus, OrgNode, ServicePlan
from .services.organisations import PROFILE_FIELDS
from .services.plans import AUTHORITY_STATES
from .widgets import PrivateFileInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."))
        return reason


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class TeamMoveForm(forms.Form):
    new_parent = NodeChoiceField(label=_("Move under"), queryset=OrgNode.objects.none())

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["new_parent"].queryset = parents


class UnitProfileForm(BoundedModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = OrgNode
        fields = [f for f in PROFILE_FIELDS if f not in ("is_venue", "sports", "sports_en")]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def _post_clean(self):
        # The service validates the whole node (full_clean) and reports per field.
        pass


class MemberAddForm(forms.Form):
    volunteer_id = BoundedIdField(widget=forms.HiddenInput)
    team = NodeChoiceField(label=_("Team"), queryset=OrgNode.objects.none())
    cadre_role = forms.ChoiceField(label=_("Cadre role"), choices=CadreRole.choices, initial=CadreRole.MEMBER)
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE)

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams
        self.fields["joined_on"].initial = timezone.localdate()


class MemberMoveForm(forms.Form):
    to_team = NodeChoiceField(label=_("Move to team"), queryset=OrgNode.objects.none())
    moved_on = forms.DateField(label=_("Date of the move"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["to_team"].queryset = teams
        self.fields["moved_on"].initial = timezone.localdate()


class MemberEndForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DATE)
    reason = forms.CharField(label=_("Reason for leaving"), max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["left_on"].initial = timezone.localdate()


class TeamRosterForm(forms.Form):
    """Upload a roster into a team: the file, the joining date (today unless changed), an optional reason."""

    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("CSV (UTF-8 or Big5), XLSX or ODS, at most 5 MB, one person per row, with the template's "
                    "header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.ods"}),
    )
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE,
                                help_text=_("Everybody in the file joins the team on this date."))
    reason = forms.CharField(label=_("Reason (optional)"), max_length=255, required=False,
                             help_text=_("Kept in the audit log with every membership, for example "
                                         "“2025 WMG venue volunteers”."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["joined_on"].initial = timezone.localdate()


class CadreForm(forms.Form):
    cadre_role = forms.ChoiceField(label=_("Cadre role"), choices=CadreRole.choices)


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
            "filing_reference": _("The reference number (文號) of the authority's letter."),
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

