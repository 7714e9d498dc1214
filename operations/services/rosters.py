"""Group rosters (團體報名, groups of 30+): parse a CSV (UTF-8 with or without BOM, or Big5), XLSX or ODS
file, validate every row, then import all rows or none: volunteers created or matched by document,
sign-ups accepted while seats remain and waitlisted after that (applied for reviewed campaigns). Each
person with an e-mail address is then told which shifts the group signed them up for, with which status.

The parser, the template and the row checks (`check_roster_rows`: cells, documents, duplicates, registry
match) live in services.roster_files and the import-job plumbing in services.roster_jobs, both shared with
the staff import of a roster into a team (the teams service). Who may be signed up for the chosen shifts
(sign-up window, campaign ages, guardian consent, existing and overlapping sign-ups, and the checks later
modules register) is the sign-up rule book's (selectors.signup_rules), said in the uploader's words.

Seats are taken with the shift rows locked (SELECT … FOR UPDATE) in the same transaction as the
sign-up rows, so the no-overbooking invariant of services/signups.py holds."""
from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..effects import task_event_key
from ..mail import mail_language, send_templated_mail, site_link
from ..models import (
    GuardianConsent,
    RosterImport,
    RosterStatus,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    Volunteer,
)
from ..outbox import enqueue
from ..selectors import signup_rules
from ..selectors.recruitment import invalidate_recruitment_progress
from ..selectors.signup_rules import ACTIVE_STATUSES
from ..selectors.training import prefetch_holdings
from .roster_files import (  # noqa: F401 - the parser's names, as callers of this module know them
    CONTENT_TYPES,
    ROSTER_COLUMNS,
    RosterFileError,
    check_roster_rows,
    parse_roster,
    roster_check_upload,
    roster_template,
)
from .roster_jobs import (  # noqa: F401 - the job plumbing's names, as callers of this module know them
    STUCK_FAILURE,
    UNEXPECTED_FAILURE,
    fails_import_on_error,
    roster_create_volunteers,
    roster_import_claim,
    roster_import_fail,
    roster_imports_fail_stuck,
    roster_progress,
    roster_read,
)
from .signups import SIGNUP_TRANSITIONS

logger = logging.getLogger(__name__)

@transaction.atomic
def roster_import_start(*, user, shifts: list[Shift], file, language: str) -> RosterImport:
    """Store the upload and queue the check-and-import task (inline without a broker)."""
    roster_check_upload(file)
    job = RosterImport.objects.create(created_by=user, file=file, original_name=file.name[:255], language=language)
    job.shifts.set(shifts)
    enqueue("operations.tasks.roster_import_run", job.pk)
    return job


@fails_import_on_error
def roster_import_run(*, job_id: int) -> RosterImport:
    """Validate every row; import everything in one transaction when there is no problem at all."""
    job = RosterImport.objects.get(pk=job_id)
    if job.team_id is not None:  # a staff import into a team: the task runs the teams service
        logger.warning("Roster import %s is an import into a team, not a group sign-up; left alone", job_id)
        return job
    if job.status in (RosterStatus.DONE, RosterStatus.FAILED):
        return job
    RosterImport.objects.filter(pk=job.pk).update(status=RosterStatus.RUNNING)
    with translation.override(job.language):
        try:
            rows = roster_read(job)
            errors, records, shifts = _validate(job, rows)
        except RosterFileError as exc:
            errors, records, shifts = [{"row": 0, "messages": exc.messages}], [], []
        if errors:
            # A redelivered run that checked the rows after the first run imported them (and so finds its
            # people signed up already) leaves the finished job as it is.
            RosterImport.objects.filter(pk=job.pk).exclude(status__in=[RosterStatus.DONE, RosterStatus.FAILED]) \
                .update(status=RosterStatus.FAILED, errors=errors, finished_at=timezone.now())
            return RosterImport.objects.get(pk=job.pk)
        try:
            # The import, its "done" status and its notifications commit together, on the locked job row:
            # a redelivered or concurrent run of the task finds the job done and writes nothing.
            with transaction.atomic():
                if not roster_import_claim(job):
                    return RosterImport.objects.get(pk=job.pk)
                counts, volunteer_ids = _import(job, records, shifts)
                RosterImport.objects.filter(pk=job.pk).update(
                    status=RosterStatus.DONE, processed_rows=len(records), total_rows=len(records), errors=[],
                    finished_at=timezone.now(), **counts)
                enqueue("operations.tasks.send_roster_result", job.pk)
                roster_queue_member_notifications(job=job, volunteer_ids=volunteer_ids)
        except ValidationError as exc:
            RosterImport.objects.filter(pk=job.pk).update(
                status=RosterStatus.FAILED, errors=[{"row": 0, "messages": exc.messages}],
                finished_at=timezone.now())
            return RosterImport.objects.get(pk=job.pk)
    return RosterImport.objects.get(pk=job.pk)


MEMBER_NOTICE_BATCH = 100


def roster_queue_member_notifications(*, job: RosterImport, volunteer_ids: list[int]) -> int:
    """Tell the people of an imported group roster that they were signed up, for which shifts and with
    which status: one Celery task per batch of volunteers (each sends its batch over one connection).
    Those without an e-mail address, or whose account turned sign-up e-mails off, are left out here."""
    ids: list[int] = []
    for start in range(0, len(volunteer_ids), 1000):
        ids.extend(Volunteer.objects.filter(pk__in=volunteer_ids[start:start + 1000]).exclude(email="")
                   .exclude(user__notify_by_email=False).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), MEMBER_NOTICE_BATCH):
        enqueue("operations.tasks.send_roster_member_emails", job.pk, ids[start:start + MEMBER_NOTICE_BATCH])
    return len(ids)




def _validate(job: RosterImport, rows: list[list[str]]):
    """The group sign-up for shifts: the common checks plus the rule book for each person and shift (sign-up
    window and overlaps among the chosen shifts for the file as a whole; age limits per row; guardian
    consent, existing and overlapping sign-ups of matched volunteers, and registered checks, after the
    registry match)."""
    conf = settings.VOLUNTEER_ACCOUNTS
    shifts = list(job.shifts.select_related("position__campaign").order_by("date", "start_time", "id"))
    now = timezone.now()
    roster = signup_rules.ROSTER_VOICE

    def general() -> list[str]:
        messages = []
        for shift in shifts:
            closed = signup_rules.check_window(None, shift, signup_rules.SignupContext(now=now))
            if closed:
                messages.append(closed[0].say(roster))
        for a, b in signup_rules.overlapping_pairs(shifts):
            messages.append(_("The shifts %(a)s and %(b)s overlap; choose shifts that do not.")
                            % {"a": str(a), "b": str(b)})
        return messages

    def row_check(record: dict) -> list[str]:
        if not record["birth_date"]:
            return []
        person = Volunteer(name=record["name"], birth_date=record["birth_date"])
        for shift in shifts:
            too_young_or_old = signup_rules.check_age(person, shift, signup_rules.SignupContext(now=now))
            if too_young_or_old:
                record["problems"] = too_young_or_old[:1]
                return [too_young_or_old[0].say(roster)]
        return []

    def registry_check(records: list[dict], existing: dict) -> dict[int, list[str]]:
        # The rest of the rule book, with what matched volunteers have on file read in bulk: consents and
        # active sign-ups on the days of the chosen shifts (new people have neither).
        matched_ids = [v.pk for v in existing.values()]
        prefetch_holdings(list(existing.values()))  # the training gate's certificates, in bulk
        consents = defaultdict(set)
        for volunteer_id, campaign_id in GuardianConsent.objects.filter(volunteer_id__in=matched_ids).values_list(
                "volunteer_id", "campaign_id"):
            consents[volunteer_id].add(campaign_id)
        dates = {s.date for s in shifts}
        taken = defaultdict(list)
        for start in range(0, len(matched_ids), 1000):
            for s in Signup.objects.filter(volunteer_id__in=matched_ids[start:start + 1000],
                                           status__in=ACTIVE_STATUSES, shift__date__in=dates).select_related("shift"):
                taken[s.volunteer_id].append(s)
        found: dict[int, list[str]] = {}
        for record in records:
            person = record["volunteer"] or Volunteer(name=record["name"], birth_date=record["birth_date"])
            if person.birth_date is None:  # the row already says the date of birth is missing
                continue
            problems: list[signup_rules.Problem] = []
            for shift in shifts:
                context = signup_rules.SignupContext(now=now, same_day=taken.get(person.pk, []),
                                                     consents=consents.get(person.pk, set()),
                                                     overlap=signup_rules.OVERLAP_ACTIVE)
                problems += signup_rules.signup_check(person, shift, context=context,
                                                      skip=(signup_rules.check_window, signup_rules.check_age))
            # The consent is asked once per person, after what they already have on file.
            problems.sort(key=lambda p: p.code == signup_rules.CONSENT_MISSING)
            record.setdefault("problems", []).extend(problems)  # the codes, for whoever reads the records
            messages = list(dict.fromkeys(p.say(roster) for p in problems))
            if messages:
                found[record["row"]] = messages
        return found

    errors, records = check_roster_rows(
        job, rows, min_rows=conf["ROSTER_MIN_ROWS"], max_rows=conf["ROSTER_MAX_ROWS"], general=general,
        row_check=row_check, registry_check=registry_check, progress=roster_progress)
    return errors, records, shifts



@transaction.atomic
def _import(job: RosterImport, records: list[dict], shifts: list[Shift]) -> dict:
    volunteers = roster_create_volunteers(
        records, note=_("Registered by group roster %(file)s") % {"file": job.original_name})
    created = [v for v, record in zip(volunteers, records, strict=True) if record["volunteer"] is None]
    counts = {"accepted": 0, "waitlisted": 0, "applied": 0, "created_volunteers": len(created),
              "matched_volunteers": len(records) - len(created)}
    now = timezone.now()
    locked = {s.pk: s for s in Shift.objects.select_for_update().filter(pk__in=[s.pk for s in shifts]).order_by("pk")}
    matched_ids = [r["volunteer"].pk for r in records if r["volunteer"] is not None]
    inactive = {}
    for start in range(0, len(matched_ids), 1000):
        for s in Signup.objects.select_for_update().filter(
                shift_id__in=list(locked), volunteer_id__in=matched_ids[start:start + 1000]):
            inactive[(s.volunteer_id, s.shift_id)] = s
    for chosen in shifts:
        shift = locked[chosen.pk]
        reviewed = chosen.position.campaign.signup_mode == SignupMode.REVIEWED
        free = max(shift.headcount - shift.accepted_count, 0)
        new_rows, accepted_here = [], 0
        for volunteer in volunteers:
            previous = inactive.get((volunteer.pk, shift.pk))
            if reviewed:
                event = "apply"
            elif accepted_here < free:
                event = "take_seat"
            else:
                event = "join_waitlist"
            # Decided on the rows locked above: someone who signed up for this shift since the roster was
            # checked stops the import (nothing is written) instead of being signed up twice.
            if not SIGNUP_TRANSITIONS.allowed(event, previous.status if previous else None) or (
                    previous is not None and previous.status in ACTIVE_STATUSES):
                raise ValidationError(_("%(name)s signed up for %(shift)s while the roster was being imported; "
                                        "please upload again.") % {"name": volunteer.name, "shift": str(shift)})
            status = SIGNUP_TRANSITIONS.step(event, previous.status if previous else None).target
            if status == SignupStatus.ACCEPTED:
                accepted_here += 1
            counts[str(status)] = counts.get(str(status), 0) + 1
            if previous is not None:
                previous.status = status
                previous.cancelled_at = None
                previous.created_at = now
                previous.decided_at = now if status == SignupStatus.ACCEPTED else None
                previous.note = _("Group roster")
                previous.save()
            else:
                new_rows.append(Signup(volunteer=volunteer, shift=shift, status=status, note=_("Group roster"),
                                       decided_at=now if status == SignupStatus.ACCEPTED else None))
        Signup.objects.bulk_create(new_rows, batch_size=1000)
        if accepted_here:
            updated = Shift.objects.filter(pk=shift.pk, accepted_count__lte=F("headcount") - accepted_here).update(
                accepted_count=F("accepted_count") + accepted_here)
            if updated != 1:
                raise ValidationError(_("The seats changed while importing; please upload again."))
    transaction.on_commit(invalidate_recruitment_progress)
    return counts, [v.pk for v in volunteers]


# --- E-mail -----------------------------------------------------------------------------------------

def roster_import_notify(*, import_id: int, task=None) -> bool:
    """Tell whoever uploaded a roster, in the language of the upload, how the import went."""
    job = RosterImport.objects.select_related("created_by").filter(pk=import_id).first()
    if job is None or not job.created_by.email:
        return False
    return send_templated_mail("roster_result", {"job": job, "site_url": settings.SITE_URL}, job.created_by.email,
                               job.language, task=task)


def roster_members_notify(*, import_id: int, volunteer_ids: list[int], task=None) -> int:
    """One batch of a group roster's people: each is told, in their language, that the group signed them
    up, for which shifts and with which status (once per person and roster). One connection for the batch;
    on a mail-server failure the task is retried with only the people not yet written to. The number sent."""
    from django.core.mail import get_connection

    job = RosterImport.objects.select_related("created_by").filter(pk=import_id, team__isnull=True).first()
    if job is None:
        return 0
    representative = getattr(job.created_by, "volunteer", None)
    representative = representative.name if representative is not None else str(job.created_by)
    shift_ids = list(job.shifts.values_list("pk", flat=True))
    volunteers = {v.pk: v for v in Volunteer.objects.select_related("user").filter(pk__in=volunteer_ids)
                  .exclude(email="")}
    signups: dict[int, list] = {}
    for signup in (
        Signup.objects.filter(volunteer_id__in=list(volunteers), shift_id__in=shift_ids)
        .exclude(status__in=[SignupStatus.CANCELLED, SignupStatus.REJECTED])
        .select_related("shift__position__campaign", "shift__position__venue")
        .order_by("shift__date", "shift__start_time", "shift_id")
    ):
        signups.setdefault(signup.volunteer_id, []).append(signup)
    sent = 0
    pending = [pk for pk in volunteer_ids if pk in volunteers and signups.get(pk)]
    connection = get_connection()
    try:
        connection.open()
        for index, pk in enumerate(pending):
            volunteer = volunteers[pk]
            user = volunteer.user
            if user is not None and not user.notify_by_email:
                continue
            language = mail_language(user.preferred_language if user else None)
            unsubscribe = ""
            if user is not None:  # the notice can be turned off in the account's preferences
                with translation.override(language):
                    unsubscribe = site_link(reverse("volunteer:preferences"))
            context = {"job": job, "volunteer": volunteer, "has_account": user is not None,
                       "signups": signups[pk], "representative": representative, "site_url": site_link("")}
            key = task_event_key(task, import_id, pk) if task is not None else ""
            if send_templated_mail("roster_member", context, volunteer.email, language, task=task, key=key,
                                   unsubscribe_url=unsubscribe, connection=connection,
                                   retry_args=(import_id, pending[index:])):
                sent += 1
    finally:
        connection.close()
    return sent
