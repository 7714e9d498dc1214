"""Writes of personal-data rights (個人資料保護法 Art.3, Art.10, Art.11; DOMAIN.md §3.1): a volunteer's
requests to delete, stop processing or correct their data; the competent authority's decisions on them;
the daily reminder of requests coming due; and the retention job that anonymises volunteers inactive for
longer than `settings.PRIVACY["RETENTION_YEARS"]`.

Every write is keyword-only, atomic, decided on the locked and re-read request (a decision posted twice
decides once: the second call finds the request decided and changes nothing), and audited on the
competent authority's node. The person is told by e-mail through the outbox, after the commit, at the
address they had when the decision was taken (a completed deletion removes it from the database).

What a deletion keeps: the personal service file a unit must keep (Volunteer Service Act Art.11: service
records, attendance of served shifts, ended memberships), training certificates and insurance covers (both
in the record book) with the name, identity number, sex and birth date that tie them to the person. Those
are anonymised by the retention job once `RETENTION_YEARS` have passed since the last service. Everything
else goes at once: the account, contact details, photo, notes, languages, skills, sign-ups without
service, enrolments without a certificate, guardian consents, and the change history of those fields."""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..identity import IdType
from ..mail import mail_language, send_templated_mail, site_link
from ..models import (
    AuditAction,
    AuditEvent,
    Enrolment,
    EnrolmentStatus,
    Membership,
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestStatus,
    RoleGrant,
    RosterImport,
    Signup,
    User,
    Volunteer,
)
from ..outbox import enqueue
from ..roles import AUTHORITIES, Role
from ..selectors import privacy as selectors
from .audit import audit_record
from .kept import hold_count_from_dates

logger = logging.getLogger(__name__)

DETAILS_MAX = 2000
NOTE_MAX = 2000
ACTIVE_SIGNUPS = ("applied", "accepted", "waitlisted")


def _require_decider(actor) -> None:
    if actor is None or not selectors.may_use_queue(actor) or not actor.has_perm(selectors.DECIDE):
        raise PermissionDenied(_("Only the competent authority's staff decide personal-data requests."))


def _lock_request(pk: int) -> PrivacyRequest:
    return PrivacyRequest.objects.select_for_update(of=("self",)).select_related("volunteer", "user").get(pk=pk)


# --- The volunteer's side ---------------------------------------------------------------------------------

@transaction.atomic
def privacy_request_submit(*, user: User, kind: str, details: str = "", ip_address: str | None = None
                           ) -> PrivacyRequest:
    """Record a request of the signed-in volunteer, due in `PRIVACY["DUE_DAYS"]` days. A request of the same kind
    that is still pending is returned as it is (a form sent twice makes one request). A deletion request closes
    the account at once: it can no longer log in."""
    if kind not in PrivacyRequestKind.values:
        raise ValidationError({"kind": _("Choose a kind of request.")})
    details = (details or "").strip()
    if len(details) > DETAILS_MAX:
        raise ValidationError({"details": _("Write at most %(n)s characters.") % {"n": DETAILS_MAX}})
    if kind == PrivacyRequestKind.CORRECTION and not details:
        raise ValidationError({"details": _("Say which data is wrong and what it should be.")})
    user = User.objects.select_for_update().get(pk=user.pk)
    volunteer = Volunteer.objects.select_for_update().filter(user=user).first()
    if volunteer is None:
        raise ValidationError(_("Only volunteers can make this request here."))
    existing = PrivacyRequest.objects.pending().filter(volunteer=volunteer, kind=kind).first()
    if existing is not None:
        return existing
    node = selectors.competent_authority()
    request = PrivacyRequest.objects.create(
        kind=kind, volunteer=volunteer, user=user, node=node, details=details,
        due_on=timezone.localdate() + datetime.timedelta(days=settings.PRIVACY["DUE_DAYS"]),
    )
    if kind == PrivacyRequestKind.DELETION and not user.deletion_requested_at:
        user.deletion_requested_at = timezone.now()
        user.save(update_fields=["deletion_requested_at"])
    audit_record(actor=user, action=AuditAction.PRIVACY_REQUESTED, node=node, obj=request,
                 changes={"kind": kind, "volunteer": volunteer.pk, "due_on": request.due_on.isoformat()},
                 ip_address=ip_address)
    return request


# --- Decisions ----------------------------------------------------------------------------------------------

def _recipient(request: PrivacyRequest) -> tuple[str, str]:
    """(address, language) to tell the person, read before a deletion removes them."""
    volunteer, user = request.volunteer, request.user
    address = (user.email if user and user.email else "") or (volunteer.email if volunteer else "")
    language = user.preferred_language if user else ""
    return address, mail_language(language)


@transaction.atomic
def privacy_request_complete(*, actor: User, request: PrivacyRequest, note: str = "",
                             ip_address: str | None = None) -> PrivacyRequest:
    """Carry the request out. Deletion: delete the account and the personal data not under a retention duty
    (or anonymise the volunteer when nothing is under one); stop processing: mark the volunteer, turn their
    mail off and cancel their coming sign-ups; correction: record what was corrected (`note`, required).
    Decided once: a request that is no longer pending is returned unchanged."""
    _require_decider(actor)
    note = (note or "").strip()[:NOTE_MAX]
    request = _lock_request(request.pk)
    if not request.is_pending:
        return request
    if request.kind == PrivacyRequestKind.CORRECTION and not note:
        raise ValidationError({"note": _("Say what was corrected.")})
    if request.volunteer_id:  # the person's count-from lock before their row (their records may be deleted)
        hold_count_from_dates([request.volunteer_id], exclusive=True)
    volunteer = Volunteer.objects.select_for_update().filter(pk=request.volunteer_id).first()
    address, language = _recipient(request)
    now = timezone.now()
    outcome: dict = {}
    if volunteer is not None and request.kind == PrivacyRequestKind.DELETION:
        outcome = _delete_personal_data(volunteer=volunteer, actor=actor, now=now)
        # other pending requests of the person have nothing left to act on
        PrivacyRequest.objects.pending().filter(volunteer=volunteer).exclude(pk=request.pk).update(
            status=PrivacyRequestStatus.COMPLETED, decided_at=now, decided_by=actor,
            decision_note=_("Superseded by the completed deletion request."))
    elif volunteer is not None and request.kind == PrivacyRequestKind.STOP_PROCESSING:
        outcome = _stop_processing(volunteer=volunteer, actor=actor, now=now)
    request.status = PrivacyRequestStatus.COMPLETED
    request.decided_at = now
    request.decided_by = actor
    request.decision_note = note
    request.outcome = outcome
    if request.kind == PrivacyRequestKind.DELETION:
        request.details = ""  # the reason given may itself describe the person
        request.user = None  # the account is gone
    request.save()
    audit_record(actor=actor, action=AuditAction.PRIVACY_COMPLETED, node=request.node, obj=request,
                 changes={"kind": request.kind, **{k: v for k, v in outcome.items() if k != "kept_until"}},
                 ip_address=ip_address)
    if address:
        enqueue("operations.tasks.send_privacy_request_result", request.pk, address, language)
    return request


@transaction.atomic
def privacy_request_refuse(*, actor: User, request: PrivacyRequest, note: str,
                           ip_address: str | None = None) -> PrivacyRequest:
    """Refuse the request with the reason the person is told (PDPA Art.11 allows keeping data a duty needs). A
    refused deletion re-opens the account. Decided once."""
    _require_decider(actor)
    note = (note or "").strip()[:NOTE_MAX]
    request = _lock_request(request.pk)
    if not request.is_pending:
        return request
    if not note:
        raise ValidationError({"note": _("Give the reason for refusing; the person is told.")})
    if request.kind == PrivacyRequestKind.DELETION and request.user_id:
        User.objects.filter(pk=request.user_id).update(deletion_requested_at=None)
    request.status = PrivacyRequestStatus.REFUSED
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.decision_note = note
    request.save()
    audit_record(actor=actor, action=AuditAction.PRIVACY_REFUSED, node=request.node, obj=request,
                 reason=note[:255], changes={"kind": request.kind}, ip_address=ip_address)
    address, language = _recipient(request)
    if address:
        enqueue("operations.tasks.send_privacy_request_result", request.pk, address, language)
    return request


def _cancel_coming_signups(volunteer: Volunteer, actor: User, reason: str) -> int:
    """Cancel the volunteer's active sign-ups and training places of today and later through their state
    machines (freed seats go to the waitlist)."""
    from .signups import signup_cancel
    from .training import enrolment_cancel

    today = timezone.localdate()
    cancelled = 0
    for signup in Signup.objects.filter(volunteer=volunteer, status__in=ACTIVE_SIGNUPS,
                                        shift__date__gte=today).order_by("pk"):
        signup_cancel(signup=signup, actor=actor, reason=reason)
        cancelled += 1
    for enrolment in Enrolment.objects.filter(volunteer=volunteer, session__date__gte=today,
                                              certificate__isnull=True).exclude(
                                                  status=EnrolmentStatus.CANCELLED).order_by("pk"):
        enrolment_cancel(enrolment=enrolment, actor=actor)
        cancelled += 1
    return cancelled


def _stop_processing(*, volunteer: Volunteer, actor: User, now) -> dict:
    cancelled = _cancel_coming_signups(volunteer, actor, _("Processing stopped at the volunteer's request"))
    Volunteer.objects.filter(pk=volunteer.pk).update(processing_stopped_at=now)
    if volunteer.user_id:
        User.objects.filter(pk=volunteer.user_id).update(notify_by_email=False, notify_reminders=False)
    return {"signups_cancelled": cancelled}


CONTACT_FIELDS = {
    "english_name": "", "phone": "", "email": "", "city": "", "district": "", "address": "",
    "emergency_contact_name": "", "emergency_contact_phone": "", "emergency_contact_relation": "", "notes": "",
    "photo": "", "calendar_key": "",
}


def _files_after_commit(names: list[tuple]) -> None:
    """Delete stored files once the rows pointing at them are gone for good."""
    def delete():
        for storage, name in names:
            try:
                storage.delete(name)
            except OSError:  # a file already gone is as good as deleted
                logger.warning("could not delete %s", name)
    if names:
        transaction.on_commit(delete)


def _scrub_history(volunteer: Volunteer, label: str, user_id: int | None, signup_ids: list[int]) -> None:
    """The change history of the volunteer (and their account) holds old contact details: keep that a change
    happened, drop the values; history and audit records name the volunteer by their pseudonym."""
    from auditlog.models import LogEntry

    types = ContentType.objects.get_for_models(Volunteer, User, Membership, Signup)
    LogEntry.objects.filter(content_type=types[Volunteer], object_pk=str(volunteer.pk)).update(
        changes={}, changes_text="", serialized_data=None, object_repr=label)
    if user_id:
        LogEntry.objects.filter(content_type=types[User], object_pk=str(user_id)).update(
            changes={}, changes_text="", serialized_data=None, object_repr=f"user#{user_id}")
    memberships = [str(pk) for pk in Membership.objects.filter(volunteer=volunteer).values_list("pk", flat=True)]
    LogEntry.objects.filter(content_type=types[Membership], object_pk__in=memberships).update(object_repr=label)
    LogEntry.objects.filter(content_type=types[Signup], object_pk__in=[str(pk) for pk in signup_ids]).update(
        object_repr=label)
    AuditEvent.objects.filter(object_type="operations.volunteer", object_id=str(volunteer.pk)).update(
        object_repr=label)


def _delete_account(user_id: int | None) -> int:
    if not user_id:
        return 0
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return 0
    for job in RosterImport.objects.filter(created_by=user).exclude(file=""):
        _files_after_commit([(job.file.storage, job.file.name)])
    AuditEvent.objects.filter(actor=user).update(actor_name=f"user#{user.pk}")
    try:
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username=user.get_username()).delete()
    except ImportError:  # axes without one of its tables
        pass
    user.delete()
    return 1


def _delete_personal_data(*, volunteer: Volunteer, actor: User, now) -> dict:
    if volunteer.user_id and RoleGrant.objects.filter(user_id=volunteer.user_id).exists():
        raise ValidationError(_("This account holds back-office roles; revoke them before completing the deletion."))
    plan = selectors.deletion_plan(volunteer)
    if not plan.keeps_anything:
        return _anonymise(volunteer=volunteer, actor=actor, now=now, reason="deletion request")
    reason = _("Personal data deleted at the volunteer's request")
    cancelled = _cancel_coming_signups(volunteer, actor, reason)
    files = []
    if volunteer.photo:
        files.append((volunteer.photo.storage, volunteer.photo.name))
    deleted = selectors.deleted_querysets(volunteer)
    for consent in deleted["guardian_consents"].exclude(file=""):
        files.append((consent.file.storage, consent.file.name))
    counts = {"signups_cancelled": cancelled}
    signup_ids = list(Signup.objects.filter(volunteer=volunteer).values_list("pk", flat=True))
    for key, queryset in deleted.items():
        counts[key] = queryset.count()
        queryset.delete()
    today = timezone.localdate()
    for membership in Membership.objects.filter(volunteer=volunteer, left_on__isnull=True):
        membership.left_on = max(today, membership.joined_on)
        membership.leave_reason = reason
        membership.save(update_fields=["left_on", "leave_reason"])
    user_id = volunteer.user_id
    from auditlog.context import disable_auditlog

    with disable_auditlog():
        for name, value in CONTACT_FIELDS.items():
            setattr(volunteer, name, value)
        volunteer.data_deleted_at = now
        volunteer.processing_stopped_at = volunteer.processing_stopped_at or now
        volunteer.save()
        volunteer.languages.clear()
        volunteer.skills.clear()
    counts["account"] = _delete_account(user_id)
    _scrub_history(volunteer, volunteer.name, user_id, signup_ids)
    _files_after_commit(files)
    counts["kept"] = {line_key: line.count for line_key, line in zip(
        ("service_records", "attendance", "certificates", "covers", "memberships"), plan.kept, strict=True)}
    counts["kept_until"] = plan.kept_until.isoformat() if plan.kept_until else None
    return counts


def _anonymise(*, volunteer: Volunteer, actor: User | None, now, reason: str) -> dict:
    """Nothing identifies the volunteer any more; what statistics need stays (sex, birth year, hours, units,
    training, memberships)."""
    signup_ids = list(Signup.objects.filter(volunteer=volunteer).values_list("pk", flat=True))
    result = _delete_personal_data_for_anonymising(volunteer, actor)
    label = f"ANON-{volunteer.pk}"
    from auditlog.context import disable_auditlog

    user_id = volunteer.user_id
    with disable_auditlog():
        for name, value in CONTACT_FIELDS.items():
            setattr(volunteer, name, value)
        volunteer.name = label
        volunteer.id_type = IdType.PASSPORT
        volunteer.id_number = f"ANON{volunteer.pk}"
        volunteer.birth_date = datetime.date(volunteer.birth_date.year, 7, 1)  # the age band survives
        volunteer.identity_verified_at = None
        volunteer.identity_verified_by = ""
        volunteer.data_deleted_at = volunteer.data_deleted_at or now
        volunteer.processing_stopped_at = volunteer.processing_stopped_at or now
        volunteer.anonymised_at = now
        volunteer.save()
        volunteer.languages.clear()
        volunteer.skills.clear()
    result["account"] = _delete_account(user_id)
    _scrub_history(volunteer, label, user_id, signup_ids)
    result["anonymised"] = True
    audit_record(actor=actor, action=AuditAction.ANONYMISED, node=selectors.competent_authority(), obj=volunteer,
                 reason=reason[:255], changes={k: v for k, v in result.items() if k != "anonymised"})
    return result


def _delete_personal_data_for_anonymising(volunteer: Volunteer, actor: User | None) -> dict:
    """The rows an anonymised volunteer no longer needs: sign-ups without service (coming ones cancelled
    first when somebody decides), enrolments without a certificate, guardian consents (and their files)."""
    counts = {}
    if actor is not None:
        counts["signups_cancelled"] = _cancel_coming_signups(
            volunteer, actor, _("Personal data deleted at the volunteer's request"))
    files = [(volunteer.photo.storage, volunteer.photo.name)] if volunteer.photo else []
    deleted = selectors.deleted_querysets(volunteer)
    if actor is None:  # the retention job: only volunteers without coming sign-ups reach it
        deleted["signups"] = deleted["signups"].exclude(status__in=ACTIVE_SIGNUPS,
                                                        shift__date__gte=timezone.localdate())
    for consent in deleted["guardian_consents"].exclude(file=""):
        files.append((consent.file.storage, consent.file.name))
    for key, queryset in deleted.items():
        counts[key] = queryset.count()
        queryset.delete()
    _files_after_commit(files)
    return counts


# --- Mail ---------------------------------------------------------------------------------------------------

def privacy_request_notify(*, request_id: int, address: str, language: str, task=None) -> bool:
    """Tell the person what was decided on their request, at the address they had when it was decided."""
    request = PrivacyRequest.objects.filter(pk=request_id).first()
    if request is None or request.is_pending or not address:
        return False
    with translation.override(mail_language(language)):
        context = {"request": request, "completed": request.status == PrivacyRequestStatus.COMPLETED,
                   "kind": request.get_kind_display(), "note": request.decision_note,
                   "kept_until": request.outcome.get("kept_until") if request.outcome else None}
        return send_templated_mail("privacy_request_result", context, address, language, task=task,
                                   key=f"privacy-result:{request.pk}:{request.status}")


def privacy_reminders_queue(*, today: datetime.date | None = None) -> int:
    """Daily: one digest to the competent authority when requests are overdue or due in `REMIND_DAYS`."""
    today = today or timezone.localdate()
    if not selectors.requests_due(today, settings.PRIVACY["REMIND_DAYS"]).exists():
        return 0
    enqueue("operations.tasks.send_privacy_due_digest", today.isoformat())
    return 1


def _queue_addresses() -> list[str]:
    node = selectors.competent_authority()
    grants = RoleGrant.objects.filter(user__is_active=True, role__in=AUTHORITIES).exclude(user__email="")
    if node is not None:
        grants = grants.filter(node=node) | RoleGrant.objects.filter(
            user__is_active=True, role=Role.SYSTEM_ADMIN).exclude(user__email="")
    return sorted(set(grants.values_list("user__email", flat=True)))


def privacy_due_digest_send(*, day: str, task=None) -> bool:
    today = datetime.date.fromisoformat(day)
    requests = list(selectors.requests_due(today, settings.PRIVACY["REMIND_DAYS"]))
    to = _queue_addresses()
    if not requests or not to:
        return False
    with translation.override(mail_language(None)):
        context = {"requests": requests, "today": today,
                   "overdue": sum(1 for r in requests if r.due_on < today),
                   "link": site_link(reverse("operations:privacy_request_list"))}
        return send_templated_mail("privacy_due_digest", context, to, task=task, key=f"privacy-due:{today}")


# --- The retention job --------------------------------------------------------------------------------------

@dataclass
class RetentionReport:
    cutoff: datetime.date
    dry_run: bool
    candidates: list[dict] = field(default_factory=list)
    anonymised: int = 0


def privacy_retention_run(*, dry_run: bool, today: datetime.date | None = None, limit: int | None = None
                          ) -> RetentionReport:
    """Anonymise volunteers with no activity since `RETENTION_YEARS` ago (PDPA Art.11 par.3: delete once the
    purpose has ended). `dry_run` lists them and writes nothing. Each volunteer is anonymised in its own
    transaction on its locked row, after checking again that it is still inactive; one audit record per
    volunteer and one for the run."""
    cutoff = selectors.retention_cutoff(today)
    limit = limit or settings.PRIVACY["RETENTION_BATCH"]
    report = RetentionReport(cutoff=cutoff, dry_run=dry_run)
    for volunteer in selectors.retention_candidates(cutoff=cutoff)[:limit]:
        report.candidates.append({"id": volunteer.pk, "id_number": volunteer.masked_id,
                                  "created_at": volunteer.created_at.date().isoformat(),
                                  "data_deleted": bool(volunteer.data_deleted_at)})
    if dry_run:
        return report
    now = timezone.now()
    for row in report.candidates:
        with transaction.atomic():
            hold_count_from_dates([row["id"]], exclusive=True)  # before the row: see privacy_request_complete
            volunteer = Volunteer.objects.select_for_update().filter(pk=row["id"]).first()
            if volunteer is None or not selectors.retention_candidates(cutoff=cutoff).filter(pk=volunteer.pk).exists():
                continue
            _anonymise(volunteer=volunteer, actor=None, now=now, reason="retention job")
            report.anonymised += 1
    if report.anonymised:
        audit_record(actor=None, action=AuditAction.ANONYMISED, node=selectors.competent_authority(),
                     reason="retention job",
                     changes={"count": report.anonymised, "cutoff": cutoff.isoformat(),
                              "retention_years": selectors.retention_years()})
    return report
