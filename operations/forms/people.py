from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceField, BoundedModelForm, BoundedModelMultipleChoiceField

from ..identity import IdType, validate_id_number
from ..models import Language, Skill, Volunteer
from .districts import clean_district, offer_districts


def offer_active_codes(form) -> None:
    """Languages and skills: the active values, and the retired ones the edited volunteer already has (kept)."""
    instance = form.instance
    for name, model in (("languages", Language), ("skills", Skill)):
        if name in form.fields:
            keep = getattr(instance, name).all() if instance.pk else ()
            form.fields[name].queryset = model.objects.offered(keep=keep)


class RevealIdForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for viewing the full number"), max_length=255, min_length=2,
        help_text=_("For example: insurance enrolment, record book application. The reason is recorded."),
    )


class VolunteerForm(BoundedModelForm):
    id_type = forms.ChoiceField(label=_("Identity document type"), choices=IdType.choices)
    id_number = forms.CharField(label=_("Identity document number"), max_length=20)
    languages = BoundedModelMultipleChoiceField(
        label=_("Languages"), queryset=Language.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    skills = BoundedModelMultipleChoiceField(
        label=_("Skills"), queryset=Skill.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Volunteer
        fields = [
            "id_type", "id_number", "name", "english_name", "sex", "birth_date", "phone", "email", "city",
            "district", "address", "languages", "skills", "emergency_contact_name", "emergency_contact_phone",
            "emergency_contact_relation",
        ]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, team_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_active_codes(self)
        offer_districts(self)
        if team_queryset is not None:
            self.fields["team"] = BoundedModelChoiceField(label=_("Team"), queryset=team_queryset)
            self.order_fields(["team"])

    def clean(self):
        data = super().clean()
        clean_district(self)
        return data

    def clean_id_number(self):
        if not self.cleaned_data.get("id_number") and not self.fields["id_number"].required:
            return ""
        try:
            return validate_id_number(self.cleaned_data.get("id_type", ""), self.cleaned_data["id_number"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        if born > timezone.localdate():
            raise ValidationError(_("The date of birth cannot be in the future."))
        if born.year < 1900:
            raise ValidationError(_("Check the year of birth."))
        return born

    def _post_clean(self):
        # Uniqueness of the document is checked by the service (with a message that does not reveal who
        # holds the number); skip the model's own unique check here.
        self.instance.id_type = self.cleaned_data.get("id_type", self.instance.id_type)
        exclude = self._get_validation_exclusions() | {"id_number", "id_type"}
        # Copy the cleaned values onto the instance first (ModelForm._post_clean does this too), or the
        # model validation below would see an empty name, sex and birth date and refuse every new volunteer.
        construct_instance(self, self.instance, self._meta.fields, exclude)
        try:
            self.instance.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as exc:
            self._update_errors(exc)
