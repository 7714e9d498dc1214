"""The volunteer zone's training card: the volunteer's latest certificates and coming sessions (two queries)."""
from __future__ import annotations

from django import template
from django.utils import timezone

from ..models import EnrolmentStatus

register = template.Library()


@register.inclusion_tag("operations/training/_zone_card.html")
def training_card(volunteer):
    certificates = list(volunteer.training_certificates.order_by("-completed_on", "-id")[:3])
    upcoming = volunteer.enrolments.filter(status__in=(EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED),
                                           session__date__gte=timezone.localdate()).count()
    return {"certificates": certificates, "upcoming": upcoming}
