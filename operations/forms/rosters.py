from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Roster file"),
                           help_text=_("CSV (UTF-8 or Big5), XLSX or ODS, at most 5 MB, one person per row."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.ods"}))
