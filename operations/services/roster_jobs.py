"""Roster import jobs: what the group sign-up (services.rosters) and the staff import into a team
(services.teams) share around a `RosterImport` row: reading the stored upload, storing progress, claiming
the job, marking it failed (whatever goes wrong, never "checking" for ever) and registering the people of
checked records. Both import this module (and services.roster_files); neither imports the other."""
from __future__ import annotations

import datetime
import functools
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from ..models import RosterImport, RosterStatus, Volunteer
from ..selectors.counting import bump_people_version
from .roster_files import parse_roster

logger = logging.getLogger(__name__)


def roster_read(job: RosterImport) -> list[list[str]]:
    """The stored upload of `job`, parsed (raises RosterFileError)."""
    with job.file.open("rb") as fh:
        raw = fh.read()
    return parse_roster(job.original_name, raw)



def roster_progress(job: RosterImport, processed: int, total: int) -> None:
    RosterImport.objects.filter(pk=job.pk).update(processed_rows=processed, total_rows=total)


UNEXPECTED_FAILURE = gettext_lazy("The import stopped because of an unexpected error; nothing was imported. "
                                   "Please upload the file again; if it happens again, contact us.")
STUCK_FAILURE = gettext_lazy("The import did not finish in time; nothing was imported. Please upload the file "
                             "again.")


def roster_import_fail(*, job_id: int, message) -> int:
    """Mark an import that is not finished as failed with `message` (in the uploader's language) for the
    status page and the uploader. Returns 1 when it was marked, 0 when it had finished meanwhile."""
    job = RosterImport.objects.filter(pk=job_id).only("language").first()
    if job is None:
        return 0
    with translation.override(job.language):
        errors = [{"row": 0, "messages": [str(message)]}]
    return RosterImport.objects.filter(pk=job_id).exclude(status__in=[RosterStatus.DONE, RosterStatus.FAILED]) \
        .update(status=RosterStatus.FAILED, errors=errors, finished_at=timezone.now())


def fails_import_on_error(run):
    """Whatever goes wrong in an import (a database error, a bug, a worker shutting down), the import is
    marked failed with a message the uploader sees: never "checking" for ever."""

    @functools.wraps(run)
    def guarded(*, job_id: int):
        try:
            return run(job_id=job_id)
        except Exception:
            logger.exception("Roster import %s failed", job_id)
            try:
                roster_import_fail(job_id=job_id, message=UNEXPECTED_FAILURE)
            except Exception:  # noqa: BLE001 - the database itself is gone; the beat job will mark it
                logger.exception("Roster import %s could not be marked failed", job_id)
            return RosterImport.objects.filter(pk=job_id).first()

    return guarded


def roster_imports_fail_stuck(*, now: datetime.datetime | None = None) -> int:
    """Beat job: imports still waiting or checking ROSTER_IMPORT_TIMEOUT_MINUTES after the upload are
    marked failed (a worker died, a message was lost). Returns how many."""
    minutes = settings.VOLUNTEER_ACCOUNTS["ROSTER_IMPORT_TIMEOUT_MINUTES"]
    cutoff = (now or timezone.now()) - datetime.timedelta(minutes=minutes)
    marked = 0
    for job_id in RosterImport.objects.filter(
            status__in=[RosterStatus.PENDING, RosterStatus.RUNNING], created_at__lt=cutoff).values_list("pk", flat=True):
        marked += roster_import_fail(job_id=job_id, message=STUCK_FAILURE)
    return marked



def roster_import_claim(job: RosterImport) -> bool:
    """Lock the job row; False when another run already finished it (call inside the import's transaction)."""
    return RosterImport.objects.select_for_update().filter(pk=job.pk).exclude(
        status__in=[RosterStatus.DONE, RosterStatus.FAILED]).exists()



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

