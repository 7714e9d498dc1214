"""Applications to become a volunteer-using unit (module 2): the public form submits with
`unit_application_submit` (the applicant gets the reference number by e-mail) and opens the application's
review in the review chain, waiting for the authority the applicant chose (the competent authority when
they chose none); an authority officer in scope approves or rejects, on the application's page (where the
purpose authority and the unit's code are chosen) or on the review's page.

Approving creates the unit under the chosen purpose authority, its first administrator account (a
RoleGrant unit_admin) and e-mails that person a link to set their password — once, whichever page
decides. Rejecting needs a reason and e-mails the applicant. An application is not returned for changes:
the applicant has no account to send it in again with, so it is rejected with the reason and they apply
again with the corrections. All is audited; every e-mail goes through the outbox and Celery after the
commit."""
from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ..mail import send_templated_mail
from ..models import (
    ApplicationStatus,
    AuditAction,
    Decision,
    FormType,
    OrgKind,
    OrgNode,
    RegistrationType,
    ReviewState,
    Role,
    UnitApplication,
    User,
)
from ..models.code_values import code_value_kept
from ..outbox import enqueue
from ..roles import AUTHORITIES
from .audit import audit_record
from .organisations import orgnode_create
from .people import grant_create
from .reviews import AlreadyDecided, review_decide, review_open
from .teams import new_team_code

logger = logging.getLogger(__name__)

REVIEWER_ROLES = AUTHORITIES

APPLICATION_FIELDS = (
    "organisation_name", "organisation_name_en", "category", "registration_type", "registration_number",
    "purpose_authority", "city", "district", "address", "contact_person", "contact_phone", "contact_email",
    "service_summary", "certificate", "submitted_language",
)


# --- Submission (public site) ---------------------------------------------------------------------

def _new_reference() -> str:
    return f"UA{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def unit_application_submit(*, submission_key: str | None = None, **fields) -> UnitApplication:
    """Create a pending application to become a unit (from the public site). Resubmitting the same form
    (same `submission_key`) returns the first application instead of creating a duplicate. The applicant
    receives the reference number by e-mail after the commit."""
    unknown = set(fields) - set(APPLICATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown application fields: {sorted(unknown)}")
    if submission_key:
        existing = UnitApplication.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    authority = fields.get("purpose_authority")
    if authority is not None and authority.kind not in (OrgKind.PURPOSE_AUTHORITY, OrgKind.COMPETENT_AUTHORITY):
        raise ValidationError({"purpose_authority": _("Choose a purpose authority.")})
    if fields.get("registration_type") in (RegistrationType.REGISTERED, RegistrationType.CORPORATION):
        if not fields.get("registration_number"):
            raise ValidationError(
                {"registration_number": _("Registered organisations must give their registration certificate number.")}
            )
    application = UnitApplication(reference=_new_reference(), submission_key=submission_key or None, **fields)
    application.full_clean()
    try:
        with code_value_kept():  # a city, district or category deleted meanwhile: told on its field
            application.save()
    except IntegrityError:
        if submission_key:  # the same form arrived twice at the same moment
            first = UnitApplication.objects.filter(submission_key=submission_key).first()
            if first is not None:
                return first
        raise
    node = application.purpose_authority or OrgNode.get_first_root_node()
    if node is not None:  # (an organisation tree exists to review it in)
        application.review = review_open(form_type=FormType.UNIT_APPLICATION, node=node, submitter=None,
                                         title=f"{application.reference} {application.organisation_name}",
                                         authority=application.purpose_authority)
        application.save(update_fields=["review"])
    enqueue("operations.tasks.send_unit_application_received_email", application.pk)
    return application



# --- Review (back-office) -------------------------------------------------------------------------


def _load_pending(actor, application: UnitApplication) -> UnitApplication:
    application = UnitApplication.objects.select_for_update().get(pk=application.pk)
    if actor is not None and not actor.has_perm("operations.unitapplication.review", application):
        raise PermissionDenied(_("You cannot review this application."))
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(
            _("This application has already been decided (%(status)s).") % {"status": application.get_status_display()},
            code="decided",
        )
    return application


def set_password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        path = reverse("operations:set_password", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def _admin_account(application: UnitApplication) -> tuple[User, bool]:
    """The applicant's existing account (same e-mail) or a new one without a usable password."""
    email = application.contact_email.strip().lower()
    existing = User.objects.filter(email__iexact=email, is_active=True).order_by("pk").first()
    if existing is not None:
        return existing, False
    username = email if not User.objects.filter(username__iexact=email).exists() else f"{email}-{application.pk}"
    user = User(
        username=username[:150], email=email, display_name=application.contact_person[:100],
        phone=application.contact_phone[:32],
        preferred_language=application.submitted_language if application.submitted_language in dict(
            settings.LANGUAGES) else settings.LANGUAGE_CODE,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user, True


def _decide_review(actor, application: UnitApplication, decision: str, comment: str = "") -> None:
    """Record the decision taken on the application's page in its review (the same transaction): the
    review's rules apply (the step's decider, nobody twice)."""
    review = application.review
    if review is None or review.state != ReviewState.IN_REVIEW:
        return  # an application from before the review chain
    try:
        review_decide(actor=actor, review=review, decision=decision, comment=comment, version=review.version,
                      system=actor is None)
    except AlreadyDecided as exc:
        raise ValidationError(exc.messages[0], code="decided") from exc
    except PermissionDenied as exc:
        raise ValidationError(str(exc), code="decider") from exc


@transaction.atomic
def unit_application_approve(*, actor, application: UnitApplication, purpose_authority: OrgNode,
                             code: str = "") -> UnitApplication:
    application = _load_pending(actor, application)
    application = _approve(actor, application, purpose_authority, code)
    _decide_review(actor, application, Decision.APPROVE)
    return application


def _approve(actor, application: UnitApplication, purpose_authority: OrgNode, code: str = "") -> UnitApplication:
    """The effects of the approval (the application row locked by the caller): the unit, its
    administrator's account and grant, the welcome mail."""
    if purpose_authority.kind not in (OrgKind.PURPOSE_AUTHORITY, OrgKind.COMPETENT_AUTHORITY):
        raise ValidationError({"purpose_authority": _("Choose a purpose authority.")})
    if not purpose_authority.is_active:
        raise ValidationError({"purpose_authority": _("This organisation is closed.")})
    if actor is not None and not actor.has_perm("operations.orgnode.change", purpose_authority):
        raise ValidationError({"purpose_authority": _("You cannot create units under this authority.")})
    unit = orgnode_create(
        actor=actor, parent=purpose_authority, kind=OrgKind.UNIT,
        code=code.strip() or new_team_code(purpose_authority),
        name=application.organisation_name, name_en=application.organisation_name_en,
        category=application.category, registration_type=application.registration_type,
        registration_number=application.registration_number, city=application.city,
        district=application.district, address=application.address, contact_person=application.contact_person,
        phone=application.contact_phone, email=application.contact_email, description=application.service_summary,
    )
    user, created = _admin_account(application)
    grant_create(actor=None, user=user, node=unit, role=Role.UNIT_ADMIN, notify=False)
    application.status = ApplicationStatus.APPROVED
    application.purpose_authority = purpose_authority
    application.created_unit = unit
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.save()
    audit_record(
        actor=actor, action=AuditAction.UPDATED, node=unit, obj=application,
        changes={"status": [ApplicationStatus.PENDING, ApplicationStatus.APPROVED], "unit": unit.code,
                 "admin": user.get_username(), "new_account": created},
    )
    unit_application_send_welcome(application=application, user=user)
    return application


@transaction.atomic
def unit_application_send_welcome(*, application: UnitApplication, user: User) -> None:
    """E-mail the new unit administrator their set-password link (on approval, and again when asked):
    through the outbox, so by Celery after the commit, retried while the broker or the mail server is away."""
    enqueue("operations.tasks.send_unit_application_decision_email", application.pk, "approved", user.pk)


@transaction.atomic
def unit_application_reject(*, actor, application: UnitApplication, reason: str) -> UnitApplication:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("Explain the reason for rejecting (at least 5 characters); the applicant reads it.")})
    application = _load_pending(actor, application)
    _reject(actor, application, reason)
    _decide_review(actor, application, Decision.REJECT, reason)
    return application


def _reject(actor, application: UnitApplication, reason: str) -> None:
    application.status = ApplicationStatus.REJECTED
    application.decision_reason = reason
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.save()
    audit_record(
        actor=actor, action=AuditAction.UPDATED, node=application.purpose_authority, obj=application,
        reason=reason[:255], changes={"status": [ApplicationStatus.PENDING, ApplicationStatus.REJECTED]},
    )
    enqueue("operations.tasks.send_unit_application_decision_email", application.pk, "rejected")


def unit_application_review_outcome(*, review, actor) -> None:
    """Called by the review engine inside its transaction, when the application is decided on the review's
    page (a decision taken on the application's page has already done its effects: nothing happens twice).
    Approved: the unit is created under the authority the applicant chose (no choice: refused, choose it on
    the application's page). Rejected: the comment is the reason the applicant receives. Returned: refused
    (the applicant has no account to send it in again)."""
    application = UnitApplication.objects.select_for_update().get(review=review)
    if application.status != ApplicationStatus.PENDING:
        return
    if review.state == ReviewState.APPROVED:
        if application.purpose_authority is None:
            raise ValidationError(_("The applicant chose no purpose authority: approve the application on its "
                                    "own page, where the authority is chosen."), code="authority")
        _approve(actor, application, application.purpose_authority)
    elif review.state == ReviewState.REJECTED:
        reason = review.events.order_by("-version").values_list("comment", flat=True).first() or ""
        if len(reason.strip()) < 5:
            raise ValidationError({"comment": _("Explain the reason for rejecting (at least 5 characters); the "
                                                "applicant reads it.")})
        _reject(actor, application, reason.strip())
    elif review.state == ReviewState.RETURNED:
        raise ValidationError(_("An application to become a unit is not returned for changes: the applicant has no "
                                "account to send it in again. Reject it with the reason; they apply again with "
                                "the corrections."), code="no_return")


# --- E-mail -----------------------------------------------------------------------------------------

def unit_application_notify_received(*, application_id: int, task=None) -> bool:
    """The applicant gets the reference number, in the language of the form they filled in."""
    application = UnitApplication.objects.filter(pk=application_id).first()
    if application is None:
        return False
    return send_templated_mail("unit_application_received", {"application": application, "site_url": settings.SITE_URL},
                               application.contact_email, application.submitted_language, task=task)


def unit_application_notify_decision(*, application_id: int, decision: str, user_id: int | None = None,
                                     task=None) -> bool:
    """"approved": to the new unit administrator (`user_id`), in their language, with the set-password
    link; "rejected": to the applicant, in the form's language, with the reason."""
    application = UnitApplication.objects.filter(pk=application_id).first()
    if application is None or decision not in ("approved", "rejected"):
        return False
    if decision == "approved":
        user = User.objects.filter(pk=user_id).first()
        if user is None or not user.email:
            return False
        address, language = user.email, user.preferred_language
        context = {"application": application, "user": user, "link": set_password_link(user),
                   "site_url": settings.SITE_URL}
    else:
        address, language = application.contact_email, application.submitted_language
        context = {"application": application, "reason": application.decision_reason, "site_url": settings.SITE_URL}
    return send_templated_mail(f"unit_application_{decision}", context, address, language, task=task)
