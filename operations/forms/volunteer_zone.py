from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelForm

from ..models import Volunteer
from .base import DATE
from .districts import clean_district, offer_districts
from .people import offer_active_codes


class ProfileForm(BoundedModelForm):
    class Meta:
        model = Volunteer
        fields = ["id_type", "id_number", "name", "sex", "birth_date", "english_name", "phone", "email", "city",
                  "district", "address", "emergency_contact_name", "emergency_contact_phone",
                  "emergency_contact_relation", "languages", "skills"]
        widgets = {"birth_date": DATE, "languages": forms.CheckboxSelectMultiple,
                   "skills": forms.CheckboxSelectMultiple, "sex": forms.RadioSelect}

    IDENTITY = ("id_type", "id_number", "name", "sex", "birth_date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_active_codes(self)
        offer_districts(self)
        if self.instance.identity_verified_at:
            for name in self.IDENTITY:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Verified: ask your unit to correct it.")
        else:
            self.fields["id_number"].initial = self.instance.id_number

    def clean(self):
        data = super().clean()
        clean_district(self)
        return data


class PreferencesForm(forms.Form):
    notify_by_email = forms.BooleanField(label=_("E-mail me when my sign-ups change"), required=False)
    notify_reminders = forms.BooleanField(label=_("Remind me by e-mail the day before each shift"), required=False)
    preferred_language = forms.ChoiceField(label=_("Language of my e-mails"), choices=settings.LANGUAGES)


class DeletionForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=255, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("I understand that my account will be closed and my data deleted, "
                                         "except the service records the law requires units to keep."))


class ConsentForm(forms.Form):
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=100)
    file = forms.FileField(label=_("Signed guardian consent form"),
                           help_text=_("PDF, JPEG or PNG, at most 5 MB."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
