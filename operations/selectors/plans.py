"""Reads of the unit-data module: service plans (with their report due dates) and the review queue of
applications to become a unit. Every queryset starts from `visible_to(user)`."""
from __future__ import annotations

import datetime

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from ..models import FilingStatus, OrgKind, OrgNode, ServicePlan

DUE_SOON_DAYS = 30


def plan_list(user):
    return ServicePlan.objects.visible_to(user).select_related("unit", "purpose_authority")


def plans_due(user, *, today: datetime.date | None = None, within_days: int = DUE_SOON_DAYS):
    """Filed plans whose next result report is overdue or due within `within_days`, most urgent first,
    annotated with `overdue` (1/0)."""
    today = today or timezone.localdate()
    return (
        plan_list(user)
        .filter(filing_status=FilingStatus.FILED, report_due_on__isnull=False,
                report_due_on__lte=today + datetime.timedelta(days=within_days))
        .annotate(overdue=Case(When(report_due_on__lt=today, then=Value(1)), default=Value(0),
                               output_field=IntegerField()))
        .order_by("report_due_on", "unit__path", "pk")
    )


def plan_detail(user, pk: int) -> ServicePlan:
    return plan_list(user).get(pk=pk)


def authority_choices(user, *, for_filing: bool = False):
    """Purpose (and competent) authorities for a plan: any active one, since a unit files with the
    authority of the plan's field; for approving an application only those the officer holds."""
    qs = OrgNode.objects.filter(kind__in=[OrgKind.PURPOSE_AUTHORITY, OrgKind.COMPETENT_AUTHORITY], is_active=True)
    if not for_filing:
        qs = qs.visible_to(user, roles=("system_admin", "authority_officer"))
    return qs.order_by("path")
