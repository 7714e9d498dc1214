from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..localised import join_list, join_list_html
from ..models import Volunteer


class VolunteerTable(tables.Table):
    # Every sort ends with the primary key: names, sexes and dates repeat, and without a unique last key
    # the database may return equal rows in another order on the next page (rows skipped or repeated).
    name = tables.Column(verbose_name=_("Name"), order_by=("name", "pk"), attrs={"td": {"class": "nowrap"}},
                         linkify=lambda record: reverse("operations:volunteer_detail", args=[record.pk]))
    masked_id = tables.Column(verbose_name=_("ID number"), accessor="id_number", orderable=False,
                              attrs={"td": {"class": "nowrap"}})
    sex = tables.Column(verbose_name=_("Sex"), order_by=("sex", "pk"), attrs={"td": {"class": "nowrap"}})
    age = tables.Column(verbose_name=_("Age"), accessor="birth_date", order_by=("-birth_date", "pk"),
                        attrs={"td": {"class": "nowrap"}})
    phone = tables.Column(verbose_name=_("Mobile phone"), orderable=False, attrs={"td": {"class": "nowrap"}})
    teams = tables.Column(verbose_name=_("Current teams"), accessor="pk", orderable=False, empty_values=())
    languages = tables.Column(verbose_name=_("Languages"), accessor="pk", orderable=False, empty_values=())
    created_at = tables.DateColumn(verbose_name=_("Registered"), format="Y-m-d", order_by=("created_at", "pk"),
                                   attrs={"td": {"class": "nowrap"}})

    class Meta:
        model = Volunteer
        fields = ("name", "masked_id", "sex", "age", "phone", "teams", "languages", "created_at")
        order_by = ("name",)
        empty_text = _("No volunteers match these filters.")
        attrs = {"class": "data-table"}

    def render_masked_id(self, record):
        return format_html('<span class="mono">{}</span>', record.masked_id)

    def render_age(self, record):
        return record.age

    def render_teams(self, record):
        memberships = getattr(record, "current_memberships", [])
        if not memberships:
            return "—"
        paths = getattr(self, "team_paths", {})
        return join_list_html(paths.get(m.team_id, m.team.display_name) for m in memberships)

    def render_languages(self, record):
        names = [str(lang) for lang in record.languages.all()]
        return join_list(names) if names else "—"
