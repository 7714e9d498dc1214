"""Public forms. Every field is validated here with messages in the visitor's language; the services
do the writing. Choices and querysets come from `operations.selectors.public` (cms never imports
operations' models)."""
from __future__ import annotations

import re
import uuid

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from volunteer_site.district_field import DistrictField
from volunteer_site.params import BoundedModelChoiceField

from operations.selectors.public import (
    city_choices,
    district_choices_by_city,
    district_error,
    purpose_authorities,
    registration_needs_certificate,
    registration_type_choices,
    unit_category_choices,
)

CERTIFICATE_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}
CERTIFICATE_MAX_BYTES = 5 * 1024 * 1024
PHONE_RE = re.compile(r"^[0-9+()#\- ]{7,20}$")
MAGIC = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}


def _sniff(upload) -> str:
    head = upload.read(8)
    upload.seek(0)
    for signature, kind in MAGIC.items():
        if head.startswith(signature):
            return kind
    return ""


def _category_choices():
    return [("", "---------"), *unit_category_choices()]  # read when the form is shown: the code table


def _city_choices():
    return [("", "---------"), *city_choices()]


class AuthorityChoiceField(BoundedModelChoiceField):
    """An organisation picked by its name in the visitor's language."""

    def label_from_instance(self, obj):
        return obj.display_name


class UnitApplicationForm(forms.Form):
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    organisation_name = forms.CharField(label=_("Organisation name"), max_length=200)
    organisation_name_en = forms.CharField(label=_("Organisation name in English"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=_category_choices)
    registration_type = forms.ChoiceField(label=_("Registration type"), choices=[("", "---------"), *registration_type_choices()])
    registration_number = forms.CharField(
        label=_("Registration certificate number"), max_length=64, required=False,
        help_text=_("Required for registered organisations and juridical persons."),
    )
    purpose_authority = AuthorityChoiceField(
        label=_("Purpose authority"), queryset=purpose_authorities().order_by("path"), required=False,
        help_text=_("The authority responsible for your field of service. Leave empty if you are not sure."),
    )
    city = forms.ChoiceField(label=_("City"), choices=_city_choices,
                             initial="taipei")
    district = forms.CharField(label=_("District"), max_length=32, required=False)  # see __init__
    address = forms.CharField(label=_("Address"), max_length=255)
    contact_person = forms.CharField(label=_("Contact person"), max_length=100)
    contact_phone = forms.CharField(
        label=_("Phone"), max_length=32,
        validators=[RegexValidator(PHONE_RE, _("Enter a phone number of 7–20 digits, e.g. 02-2720-8889."))],
    )
    contact_email = forms.EmailField(label=_("E-mail"), help_text=_("We send the reference number to this address."))
    service_summary = forms.CharField(label=_("Planned volunteer service"), widget=forms.Textarea(attrs={"rows": 4}),
                                      max_length=4000, required=False)
    certificate = forms.FileField(
        label=_("Copy of the registration certificate"), required=False,
        help_text=_("PDF, JPG or PNG, at most 5 MB."),
    )
    consent = forms.BooleanField(label=_("I have read the personal-data notice and agree to it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_key"] = uuid.uuid4().hex
        # districts grouped by city (read when the form is shown: the code table, in the visitor's language),
        # with a text box for a city whose districts the list does not offer
        self.fields["district"] = DistrictField(groups=district_choices_by_city(), label=_("District"), required=False)
        for name, field in self.fields.items():
            attrs = field.widget.attrs
            if field.required and not isinstance(field.widget, forms.HiddenInput):
                attrs["required"] = True
            if name == "contact_email":
                attrs["autocomplete"] = "email"
            elif name == "contact_phone":
                attrs["autocomplete"] = "tel"
                attrs["type"] = "tel"
            elif name == "contact_person":
                attrs["autocomplete"] = "name"
            elif name == "organisation_name":
                attrs["autocomplete"] = "organization"
            if field.help_text:
                attrs["aria-describedby"] = f"id_{name}_helptext"

    def clean_submission_key(self):
        key = self.cleaned_data["submission_key"]
        if not re.fullmatch(r"[0-9a-f]{32}", key):
            raise forms.ValidationError(_("The form has expired. Please reload the page and try again."))
        return key

    def clean_certificate(self):
        upload = self.cleaned_data.get("certificate")
        if not upload:
            return upload
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in CERTIFICATE_TYPES:
            raise forms.ValidationError(_("Upload a PDF, JPG or PNG file."))
        if upload.size > CERTIFICATE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        sniffed = _sniff(upload)
        if sniffed != {"jpeg": "jpg"}.get(extension, extension):
            raise forms.ValidationError(_("The file's content is not a PDF, JPG or PNG file."))
        from volunteer_site.filetypes import detect

        try:
            detect(upload, {"pdf", "png", "jpeg"})  # the PDF parses, the image decodes
        except forms.ValidationError:
            raise forms.ValidationError(_("The file's content is not a PDF, JPG or PNG file.")) from None
        return upload

    def clean(self):
        data = super().clean()
        problem = district_error(data.get("city"), data.get("district"))
        if problem:
            self.add_error("district", problem)
        if registration_needs_certificate(data.get("registration_type")):
            if not data.get("registration_number"):
                self.add_error("registration_number", _(
                    "Registered organisations must give their registration certificate number."))
            if not data.get("certificate"):
                self.add_error("certificate", _("Registered organisations must upload a copy of their certificate."))
        return data


class NewsletterForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "required": True}))
    consent = forms.BooleanField(
        label=_("I agree that my e-mail address is used only to send this newsletter."),
        widget=forms.CheckboxInput(attrs={"required": True}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False,
                        widget=forms.TextInput(attrs={"type": "search"}))
