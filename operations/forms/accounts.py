from __future__ import annotations

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelChoiceField, BoundedModelMultipleChoiceField

from ..identity import IdType
from ..models import Language, Sex, Skill
from ..selectors.codes import offered_city_choices_blank
from .base import DATE


class LabelledCaptchaInput(CaptchaTextInput):
    template_name = "operations/widgets/captcha_field.html"


def captcha_field():
    return CaptchaField(
        label=_("Verification code"),
        help_text=_("Type the characters in the picture (upper or lower case both work)."),
        widget=LabelledCaptchaInput(attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}),
        error_messages={"invalid": _("The verification code is wrong. Try again with the new picture.")},
    )


class RegistrationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), required=False,
                             help_text=_("Your account name. Give an e-mail address or a mobile number (or both)."))
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=_("At least 10 characters, with letters and digits; not a common password."))
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    id_type = forms.ChoiceField(label=_("Identity document"), choices=IdType.choices, initial=IdType.NATIONAL_ID)
    id_number = forms.CharField(label=_("Document number"), max_length=20,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))
    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    english_name = forms.CharField(label=_("English name"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    city = forms.ChoiceField(label=_("City"), choices=offered_city_choices_blank, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    emergency_contact_name = forms.CharField(label=_("Emergency contact"), max_length=100, required=False)
    emergency_contact_phone = forms.CharField(label=_("Emergency contact phone"), max_length=32, required=False)
    languages = BoundedModelMultipleChoiceField(label=_("Languages I speak"), queryset=Language.objects.offered(),
                                               required=False, widget=forms.CheckboxSelectMultiple)
    skills = BoundedModelMultipleChoiceField(label=_("Skills"), queryset=Skill.objects.offered(), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    privacy_notice = forms.BooleanField(
        label=_("I have read the personal-data notice above and agree that my data are collected and used "
                "for these purposes."),
        required=True, error_messages={"required": _("Please read and accept the personal-data notice.")},
    )
    captcha = captcha_field()

    def __init__(self, *args, locked: tuple = (), **kwargs):
        super().__init__(*args, **kwargs)
        for name in locked:  # verified by TaipeiPass: shown, not editable
            self.fields[name].disabled = True

    def keep_passwords_if_only_the_captcha_failed(self) -> bool:
        """Sent back only because the verification code was wrong: the passwords typed are shown again
        (masked) so that nothing else has to be retyped. With any other error they are not echoed back;
        the page then relies on the browser (autocomplete="new-password" lets password managers offer
        and keep them)."""
        if set(self.errors) != {"captcha"}:
            return False
        for name in ("password1", "password2"):
            self.fields[name].widget.render_value = True
        return True

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone") and "email" not in self.errors:
            self.add_error("email", _("Give an e-mail address or a mobile number."))
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same."))
        if p1:
            from ..models import User

            probe = User(username=data.get("email") or data.get("phone") or "", email=data.get("email") or "",
                         first_name=data.get("name") or "")
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Account (e-mail or mobile number)"), max_length=254,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    captcha = captcha_field()


class ForgotAccountForm(forms.Form):
    id_number = forms.CharField(label=_("Identity document number"), max_length=20)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    also_password = forms.BooleanField(label=_("I have also forgotten my password: send a link to set a new one"),
                                       required=False)
    captcha = captcha_field()


class ForgotPasswordForm(forms.Form):
    account = forms.CharField(label=_("Account (e-mail or mobile number)"), max_length=254)
    captcha = captcha_field()


# --- Staff accounts (系統管理 › 帳號) -------------------------------------------------------------------

class StaffAccountCreateForm(forms.Form):
    """A new staff account and its first role, on one screen. The organisations and roles offered are those
    the user may grant; the service checks the pair again."""

    username = forms.CharField(label=_("Account name"), max_length=150,
                               help_text=_("3 to 150 letters, digits or . @ + - _ (used to log in)."),
                               widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off",
                                                             "spellcheck": "false"}))
    last_name = forms.CharField(label=_("Family name"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), help_text=_("The link to choose a password is sent here."))
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    node = BoundedModelChoiceField(label=_("Organisation"), queryset=None)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, nodes=None, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["role"].choices = [("", "---------")] + [(r.value, r.label) for r in roles]
