from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import Course, TrainingCertificate, Volunteer
from .base import DisplayColumn


class CourseTable(tables.Table):
    title = DisplayColumn(verbose_name=_("Course"), attr="display_title", own=True, order_by=("title",),
                          linkify=lambda record: reverse("operations:course_detail", args=[record.pk]))
    kind = tables.Column(verbose_name=_("Kind"))
    category = tables.Column(verbose_name=_("Service category"), default="—")
    hours = tables.Column(verbose_name=_("Hours"))
    organiser = DisplayColumn(verbose_name=_("Organiser"), order_by=("organiser__path",))
    is_active = tables.BooleanColumn(verbose_name=_("Offered"))

    class Meta:
        model = Course
        fields = ("title", "kind", "category", "hours", "organiser", "is_active")
        order_by = ("kind", "title")
        empty_text = _("No courses match these filters.")
        attrs = {"class": "data-table"}


class CertificateTable(tables.Table):
    volunteer = tables.Column(verbose_name=_("Volunteer"), accessor="volunteer__name", order_by=("volunteer__name",),
                              linkify=lambda record: reverse("operations:volunteer_training",
                                                             args=[record.volunteer_id]))
    kind = tables.Column(verbose_name=_("Kind"))
    category = tables.Column(verbose_name=_("Service category"), default="—")
    course_name = tables.Column(verbose_name=_("Course"), accessor="display_course_name", order_by=("course_name",))
    organiser_name = tables.Column(verbose_name=_("Organiser"))
    hours = tables.Column(verbose_name=_("Hours"))
    completed_on = tables.DateColumn(verbose_name=_("Completed on"), format="Y-m-d")
    number = tables.Column(verbose_name=_("Certificate number"))
    source = tables.Column(verbose_name=_("Source"))

    class Meta:
        model = TrainingCertificate
        fields = ("volunteer", "kind", "category", "course_name", "organiser_name", "hours", "completed_on",
                  "number", "source")
        order_by = ("-completed_on",)
        empty_text = _("No certificates match these filters.")
        attrs = {"class": "data-table"}


class GapTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=lambda record: reverse("operations:volunteer_training",
                                                                                args=[record.pk]))
    basic_on = tables.DateColumn(verbose_name=_("Basic training"), format="Y-m-d", default=_("Missing"),
                                 orderable=False)
    special_on = tables.DateColumn(verbose_name=_("Special training"), format="Y-m-d", default=_("Missing"),
                                   orderable=False)
    course_on = tables.DateColumn(verbose_name=_("Required course"), format="Y-m-d", default=_("Missing"),
                                  orderable=False)
    phone = tables.Column(verbose_name=_("Mobile phone"), default="—", orderable=False)

    class Meta:
        model = Volunteer
        fields = ("name", "basic_on", "special_on", "course_on", "phone")
        order_by = ("name",)
        empty_text = _("Everybody here is trained for this.")
        attrs = {"class": "data-table"}

    def __init__(self, *args, with_course=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_course:
            self.columns.hide("course_on")
