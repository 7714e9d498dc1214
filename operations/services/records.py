"""Record book and service ID writes (紀錄冊, 志願服務證; DOMAIN.md §1.6).

- `batch_create`: a unit applies for the record books of trained volunteers (basic training held, a photo
  on file, no valid book yet) in one batch, all or nothing, with the roster the authority needs; the batch
  opens a review (unit case officer → purpose authority). On approval (`batch_review_outcome`) the
  authority's numbers are issued, one book per person for life.
- `record_book_collect`, `record_book_reissue` (換發 / 補發: a new number on the same book), and
  `record_book_cancel` (註銷, with a reason).
- `service_id_issue` and `service_id_cancel` (Art.10: the unit takes the ID back and cancels its number).
- `volunteer_photo_set`: the volunteer's photo, checked (type by content, size, dimensions), resized with
  Pillow and stored as a private file.

Every write is keyword-only and atomic, decided on rows locked and re-read, idempotent and audited."""
from __future__ import annotations

import datetime
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from volunteer_site.filetypes import detect

from ..localised import join_list
from ..models import (
    AuditAction,
    BookStatus,
    FormType,
    IssueKind,
    NumberSequence,
    OrgNode,
    RecordBook,
    RecordBookBatch,
    RecordBookBatchEntry,
    ReviewState,
    ServiceId,
    ServiceIdStatus,
    Volunteer,
)
from ..models.reviews import StepLevel, step_node
from ..roles import AUTHORITIES, UNIT_MANAGERS
from ..selectors.training import basic_on, holdings_of
from .audit import audit_record
from .kept import hold_count_from_dates
from .reviews import review_open

MAX_BATCH = 500
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MIN_SIZE = (240, 320)  # width, height in pixels: a one-inch photo scanned at 220 dpi
PHOTO_MAX_SIZE = (600, 800)  # stored at most this large
PHOTO_MAX_PIXELS = 40_000_000
KIND_CODES = {"record_book": "RB", "service_id": "ID"}  # in the default number prefix: WMG-RB-115-000001


def roc_year(day: datetime.date) -> int:
    return day.year - 1911


def next_number(*, issuer: OrgNode, kind: str, day: datetime.date, prefix: str = "") -> str:
    """The next number `issuer` gives for `kind`: prefix + ROC year + a running number (row locked, so two
    issues never share a number)."""
    sequence = NumberSequence.objects.select_for_update().filter(issuer=issuer, kind=kind).first()
    if sequence is None:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(issuer=issuer, kind=kind,
                                              prefix=prefix or f"{issuer.code.upper()}-{KIND_CODES.get(kind, 'N')}-")
        except IntegrityError:
            pass  # created by a concurrent issue
        sequence = NumberSequence.objects.select_for_update().get(issuer=issuer, kind=kind)
    number = sequence.next_number
    sequence.next_number = number + 1
    sequence.save(update_fields=["next_number"])
    return f"{sequence.prefix}{roc_year(day)}-{number:06d}"


def _manages(actor, node: OrgNode, roles=UNIT_MANAGERS) -> bool:
    return OrgNode.objects.visible_to(actor, roles=roles).filter(pk=node.pk).exists()


# --- Record book batches --------------------------------------------------------------------------

def batch_problems(volunteer: Volunteer) -> list[str]:
    """Why a volunteer cannot be on a record-book batch (empty when they can)."""
    problems = []
    if basic_on(holdings_of(volunteer)) is None:
        problems.append(_("no basic training"))
    if not volunteer.photo:
        problems.append(_("no photo"))
    book = getattr(volunteer, "record_book", None) if volunteer.pk else None
    if book is not None and book.status != BookStatus.CANCELLED:
        problems.append(_("already holds record book %(number)s") % {"number": book.number})
    return problems


def batch_create(*, actor, unit: OrgNode, volunteers: list[Volunteer],
                 now: datetime.datetime | None = None) -> RecordBookBatch:
    """One batch for `volunteers` of `unit`, all or nothing: any person who may not be on it refuses the whole
    batch with a message per person."""
    if not _manages(actor, unit):
        raise PermissionDenied(_("You do not manage this unit."))
    if not volunteers:
        raise ValidationError({"volunteers": _("Choose at least one volunteer.")})
    if len(volunteers) > MAX_BATCH:
        raise ValidationError({"volunteers": _("At most %(n)s people in one batch.") % {"n": MAX_BATCH}})
    with transaction.atomic():
        locked = list(Volunteer.objects.select_for_update(of=("self",)).filter(pk__in=[v.pk for v in volunteers])
                      .select_related("record_book").order_by("pk"))
        visible = set(Volunteer.objects.visible_to(actor, roles=UNIT_MANAGERS).filter(
            pk__in=[v.pk for v in locked]).values_list("pk", flat=True))
        waiting = set(RecordBookBatchEntry.objects.filter(
            volunteer__in=locked, batch__review__state__in=[ReviewState.IN_REVIEW, ReviewState.RETURNED])
            .values_list("volunteer_id", flat=True))
        errors = []
        for volunteer in locked:
            problems = [] if volunteer.pk in visible else [_("not a volunteer of yours")]
            problems += batch_problems(volunteer)
            if volunteer.pk in waiting:
                problems.append(_("already on a batch in review"))
            if problems:
                errors.append(f"{volunteer.name}: {join_list(problems)}")
        if errors:
            raise ValidationError({"volunteers": errors})
        authority = step_node(StepLevel.PURPOSE_AUTHORITY, unit)
        title = _("Record books for %(n)s volunteers of %(unit)s") % {"n": len(locked), "unit": unit.display_name}
        review = review_open(form_type=FormType.RECORD_BOOK_BATCH, node=unit, title=title, submitter=actor, now=now)
        batch = RecordBookBatch.objects.create(unit=unit, authority=authority, review=review, created_by=actor)
        RecordBookBatchEntry.objects.bulk_create([
            RecordBookBatchEntry(batch=batch, volunteer=v, name=v.name, sex=v.sex, birth_date=v.birth_date,
                                 id_type=v.id_type, id_number=v.id_number,
                                 issue_kind=IssueKind.REPLACEMENT if getattr(v, "record_book", None) else IssueKind.FIRST)
            for v in locked])
        audit_record(actor=actor, action=AuditAction.CREATED, node=unit, obj=batch,
                     changes={"volunteers": ["", str(len(locked))]})
    return batch


def batch_review_outcome(*, review, actor) -> None:
    """Called by the review engine inside its transaction: on approval the authority issues the numbers."""
    if review.state != ReviewState.APPROVED:
        return
    batch = RecordBookBatch.objects.select_related("authority", "unit").get(review=review)
    today = timezone.localdate()
    # the people's count-from locks in key order first: each book written takes its person's in the trigger
    hold_count_from_dates(list(batch.entries.values_list("volunteer_id", flat=True)), exclusive=True)
    for entry in batch.entries.select_related("volunteer").order_by("pk"):
        book = RecordBook.objects.select_for_update().filter(volunteer_id=entry.volunteer_id).first()
        number = next_number(issuer=batch.authority, kind="record_book", day=today)
        if book is None:
            book = RecordBook.objects.create(
                volunteer_id=entry.volunteer_id, number=number, status=BookStatus.UNCOLLECTED,
                issue_kind=IssueKind.FIRST, issuing_authority=batch.authority, applied_by_unit=batch.unit,
                batch=batch, issued_on=today)
        elif book.status == BookStatus.CANCELLED:
            book.number, book.status, book.issue_kind = number, BookStatus.UNCOLLECTED, IssueKind.REPLACEMENT
            book.issuing_authority, book.applied_by_unit, book.batch = batch.authority, batch.unit, batch
            book.issued_on, book.collected_on, book.cancelled_on, book.cancel_reason = today, None, None, ""
            book.save()
        else:
            continue  # issued meanwhile: never a second book
        audit_record(actor=actor, action=AuditAction.CREATED, node=batch.authority, obj=book,
                     changes={"number": ["", book.number]})


def _lock_book(book: RecordBook) -> RecordBook:
    return RecordBook.objects.select_for_update(of=("self",)).select_related("volunteer").get(pk=book.pk)


def _may_change_book(actor, book: RecordBook) -> bool:
    return _manages(actor, book.issuing_authority, AUTHORITIES) or _manages(actor, book.applied_by_unit)


def record_book_collect(*, actor, book: RecordBook, collected_on: datetime.date) -> RecordBook:
    """The volunteer collected the book: its status becomes the kind of its issue (初次 / 換發 / 補發)."""
    with transaction.atomic():
        book = _lock_book(book)
        if not _may_change_book(actor, book):
            raise PermissionDenied(_("You cannot change this record book."))
        if book.status != BookStatus.UNCOLLECTED:
            return book  # collected (or cancelled) already: a second click changes nothing
        if collected_on < book.issued_on or collected_on > timezone.localdate():
            raise ValidationError({"collected_on": _("The collection date lies between the issue date and today.")})
        book.status, book.collected_on = BookStatus(book.issue_kind), collected_on
        book.save(update_fields=["status", "collected_on", "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATED, node=book.issuing_authority, obj=book,
                     changes={"status": [BookStatus.UNCOLLECTED.value, book.status]})
    return book


def record_book_reissue(*, actor, book: RecordBook, kind: str) -> RecordBook:
    """換發 (renewal: the book is full) or 補發 (replacement: lost or damaged): the issuing authority gives a new
    number on the same book (one per person for life); it waits to be collected."""
    if kind not in (IssueKind.RENEWAL, IssueKind.REPLACEMENT):
        raise ValidationError({"kind": _("Choose renewal or replacement.")})
    with transaction.atomic():
        book = _lock_book(book)
        if not _manages(actor, book.issuing_authority, AUTHORITIES):
            raise PermissionDenied(_("Only the issuing authority gives a new record book number."))
        if book.status == BookStatus.CANCELLED:
            raise ValidationError(_("A cancelled record book is not renewed; the unit applies again."))
        old = book.number
        book.number = next_number(issuer=book.issuing_authority, kind="record_book", day=timezone.localdate())
        book.status, book.issue_kind = BookStatus.UNCOLLECTED, kind
        book.issued_on, book.collected_on = timezone.localdate(), None
        book.save()
        audit_record(actor=actor, action=AuditAction.UPDATED, node=book.issuing_authority, obj=book,
                     changes={"number": [old, book.number], "issue": ["", kind]})
    return book


def record_book_cancel(*, actor, book: RecordBook, reason: str) -> RecordBook:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    with transaction.atomic():
        book = _lock_book(book)
        if not _may_change_book(actor, book):
            raise PermissionDenied(_("You cannot change this record book."))
        if book.status == BookStatus.CANCELLED:
            return book
        old = book.status
        book.status, book.cancelled_on, book.cancel_reason = BookStatus.CANCELLED, timezone.localdate(), reason[:255]
        book.save()
        audit_record(actor=actor, action=AuditAction.CLOSED, node=book.issuing_authority, obj=book,
                     changes={"status": [old, BookStatus.CANCELLED.value]}, reason=reason)
    return book


# --- Service IDs ---------------------------------------------------------------------------------

def service_id_issue(*, actor, volunteer: Volunteer, unit: OrgNode, issued_on: datetime.date,
                     expires_on: datetime.date) -> ServiceId:
    """The unit issues a service ID to a trained volunteer of theirs with a photo; one valid ID per unit
    (a second click returns the one issued)."""
    if not _manages(actor, unit):
        raise PermissionDenied(_("You do not manage this unit."))
    if expires_on <= issued_on:
        raise ValidationError({"expires_on": _("The ID expires after the day it is issued.")})
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if not Volunteer.objects.visible_to(actor, roles=UNIT_MANAGERS).filter(pk=volunteer.pk).exists():
            raise PermissionDenied(_("This person is not a volunteer of yours."))
        existing = ServiceId.objects.filter(volunteer=volunteer, unit=unit, status=ServiceIdStatus.VALID).first()
        if existing is not None:
            return existing
        problems = []
        if basic_on(holdings_of(volunteer)) is None:
            problems.append(_("no basic training"))
        if not volunteer.photo:
            problems.append(_("no photo"))
        if problems:
            raise ValidationError(_("A service ID cannot be issued: %(problems)s.") % {"problems": join_list(problems)})
        service_id = ServiceId.objects.create(
            volunteer=volunteer, unit=unit, issued_on=issued_on, expires_on=expires_on, issued_by=actor,
            number=next_number(issuer=unit, kind="service_id", day=issued_on))
        audit_record(actor=actor, action=AuditAction.CREATED, node=unit, obj=service_id,
                     changes={"number": ["", service_id.number]})
    return service_id


def service_id_cancel(*, actor, service_id: ServiceId, reason: str) -> ServiceId:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    with transaction.atomic():
        service_id = ServiceId.objects.select_for_update(of=("self",)).select_related("unit").get(pk=service_id.pk)
        if not _manages(actor, service_id.unit):
            raise PermissionDenied(_("You do not manage this unit."))
        if service_id.status == ServiceIdStatus.CANCELLED:
            return service_id
        service_id.status, service_id.cancelled_on = ServiceIdStatus.CANCELLED, timezone.localdate()
        service_id.cancel_reason = reason[:255]
        service_id.save()
        audit_record(actor=actor, action=AuditAction.CLOSED, node=service_id.unit, obj=service_id,
                     changes={"status": [ServiceIdStatus.VALID.value, ServiceIdStatus.CANCELLED.value]}, reason=reason)
    return service_id


# --- The volunteer's photo ----------------------------------------------------------------------------

def photo_checked(upload) -> bytes:
    """The upload as a JPEG of at most PHOTO_MAX_SIZE, or ValidationError: a PNG or JPEG by content, at most
    5 MB, at least PHOTO_MIN_SIZE pixels, portrait or square."""
    from PIL import Image, ImageOps

    size = getattr(upload, "size", None)
    if size is None or size > PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo is larger than 5 MB."), code="file_size")
    detect(upload, {"png", "jpeg"})
    upload.seek(0)
    with Image.open(upload) as image:
        if image.width * image.height > PHOTO_MAX_PIXELS:
            raise ValidationError(_("The photo has too many pixels."), code="file_size")
        image = ImageOps.exif_transpose(image)
        width, height = image.size
        if width < PHOTO_MIN_SIZE[0] or height < PHOTO_MIN_SIZE[1]:
            raise ValidationError(_("The photo is too small: at least %(w)s × %(h)s pixels.")
                                  % {"w": PHOTO_MIN_SIZE[0], "h": PHOTO_MIN_SIZE[1]}, code="too_small")
        if width > height * 1.1:
            raise ValidationError(_("Use an upright (portrait) photo of your head and shoulders."), code="landscape")
        image = image.convert("RGB")
        image.thumbnail(PHOTO_MAX_SIZE)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=88)
    upload.seek(0)
    return out.getvalue()


def volunteer_photo_set(*, volunteer: Volunteer, upload, actor=None) -> Volunteer:
    """Store the checked, resized photo as the volunteer's private file (the old file is removed after the
    commit)."""
    data = photo_checked(upload)
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        old = volunteer.photo.name if volunteer.photo else ""
        volunteer.photo.save("photo.jpg", ContentFile(data), save=False)
        volunteer.save(update_fields=["photo", "updated_at"])
        audit_record(actor=actor or volunteer.user, action=AuditAction.UPDATED, node=None, obj=volunteer,
                     changes={"photo": ["(file)" if old else "", "(file)"]})
        if old:
            storage = volunteer.photo.storage
            transaction.on_commit(lambda: storage.delete(old))
    return volunteer
