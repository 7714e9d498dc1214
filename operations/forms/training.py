"""Training forms: courses, sessions, enrolling people, attendance, certificates, imports, requirements."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceField, BoundedModelForm, BoundedModelMultipleChoiceField

from ..models import (
    CertificateSource,
    Course,
    CourseKind,
    OrgNode,
    TrainingSession,
    Volunteer,
)
from ..selectors.codes import offered_service_category_choices, offered_service_category_choices_blank
from .base import DATE, DATETIME, TIME, SpreadsheetImportForm


class CourseForm(BoundedModelForm):
    organiser = BoundedModelChoiceField(label=_("Organiser"), queryset=OrgNode.objects.none())

    class Meta:
        model = Course
        fields = ["organiser", "kind", "category", "title", "title_en", "hours", "subjects", "description",
                  "where_to_take", "is_active"]
        widgets = {"subjects": forms.Textarea(attrs={"rows": 4}), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organisers=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["organiser"]
        elif organisers is not None:
            self.fields["organiser"].queryset = organisers

    def _post_clean(self):
        pass  # the rules are the service's (one source of messages)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("organiser", None)
        return data


class SessionForm(BoundedModelForm):
    host = BoundedModelChoiceField(label=_("Held by"), queryset=OrgNode.objects.none())
    online_url = forms.URLField(label=_("online link"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = TrainingSession
        fields = ["host", "date", "start_time", "end_time", "place", "online_url", "instructor", "capacity",
                  "signup_opens_at", "signup_closes_at", "is_public"]
        widgets = {"date": DATE, "start_time": TIME, "end_time": TIME, "signup_opens_at": DATETIME,
                   "signup_closes_at": DATETIME}

    def __init__(self, *args, hosts=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["host"]
        elif hosts is not None:
            self.fields["host"].queryset = hosts
        self.fields["capacity"].min_value = 1
        self.fields["capacity"].widget.attrs.update(min=1, max=100000)

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("host", None)
        return data


class EnrolForm(forms.Form):
    volunteers = BoundedModelMultipleChoiceField(label=_("Volunteers"), queryset=Volunteer.objects.none(),
                                                 widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, volunteers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if volunteers is not None:
            self.fields["volunteers"].queryset = volunteers


class CompleteForm(forms.Form):
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].initial = session.date if session else timezone.localdate()


class CertificateForm(forms.Form):
    course = BoundedModelChoiceField(label=_("Course on this platform (optional)"), queryset=Course.objects.none(),
                                     required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    category = forms.ChoiceField(label=_("Service category"), choices=offered_service_category_choices_blank,
                                 required=False)
    course_name = forms.CharField(label=_("Course name"), max_length=200)
    organiser_name = forms.CharField(label=_("Organiser"), max_length=200,
                                     help_text=_("For example Taipei e-learning, or a city's social welfare department."))
    hours = forms.DecimalField(label=_("Hours"), min_value=0.5, max_value=999, decimal_places=1, max_digits=5)
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)
    number = forms.CharField(label=_("Certificate number"), max_length=64)
    source = forms.ChoiceField(label=_("Source"), choices=[c for c in CertificateSource.choices
                                                         if c[0] != CertificateSource.COURSE])
    online = forms.BooleanField(label=_("Taken online"), required=False)

    def __init__(self, *args, courses=None, **kwargs):
        super().__init__(*args, **kwargs)
        if courses is not None:
            self.fields["course"].queryset = courses

    def clean_number(self):
        return " ".join(self.cleaned_data["number"].split())


class CertificateImportForm(SpreadsheetImportForm):
    file_label = _("Certificate file")


class RequirementForm(forms.Form):
    category = forms.ChoiceField(label=_("Trained for the category"), choices=offered_service_category_choices_blank,
                                 required=False,
                                 help_text=_("Basic training plus this category's special training."))
    courses = BoundedModelMultipleChoiceField(label=_("Required courses"), queryset=Course.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, courses=None, **kwargs):
        super().__init__(*args, **kwargs)
        if courses is not None:
            self.fields["courses"].queryset = courses


class GapForm(forms.Form):
    """Which unit's members to check, for which category and (optionally) which course."""

    unit = BoundedModelChoiceField(label=_("Unit"), queryset=OrgNode.objects.none())
    category = forms.ChoiceField(label=_("Trained for the category"), choices=offered_service_category_choices)
    course = BoundedModelChoiceField(label=_("and the course"), queryset=Course.objects.none(), required=False)

    def __init__(self, *args, units=None, courses=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        if courses is not None:
            self.fields["course"].queryset = courses
