from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedIdField

from ..filters.base import NodeChoiceField
from ..identity import checksum_valid, normalize_id_number
from ..models import CadreRole, OrgNode
from .base import DATE


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


class MemberAddForm(forms.Form):
    volunteer_id = BoundedIdField(widget=forms.HiddenInput)
    lookup = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
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


class MemberLookupForm(forms.Form):
    """Exact identity number and date of birth of a volunteer who registered without a team."""

    id_number = forms.CharField(label=_("Identity number (national ID or resident certificate)"), max_length=20)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)

    def clean_id_number(self):
        number = normalize_id_number(self.cleaned_data["id_number"])
        if not checksum_valid(number):
            raise forms.ValidationError(_("This is not a valid identity number."))
        return number
