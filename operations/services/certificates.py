"""Certificate writes (績效證明書, 榮譽卡; DOMAIN.md §1.8, §1.9): apply (the volunteer or staff), the review
outcome (issue with a verification number and, for an honor card, its validity), cancel (註銷).

An application is refused unless the volunteer is eligible on the day (`selectors.certificates.eligibility`,
hours from the one `countable_hours` selector); the working is kept with the application. One open
application per volunteer and kind (a unique constraint): a double click applies once."""
from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..localised import join_list
from ..models import (
    AuditAction,
    CertificateApplication,
    CertificateKind,
    CertificateStatus,
    FormType,
    IssueKind,
    OrgNode,
    ReviewState,
    Volunteer,
)
from ..roles import AUTHORITIES, UNIT_MANAGERS
from ..selectors import certificates as sel
from .audit import audit_record
from .reviews import review_open

FORM_TYPES = {CertificateKind.PERFORMANCE: FormType.PERFORMANCE_CERTIFICATE,
              CertificateKind.HONOR_CARD: FormType.HONOR_CARD}
OPEN = (CertificateStatus.IN_REVIEW, CertificateStatus.RETURNED)


def new_number(kind: str) -> str:
    alphabet = sel.NUMBER_ALPHABET
    body = "".join(secrets.choice(alphabet) for _i in range(10))
    return f"{sel.NUMBER_PREFIX[kind]}-{body[:5]}-{body[5:]}"


def application_create(*, actor, volunteer: Volunteer, kind: str, unit: OrgNode,
                       today: datetime.date | None = None) -> CertificateApplication:
    """Apply for a certificate of `kind` for `volunteer` through `unit`. The volunteer themself applies
    through a unit they serve in; staff apply for a volunteer of a unit they manage."""
    if kind not in CertificateKind.values:
        raise ValidationError({"kind": _("Choose a certificate.")})
    today = today or timezone.localdate()
    by_self = volunteer.user_id is not None and actor.pk == volunteer.user_id
    if by_self:
        if unit.pk not in {u.pk for u in sel.units_of(volunteer)}:
            raise ValidationError({"unit": _("Choose a unit you serve in.")})
    elif not (OrgNode.objects.visible_to(actor, roles=UNIT_MANAGERS).filter(pk=unit.pk).exists()
              and Volunteer.objects.visible_to(actor, roles=UNIT_MANAGERS).filter(pk=volunteer.pk).exists()):
        raise PermissionDenied(_("You do not manage this unit or this volunteer."))
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if CertificateApplication.objects.filter(volunteer=volunteer, kind=kind, status__in=OPEN).exists():
            raise ValidationError(_("An application for this certificate is already in review."), code="open")
        result = sel.eligibility(volunteer, kind, as_of=today)
        if not result.eligible:
            reasons = list(result.notes)
            if not result.seniority_met:
                reasons.append(_("%(years)s years of service are needed (reached on %(day)s).") % {
                    "years": result.years_needed,
                    "day": result.seniority_until.isoformat() if result.seniority_until else "—"})
            if not result.hours_met:
                reasons.append(_("%(needed)s countable hours are needed; %(hours)s counted.") % {
                    "needed": result.hours_needed, "hours": result.hours})
            raise ValidationError(_("Not eligible yet: %(reasons)s") % {"reasons": join_list(reasons)},
                                  code="not_eligible")
        label = CertificateKind(kind).label
        title = f"{label}：{volunteer.name}"
        review = review_open(form_type=FORM_TYPES[kind], node=unit, title=title, submitter=actor,
                             subject_user=volunteer.user)
        application = CertificateApplication.objects.create(
            kind=kind, volunteer=volunteer, unit=unit, review=review, applied_by=actor, applied_on=today,
            issue_kind=IssueKind.RENEWAL if result.previous else IssueKind.FIRST, previous=result.previous,
            seniority_from=result.seniority_from, hours_from=result.hours_from, hours_to=result.hours_to,
            hours=result.hours, working=result.as_json())
        audit_record(actor=actor, action=AuditAction.CREATED, node=unit, obj=application,
                     changes={"hours": ["", str(result.hours)]})
    return application


def application_review_outcome(*, review, actor) -> None:
    """Called by the review engine inside its transaction: issue on approval; follow a return, a
    resubmission and a rejection."""
    application = CertificateApplication.objects.select_for_update().get(review=review)
    if review.state == ReviewState.APPROVED and application.status != CertificateStatus.ISSUED:
        today = timezone.localdate()
        application.status = CertificateStatus.ISSUED
        application.issued_on = today
        application.number = new_number(application.kind)
        if application.kind == CertificateKind.HONOR_CARD:
            application.valid_from, application.valid_until = sel.honor_card_validity(
                approved_on=today, previous=application.previous)
        application.save()
        audit_record(actor=actor, action=AuditAction.CREATED, node=application.unit, obj=application,
                     changes={"number": ["", application.number]})
    elif review.state == ReviewState.RETURNED:
        application.status = CertificateStatus.RETURNED
        application.save(update_fields=["status", "updated_at"])
    elif review.state == ReviewState.IN_REVIEW:
        application.status = CertificateStatus.IN_REVIEW
        application.save(update_fields=["status", "updated_at"])
    elif review.state == ReviewState.REJECTED:
        application.status = CertificateStatus.REJECTED
        application.save(update_fields=["status", "updated_at"])


def certificate_cancel(*, actor, application: CertificateApplication, reason: str) -> CertificateApplication:
    """註銷 an issued certificate or card, with a reason: the unit's managers (a performance certificate) or
    the authorities (an honor card)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    with transaction.atomic():
        application = CertificateApplication.objects.select_for_update(of=("self",)).select_related("unit").get(pk=application.pk)
        roles = AUTHORITIES if application.kind == CertificateKind.HONOR_CARD else UNIT_MANAGERS
        if not OrgNode.objects.visible_to(actor, roles=roles).filter(pk=application.unit_id).exists():
            raise PermissionDenied(_("You cannot cancel this certificate."))
        if application.status == CertificateStatus.CANCELLED:
            return application
        if application.status != CertificateStatus.ISSUED:
            raise ValidationError(_("Only an issued certificate can be cancelled."))
        application.status, application.cancelled_on = CertificateStatus.CANCELLED, timezone.localdate()
        application.cancel_reason = reason[:255]
        application.save()
        audit_record(actor=actor, action=AuditAction.CLOSED, node=application.unit, obj=application,
                     changes={"status": [CertificateStatus.ISSUED.value, CertificateStatus.CANCELLED.value]},
                     reason=reason)
    return application
