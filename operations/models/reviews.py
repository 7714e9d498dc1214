"""The review chain (表單審核, back-office module 8): one engine for every form that needs decisions.

A form (a record-book batch, a performance certificate, an honor card) opens one `Review`. Its form type
names a chain of steps (`CHAINS`); each step is decided at an organisation level (the form's unit, the
purpose authority above it, the competent authority at the root) by a named role group. At each step a
reviewer approves (the review moves to the next step, or is approved after the last one), returns it for
changes (back to the submitter, who resubmits: the chain starts again) or rejects it, each with a comment.
Every transition is a `ReviewEvent` (the history), numbered by the review's `version`: a unique constraint
makes two decisions at the same version impossible, so a double click decides once.

The states and transitions are declared with django-fsm-2 (`FSMField` and `@transition`): a transition not
allowed from the current state raises `TransitionNotAllowed`, and the conditions (another step follows or
not) sit beside the transition rather than in `if`s across services.

Scope: a review belongs to its form's unit (`node`): it is visible to the staff whose grants cover that unit
(the unit's own managers and the authorities above it). The step waiting for a decision is denormalised on
the row (`current_node`, `current_group`), so "my queue" is one indexed query."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ..roles import AUTHORITIES, Role
from ..scoping import scope_q
from .organisations import OrgKind, OrgNode


class FormType(models.TextChoices):
    RECORD_BOOK_BATCH = "record_book_batch", _("Record book application")
    PERFORMANCE_CERTIFICATE = "performance_certificate", _("Performance certificate")
    HONOR_CARD = "honor_card", _("Honor card")
    PERIOD_REPORT = "period_report", _("Half-year or annual report")
    AWARD_NOMINATION = "award_nomination", _("Award nomination")
    SERVICE_PLAN = "service_plan", _("Service plan filing")
    UNIT_APPLICATION = "unit_application", _("Application to become a unit")


class StepLevel(models.TextChoices):
    UNIT = "unit", _("The unit")
    PURPOSE_AUTHORITY = "purpose", _("The purpose authority above the unit")
    COMPETENT_AUTHORITY = "competent", _("The competent authority")


#: who decides a step, by the group named in its configuration
ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "unit": (Role.UNIT_ADMIN,),
    "authority": AUTHORITIES,
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    level: str
    group: str


@dataclass(frozen=True)
class Chain:
    steps: tuple[Step, ...]
    due_days: int  # the whole review is due this many days after (re)submission
    remind_day: int | None = None  # an extra reminder this many days after (re)submission


CASE_OFFICER = Step("case_officer", _("Case officer"), StepLevel.UNIT, "unit")
SUPERVISOR = Step("supervisor", _("Volunteer supervisor"), StepLevel.UNIT, "unit")
UNIT_HEAD = Step("unit_head", _("Unit head"), StepLevel.UNIT, "unit")
PURPOSE_AUTHORITY = Step("purpose_authority", _("Purpose authority"), StepLevel.PURPOSE_AUTHORITY, "authority")
COMPETENT_AUTHORITY = Step("competent_authority", _("Competent authority (Department of Social Welfare)"),
                           StepLevel.COMPETENT_AUTHORITY, "authority")
# the purpose authority the form names (a service plan's), or the one above the unit when it names none
# the authority a unit application is addressed to (the root when the applicant chose none)
APPLICATION_AUTHORITY = Step("application_authority", _("Authority the application is addressed to"),
                             StepLevel.PURPOSE_AUTHORITY, "authority")
PLAN_AUTHORITY = Step("plan_authority", _("Purpose authority the plan is filed with"), StepLevel.PURPOSE_AUTHORITY,
                      "authority")

#: the configured chain of each form type (DOMAIN.md §1.6, §1.8, §1.9)
CHAINS: dict[str, Chain] = {
    # the unit applies for record books to its (local) purpose authority, which issues the numbers
    FormType.RECORD_BOOK_BATCH: Chain((CASE_OFFICER, PURPOSE_AUTHORITY), due_days=30, remind_day=21),
    # the unit's case officer, supervisor and head check it and issue within 7 days (reminder on day 5)
    FormType.PERFORMANCE_CERTIFICATE: Chain((CASE_OFFICER, SUPERVISOR, UNIT_HEAD), due_days=7, remind_day=5),
    # the unit checks the papers, the competent authority (社會局) decides and prints the card
    FormType.HONOR_CARD: Chain((CASE_OFFICER, COMPETENT_AUTHORITY), due_days=30, remind_day=21),
    # half-year and annual reports (DOMAIN §1.3, §1.12): the unit's submission is its step; the purpose
    # authority above it, then the competent authority decide (models.reports)
    FormType.PERIOD_REPORT: Chain((PURPOSE_AUTHORITY, COMPETENT_AUTHORITY), due_days=30, remind_day=21),
    # the unit's part is the nomination itself; it goes to the purpose authority, which forwards it to the
    # competent authority (DOMAIN.md §1.10: each stage of the yearly calendar is about a month apart, e.g.
    # unit 07-31 → authority 08-31), so each step has about a month: 30 days in all, reminder on day 21
    FormType.AWARD_NOMINATION: Chain((PURPOSE_AUTHORITY, COMPETENT_AUTHORITY), due_days=30, remind_day=21),
    # the unit files its plan with the purpose authority it names (DOMAIN.md §1.3; 志願服務法 Art.7); no
    # period is set in law: 30 days as for the other authority steps, reminder on day 21
    FormType.SERVICE_PLAN: Chain((PLAN_AUTHORITY,), due_days=30, remind_day=21),
    # an organisation applies to become a unit; the authority it chose (else the competent authority)
    # decides and creates the unit. No period in the sources: 30 days, reminder on day 21
    FormType.UNIT_APPLICATION: Chain((APPLICATION_AUTHORITY,), due_days=30, remind_day=21),
}


class ReviewState(models.TextChoices):
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Returned for changes")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return for changes")
    REJECT = "reject", _("Reject")


class ReviewAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    STEP_APPROVED = "step_approved", _("Approved the step")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    REJECTED = "rejected", _("Rejected")


def step_node(level: str, node: OrgNode, authority: OrgNode | None = None) -> OrgNode:
    """The organisation node that decides a step of `level` for a form of `node`'s unit (a purpose-authority
    step goes to the `authority` the form names, when it names one)."""
    if level == StepLevel.UNIT:
        return node
    if level == StepLevel.PURPOSE_AUTHORITY and authority is not None:
        return authority
    ancestors = list(node.get_ancestors()) if not node.is_root() else []
    if level == StepLevel.PURPOSE_AUTHORITY:
        purposes = [a for a in ancestors if a.kind == OrgKind.PURPOSE_AUTHORITY]
        if purposes:
            return purposes[-1]
    return ancestors[0] if ancestors else node


#: the actions that decide a step: one person takes at most one of them per round of a review
DECIDING_ACTIONS = (ReviewAction.STEP_APPROVED, ReviewAction.APPROVED, ReviewAction.RETURNED, ReviewAction.REJECTED)


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        # the form's unit, or the authority it is addressed to (a plan filed with an authority off its branch)
        return self.filter(scope_q(user, "node", roles=roles) | scope_q(user, "authority", roles=roles))

    def waiting_for(self, user):
        """Reviews in review whose current step the user may decide (their own applications, and those
        where they already decided a step of this round, left out)."""
        waiting = Q(pk__in=[])
        for group, roles in ROLE_GROUPS.items():
            waiting |= Q(current_group=group) & scope_q(user, "current_node", roles=roles)
        signed = ReviewEvent.objects.filter(review=models.OuterRef("pk"), actor_id=user.pk,
                                            version__gt=models.OuterRef("round_version"),
                                            action__in=DECIDING_ACTIONS)
        return (self.filter(waiting, state=ReviewState.IN_REVIEW)
                .exclude(submitter_id=user.pk).exclude(subject_user_id=user.pk)
                .exclude(models.Exists(signed)))


class Review(models.Model):
    form_type = models.CharField(_("form"), max_length=32, choices=FormType.choices, db_index=True)
    node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("unit"))
    title = models.CharField(_("title"), max_length=200)
    submitter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("submitted by"))
    # the person the form is about (a volunteer's account): they never decide it either
    subject_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    state = FSMField(_("status"), default=ReviewState.IN_REVIEW, choices=ReviewState.choices, db_index=True)
    step = models.PositiveSmallIntegerField(default=0)
    current_node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    current_group = models.CharField(max_length=16, blank=True)
    version = models.PositiveIntegerField(default=1)
    # the version of the (re)submission that started the current round: the decisions after it are this
    # round's, and one person takes at most one of them
    round_version = models.PositiveIntegerField(default=1)
    # the authority the form is addressed to, when it names one (a service plan's purpose authority):
    # purpose-authority steps go there, and its officers see the review
    authority = models.ForeignKey(OrgNode, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("addressed to"))
    submitted_at = models.DateTimeField(_("submitted at"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["state", "current_group", "submitted_at"], name="review_queue")]

    def __str__(self):
        return self.title

    # --- the chain ---
    @property
    def chain(self) -> Chain:
        return CHAINS[self.form_type]

    @property
    def current_step(self) -> Step | None:
        steps = self.chain.steps
        return steps[self.step] if self.state == ReviewState.IN_REVIEW and self.step < len(steps) else None

    def has_next_step(self) -> bool:
        return self.step + 1 < len(self.chain.steps)

    def is_last_step(self) -> bool:
        return not self.has_next_step()

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.state == ReviewState.IN_REVIEW and self.due_on is not None and self.due_on < today

    def _point_at_step(self) -> None:
        step = self.chain.steps[self.step]
        self.current_node = step_node(step.level, self.node, self.authority)
        self.current_group = step.group

    def _clear_step(self) -> None:
        self.current_node = None
        self.current_group = ""

    # --- transitions (django-fsm-2) ---
    @transition(field=state, source=ReviewState.IN_REVIEW, target=ReviewState.IN_REVIEW, conditions=[has_next_step])
    def advance(self):
        self.step += 1
        self._point_at_step()

    @transition(field=state, source=ReviewState.IN_REVIEW, target=ReviewState.APPROVED, conditions=[is_last_step])
    def approve(self):
        self._clear_step()

    @transition(field=state, source=ReviewState.IN_REVIEW, target=ReviewState.RETURNED)
    def send_back(self):
        self._clear_step()

    @transition(field=state, source=ReviewState.IN_REVIEW, target=ReviewState.REJECTED)
    def reject(self):
        self._clear_step()

    @transition(field=state, source=ReviewState.RETURNED, target=ReviewState.IN_REVIEW)
    def resubmit(self):
        self.step = 0
        self._point_at_step()


class ReviewEvent(models.Model):
    """One transition of a review: who, what, at which step, with which comment."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    version = models.PositiveIntegerField()
    action = models.CharField(_("action"), max_length=16, choices=ReviewAction.choices)
    step_key = models.CharField(max_length=32, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("review event")
        verbose_name_plural = _("review events")
        ordering = ["version", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "version"], name="review_event_once_per_version")]

    def __str__(self):
        return f"{self.review_id} v{self.version} {self.action}"

    @property
    def step_label(self) -> str:
        for step in CHAINS[self.review.form_type].steps:
            if step.key == self.step_key:
                return str(step.label)
        return ""
