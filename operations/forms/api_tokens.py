from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

VALIDITY_DAYS = (30, 90, 180, 365)


def _validity_choices():
    longest = settings.API_TOKENS.get("MAX_DAYS", 365)
    return [(days, _("%(days)d days") % {"days": days}) for days in VALIDITY_DAYS if days <= longest]


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, e.g. the system that will use it."))
    days = forms.TypedChoiceField(label=_("Valid for"), coerce=int, choices=_validity_choices,
                                  initial=lambda: settings.API_TOKENS.get("DEFAULT_DAYS", 90))


class ApiTokenRevokeForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, revoke this token: systems using it stop working at once."),
                                 required=True)
