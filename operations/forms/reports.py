"""Forms of the half-year and annual reports: a new report (unit and period), the manual fields, re-opening
with a reason, and the period (and source) chosen on the dashboard and the roll-ups."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedIntegerField, BoundedModelChoiceField, BoundedModelForm

from ..models import PeriodKind, PeriodReport, ReportStatus
from ..selectors.reports import APPROVED, LIVE

HALF_CHOICES = [("", _("Whole year")), ("1", _("First half (January–June)")), ("2", _("Second half (July–December)"))]


def _last_ended_period() -> tuple[str, int, int]:
    today = timezone.localdate()
    if today.month > 6:
        return PeriodKind.HALF, today.year, 1
    return PeriodKind.HALF, today.year - 1, 2


class PeriodForm(forms.Form):
    """The period of a report or a page: half-year (1 or 2) or year."""

    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    year = BoundedIntegerField(label=_("Year"), min_value=1900, max_value=2200)
    half = forms.TypedChoiceField(label=_("Half"), choices=HALF_CHOICES, coerce=int, empty_value=0, required=False)

    def clean(self):
        data = super().clean()
        if data.get("period_kind") == PeriodKind.HALF and not data.get("half"):
            self.add_error("half", _("Choose the first or the second half of the year."))
        if data.get("period_kind") == PeriodKind.YEAR:
            data["half"] = 0
        return data

    @classmethod
    def initial_period(cls) -> dict:
        kind, year, half = _last_ended_period()
        return {"period_kind": kind, "year": year, "half": str(half)}


class ReportCreateForm(PeriodForm):
    unit = BoundedModelChoiceField(label=_("Unit"), queryset=None)

    field_order = ["unit", "period_kind", "year", "half"]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ReportManualForm(BoundedModelForm):
    class Meta:
        model = PeriodReport
        fields = ["government_subsidy", "own_funds", "plan_narrative", "notes"]
        widgets = {"plan_narrative": forms.Textarea(attrs={"rows": 8}), "notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "plan_narrative": _("Volunteer Service Act Art.7: how the service plan went in the period."),
            "government_subsidy": _("New Taiwan dollars, whole numbers."),
        }


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for re-opening"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."))
        return reason


class ReportFilterForm(forms.Form):
    """The list's filters (GET): period, year, status, late only."""

    period_kind = forms.ChoiceField(label=_("Period"), choices=[("", _("Any")), *PeriodKind.choices], required=False)
    year = BoundedIntegerField(label=_("Year"), min_value=1900, max_value=2200, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any")), *[(v, label) for v, label in ReportStatus.choices
                                                          if v != ReportStatus.SUPERSEDED]])
    late = forms.BooleanField(label=_("Late only"), required=False)


class RollupForm(PeriodForm):
    source = forms.ChoiceField(label=_("Figures from"), initial=APPROVED, choices=[
        (APPROVED, _("Approved reports")), (LIVE, _("Live data (computed now)"))])
