"""django-tables2 tables of the team, unit-data and unit-application screens. `value_*` methods give the
plain values the exports use (the same columns as on screen)."""
from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Membership, OrgNode, ServicePlan, UnitApplication
from .tables import DisplayColumn


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


class ServicePlanTable(tables.Table):
    title = tables.Column(verbose_name=_("Title"), linkify=lambda record: reverse("operations:plan_detail", args=[record.pk]))
    unit = DisplayColumn(verbose_name=_("Unit"), order_by=("unit__path",))
    starts_on = tables.DateColumn(verbose_name=_("Starts on"), format="Y-m-d")
    ends_on = tables.DateColumn(verbose_name=_("Ends on"), format="Y-m-d")
    filing_status = tables.Column(verbose_name=_("Filing status"))
    filing_reference = tables.Column(verbose_name=_("Filing reference number"), default="—")
    report_due_on = tables.DateColumn(verbose_name=_("Next report due on"), format="Y-m-d", default="—")

    class Meta:
        model = ServicePlan
        fields = ("title", "unit", "starts_on", "ends_on", "filing_status", "filing_reference", "report_due_on")
        order_by = ("-starts_on",)
        empty_text = _("No service plans match these filters.")
        attrs = {"class": "data-table"}

    def render_report_due_on(self, record, value):
        today = timezone.localdate()
        if record.filing_status != "filed":
            return format_html('{} <span class="muted">({})</span>', value.isoformat(), _("once filed"))
        if value < today:
            return format_html('{} <span class="badge badge-danger">{}</span>', value.isoformat(), _("Overdue"))
        if (value - today).days <= 30:
            return format_html('{} <span class="badge badge-warn">{}</span>', value.isoformat(), _("Due soon"))
        return value.isoformat()

    def value_report_due_on(self, value):
        return value


class UnitApplicationTable(tables.Table):
    reference = tables.Column(
        verbose_name=_("Reference number"),
        linkify=lambda record: reverse("operations:application_detail", args=[record.pk]),
    )
    organisation_name = tables.Column(verbose_name=_("Organisation name"))
    category = tables.Column(verbose_name=_("Category"))
    purpose_authority = tables.Column(verbose_name=_("Purpose authority"), order_by=("purpose_authority__path",),
                                      default="—")
    city = tables.Column(verbose_name=_("City"))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(verbose_name=_("Submitted at"), format="Y-m-d H:i")

    class Meta:
        model = UnitApplication
        fields = ("reference", "organisation_name", "category", "purpose_authority", "city", "status", "created_at")
        order_by = ("-created_at",)
        empty_text = _("No applications match these filters.")
        attrs = {"class": "data-table"}

    def render_purpose_authority(self, value):
        return value.display_name

    def value_purpose_authority(self, value):
        return value.display_name if value else ""

    def render_status(self, record, value):
        css = {"pending": "badge-warn", "approved": "", "rejected": "badge-danger"}.get(record.status, "")
        return format_html('<span class="badge {}">{}</span>', css, value)

    def value_status(self, record):
        return record.get_status_display()


class UnitTable(tables.Table):
    name = DisplayColumn(own=True, verbose_name=_("Unit"), linkify=lambda record: reverse("operations:unit_detail", args=[record.pk]))
    category = tables.Column(verbose_name=_("Category"))
    registration_type = tables.Column(verbose_name=_("Registration type"))
    city = tables.Column(verbose_name=_("City"))
    contact_person = tables.Column(verbose_name=_("Contact person"), orderable=False)
    phone = tables.Column(verbose_name=_("Phone"), orderable=False)
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = OrgNode
        fields = ("name", "category", "registration_type", "city", "contact_person", "phone", "is_active")
        order_by = ("name",)
        empty_text = _("No units match these filters.")
        attrs = {"class": "data-table"}

    def render_is_active(self, value):
        return _("Active") if value else format_html('<span class="badge badge-warn">{}</span>', _("Closed"))

    def value_is_active(self, value):
        return str(_("Active") if value else _("Closed"))
