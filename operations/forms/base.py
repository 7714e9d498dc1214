from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."))
        return reason


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SpreadsheetImportForm(forms.Form):
    """The file of an all-or-nothing import (hour slips, certificates), checked as roster uploads are (type,
    size, rows) before a row is read. Subclasses name the file with `file_label`."""

    file_label = _("File")
    file = forms.FileField(
        help_text=_("CSV (UTF-8 or Big5), XLSX or ODS, at most 5 MB and 10,000 rows, with the template's header "
                    "row. Every row is checked first; nothing is imported unless all rows are right."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.ods"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = self.file_label

    def clean_file(self):
        from ..services.roster_files import roster_check_upload

        file = self.cleaned_data["file"]
        roster_check_upload(file)
        return file
