from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import InsurancePolicy, Signup, Volunteer
from .base import DisplayColumn


class PolicyTable(tables.Table):
    policy_number = tables.Column(verbose_name=_("Policy number"),
                                  linkify=lambda record: reverse("operations:insurance_policy_detail", args=[record.pk]))
    insurer = tables.Column(verbose_name=_("Insurer"))
    node = DisplayColumn(verbose_name=_("Insured organisation"), order_by=("node__path",))
    kind = tables.Column(verbose_name=_("Type"))
    starts_on = tables.DateColumn(verbose_name=_("Starts on"), format="Y-m-d")
    ends_on = tables.DateColumn(verbose_name=_("Ends on"), format="Y-m-d")
    age_cap = tables.Column(verbose_name=_("Age cap"))

    class Meta:
        model = InsurancePolicy
        fields = ("policy_number", "insurer", "node", "kind", "starts_on", "ends_on", "age_cap")
        order_by = ("-ends_on",)
        empty_text = _("No insurance policies match these filters.")
        attrs = {"class": "data-table"}


class InsuredTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=lambda record: reverse("operations:volunteer_detail",
                                                                                 args=[record.pk]))
    masked_id = tables.Column(verbose_name=_("ID number"), orderable=False, accessor="masked_id")
    sex = tables.Column(verbose_name=_("Sex"))
    birth_date = tables.DateColumn(verbose_name=_("Date of birth"), format="Y-m-d")
    age = tables.Column(verbose_name=_("Age on the day"), orderable=False, empty_values=())

    class Meta:
        model = Volunteer
        fields = ("name", "masked_id", "sex", "birth_date", "age")
        order_by = ("name",)
        empty_text = _("Nobody is insured on this date.")
        attrs = {"class": "data-table"}

    def __init__(self, *args, day=None, cap=None, **kwargs):
        self.day, self.cap = day, cap
        super().__init__(*args, **kwargs)

    def render_age(self, record):
        age = record.age_on(self.day)
        if self.cap is not None and age > self.cap:
            return _("%(age)s (over the age cap of %(cap)s)") % {"age": age, "cap": self.cap}
        return age


class UninsuredTable(tables.Table):
    date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d", accessor="shift__date", order_by=("shift__date",))
    time = tables.Column(verbose_name=_("Time"), accessor="shift__start_time", orderable=False)
    position = DisplayColumn(verbose_name=_("Position"), accessor="shift__position", attr="display_title",
                             orderable=False)
    volunteer = tables.Column(verbose_name=_("Volunteer"), accessor="volunteer__name",
                              linkify=lambda record: reverse("operations:volunteer_detail", args=[record.volunteer_id]))

    class Meta:
        model = Signup
        fields = ("date", "time", "position", "volunteer")
        empty_text = _("Every volunteer accepted for these shifts is insured on the day.")
        attrs = {"class": "data-table"}

    def render_time(self, record):
        return f"{record.shift.start_time:%H:%M}–{record.shift.end_time:%H:%M}"
