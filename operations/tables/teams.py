from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Membership, OrgNode


class TeamTable(tables.Table):
    name = tables.Column(verbose_name=_("Team"), linkify=lambda record: reverse("operations:team_detail", args=[record.pk]))
    kind = tables.Column(verbose_name=_("Kind"))
    parent = tables.Column(verbose_name=_("Belongs to"), accessor="path", orderable=True, order_by=("path",))
    member_count = tables.Column(verbose_name=_("Current members"))
    is_active = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateColumn(verbose_name=_("Created"), format="Y-m-d")

    class Meta:
        model = OrgNode
        fields = ("name", "kind", "parent", "member_count", "is_active", "created_at")
        order_by = ("parent",)
        empty_text = _("No teams match these filters.")
        attrs = {"class": "data-table"}

    def __init__(self, *args, names=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.names = names or {}

    def render_name(self, record):
        return record.display_name

    def _parent_label(self, record):
        steplen = OrgNode.steplen
        parts = [self.names.get(record.path[: depth * steplen]) for depth in range(2, record.depth)]
        return " › ".join(p for p in parts if p) or "—"

    def render_parent(self, record):
        return self._parent_label(record)

    def value_parent(self, record):
        return self._parent_label(record)

    def render_is_active(self, value):
        return _("Active") if value else format_html('<span class="badge badge-warn">{}</span>', _("Closed"))

    def value_is_active(self, value):
        return str(_("Active") if value else _("Closed"))

    def value_name(self, record):
        return record.display_name


class MemberTable(tables.Table):
    volunteer = tables.Column(
        verbose_name=_("Name"), accessor="volunteer__name", order_by=("volunteer__name",),
        linkify=lambda record: reverse("operations:volunteer_detail", args=[record.volunteer_id]),
    )
    cadre_role = tables.Column(verbose_name=_("Cadre role"))
    joined_on = tables.DateColumn(verbose_name=_("Joined on"), format="Y-m-d")
    left_on = tables.DateColumn(verbose_name=_("Left on"), format="Y-m-d", default="—")
    leave_reason = tables.Column(verbose_name=_("Reason for leaving"), default="—", orderable=False)
    # in the export only: where (unit › team › sub-team) and, for those who may see them, how to reach people
    team_path = tables.Column(verbose_name=_("Team"), accessor="team_id", orderable=False, visible=False)
    phone = tables.Column(verbose_name=_("Mobile phone"), accessor="volunteer__phone", orderable=False, visible=False)
    email = tables.Column(verbose_name=_("E-mail"), accessor="volunteer__email", orderable=False, visible=False)
    actions = tables.TemplateColumn(
        template_name="operations/teams/_member_actions.html", verbose_name=_("Actions"), orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = Membership
        fields = ("volunteer", "cadre_role", "joined_on", "left_on", "leave_reason", "actions")
        order_by = ("volunteer",)
        empty_text = _("This team has no members matching these filters.")
        attrs = {"class": "data-table"}

    def __init__(self, *args, team_paths=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_paths = team_paths or {}

    # An export has empty cells where the screen shows "—".
    def value_left_on(self, value):
        return value or ""

    def value_leave_reason(self, value):
        return value or ""

    def value_team_path(self, record):
        return self.team_paths.get(record.team_id, "")

    def value_volunteer(self, record):
        return record.volunteer.name
