"""The JSON shapes of the API. Staff: volunteers (identity numbers masked, never whole) and organisation nodes.
Public: the recruitment figures and venues, whose JSON is built by `operations.selectors.public` (one shape for
the blocks, the page API and these endpoints); the serializers here describe that shape for the schema."""
from __future__ import annotations

from rest_framework import serializers

from ..models import OrgKind, OrgNode, Sex, Volunteer
from ..selectors.codes import city_choices


class CityField(serializers.ChoiceField):
    """A city or county code: the values of the cities code table (系統管理 › 代碼表), read when the field is used
    (an answer, the schema) rather than when the module is imported, so a city added on the
    code-table screen is valid and documented."""

    def __init__(self, **kwargs):
        super().__init__(choices=(), **kwargs)

    def _refresh(self):
        # read afresh every time (the values are cached per process and dropped when the table changes), also
        # for a serializer instance made once at import (the schema's `responses=`); `_set_choices` reads
        # `choices` itself, hence the guard
        if not self.__dict__.get("_refreshing"):
            self._refreshing = True
            try:
                self._set_choices(city_choices())
            finally:
                self._refreshing = False

    @property
    def choices(self):
        self._refresh()
        return self._choices

    @choices.setter
    def choices(self, value):
        self._set_choices(value)

    def to_internal_value(self, data):
        self._refresh()
        return super().to_internal_value(data)


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="team_id")
    name = serializers.CharField(source="team.name")
    name_en = serializers.CharField(source="team.name_en")


class VolunteerSerializer(serializers.ModelSerializer):
    id_number_masked = serializers.CharField(source="masked_id", help_text="The first six characters, then ****.")
    sex = serializers.ChoiceField(choices=Sex.choices)
    age = serializers.IntegerField()
    teams = TeamRefSerializer(source="current_memberships", many=True, help_text="Teams the volunteer is in today.")
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Volunteer
        fields = ["id", "name", "english_name", "id_number_masked", "id_type", "sex", "age", "teams", "languages"]
        read_only_fields = fields


class OrgNodeSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=OrgKind.choices)
    city = CityField(allow_blank=True, help_text="Empty for nodes without a city.")
    parent_path = serializers.SerializerMethodField()

    class Meta:
        model = OrgNode
        fields = ["id", "kind", "code", "name", "name_en", "depth", "parent_path", "path", "city", "is_active"]
        read_only_fields = fields

    def get_parent_path(self, node) -> str:
        return node.path[: -OrgNode.steplen]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- Public (documentation of the selectors' JSON) ---------------------------------------------------------

LANGUAGE_CHOICES = [("zh-hant", "Traditional Chinese"), ("en", "English")]


class ProgressSerializer(serializers.Serializer):
    needed = serializers.IntegerField(min_value=0, help_text="Volunteers (people) the positions recruit.")
    signed_up = serializers.IntegerField(min_value=0, help_text="Distinct volunteers with an accepted sign-up.")
    percent = serializers.IntegerField(min_value=0, max_value=100, help_text="signed_up × 100 / needed, rounded down.")
    seats_needed = serializers.IntegerField(min_value=0)
    seats_filled = serializers.IntegerField(min_value=0)


class CityFiguresSerializer(ProgressSerializer):
    city = CityField()
    label = serializers.CharField()
    hosting = serializers.BooleanField()
    venue_count = serializers.IntegerField(min_value=0)


class OverallFiguresSerializer(ProgressSerializer):
    venue_count = serializers.IntegerField(min_value=0)


class RecruitmentStatusSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    campaign = serializers.CharField()
    city = CityField(allow_null=True)
    definition = serializers.CharField()
    cities = CityFiguresSerializer(many=True)
    overall = OverallFiguresSerializer()


class VenueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField(allow_blank=True)
    sports = serializers.CharField(allow_blank=True)


class CityVenuesSerializer(serializers.Serializer):
    city = CityField()
    label = serializers.CharField()
    hosting = serializers.BooleanField()
    venue_count = serializers.IntegerField(min_value=0)
    venues = VenueSerializer(many=True)


class VenuesByCitySerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    campaign = serializers.CharField()
    city = CityField(allow_null=True)
    venue_count = serializers.IntegerField(min_value=0)
    cities = CityVenuesSerializer(many=True)
