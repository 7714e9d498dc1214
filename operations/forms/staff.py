from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelForm

from ..models import Role, User


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The account or password is incorrect. Both are case-sensitive."),
        "inactive": _("This account has been disabled."),
    }


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
