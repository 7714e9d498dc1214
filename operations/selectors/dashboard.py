"""The back-office home: "what waits for me" in my part of the organisation. Every figure is read through
the one scope (and the roles that may act on it), so the count on the dashboard is the length of the list
it links to."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from ..models import (
    CampaignStatus,
    OrgKind,
    OrgNode,
    RosterImport,
    RosterStatus,
    Shift,
    Signup,
    SignupStatus,
    Volunteer,
)
from ..rules import VERB_ROLES
from .attendance import shifts_that_need
from .plans import plans_due
from .recruitment import campaign_list
from .reviews import my_queue_count
from .unit_applications import pending_application_count

#: how far ahead "shifts coming up" looks, and how far back failed imports are shown
UPCOMING_DAYS = 7
FAILED_IMPORT_DAYS = 14


def dashboard_counts(user) -> dict[str, int]:
    """The size of the user's part of the organisation. Open campaigns are those of `campaign_list` (a
    venue sees the organising committee's campaign through its own positions), as on the campaign page."""
    nodes = OrgNode.objects.visible_to(user).filter(is_active=True)
    return {
        "units": nodes.filter(kind=OrgKind.UNIT).count(),
        "teams": nodes.filter(kind__in=[OrgKind.TEAM, OrgKind.SUBTEAM]).count(),
        "volunteers": Volunteer.objects.visible_to(user).count(),
        "open_campaigns": campaign_list(user).filter(status=CampaignStatus.OPEN).count(),
    }


def upcoming_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return today, today + datetime.timedelta(days=UPCOMING_DAYS - 1)


@dataclass(frozen=True)
class WorkQueue:
    """What waits for the user; None where the user may not act on that kind of work at all."""

    signups_to_review: int | None
    shifts_with_free_seats: int | None
    shifts_with_undecided: int | None
    missing_checkouts: int | None
    plans_due: int | None
    applications_waiting: int | None
    failed_imports: list
    window: tuple[datetime.date, datetime.date]
    reviews_waiting: int | None = None


def upcoming_shifts(user, need: str, *, today: datetime.date | None = None):
    """Shifts of the coming week in the user's scope that still need something (`SHIFT_NEEDS`)."""
    start, end = upcoming_window(today)
    return shifts_that_need(Shift.objects.visible_to(user).filter(date__range=(start, end)), need, today=start)


def missing_checkouts(user, *, today: datetime.date | None = None):
    """Past shifts in the user's scope where somebody checked in and never checked out."""
    return shifts_that_need(Shift.objects.visible_to(user), "missing_checkout", today=today)


def work_queue(user, *, today: datetime.date | None = None) -> WorkQueue:
    today = today or timezone.localdate()
    may = user.has_perm
    decide = may("operations.signup.decide")
    signups = None
    if decide:
        signups = (Signup.objects.visible_to(user, roles=VERB_ROLES["operations.signup.decide"])
                   .filter(status=SignupStatus.APPLIED, shift__date__gte=today).count())
    since = timezone.now() - datetime.timedelta(days=FAILED_IMPORT_DAYS)
    failed = list(RosterImport.objects.filter(created_by=user, status=RosterStatus.FAILED, created_at__gte=since,
                                              team__isnull=False).select_related("team").order_by("-created_at")[:5])
    return WorkQueue(
        signups_to_review=signups,
        shifts_with_free_seats=(upcoming_shifts(user, "free_seats", today=today).count()
                                if may("operations.shift.view") else None),
        shifts_with_undecided=upcoming_shifts(user, "undecided", today=today).count() if decide else None,
        missing_checkouts=(missing_checkouts(user, today=today).count()
                           if may("operations.shift.take_attendance") else None),
        plans_due=plans_due(user, today=today).count() if may("operations.serviceplan.view") else None,
        applications_waiting=(pending_application_count(user) if may("operations.unitapplication.view") else None),
        failed_imports=failed,
        window=upcoming_window(today),
        reviews_waiting=my_queue_count(user) if may("operations.review.decide") else None,
    )


def campaign_fill(user, *, limit: int = 10) -> list[dict]:
    """The user's open campaigns with their seats needed and taken in the user's part (two queries)."""
    campaigns = list(campaign_list(user).filter(status=CampaignStatus.OPEN)[:limit])
    seats = {
        row["position__campaign"]: row
        for row in Shift.objects.visible_to(user).filter(position__campaign__in=[c.pk for c in campaigns])
        .values("position__campaign").annotate(needed=Sum("headcount"), taken=Sum("accepted_count"))
        .order_by()
    }
    rows = []
    for campaign in campaigns:
        row = seats.get(campaign.pk, {})
        needed, taken = row.get("needed") or 0, row.get("taken") or 0
        rows.append({"campaign": campaign, "needed": needed, "taken": taken,
                     "percent": round(100 * taken / needed) if needed else None})
    return rows


