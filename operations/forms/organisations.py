from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelForm

from ..models import OrgNode
from ..services.organisations import UNIT_PROFILE_FIELDS


class UnitProfileForm(BoundedModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = OrgNode
        fields = [f for f in UNIT_PROFILE_FIELDS if f not in ("is_venue", "sports", "sports_en")]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def _post_clean(self):
        # The service validates the whole node (full_clean) and reports per field.
        pass
