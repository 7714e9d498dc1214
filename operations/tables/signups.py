from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..models import Signup
from ..selectors.insurance import default_age_cap
from .base import DisplayColumn


def insurance_flags(record) -> str:
    """The insurance warnings of a sign-up (annotated by selectors.insurance.with_insurance): not insured on the
    shift's date where the gate applies, older than the insurer's age cap that day."""
    cap = getattr(record, "insurance_cap", None)
    flags = []
    if cap is None and getattr(record, "insurance_gated", False):
        flags.append(str(_("Not insured on the day")))
    limit = cap if cap is not None else default_age_cap()
    if record.volunteer.age_on(record.shift.date) > limit:
        flags.append(str(_("Older than the insurer's age cap (%(cap)s) on the day") % {"cap": limit}))
    return ("; " if (get_language() or "").startswith("en") else "；").join(flags)


class SignupReviewTable(tables.Table):
    select = tables.CheckBoxColumn(accessor="pk", attrs={
        "th__input": {"aria-label": _("Select all on this page"), "data-select-all": "signups"},
        "td__input": {"name": "signups", "form": "decision-form",
                      "aria-label": lambda record: _("Select %(name)s") % {"name": record.volunteer.name}},
    }, orderable=False, exclude_from_export=True)
    volunteer = DisplayColumn(attr="name", verbose_name=_("Volunteer"), order_by=("volunteer__name",))
    date = tables.Column(verbose_name=_("Date"), accessor="shift__date",
                         linkify=lambda record: reverse("operations:shift_detail", args=[record.shift_id]))
    shift = tables.Column(verbose_name=_("Shift"), accessor="shift", order_by=("shift__date", "shift__start_time"))
    position = DisplayColumn(attr="display_title", verbose_name=_("Position"), accessor="shift__position", order_by=("shift__position__title",))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(verbose_name=_("Signed up at"), format="Y-m-d H:i")
    decision_reason = tables.Column(verbose_name=_("Reason"), orderable=False)
    insurance = tables.Column(verbose_name=_("Insurance"), accessor="pk", orderable=False)

    class Meta:
        model = Signup
        fields = ("select", "volunteer", "date", "shift", "position", "status", "created_at", "decision_reason",
                  "insurance")
        order_by = ("created_at",)
        empty_text = _("No sign-ups match these filters.")
        attrs = {"class": "data-table"}

    def render_shift(self, value):
        return f"{value.display_name} {value.start_time:%H:%M}–{value.end_time:%H:%M}"

    def value_shift(self, value):
        return f"{value.display_name} {value.start_time:%H:%M}–{value.end_time:%H:%M}"

    def value_insurance(self, record):
        return insurance_flags(record)

    def render_insurance(self, record):
        flags = insurance_flags(record)
        if not flags:
            return _("Insured on the day") if getattr(record, "insurance_cap", None) is not None else "—"
        return format_html_join(" ", '<span class="badge badge-warn">{}</span>', ((flag,) for flag in flags.split(
            "; " if (get_language() or "").startswith("en") else "；")))

    def render_status(self, record):
        return format_html('<span class="status status-{}">{}</span>', record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()
