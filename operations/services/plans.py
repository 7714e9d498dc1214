"""Service plans (志願服務計畫, Volunteer Service Act Art.7; DOMAIN.md §1.3): create, edit, file and
record the result reports. Report due dates are computed by the model (`ServicePlan.report_periods`)."""
from __future__ import annotations

import datetime
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AuditAction, FilingStatus, OrgKind, OrgNode, ServicePlan
from .audit import audit_record

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
    if plan.filing_status in AUTHORITY_STATES or old_status in AUTHORITY_STATES:
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
    return plan


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
