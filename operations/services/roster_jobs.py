"""Import jobs: what every spreadsheet import run as a background job shares around its job row (an
`ImportJob`: `RosterImport` for the group sign-up (services.rosters) and the staff import into a team
(services.teams), `HourImport` for hour slips (services.hours), `CertificateImport` for certificates
(services.training)): starting the job (upload checked, file stored privately, task queued after the
commit), reading the stored upload, storing progress, claiming the job, marking it failed (whatever goes
wrong, never "checking" for ever), the stuck-job sweeper, and the run itself for imports without a
roster's extras (`import_job_run`). The roster imports also register the people of checked records here.
The services import this module (and services.roster_files); none imports another's."""
from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import CertificateImport, HourImport, ImportJob, RosterImport, RosterStatus, Volunteer
from ..outbox import enqueue
from ..selectors.counting import bump_people_version
from .roster_files import RosterFileError, parse_roster, roster_check_upload

# Every kind of import job, for the stuck-job sweeper.
IMPORT_JOB_MODELS: tuple[type[ImportJob], ...] = (RosterImport, HourImport, CertificateImport)
FINISHED = (RosterStatus.DONE, RosterStatus.FAILED)

logger = logging.getLogger(__name__)


def roster_read(job: ImportJob, *, max_rows: int | None = None) -> list[list[str]]:
    """The stored upload of `job`, parsed (raises RosterFileError)."""
    with job.file.open("rb") as fh:
        raw = fh.read()
    return parse_roster(job.original_name, raw, max_rows=max_rows)


def roster_progress(job: ImportJob, processed: int, total: int) -> None:
    """Store how far the check is. Called outside the import's transaction, so that the status page sees it."""
    type(job).objects.filter(pk=job.pk).update(processed_rows=processed, total_rows=total)


UNEXPECTED_FAILURE = gettext_lazy("The import stopped because of an unexpected error; nothing was imported. "
                                   "Please upload the file again; if it happens again, contact us.")
STUCK_FAILURE = gettext_lazy("The import did not finish in time; nothing was imported. Please upload the file "
                             "again.")


def roster_import_fail(*, job_id: int, message, model: type[ImportJob] = RosterImport) -> int:
    """Mark an import that is not finished as failed with `message` (in the uploader's language) for the
    status page and the uploader. Returns 1 when it was marked, 0 when it had finished meanwhile."""
    job = model.objects.filter(pk=job_id).only("language").first()
    if job is None:
        return 0
    with translation.override(job.language):
        errors = [{"row": 0, "messages": [str(message)]}]
    return import_job_finish(job, status=RosterStatus.FAILED, errors=errors)


def fails_import_on_error(run=None, *, model: type[ImportJob] = RosterImport):
    """Whatever goes wrong in an import (a database error, a bug, a worker shutting down), the import is
    marked failed with a message the uploader sees: never "checking" for ever. `@fails_import_on_error`
    for roster imports, `@fails_import_on_error(model=HourImport)` for the others."""
    if run is None:
        return functools.partial(fails_import_on_error, model=model)

    @functools.wraps(run)
    def guarded(*, job_id: int):
        try:
            return run(job_id=job_id)
        except Exception:
            logger.exception("%s %s failed", model.__name__, job_id)
            try:
                roster_import_fail(job_id=job_id, message=UNEXPECTED_FAILURE, model=model)
                job = model.objects.filter(pk=job_id).first()
                if job is not None:
                    import_job_discard_file(job)
            except Exception:  # noqa: BLE001 - the database itself is gone; the beat job will mark it
                logger.exception("%s %s could not be marked failed", model.__name__, job_id)
            return model.objects.filter(pk=job_id).first()

    return guarded


def roster_imports_fail_stuck(*, now: datetime.datetime | None = None) -> int:
    """Beat job: imports of every kind (rosters, hour slips, certificates) still waiting or checking
    ROSTER_IMPORT_TIMEOUT_MINUTES after the upload are marked failed (a worker died, a message was lost).
    Returns how many."""
    minutes = settings.VOLUNTEER_ACCOUNTS["ROSTER_IMPORT_TIMEOUT_MINUTES"]
    cutoff = (now or timezone.now()) - datetime.timedelta(minutes=minutes)
    marked = 0
    for model in IMPORT_JOB_MODELS:
        for job_id in model.objects.filter(status__in=[RosterStatus.PENDING, RosterStatus.RUNNING],
                                           created_at__lt=cutoff).values_list("pk", flat=True):
            if roster_import_fail(job_id=job_id, message=STUCK_FAILURE, model=model):
                marked += 1
                import_job_discard_file(model.objects.get(pk=job_id))
    return marked


def roster_import_claim(job: ImportJob) -> bool:
    """Lock the job row; False when another run already finished it (call inside the import's transaction)."""
    return type(job).objects.select_for_update().filter(pk=job.pk).exclude(status__in=FINISHED).exists()


def import_job_finish(job: ImportJob, *, status: str, errors: list[dict] | None = None, **fields) -> int:
    """Record the end of a job that is not finished yet (1), or leave a finished one alone (0)."""
    return type(job).objects.filter(pk=job.pk).exclude(status__in=FINISHED).update(
        status=status, errors=errors or [], finished_at=timezone.now(), **fields)


# --- Imports without a roster's extras (hour slips, certificates) -----------------------------------

class ImportRowErrors(Exception):
    """Problems found while writing (on locked rows), as [{"row": n, "messages": [...]}]: nothing is written."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors


def import_errors_as_messages(errors: list[dict], *, limit: int = 200) -> list[str]:
    """The per-row problems as sentences ("Row 3: …"), for a refusal that is not shown as a table."""
    rows = [e for e in errors if e["messages"]]
    messages = [" ".join(e["messages"]) if not e["row"] else
                _("Row %(row)s: %(problems)s") % {"row": e["row"], "problems": " ".join(e["messages"])}
                for e in rows[:limit]]
    if len(rows) > limit:
        messages.append(_("… and %(n)s more rows with problems.") % {"n": len(rows) - limit})
    return messages


def import_at_once(name: str, raw: bytes, *, max_rows: int, check, write):
    """The same import in the caller's request, for the tests, the bench and scripts: parse the file (the
    roster parser: streamed, bounded), `check(rows)` → (errors, records) for every row, then `write(records)`
    in one transaction. Nothing is written unless every row passes; a ValidationError lists the problems by
    row ("Row 3: …"), including those `write` finds on locked rows (ImportRowErrors)."""
    try:
        rows = parse_roster(name, raw, max_rows=max_rows)
    except RosterFileError as exc:
        raise ValidationError(exc.messages) from exc
    errors, records = check(rows)
    if errors:
        raise ValidationError(import_errors_as_messages(errors))
    try:
        with transaction.atomic():
            return write(records)
    except ImportRowErrors as exc:
        raise ValidationError(import_errors_as_messages(exc.errors)) from exc


@transaction.atomic
def import_job_start(model: type[ImportJob], *, task: str, actor, file, language: str, **fields) -> ImportJob:
    """Check the upload, store it privately, create the job row and queue `task` with its id once this
    transaction commits (inline without a broker)."""
    roster_check_upload(file)
    job = model.objects.create(created_by=actor, file=file, original_name=file.name[:255], language=language,
                               **fields)
    enqueue(task, job.pk)
    return job


Check = Callable[[ImportJob, list[list[str]]], tuple[list[dict], list]]
Write = Callable[[ImportJob, list], dict]


def import_job_run(model: type[ImportJob], job_id: int, *, check: Check, write: Write,
                   max_rows: int | None = None) -> ImportJob:
    """Run an import job once: claim it (a second delivery of the task, or a run after the job finished,
    does nothing), read the stored file, `check(job, rows)` every row (it stores progress with
    `roster_progress`, committed at once, outside the import's transaction) and, when no row has a
    problem, `write(job, records)` everything in one transaction on the locked job row, together with its
    "done" status and the counts `write` returns. `write` raises ImportRowErrors or ValidationError to
    refuse (nothing is written). Messages are in the uploader's language."""
    job = model.objects.select_related("created_by").get(pk=job_id)
    if not model.objects.filter(pk=job.pk, status=RosterStatus.PENDING).update(status=RosterStatus.RUNNING):
        return job  # already running elsewhere, or finished
    with translation.override(job.language):
        try:
            rows = roster_read(job, max_rows=max_rows)
            errors, records = check(job, rows)
        except RosterFileError as exc:
            errors, records = [{"row": 0, "messages": exc.messages}], []
        if not errors:
            try:
                with transaction.atomic():
                    if roster_import_claim(job):
                        counts = write(job, records)
                        import_job_finish(job, status=RosterStatus.DONE, processed_rows=len(records),
                                          total_rows=len(records), **counts)
            except ImportRowErrors as exc:
                errors = exc.errors
            except ValidationError as exc:
                errors = [{"row": 0, "messages": exc.messages}]
        if errors:
            import_job_finish(job, status=RosterStatus.FAILED, errors=errors)
    import_job_discard_file(job)
    return model.objects.get(pk=job.pk)


def import_job_discard_file(job: ImportJob) -> None:
    """Delete the stored upload of a finished job (it lists identity numbers; the rows written, the counts and
    the problems stay). Roster uploads are kept: their uploader and the staff may download them."""
    if isinstance(job, RosterImport) or not job.file:
        return
    name = job.file.name
    type(job).objects.filter(pk=job.pk, status__in=FINISHED).update(file="")
    try:
        job.file.storage.delete(name)
    except OSError:  # already gone: as good as deleted
        logger.warning("The upload of %s %s could not be deleted", type(job).__name__, job.pk)



def roster_create_volunteers(records: list[dict], *, note: str) -> list[Volunteer]:
    """Bulk-register the people of checked records who are not registered yet; returns the volunteer of
    every record, in order (matched or new). Call inside the import's transaction."""
    created = []
    for record in records:
        if record["volunteer"] is None:
            created.append(Volunteer(
                id_type=record["id_type"], id_number=record["id_number"], name=record["name"], sex=record["sex"],
                birth_date=record["birth_date"], phone=record["phone"], email=record["email"],
                emergency_contact_name=record["emergency_contact_name"],
                emergency_contact_phone=record["emergency_contact_phone"],
                notes=note,
            ))
    Volunteer.objects.bulk_create(created, batch_size=1000)
    transaction.on_commit(bump_people_version)  # bulk_create sends no post_save
    if created and created[0].pk is None:  # databases that do not return ids from a bulk insert
        ids = {(v.id_type, v.id_number): v.pk for v in Volunteer.objects.filter(
            id_number__in=[c.id_number for c in created]).only("id", "id_type", "id_number")}
        for v in created:
            v.pk = v.id = ids[(v.id_type, v.id_number)]
    iterator = iter(created)
    return [record["volunteer"] or next(iterator) for record in records]

