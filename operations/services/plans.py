"""Service plans (志願服務計畫, Volunteer Service Act Art.7; DOMAIN.md §1.3): create, edit, file and
record the result reports. Report due dates are computed by the model (`ServicePlan.report_periods`).

Filing goes through the review chain: a plan set to "submitted" opens a review (unit → the purpose
authority it names); the authority approves (the plan is filed), returns it with a comment (the unit
corrects it and submits it again: the same review starts again) or rejects it (returned; a later
submission opens a new review). An authority officer who records the filing on the plan's own page
(reference number and date) decides the review at the same time."""
from __future__ import annotations

import datetime
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AuditAction, Decision, FilingStatus, FormType, OrgKind, OrgNode, ReviewState, ServicePlan
from .audit import audit_record
from .reviews import AlreadyDecided, may_decide, review_decide, review_open, review_resubmit

PLAN_FIELDS = (
    "title", "purpose_authority", "starts_on", "ends_on", "recruitment", "training", "management",
    "deployment", "guidance", "evaluation", "service_items", "certificate", "filing_status", "filing_reference",
    "filed_on",
)
# Filing states only an authority may set: the authority files (備案) or returns a plan.
AUTHORITY_STATES = {FilingStatus.FILED, FilingStatus.REJECTED}

CERTIFICATE_MAX_BYTES = 5 * 1024 * 1024
# extension → the first bytes such a file starts with
CERTIFICATE_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def validate_certificate(upload) -> None:
    """A copy of the registration certificate: PDF, PNG or JPEG, at most 5 MB, and really that type."""
    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext not in CERTIFICATE_SIGNATURES:
        raise ValidationError(
            {"certificate": _("The certificate must be a PDF, PNG or JPEG file.")}, code="certificate_type"
        )
    if upload.size > CERTIFICATE_MAX_BYTES:
        raise ValidationError(
            {"certificate": _("The certificate file is larger than 5 MB.")}, code="certificate_size"
        )
    from volunteer_site.filetypes import detect

    try:
        detect(upload, {"pdf", "png", "jpeg"})  # parsed or decoded, not only the first bytes
    except ValidationError:
        raise ValidationError(
            {"certificate": _("The file's content does not match its type; upload the scanned certificate again.")},
            code="certificate_content",
        ) from None


def _check(plan: ServicePlan) -> None:
    errors: dict[str, list[str]] = {}
    if not (plan.title or "").strip():
        errors.setdefault("title", []).append(_("Give the plan a title."))
    if plan.starts_on and plan.ends_on and plan.ends_on < plan.starts_on:
        errors.setdefault("ends_on", []).append(_("The plan cannot end before it starts."))
    if plan.purpose_authority_id and plan.purpose_authority.kind not in (
        OrgKind.PURPOSE_AUTHORITY, OrgKind.COMPETENT_AUTHORITY
    ):
        errors.setdefault("purpose_authority", []).append(_("Choose a purpose authority."))
    if plan.filing_status != FilingStatus.DRAFT:
        for field in ServicePlan.SEVEN_ELEMENTS:
            if not (getattr(plan, field) or "").strip():
                errors.setdefault(field, []).append(_("A plan submitted for filing must describe this element."))
        if not plan.purpose_authority_id:
            errors.setdefault("purpose_authority", []).append(_("Choose the purpose authority the plan is filed with."))
        if plan.unit.needs_certificate and not plan.certificate:
            errors.setdefault("certificate", []).append(
                _("Attach a copy of the registration certificate (required for registered organisations).")
            )
    if plan.filing_status == FilingStatus.FILED:
        if not (plan.filing_reference or "").strip():
            errors.setdefault("filing_reference", []).append(_("A filed plan needs the reference number of the filing."))
        if not plan.filed_on:
            errors.setdefault("filed_on", []).append(_("A filed plan needs the date of the filing."))
        elif plan.filed_on > timezone.localdate():
            errors.setdefault("filed_on", []).append(_("The filing date cannot be in the future."))
    if errors:
        raise ValidationError(errors)


def _apply(plan: ServicePlan, fields: dict) -> dict[str, list[str]]:
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"Unknown plan fields: {sorted(unknown)}")
    changes = {}
    for field, value in fields.items():
        if field == "certificate":
            if value in (None, ""):
                continue
            if value is False:  # "clear" ticked on the form
                value = ""
            else:
                validate_certificate(value)
        old = getattr(plan, field)
        if old != value:
            label = "(file)" if field == "certificate" else None
            changes[field] = [label or str(old or ""), label or str(value or "")]
            setattr(plan, field, value)
    return changes


def _require_filing_right(actor, plan: ServicePlan, old_status: str | None) -> None:
    if actor is None or plan.filing_status == old_status:
        return
    if old_status == FilingStatus.SUBMITTED and plan.review_id and plan.review.state == ReviewState.IN_REVIEW \
            and plan.filing_status == FilingStatus.DRAFT:
        raise ValidationError({"filing_status": _("The plan is waiting for the authority's decision; it can go "
                                                  "back to draft once it is returned.")})
    # a returned plan is corrected and submitted again by its unit
    resubmission = old_status == FilingStatus.REJECTED and plan.filing_status in (FilingStatus.SUBMITTED,
                                                                                  FilingStatus.DRAFT)
    if plan.filing_status in AUTHORITY_STATES or (old_status in AUTHORITY_STATES and not resubmission):
        if not actor.has_perm("operations.serviceplan.file", plan):
            raise ValidationError(
                {"filing_status": _("Only an officer of an authority can file or return a plan.")}
            )


@transaction.atomic
def service_plan_create(*, actor, unit: OrgNode, **fields) -> ServicePlan:
    if unit.kind != OrgKind.UNIT:
        raise ValidationError({"unit": _("Service plans belong to a volunteer-using unit.")})
    if actor is not None and not actor.has_perm("operations.orgnode.change", unit):
        raise PermissionDenied(_("You cannot keep service plans for this unit."))
    plan = ServicePlan(unit=unit)
    fields.setdefault("filing_status", FilingStatus.DRAFT)
    _apply(plan, fields)
    _require_filing_right(actor, plan, FilingStatus.DRAFT)
    _check(plan)
    plan.full_clean(exclude=["certificate"])
    plan.save()
    audit_record(actor=actor, action=AuditAction.CREATED, node=unit, obj=plan)
    _follow_filing(actor, plan, FilingStatus.DRAFT)
    return plan


@transaction.atomic
def service_plan_update(*, actor, plan: ServicePlan, **fields) -> ServicePlan:
    plan = ServicePlan.objects.select_for_update().select_related("unit").get(pk=plan.pk)
    if actor is not None and not actor.has_perm("operations.serviceplan.change", plan):
        raise PermissionDenied(_("You cannot change this service plan."))
    old_status = plan.filing_status
    changes = _apply(plan, fields)
    _require_filing_right(actor, plan, old_status)
    _check(plan)
    plan.full_clean(exclude=["certificate"])
    plan.save()
    if changes:
        audit_record(actor=actor, action=AuditAction.UPDATED, node=plan.unit, obj=plan, changes=changes)
    _follow_filing(actor, plan, old_status)
    return plan


def _follow_filing(actor, plan: ServicePlan, old_status: str) -> None:
    """The review chain follows the filing status set on the plan's page (inside the caller's transaction):
    submitted → a review opens (or the returned one starts again); filed or returned by an authority
    officer → that officer decides the review waiting for them."""
    new_status = plan.filing_status
    review = plan.review
    if new_status == old_status:
        return
    if new_status == FilingStatus.SUBMITTED:
        if review is not None and review.state == ReviewState.RETURNED:
            if review.authority_id != plan.purpose_authority_id:  # the unit chose another authority
                type(review).objects.filter(pk=review.pk).update(authority=plan.purpose_authority)
            review_resubmit(actor=actor, review=review, version=review.version, on_behalf=True)
        elif review is None or review.state != ReviewState.IN_REVIEW:
            plan.review = review_open(form_type=FormType.SERVICE_PLAN, node=plan.unit, title=plan.title,
                                      submitter=actor, authority=plan.purpose_authority)
            plan.save(update_fields=["review", "updated_at"])
        return
    if new_status in AUTHORITY_STATES and review is not None and review.state == ReviewState.IN_REVIEW:
        if actor is None or not may_decide(actor, review):
            raise ValidationError({"filing_status": _("This plan is waiting in the review chain for somebody else's "
                                                      "decision (%(node)s).") % {
                "node": review.current_node.display_name if review.current_node else "—"}})
        decision = Decision.APPROVE if new_status == FilingStatus.FILED else Decision.RETURN
        try:
            review_decide(actor=actor, review=review, decision=decision, version=review.version,
                          comment="" if decision == Decision.APPROVE else _("Returned on the plan's page."))
        except AlreadyDecided as exc:
            raise ValidationError({"filing_status": exc.messages[0]}) from exc


def service_plan_review_outcome(*, review, actor) -> None:
    """Called by the review engine inside its transaction: approved → filed (today, with a platform
    reference number unless the officer gave the authority's own); returned or rejected → returned;
    sent in again → submitted."""
    plan = ServicePlan.objects.select_for_update().select_related("unit").get(review=review)
    old = plan.filing_status
    if review.state == ReviewState.APPROVED:
        plan.filing_status = FilingStatus.FILED
        plan.filed_on = plan.filed_on or timezone.localdate()
        if not (plan.filing_reference or "").strip():
            plan.filing_reference = f"SP{timezone.localdate():%Y}-{review.pk:05d}"
    elif review.state in (ReviewState.RETURNED, ReviewState.REJECTED):
        plan.filing_status = FilingStatus.REJECTED
    else:
        plan.filing_status = FilingStatus.SUBMITTED
    if plan.filing_status != old:
        plan.save(update_fields=["filing_status", "filed_on", "filing_reference", "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATED, node=plan.unit, obj=plan,
                     changes={"filing_status": [old, plan.filing_status]})


@transaction.atomic
def service_plan_record_report(*, actor, plan: ServicePlan, submitted_on: datetime.date | None = None) -> ServicePlan:
    """Record that the next result report (辦理情形) owed by the plan has been submitted."""
    plan = ServicePlan.objects.select_for_update().select_related("unit").get(pk=plan.pk)
    if actor is not None and not actor.has_perm("operations.serviceplan.change", plan):
        raise PermissionDenied(_("You cannot change this service plan."))
    if plan.filing_status != FilingStatus.FILED:
        raise ValidationError(_("Only a filed plan owes result reports."))
    submitted_on = submitted_on or timezone.localdate()
    pending = [(covered, due) for covered, due in plan.report_periods()
               if plan.reported_through is None or covered > plan.reported_through]
    if not pending:
        raise ValidationError(_("All result reports of this plan have been recorded."))
    covered, due = pending[0]
    if submitted_on < covered:
        raise ValidationError(
            {"submitted_on": _("The report for the period up to %(date)s cannot be submitted before it ends.")
             % {"date": covered.isoformat()}}
        )
    if submitted_on > timezone.localdate():
        raise ValidationError({"submitted_on": _("The submission date cannot be in the future.")})
    old = plan.reported_through
    plan.reported_through = covered
    plan.save(update_fields=["reported_through", "updated_at"])
    audit_record(
        actor=actor, action=AuditAction.UPDATED, node=plan.unit, obj=plan,
        changes={"reported_through": [str(old or ""), covered.isoformat()], "submitted_on": submitted_on.isoformat(),
                 "late": submitted_on > due},
    )
    return plan
