"""Service hours (服務時數) written by staff: service that is not a shift (regular duty at a unit desk, a
hospital ward), hour-slip imports (all rows or none), corrections that keep the old values and a reason,
and misuse annotations (DOMAIN.md §1.6: the record stays, annotated, and is not counted).

All write the one ledger (`ServiceRecord`, shift attendance writes it too). Hours are the actual service
time, travel excluded (志願服務紀錄冊管理辦法 Art.9), in 0.5 h steps, more than 0 and at most 24 a record;
one volunteer's records of one day may not add up to more than 24 hours (the volunteer row is locked while
that is checked, so two entries racing cannot both pass)."""
from __future__ import annotations

import datetime
import time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..identity import normalize_id_number
from ..models import (
    MAX_HOURS_PER_DAY,
    ChangeKind,
    HourImport,
    HourSource,
    ImportStatus,
    OrgKind,
    OrgNode,
    ServiceRecord,
    ServiceRecordChange,
    Volunteer,
)
from ..roles import UNIT_MANAGERS
from ..selectors.codes import service_category_codes
from .audit import audit_record
from .kept import foreign_keys_checked_as_written, hold_count_from_dates
from .roster_jobs import (
    ImportRowErrors,
    fails_import_on_error,
    import_at_once,
    import_job_run,
    import_job_start,
    roster_progress,
)

CHANGE_PERMISSION = "operations.servicerecord.change"
MAX_IMPORT_ROWS = 10_000
HALF = Decimal("0.5")
EARLIEST = datetime.date(2001, 1, 1)  # the Act's first year; older service is not entered here


def _check_hours(hours) -> list[str]:
    try:
        value = Decimal(hours)
    except (InvalidOperation, TypeError, ValueError):
        return [_("Hours must be a number.")]
    if not (Decimal("0") < value <= MAX_HOURS_PER_DAY) or value % HALF != 0:
        return [_("Hours must be more than 0 and at most %(max)s, in steps of 0.5.") % {"max": MAX_HOURS_PER_DAY}]
    return []


def _check_date(day, today: datetime.date) -> list[str]:
    if not isinstance(day, datetime.date) or day > today or day < EARLIEST:
        return [_("The service date must be between %(first)s and today.") % {"first": EARLIEST.isoformat()}]
    return []


def _units_for(actor):
    return OrgNode.objects.visible_to(actor, roles=UNIT_MANAGERS).filter(kind=OrgKind.UNIT)


def _day_total(volunteer_id: int, day: datetime.date, *, exclude_pk: int | None = None) -> Decimal:
    qs = ServiceRecord.objects.filter(volunteer_id=volunteer_id, date=day, misuse_at__isnull=True)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return Decimal(qs.aggregate(total=Sum("hours"))["total"] or 0)


def _day_problem(volunteer: Volunteer, day: datetime.date, hours: Decimal, *, exclude_pk=None) -> str | None:
    total = _day_total(volunteer.pk, day, exclude_pk=exclude_pk)
    if total + Decimal(hours) > MAX_HOURS_PER_DAY:
        return _("%(name)s already has %(total)s hours on %(date)s; a day holds at most %(max)s.") % {
            "name": volunteer.name, "total": total, "date": day.isoformat(), "max": MAX_HOURS_PER_DAY}
    return None


@transaction.atomic
def hours_record_create(*, actor, volunteer: Volunteer, unit: OrgNode, date: datetime.date, content: str,
                        hours, people_served: int = 0, category: str = "") -> ServiceRecord:
    """Staff enter service that is not a shift. `category` defaults to the unit's category."""
    errors: dict[str, list[str]] = {}
    if not actor.has_perm(CHANGE_PERMISSION, unit) or unit.kind != OrgKind.UNIT:
        raise PermissionDenied(_("You cannot record hours for this unit."))
    if not Volunteer.objects.visible_to(actor).filter(pk=volunteer.pk).exists():
        raise PermissionDenied(_("This volunteer is outside your part of the organisation."))
    category = category or unit.category
    if category not in service_category_codes():
        errors["category"] = [_("Choose the service category.")]
    if problems := _check_hours(hours):
        errors["hours"] = problems
    if problems := _check_date(date, timezone.localdate()):
        errors["date"] = problems
    if not content.strip():
        errors["content"] = [_("Describe the service.")]
    if people_served is None or people_served < 0:
        errors["people_served"] = [_("The number of people served cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    Volunteer.objects.select_for_update(no_key=True).filter(pk=volunteer.pk).first()  # serialise this person's day
    if problem := _day_problem(volunteer, date, Decimal(hours)):
        raise ValidationError({"hours": [problem]})
    record = ServiceRecord.objects.create(
        volunteer=volunteer, unit=unit, date=date, category=category, content=content.strip()[:255],
        minutes=int(Decimal(hours) * 60), hours=Decimal(hours), people_served=people_served,
        recorded_by=actor, source=HourSource.STAFF)
    audit_record(actor=actor, action="created", node=unit, obj=record,
                 changes={"hours": str(record.hours), "date": date.isoformat(), "source": HourSource.STAFF})
    return record


def _locked(record: ServiceRecord) -> ServiceRecord:
    """The record locked and read afresh (its volunteer and unit read with it, not locked: the callers lock the
    volunteer first, FOR NO KEY UPDATE, so a certificate written for the person meanwhile is not kept waiting
    at its commit while it holds the person's count-from lock that the ledger's trigger asks for)."""
    return ServiceRecord.objects.select_for_update(of=("self",)).select_related("volunteer", "unit").get(pk=record.pk)


def _fmt(value) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.1")))
    return "" if value is None else str(value)


@transaction.atomic
def hours_record_correct(*, actor, record: ServiceRecord, reason: str, version: int | None = None,
                         **values) -> ServiceRecord:
    """Correct a record (date, content, hours, people served, category); the old values and the reason are
    kept (`ServiceRecordChange` and the audit log). Hours of a shift come from its check-in and check-out:
    they are corrected on the attendance, not here. `version` is the one the form showed: if somebody
    changed the record since, the correction is refused (unless it asks for what is already there: a
    double click changes nothing the second time)."""
    allowed = {"date", "content", "hours", "people_served", "category"}
    if set(values) - allowed:
        raise ValueError(f"unknown fields {sorted(set(values) - allowed)}")
    if not actor.has_perm(CHANGE_PERMISSION, record):
        raise PermissionDenied(_("You cannot correct this record."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give a reason for the correction.")]})
    Volunteer.objects.select_for_update(no_key=True).filter(pk=record.volunteer_id).first()
    record = _locked(record)
    changes = {k: [_fmt(getattr(record, k)), _fmt(v)] for k, v in values.items()
               if v is not None and _fmt(getattr(record, k)) != _fmt(v)}
    if not changes:
        return record  # nothing to change (a repeated submission)
    if version is not None and version != record.version:
        raise ValidationError(_("Somebody changed this record while you were editing it. Check it and correct "
                                "it again."))
    errors: dict[str, list[str]] = {}
    if record.source == HourSource.ATTENDANCE and ({"hours", "date"} & set(changes)):
        errors["hours"] = [_("The hours of a shift come from its check-in and check-out; correct the "
                             "attendance times instead.")]
    if "hours" in changes and (problems := _check_hours(values["hours"])):
        errors["hours"] = problems
    if "date" in changes and (problems := _check_date(values["date"], timezone.localdate())):
        errors["date"] = problems
    if "content" in changes and not str(values["content"]).strip():
        errors["content"] = [_("Describe the service.")]
    if "people_served" in changes and values["people_served"] < 0:
        errors["people_served"] = [_("The number of people served cannot be negative.")]
    if "category" in changes and values["category"] not in service_category_codes():
        errors["category"] = [_("Choose the service category.")]
    if errors:
        raise ValidationError(errors)
    new_hours = Decimal(values.get("hours") or record.hours)
    new_date = values.get("date") or record.date
    if record.misuse_at is None and (problem := _day_problem(record.volunteer, new_date, new_hours,
                                                               exclude_pk=record.pk)):
        raise ValidationError({"hours": [problem]})
    for key in changes:
        value = values[key]
        setattr(record, key, value.strip()[:255] if key == "content" else value)
    if "hours" in changes:
        record.minutes = int(new_hours * 60)
    record.version += 1
    record.save()
    ServiceRecordChange.objects.create(record=record, kind=ChangeKind.CORRECTION, changes=changes,
                                       reason=reason.strip()[:255], changed_by=actor)
    audit_record(actor=actor, action="updated", node=record.unit, obj=record, reason=reason.strip(), changes=changes)
    return record


@transaction.atomic
def hours_record_annotate_misuse(*, actor, record: ServiceRecord, note: str) -> ServiceRecord:
    """Annotate a record as misuse of the record book or service ID (lent, used by another, misused): it
    stays in the ledger, shown with the note, and no count includes it. Annotating twice changes nothing."""
    if not actor.has_perm(CHANGE_PERMISSION, record):
        raise PermissionDenied(_("You cannot annotate this record."))
    if not note.strip():
        raise ValidationError({"note": [_("Say what the misuse was.")]})
    # The volunteer first, as a correction and a lift do: `_locked` locks the record and, through its join, the
    # volunteer's row too, in whatever order the plan meets them; a correction holding the volunteer while
    # waiting for the record could otherwise deadlock with it (an annotation lost in a race test under load).
    Volunteer.objects.select_for_update(no_key=True).filter(pk=record.volunteer_id).first()
    record = _locked(record)
    if record.misuse_at is not None:
        return record
    record.misuse_note = note.strip()[:255]
    record.misuse_at = timezone.now()
    record.misuse_by = actor
    record.version += 1
    record.save()
    ServiceRecordChange.objects.create(record=record, kind=ChangeKind.MISUSE, changes={"misuse": ["", record.misuse_note]},
                                       reason=record.misuse_note, changed_by=actor)
    audit_record(actor=actor, action="updated", node=record.unit, obj=record, reason=record.misuse_note,
                 changes={"misuse": ["", record.misuse_note]})
    return record


@transaction.atomic
def hours_record_lift_misuse(*, actor, record: ServiceRecord, reason: str) -> ServiceRecord:
    """Lift a misuse annotation made in error (with a reason); the record counts again. Lifting twice
    changes nothing."""
    if not actor.has_perm(CHANGE_PERMISSION, record):
        raise PermissionDenied(_("You cannot annotate this record."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    Volunteer.objects.select_for_update(no_key=True).filter(pk=record.volunteer_id).first()
    record = _locked(record)
    if record.misuse_at is None:
        return record
    if problem := _day_problem(record.volunteer, record.date, record.hours, exclude_pk=record.pk):
        raise ValidationError(problem)
    old = record.misuse_note
    record.misuse_note, record.misuse_at, record.misuse_by = "", None, None
    record.version += 1
    record.save()
    ServiceRecordChange.objects.create(record=record, kind=ChangeKind.MISUSE_LIFTED, changes={"misuse": [old, ""]},
                                       reason=reason.strip()[:255], changed_by=actor)
    audit_record(actor=actor, action="updated", node=record.unit, obj=record, reason=reason.strip(),
                 changes={"misuse": [old, ""]})
    return record


# --- Hour-slip import --------------------------------------------------------------------------------

# (key, Chinese header, English header, required)
IMPORT_COLUMNS = [
    ("id_number", "身分證號", "ID number", True),
    ("name", "姓名", "Name", True),
    ("unit_code", "單位代碼", "Unit code", True),
    ("date", "服務日期", "Date", True),
    ("hours", "時數", "Hours", True),
    ("content", "服務內容", "Content", True),
    ("category", "服務類別", "Category", False),
    ("people_served", "服務人次", "People served", False),
]


def hours_template(fmt: str) -> tuple[bytes, str]:
    """An empty hour slip with its header row (and one example row)."""
    from .roster_files import spreadsheet_template

    return spreadsheet_template([f"{zh} {en}" for _k, zh, en, _r in IMPORT_COLUMNS],
                                ["A123456789", "王小明", "unit-code", "2025-03-01", "3.5", "服務台值勤", "社會福利", "12"],
                                title="hours", fmt=fmt)


def _day_totals(pairs: set[tuple[int, datetime.date]]) -> dict[tuple[int, datetime.date], Decimal]:
    """What is already recorded (not misuse) on each (volunteer, day) of `pairs`, read in batches."""
    totals = dict.fromkeys(pairs, Decimal("0"))
    by_volunteer: dict[int, set[datetime.date]] = {}
    for vid, day in pairs:
        by_volunteer.setdefault(vid, set()).add(day)
    ids = sorted(by_volunteer)
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        days = set().union(*(by_volunteer[v] for v in chunk))
        for vid, day, total in (ServiceRecord.objects.filter(volunteer_id__in=chunk, date__in=days,
                                                             misuse_at__isnull=True)
                                .values_list("volunteer_id", "date").annotate(total=Sum("hours"))
                                .values_list("volunteer_id", "date", "total")):
            if (vid, day) in totals:
                totals[(vid, day)] = Decimal(total or 0)
    return totals


def _days_over(records: list[dict]) -> dict[int, str]:
    """Rows that take a volunteer's day over 24 hours, with what is recorded and the rows above."""
    totals = _day_totals({(r["volunteer_id"], r["date"]) for r in records
                          if r["volunteer_id"] and r["date"] is not None and r["hours"] is not None})
    over = {}
    for record in records:
        key = (record["volunteer_id"], record["date"])
        if key in totals and record["hours"] is not None:
            totals[key] += record["hours"]
            if totals[key] > MAX_HOURS_PER_DAY:
                over[record["row"]] = (_("More than %(max)s hours on %(date)s for this volunteer (with what is "
                                         "already recorded and the rows above).")
                                       % {"max": MAX_HOURS_PER_DAY, "date": record["date"].isoformat()})
    return over


def _hour_rows_check(actor, rows: list[list[str]], *, job=None, progress=None) -> tuple[list[dict], list[dict]]:
    """Check every row of a parsed hour slip (header row first) — volunteer by document number and name in
    the actor's scope, a unit the actor manages (by code), date, hours, content, category, people served,
    and no volunteer's day over 24 hours (with what is already recorded). Returns (errors as
    [{"row": n, "messages": [...]}], records); nothing is written. `progress(job, processed, total)` is told
    how far the rows are read."""
    from .roster_files import _parse_date, import_table_cells, import_table_header, unit_category_values

    mapping, errors = import_table_header(rows, IMPORT_COLUMNS)
    if errors:
        return errors, []
    if actor is None:  # the uploader's account is gone
        return [{"row": 0, "messages": [_("You cannot import hour slips.")]}], []
    categories = unit_category_values()
    today = timezone.localdate()
    records, by_row = [], {}
    for number, cells, problems in import_table_cells(job, rows, IMPORT_COLUMNS, mapping, max_length=255,
                                                       progress=progress):
        hours = None
        if cells.get("hours"):
            hours_problems = _check_hours(cells["hours"])
            problems += hours_problems
            hours = None if hours_problems else Decimal(cells["hours"])
        day = _parse_date(cells["date"]) if cells.get("date") else None
        if cells.get("date"):
            problems += _check_date(day, today)
        category = ""
        if cells.get("category"):
            category = categories.get(cells["category"]) or categories.get(cells["category"].lower(), "")
            if not category:
                problems.append(_("Unknown service category “%(value)s”.") % {"value": cells["category"][:50]})
        served = 0
        if cells.get("people_served"):
            try:
                served = int(cells["people_served"])
                if not 0 <= served <= 1_000_000:
                    raise ValueError
            except ValueError:
                problems.append(_("People served must be a whole number from 0."))
        records.append({"row": number, "id_number": normalize_id_number(cells.get("id_number", "")),
                        "name": cells.get("name", ""), "unit_code": cells.get("unit_code", ""), "date": day,
                        "hours": hours, "content": cells.get("content", "")[:255], "category": category,
                        "people_served": served})
        by_row[number] = problems
    if not records:
        return [{"row": 0, "messages": [_("The file has no rows under the header row.")]}], []
    scope = Volunteer.objects.visible_to(actor)
    id_numbers = sorted({r["id_number"] for r in records if r["id_number"]})
    people = {}
    for start in range(0, len(id_numbers), 1000):
        for pk, id_number, person in scope.filter(id_number__in=id_numbers[start:start + 1000]).values_list(
                "pk", "id_number", "name"):
            people[id_number] = (pk, person)
    units = {u.code: u for u in _units_for(actor).filter(code__in={r["unit_code"] for r in records})}
    for record in records:
        problems = by_row[record["row"]]
        person = people.get(record["id_number"])
        if record["id_number"] and person is None:
            problems.append(_("No volunteer with this document number in your part of the organisation."))
        elif person is not None and record["name"] and person[1] != record["name"]:
            problems.append(_("The name does not match the volunteer with this document number."))
        unit = units.get(record["unit_code"])
        if record["unit_code"] and unit is None:
            problems.append(_("No unit with this code among the units you manage."))
        elif unit is not None and not record["category"]:
            record["category"] = unit.category
            if not unit.category:
                problems.append(_("The unit has no service category; fill in the category column."))
        record["volunteer_id"] = person[0] if person else None
        record["unit"] = unit
    for row, message in _days_over(records).items():
        by_row[row].append(message)
    return [{"row": row, "messages": msgs} for row, msgs in sorted(by_row.items()) if msgs], records


def _hours_write(actor, name: str, records: list[dict], *, batch: HourImport | None = None,
                 seconds: float | None = None) -> HourImport:
    """Write the records of a checked hour slip (inside the caller's transaction): the volunteers' rows are
    locked and their days summed again, as in a staff entry (ImportRowErrors when a day went over 24 hours
    meanwhile: nothing is written). The records hang from `batch` (the job) or from a new HourImport."""
    ids = sorted({r["volunteer_id"] for r in records})
    for start in range(0, len(ids), 1000):
        list(Volunteer.objects.select_for_update(no_key=True).filter(pk__in=ids[start:start + 1000]).values_list("pk"))
    hold_count_from_dates(ids)  # in key order, before the ledger's trigger takes them row by row
    over = _days_over(records)
    if over:
        raise ImportRowErrors([{"row": row, "messages": [message]} for row, message in sorted(over.items())])
    total_hours = sum((r["hours"] for r in records), Decimal("0"))
    if batch is None:
        batch = HourImport.objects.create(created_by=actor, original_name=name[:255], status=ImportStatus.DONE, created_records=len(records),
                                          total_hours=total_hours, finished_at=timezone.now())
    else:
        batch.created_records, batch.total_hours = len(records), total_hours
    with foreign_keys_checked_as_written():
        created = ServiceRecord.objects.bulk_create([
            ServiceRecord(volunteer_id=r["volunteer_id"], unit=r["unit"], date=r["date"], category=r["category"],
                          content=r["content"], minutes=int(r["hours"] * 60), hours=r["hours"],
                          people_served=r["people_served"], recorded_by=actor, source=HourSource.IMPORT,
                          hour_import=batch) for r in records], batch_size=1000)
    changes = {"records": len(created), "hours": str(total_hours)}
    if seconds is not None:
        changes["seconds"] = seconds
    audit_record(actor=actor, action="created", obj=batch, changes=changes)
    return batch


def hours_import(*, actor, name: str, raw: bytes, max_rows: int = MAX_IMPORT_ROWS) -> HourImport:
    """Import an hour slip (CSV/XLSX/ODS, the roster parser: streamed, bounded) at once: every row is
    checked and nothing is written unless every row passes: a ValidationError lists the problems by row
    ("Row 3: …"). The back-office runs the same check and write as a job (`hours_import_start`)."""
    started = time.monotonic()
    return import_at_once(
        name, raw, max_rows=max_rows, check=lambda rows: _hour_rows_check(actor, rows),
        write=lambda records: _hours_write(actor, name, records, seconds=round(time.monotonic() - started, 2)))


def hours_import_start(*, actor, file, language: str) -> HourImport:
    """Store an uploaded hour slip privately and queue its import job (inline without a broker); the job's
    page shows the progress, then the result or every row's problems."""
    if actor is None or not actor.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied(_("You cannot import hour slips."))
    return import_job_start(HourImport, task="operations.tasks.hours_import_run", actor=actor, file=file,
                            language=language)


@fails_import_on_error(model=HourImport)
def hours_import_run(*, job_id: int) -> HourImport:
    """The job: claimed once, every row checked (progress stored as it goes), every record written in one
    transaction with the job's "done" status and counts, or none and the problems by row."""

    def check(job, rows):
        return _hour_rows_check(job.created_by, rows, job=job, progress=roster_progress)

    def write(job, records):
        batch = _hours_write(job.created_by, job.original_name, records, batch=job)
        return {"created_records": batch.created_records, "total_hours": batch.total_hours}

    return import_job_run(HourImport, job_id, check=check, write=write, max_rows=MAX_IMPORT_ROWS)


__all__ = ["hours_record_create", "hours_record_correct", "hours_record_annotate_misuse", "hours_record_lift_misuse",
           "hours_import", "hours_import_start", "hours_import_run", "hours_template"]


# --- The monthly roll-up ----------------------------------------------------------------------------------

def hours_rollup_rebuild() -> int:
    """Rebuild the monthly roll-up (`ServiceHoursMonth`) from the ledger, whole: for a bulk load written with the
    roll-up's triggers switched off (`generate_load_data`) and as the repair of `check_hours_rollup --repair`.
    The ledger is locked against writes meanwhile (PostgreSQL), so nothing slips between the two. Returns the
    number of roll-up rows."""
    from django.db import connection

    from ..models import ServiceHoursMonth

    rollup, ledger = connection.ops.quote_name(ServiceHoursMonth._meta.db_table), connection.ops.quote_name(
        ServiceRecord._meta.db_table)
    postgres = connection.vendor == "postgresql"
    month = "date_trunc('month', date)::date" if postgres else "date(date, 'start of month')"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute(f"LOCK TABLE {ledger} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {rollup}")
        cursor.execute(
            f"INSERT INTO {rollup} (volunteer_id, unit_id, category, month, hours, records, people_served) "
            f"SELECT volunteer_id, unit_id, category, {month}, SUM(hours), COUNT(*), SUM(people_served) "
            f"FROM {ledger} WHERE misuse_at IS NULL GROUP BY volunteer_id, unit_id, category, {month}")
        return cursor.rowcount


def count_from_rebuild() -> int:
    """Rebuild the count-from dates (`TrainingCountFrom`) from the certificates, whole: the repair of
    `check_hours_rollup --repair`. The certificates are locked against writes meanwhile, so nothing slips between
    the two. PostgreSQL only (the table is not kept on SQLite): returns the number of rows, 0 elsewhere."""
    from django.db import connection

    from ..models import TrainingCertificate, TrainingCountFrom
    from ..selectors.hours import _count_from_live
    from .kept import bulk_writes, kept_rebuild

    if connection.vendor != "postgresql":
        return 0
    kept = connection.ops.quote_name(TrainingCountFrom._meta.db_table)
    certs = connection.ops.quote_name(TrainingCertificate._meta.db_table)
    live_sql, live_params = _count_from_live()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {certs} IN SHARE MODE")
        bulk_writes()  # the kept hours of the units are rebuilt once after, not moved row by row
        cursor.execute(f"DELETE FROM {kept}")
        cursor.execute(f"INSERT INTO {kept} (volunteer_id, category, counts_from) {live_sql}", live_params)
        rows = cursor.rowcount
        kept_rebuild()
        return rows
