"""Review chain reads (表單審核): "my queue" (what waits for my decision in my scope, oldest first, with
its due date), a review with its history, and the reviews of my part of the organisation."""
from __future__ import annotations

from django.db.models import QuerySet

from ..models import Review, ReviewEvent
from ..rules import VERB_ROLES


def my_queue(user) -> QuerySet:
    """Reviews waiting for a decision the user may take (never their own), oldest first."""
    return (Review.objects.waiting_for(user).select_related("node", "current_node", "submitter")
            .order_by("submitted_at", "id"))


def my_queue_count(user) -> int:
    return Review.objects.waiting_for(user).count()


def review_list(user) -> QuerySet:
    return (Review.objects.visible_to(user, roles=VERB_ROLES["operations.review.view"])
            .select_related("node", "submitter").order_by("-submitted_at", "-id"))


def review_detail(user, pk) -> Review:
    return review_list(user).get(pk=pk)


def review_history(review: Review) -> list[ReviewEvent]:
    return list(review.events.select_related("actor", "review").order_by("version", "id"))


def subject_link(review: Review) -> tuple[str, str] | None:
    """(url name, pk) of the form a review decides, for its page."""
    batch = getattr(review, "record_book_batch", None)
    if batch is not None:
        return ("operations:record_book_batch_detail", batch.pk)
    application = getattr(review, "certificate_application", None)
    if application is not None:
        return ("operations:certificate_application_detail", application.pk)
    report = getattr(review, "period_report", None)
    if report is not None:
        return ("operations:report_detail", report.pk)
    nomination = getattr(review, "award_nomination", None)
    if nomination is not None:
        return ("operations:award_nomination_detail", nomination.pk)
    plan = getattr(review, "service_plan", None)
    if plan is not None:
        return ("operations:plan_detail", plan.pk)
    unit_application = getattr(review, "unit_application", None)
    if unit_application is not None:
        return ("operations:application_detail", unit_application.pk)
    return None
