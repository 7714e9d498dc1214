"""The volunteer zone's training card: the volunteer's latest certificates and coming sessions (two queries)."""
from __future__ import annotations

from django import template
from django.utils import timezone

from ..models import EnrolmentStatus
from ..selectors.codes import service_category_label

register = template.Library()


@register.inclusion_tag("operations/training/_zone_card.html")
def training_card(volunteer):
    certificates = list(volunteer.training_certificates.select_related("course").order_by("-completed_on", "-id")[:3])
    upcoming = volunteer.enrolments.filter(status__in=(EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED),
                                           session__date__gte=timezone.localdate()).count()
    return {"certificates": certificates, "upcoming": upcoming}


@register.inclusion_tag("operations/training/_summary.html")
def training_summary(volunteer):
    """The volunteer's training in brief on their back-office page (one query): basic done, and the
    categories they are trained for since when."""
    from ..selectors.training import Holding, basic_on, trained_on

    holdings = [Holding(*row) for row in volunteer.training_certificates.order_by().values_list(
        "kind", "category", "course_id", "completed_on")]
    categories = sorted({h.category for h in holdings if h.category})
    trained = [(category, trained_on(holdings, category)) for category in categories]
    return {"volunteer": volunteer, "basic_on": basic_on(holdings), "count": len(holdings),
            "trained": [(service_category_label(c), day) for c, day in trained if day]}
