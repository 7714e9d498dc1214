from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelForm

from ..models import Role, User
from .accounts import captcha_field


class StaffLoginForm(AuthenticationForm):
    """帳號, 密碼, 驗證碼 (the same image CAPTCHA as the volunteers', with 重新產生 and audio). The password is
    checked only when the CAPTCHA is right, so a wrong picture answer never says whether the password was."""

    error_messages = {
        "invalid_login": _("The account or password is incorrect. Both are case-sensitive."),
        "inactive": _("This account has been disabled."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["captcha"] = captcha_field()
        self.fields["username"].label = _("Account")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})

    def clean(self):
        if "captcha" in self.errors:
            return self.cleaned_data
        return super().clean()

    @property
    def password_failed(self) -> bool:
        return any(e.code == "invalid_login" for e in self.non_field_errors().as_data())


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"), max_length=32, strip=True,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
                                      "autocapitalize": "off", "spellcheck": "false"}),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"), max_length=8, strip=True,
        help_text=_("After adding the account to the app, type the 6-digit code it shows."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9]*", "spellcheck": "false"}),
    )


class StaffForgotPasswordForm(forms.Form):
    account = forms.CharField(label=_("Account or e-mail address"), max_length=254,
                              widget=forms.TextInput(attrs={"autocomplete": "username"}))
    captcha = captcha_field()


class ProfileForm(BoundedModelForm):
    class Meta:
        model = User
        fields = ["last_name", "first_name", "display_name", "email", "phone", "job_title", "preferred_language"]
        labels = {"last_name": _("Family name"), "first_name": _("Given name")}


class GrantForm(forms.Form):
    username = forms.CharField(label=_("Account"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            # Only the roles that fit this organisation and that the user may give; the service checks again.
            self.fields["role"].choices = [("", "---------")] + [(r.value, r.label) for r in roles]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError(_("No active account with this name."))
        self.cleaned_data["user"] = user
        return username
