from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import BoundedModelForm

from ..models import OrgKind, OrgNode, RegistrationType
from ..selectors.codes import offered_city_choices_blank, offered_service_category_choices_blank
from ..services.organisations import UNIT_PROFILE_FIELDS
from .districts import clean_district, offer_districts


class UnitProfileForm(BoundedModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = OrgNode
        fields = [f for f in UNIT_PROFILE_FIELDS if f not in ("is_venue", "sports", "sports_en")]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_districts(self)
        if "district_en" in self.fields:
            self.fields["district_en"].help_text = _("Filled from the district table for the cities it lists.")

    def clean(self):
        data = super().clean()
        clean_district(self)
        return data

    def _post_clean(self):
        # The service validates the whole node (full_clean) and reports per field.
        pass


class OrgNodeCreateForm(forms.Form):
    """A purpose authority or a unit under an authority (系統管理 › 組織). A unit's profile is completed on its
    own page; the fields here are the ones a unit cannot exist without."""

    kind = forms.ChoiceField(label=_("Kind"))
    code = forms.SlugField(label=_("Code"), max_length=64, help_text=_("A stable short code (letters, digits, -)."))
    name = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("Category (units)"), choices=offered_service_category_choices_blank,
                                 required=False)
    registration_type = forms.ChoiceField(label=_("Registration type (units)"),
                                          choices=[("", "—"), *RegistrationType.choices], required=False)
    registration_number = forms.CharField(label=_("Registration certificate number (units)"), max_length=64,
                                          required=False)
    city = forms.ChoiceField(label=_("City (units)"), choices=offered_city_choices_blank, required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, OrgKind(kind).label) for kind in kinds]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if data["kind"] != OrgKind.UNIT:
            for name in ("category", "registration_type", "registration_number", "city"):
                data.pop(name)
        return data


class OrgRootCreateForm(forms.Form):
    """A new top-level competent authority (系統管理 › 組織, system administrators)."""

    code = forms.SlugField(label=_("Code"), max_length=64, help_text=_("A stable short code (letters, digits, -)."))
    name = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)


class OrgNodeRenameForm(forms.Form):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
