"""Review chain writes (表單審核): open a review for a form, decide a step (approve, return for changes,
reject), resubmit a returned form, and the reminders of the Celery beat job.

Every decision is keyword-only and atomic, taken on the review row locked (`select_for_update`) and read
again: the decision form carries the `version` it was shown, so a second click (or a second reviewer a
moment later) finds the version moved on and decides nothing. Nobody decides a form they submitted or one
about themselves. Every transition is a `ReviewEvent`, an audit record on the form's unit, and e-mail after
the commit (through the outbox) to whoever must act next or to the submitter.

What happens to the form itself when its review is approved, returned or rejected is the form's business:
each form type names a function (`OUTCOMES`) called inside the same transaction."""
from __future__ import annotations

import datetime
import importlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from ..mail import mail_language, send_templated_mail, site_link
from ..models import (
    CHAINS,
    AuditAction,
    Decision,
    FormType,
    OrgNode,
    Review,
    ReviewAction,
    ReviewEvent,
    ReviewState,
    RoleGrant,
    User,
)
from ..models.reviews import DECIDING_ACTIONS, ROLE_GROUPS
from ..outbox import enqueue
from ..selectors.reviews import subject_link
from .audit import audit_record

#: form type → "module.function" called with (review=…, actor=…) when the review ends or is returned
OUTCOMES = {
    FormType.RECORD_BOOK_BATCH: "operations.services.records.batch_review_outcome",
    FormType.PERFORMANCE_CERTIFICATE: "operations.services.certificates.application_review_outcome",
    FormType.HONOR_CARD: "operations.services.certificates.application_review_outcome",
    FormType.PERIOD_REPORT: "operations.services.reports.report_review_outcome",
    FormType.AWARD_NOMINATION: "operations.services.awards.award_nomination_review_outcome",
    FormType.SERVICE_PLAN: "operations.services.plans.service_plan_review_outcome",
    FormType.UNIT_APPLICATION: "operations.services.unit_applications.unit_application_review_outcome",
}

MAX_COMMENT = 2000


class AlreadyDecided(ValidationError):
    """The review moved on since the page was shown (a double click, or another reviewer)."""


def _outcome(review: Review, actor) -> None:
    module, _dot, name = OUTCOMES[review.form_type].rpartition(".")
    getattr(importlib.import_module(module), name)(review=review, actor=actor)


def round_deciders(review: Review) -> dict[int, str]:
    """Who decided a step in the review's current round: user id → the step's key. One person decides at
    most one step of a round (a returned form starts a new round)."""
    return dict(ReviewEvent.objects.filter(review_id=review.pk, version__gt=review.round_version,
                                           action__in=DECIDING_ACTIONS, actor__isnull=False)
                .values_list("actor_id", "step_key"))


def step_deciders(review: Review) -> set[int]:
    """The active people holding the current step's role on its node or above it (who may decide it if
    the form is not theirs and they have not decided another step of this round)."""
    roles = ROLE_GROUPS.get(review.current_group)
    if not roles or review.current_node_id is None:
        return set()
    node = OrgNode.objects.get(pk=review.current_node_id)
    nodes = [node.pk, *node.get_ancestors().values_list("pk", flat=True)]
    return set(RoleGrant.objects.filter(node_id__in=nodes, role__in=roles, user__is_active=True)
               .values_list("user_id", flat=True))


def may_decide(user, review: Review) -> bool:
    """The user holds the current step's role over the step's organisation node, neither submitted the
    form nor is the person it is about, and has not decided another step of this round."""
    if not (user and user.is_authenticated and user.is_active) or review.state != ReviewState.IN_REVIEW:
        return False
    if user.pk in (review.submitter_id, review.subject_user_id):
        return False
    if user.pk in round_deciders(review):
        return False
    roles = ROLE_GROUPS.get(review.current_group)
    if not roles or review.current_node_id is None:
        return False
    return OrgNode.objects.visible_to(user, roles=roles).filter(pk=review.current_node_id).exists()


def _due(review: Review, now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now) + datetime.timedelta(days=review.chain.due_days)


def _event(review: Review, action: str, actor, comment: str = "", step_key: str = "") -> ReviewEvent:
    return ReviewEvent.objects.create(review=review, version=review.version, action=action,
                                      step_key=step_key, actor=actor if getattr(actor, "pk", None) else None,
                                      comment=comment)


def review_open(*, form_type: str, node: OrgNode, title: str, submitter, subject_user=None,
                now: datetime.datetime | None = None, authority: OrgNode | None = None) -> Review:
    """A new review at the first step of the form type's chain. Call inside the form's own transaction.
    `authority`: the authority the form is addressed to (its purpose-authority steps go there)."""
    if form_type not in CHAINS:
        raise ValueError(form_type)
    now = now or timezone.now()
    review = Review(form_type=form_type, node=node, title=title[:200], submitter=submitter,
                    subject_user=subject_user, submitted_at=now, state=ReviewState.IN_REVIEW, step=0,
                    authority=authority)
    review._point_at_step()
    review.due_on = _due(review, now)
    review.save()
    _event(review, ReviewAction.SUBMITTED, submitter)
    audit_record(actor=submitter, action=AuditAction.CREATED, node=node, obj=review,
                 changes={"review": ["", ReviewAction.SUBMITTED.value]})
    enqueue("operations.tasks.send_review_email", review.pk, review.version)
    return review


def review_decide(*, actor, review: Review, decision: str, comment: str = "", version: int,
                  now: datetime.datetime | None = None, system: bool = False) -> Review:
    """Approve the current step, return the form for changes or reject it. `version` is the review's
    version the reviewer saw; a review that has moved on since raises AlreadyDecided. `system` with no
    actor: the platform itself decides (a form's service acting without a user, e.g. a data import)."""
    comment = (comment or "").strip()
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose a decision.")})
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": _("The comment is too long.")})
    if decision in (Decision.RETURN, Decision.REJECT) and not comment:
        raise ValidationError({"comment": _("Say why: the submitter reads this comment.")})
    now = now or timezone.now()
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.version != version or review.state != ReviewState.IN_REVIEW:
            raise AlreadyDecided(_("This form has already been decided at this step; nothing was changed."),
                                 code="stale")
        if not (system and actor is None) and not may_decide(actor, review):
            if actor is None:
                raise PermissionDenied(_("This step is decided by somebody else."))
            if actor.pk in (review.submitter_id, review.subject_user_id):
                raise PermissionDenied(_("You cannot decide a form you submitted or one about yourself."))
            if actor.pk in round_deciders(review):
                raise PermissionDenied(_one_step_message(review, actor))
            raise PermissionDenied(_("This step is decided by somebody else."))
        step = review.current_step
        try:
            if decision == Decision.APPROVE:
                if review.has_next_step():
                    review.advance()
                    action = ReviewAction.STEP_APPROVED
                else:
                    review.approve()
                    action = ReviewAction.APPROVED
            elif decision == Decision.RETURN:
                review.send_back()
                action = ReviewAction.RETURNED
            else:
                review.reject()
                action = ReviewAction.REJECTED
        except TransitionNotAllowed as exc:  # pragma: no cover - the state was checked above
            raise AlreadyDecided(str(exc), code="stale") from exc
        review.version += 1
        if review.state != ReviewState.IN_REVIEW:
            review.decided_at = now
        review.save()
        _event(review, action, actor, comment, step.key)
        audit_record(actor=actor, action=AuditAction.UPDATED, node=review.node, obj=review,
                     changes={"decision": [step.key, action.value]}, reason=comment[:255])
        if review.state != ReviewState.IN_REVIEW or action == ReviewAction.RETURNED:
            _outcome(review, actor)
        enqueue("operations.tasks.send_review_email", review.pk, review.version)
    return review


def _one_step_message(review: Review, actor) -> str:
    """Why `actor` may not decide the current step: they decided another one of this round. When nobody
    else may decide it, say so (a unit with too few staff for distinct sign-offs)."""
    signed = round_deciders(review)
    labels = {step.key: str(step.label) for step in review.chain.steps}
    message = _("You already decided the step “%(step)s” of this form; each step is decided by a different "
                "person.") % {"step": labels.get(signed.get(actor.pk, ""), "—")}
    others = step_deciders(review) - set(signed) - {review.submitter_id, review.subject_user_id}
    if not others:
        message += " " + _("Nobody else may decide the step “%(step)s” at %(node)s: %(count)s different people "
                           "are needed for this form. Ask for the role to be granted to another person.") % {
            "step": labels.get(review.current_step.key, "—") if review.current_step else "—",
            "node": review.current_node.display_name if review.current_node else "—",
            "count": len(review.chain.steps)}
    return message


def review_resubmit(*, actor, review: Review, version: int, comment: str = "",
                    now: datetime.datetime | None = None, on_behalf: bool = False) -> Review:
    """The submitter (or the person the form is about) sends a returned form in again: the chain starts
    again at its first step, with a new due date. `on_behalf`: the form's own service checked that the
    actor may send it in for the submitter (a colleague at the same unit correcting a returned plan)."""
    now = now or timezone.now()
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.version != version or review.state != ReviewState.RETURNED:
            raise AlreadyDecided(_("This form is not waiting for changes any more; nothing was changed."),
                                 code="stale")
        if not on_behalf and actor.pk not in (review.submitter_id, review.subject_user_id):
            raise PermissionDenied(_("Only the person who submitted the form can send it in again."))
        review.resubmit()
        review.version += 1
        review.round_version = review.version
        review.submitted_at = now
        review.due_on = _due(review, now)
        review.decided_at = None
        review.save()
        _event(review, ReviewAction.RESUBMITTED, actor, (comment or "").strip()[:MAX_COMMENT])
        audit_record(actor=actor, action=AuditAction.UPDATED, node=review.node, obj=review,
                     changes={"review": [ReviewState.RETURNED.value, ReviewAction.RESUBMITTED.value]})
        _outcome(review, actor)
        enqueue("operations.tasks.send_review_email", review.pk, review.version)
    return review


# --- E-mail ---------------------------------------------------------------------------------------------

def reviewer_addresses(review: Review) -> list[str]:
    """Who holds the current step's role on the step's node (the people who decide it), with an address."""
    roles = ROLE_GROUPS.get(review.current_group)
    if not roles or review.current_node_id is None:
        return []
    # not the submitter, the person the form is about, nor who decided another step of this round
    excluded = ({review.submitter_id, review.subject_user_id} | set(round_deciders(review))) - {None}
    return sorted(set(RoleGrant.objects.filter(node_id=review.current_node_id, role__in=roles, user__is_active=True)
                      .exclude(user__email="").exclude(user_id__in=excluded)
                      .values_list("user__email", flat=True)))


def _submitter_addresses(review: Review) -> list[tuple[str, str, bool]]:
    """(address, language, is the person the form is about) of the submitter and that person."""
    people = User.objects.filter(pk__in=[p for p in (review.submitter_id, review.subject_user_id) if p],
                                 is_active=True).exclude(email="")
    return sorted({(u.email, u.preferred_language, u.pk == review.subject_user_id) for u in people})


def _submitter_link(review: Review, is_subject: bool) -> str:
    """The volunteer follows their application in the volunteer zone; staff who submitted a form follow it
    on the form's back-office page (its review's page when it has none)."""
    if is_subject:
        return reverse("volunteer:applications")
    link = subject_link(review)
    return reverse(link[0], args=[link[1]]) if link else reverse("operations:review_detail", args=[review.pk])


def review_email_send(*, review_id: int, version: int, task=None) -> int:
    """The e-mail of one transition (the event at `version`): to the reviewers of the next step when the
    form waits for a decision, to the submitter when it was decided or returned. Once per event."""
    event = ReviewEvent.objects.select_related("review", "actor").filter(review_id=review_id, version=version).first()
    if event is None:
        return 0
    review = event.review
    sent = 0
    context = {"review": review, "event": event}
    if event.action in (ReviewAction.SUBMITTED, ReviewAction.STEP_APPROVED, ReviewAction.RESUBMITTED) \
            and review.version == version:
        to = reviewer_addresses(review)
        if to:
            with translation.override(mail_language(None)):
                context["link"] = site_link(reverse("operations:review_detail", args=[review.pk]))
                context["step"] = review.current_step
                sent += send_templated_mail("review_waiting", context, to, task=task,
                                            key=f"review:{review.pk}:{version}:reviewers")
    if event.action != ReviewAction.SUBMITTED or event.actor_id != review.submitter_id:
        for address, language, is_subject in _submitter_addresses(review):
            with translation.override(mail_language(language)):
                context["link"] = site_link(_submitter_link(review, is_subject))
                sent += send_templated_mail("review_update", context, address, language, task=task,
                                            key=f"review:{review.pk}:{version}:{address}")
    return sent


# --- Reminders (Celery beat, daily) -------------------------------------------------------------------

def review_reminders_queue(*, today: datetime.date | None = None) -> int:
    """Queue a reminder for every review waiting on its chain's reminder day (e.g. day 5 of the 7 days of a
    performance certificate) and for every overdue review, once a day."""
    today = today or timezone.localdate()
    queued = 0
    for review in Review.objects.filter(state=ReviewState.IN_REVIEW).only(
            "pk", "form_type", "submitted_at", "due_on").iterator():
        day = (today - timezone.localdate(review.submitted_at)).days
        overdue = review.due_on is not None and review.due_on < today
        if overdue or (review.chain.remind_day is not None and day == review.chain.remind_day):
            enqueue("operations.tasks.send_review_reminder", review.pk, today.isoformat())
            queued += 1
    return queued


def review_reminder_send(*, review_id: int, day: str, task=None) -> bool:
    review = Review.objects.filter(pk=review_id, state=ReviewState.IN_REVIEW).first()
    if review is None:
        return False
    to = reviewer_addresses(review)
    if not to:
        return False
    today = datetime.date.fromisoformat(day)
    with translation.override(mail_language(None)):
        context = {"review": review, "overdue": review.is_overdue(today), "step": review.current_step,
                   "link": site_link(reverse("operations:review_detail", args=[review.pk]))}
        return send_templated_mail("review_reminder", context, to, task=task,
                                   key=f"review-reminder:{review.pk}:{review.version}:{day}")
