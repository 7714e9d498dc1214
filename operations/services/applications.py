from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import OrgKind, RegistrationType
from ..models.applications import UnitApplication
from ..outbox import enqueue

APPLICATION_FIELDS = (
    "organisation_name", "organisation_name_en", "category", "registration_type", "registration_number",
    "purpose_authority", "city", "district", "address", "contact_person", "contact_phone", "contact_email",
    "service_summary", "certificate", "submitted_language",
)


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
        with transaction.atomic():
            application.save()
    except IntegrityError:
        if submission_key:  # the same form arrived twice at the same moment
            return UnitApplication.objects.get(submission_key=submission_key)
        raise
    enqueue("operations.tasks.send_unit_application_received_email", application.pk)
    return application

