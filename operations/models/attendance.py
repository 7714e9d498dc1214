"""Attendance (差勤): check-in and check-out per accepted sign-up, the shift's venue QR code, and the
service records (服務紀錄) that hours are counted from.

Hours are the actual time between check-in and check-out at the venue (travel is never part of it, 志願
服務紀錄冊管理辦法 Art.9), rounded to 0.5 h steps by `services.attendance.round_hours`."""
from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .code_values import category_triggers, service_category_choices
from .kept_sql import LEDGER_HOURS_SQL
from .organisations import OrgNode
from .recruitment import POSITION_SCOPE, ScopedQuerySet
from .rosters import ImportJob


class AttendanceMethod(models.TextChoices):
    QR = "qr", _("Venue QR code")
    LEADER = "leader", _("Leader scanned the volunteer's QR code")
    SHEET = "sheet", _("Day sheet")
    STAFF = "staff", _("Entered by staff")


class AttendanceOutcome(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    PRESENT = "present", _("Present")
    NO_SHOW = "no_show", _("No-show")


class ShiftQrCode(models.Model):
    """The secret behind the QR code posted at the venue for one shift. Renewing the nonce makes every
    printed copy stale."""

    shift = models.OneToOneField("operations.Shift", on_delete=models.CASCADE, related_name="qr_code")
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shift QR code")
        verbose_name_plural = _("shift QR codes")

    def __str__(self):
        return f"QR {self.shift_id}"


class AttendanceQuerySet(ScopedQuerySet):
    scope_fields = tuple(f"shift__position__{field}" for field in POSITION_SCOPE)


class Attendance(models.Model):
    """One accepted sign-up's attendance: check-in/out times, how they were taken, and the outcome."""

    signup = models.OneToOneField("operations.Signup", on_delete=models.CASCADE, related_name="attendance")
    shift = models.ForeignKey("operations.Shift", on_delete=models.CASCADE, related_name="attendances")
    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.CASCADE, related_name="attendances")
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=AttendanceOutcome.choices, default=AttendanceOutcome.EXPECTED,
        db_index=True,
    )
    check_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_method = models.CharField(_("check-in method"), max_length=8, choices=AttendanceMethod.choices, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    check_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    check_out_method = models.CharField(_("check-out method"), max_length=8, choices=AttendanceMethod.choices, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    missing_checkout_flagged_at = models.DateTimeField(_("forgotten check-out flagged at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["shift", "volunteer__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_out_at__isnull=True) | Q(check_in_at__isnull=False, check_out_at__gt=F("check_in_at")),
                name="attendance_out_after_in",
            ),
        ]
        indexes = [models.Index(fields=["shift", "outcome"], name="attendance_shift_outcome")]

    def __str__(self):
        return f"{self.volunteer} · {self.shift}"


class ServiceRecordQuerySet(ScopedQuerySet):
    scope_fields = ("unit",)


class HourSource(models.TextChoices):
    """Where a service record came from: every source writes the same ledger (`ServiceRecord`)."""

    ATTENDANCE = "attendance", _("Shift attendance")
    STAFF = "staff", _("Entered by staff")
    IMPORT = "import", _("Hour-slip import")


#: the most hours one record (and one volunteer's day) may hold
MAX_HOURS_PER_DAY = 24


# Kept by the database on every write of the ledger (insert, update, delete, whatever path writes: services,
# bulk_create, raw SQL, cascades), so the roll-up is exact without the writers knowing about it. A record
# annotated as misuse is not in it. The SQLite equivalent is installed by migration 0028 (`make run`).
ROLLUP_SQL = """
    IF TG_OP <> 'INSERT' AND OLD.misuse_at IS NULL THEN
        UPDATE operations_servicehoursmonth SET hours = hours - OLD.hours, records = records - 1,
               people_served = people_served - OLD.people_served
         WHERE volunteer_id = OLD.volunteer_id AND unit_id = OLD.unit_id AND category = OLD.category
           AND month = date_trunc('month', OLD.date)::date
        RETURNING records INTO remaining;
        IF remaining = 0 THEN
            DELETE FROM operations_servicehoursmonth
             WHERE volunteer_id = OLD.volunteer_id AND unit_id = OLD.unit_id AND category = OLD.category
               AND month = date_trunc('month', OLD.date)::date AND records = 0;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.misuse_at IS NULL THEN
        INSERT INTO operations_servicehoursmonth (volunteer_id, unit_id, category, month, hours, records, people_served)
        VALUES (NEW.volunteer_id, NEW.unit_id, NEW.category, date_trunc('month', NEW.date)::date, NEW.hours, 1,
                NEW.people_served)
        ON CONFLICT (volunteer_id, unit_id, category, month) DO UPDATE
           SET hours = operations_servicehoursmonth.hours + EXCLUDED.hours,
               records = operations_servicehoursmonth.records + 1,
               people_served = operations_servicehoursmonth.people_served + EXCLUDED.people_served;
    END IF;
    RETURN NULL;
"""


def _rollup_trigger(name: str, operation, condition=None) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(name=name, when=pgtrigger.After, operation=operation, condition=condition,
                             declare=[("remaining", "integer")], func=ROLLUP_SQL)


ROLLUP_TRIGGERS = [
    _rollup_trigger("service_record_rollup_ins", pgtrigger.Insert),
    _rollup_trigger("service_record_rollup_upd", pgtrigger.Update, condition=(
        pgtrigger.Q(old__volunteer_id__df=pgtrigger.F("new__volunteer_id"))
        | pgtrigger.Q(old__unit_id__df=pgtrigger.F("new__unit_id"))
        | pgtrigger.Q(old__category__df=pgtrigger.F("new__category"))
        | pgtrigger.Q(old__date__df=pgtrigger.F("new__date"))
        | pgtrigger.Q(old__hours__df=pgtrigger.F("new__hours"))
        | pgtrigger.Q(old__people_served__df=pgtrigger.F("new__people_served"))
        | pgtrigger.Q(old__misuse_at__df=pgtrigger.F("new__misuse_at")))),
    _rollup_trigger("service_record_rollup_del", pgtrigger.Delete),
]

# …and the kept hours of the units (`UnitHoursMonth`, models/kept_sql.py: recorded and countable hours per unit and
# month, as deltas)
KEPT_HOURS_TRIGGERS = [
    pgtrigger.Trigger(name="service_record_kept_hours_ins_del", when=pgtrigger.After,
                      operation=pgtrigger.Insert | pgtrigger.Delete, func=LEDGER_HOURS_SQL),
    pgtrigger.Trigger(name="service_record_kept_hours_upd", when=pgtrigger.After, operation=pgtrigger.Update,
                      condition=ROLLUP_TRIGGERS[1].condition, func=LEDGER_HOURS_SQL),
]


class ServiceRecord(models.Model):
    """A service record (服務紀錄): date, unit, category, content, hours, people served, recorded by.

    The one ledger of service hours: shift attendance writes here (`services.attendance.service_record_sync`),
    staff enter service that is not a shift, and hour slips are imported (`services.hours`). A correction
    keeps the old values and its reason (`ServiceRecordChange`); a misuse annotation (DOMAIN §1.6,
    志願服務證及服務紀錄冊管理辦法 Art.6) keeps the record but excludes it from every count
    (`selectors.hours`)."""

    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.CASCADE, related_name="service_records")
    unit = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="service_records", verbose_name=_("unit"))
    attendance = models.OneToOneField(
        Attendance, on_delete=models.SET_NULL, null=True, blank=True, related_name="service_record"
    )
    date = models.DateField(_("date"), db_index=True)
    category = models.CharField(_("service category"), max_length=32, choices=service_category_choices, blank=True)
    content = models.CharField(_("service content"), max_length=255)
    minutes = models.PositiveIntegerField(_("actual minutes"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    people_served = models.PositiveIntegerField(_("people served"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )
    source = models.CharField(_("source"), max_length=16, choices=HourSource.choices, default=HourSource.ATTENDANCE)
    hour_import = models.ForeignKey("operations.HourImport", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="records", verbose_name=_("import"))
    misuse_note = models.CharField(_("misuse annotation"), max_length=255, blank=True)
    misuse_at = models.DateTimeField(_("annotated as misuse at"), null=True, blank=True)
    misuse_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("annotated by"),
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=0), name="service_record_hours_not_negative"),
            models.CheckConstraint(condition=Q(hours__lte=MAX_HOURS_PER_DAY), name="service_record_hours_max"),
            models.CheckConstraint(condition=Q(source="attendance") | Q(hours__gt=0),
                                   name="service_record_entered_hours_positive"),
            models.CheckConstraint(condition=Q(misuse_at__isnull=True) | ~Q(misuse_note=""),
                                   name="service_record_misuse_has_note"),
        ]
        indexes = [
            models.Index(fields=["volunteer", "date"], name="service_record_volunteer_date"),
            # countable hours: the rows that may count, read by volunteer and category without the table
            models.Index(fields=["volunteer", "category", "date"], include=["hours"],
                         condition=Q(misuse_at__isnull=True), name="service_record_countable"),
            models.Index(fields=["unit", "date"], name="service_record_unit_date"),
        ]
        triggers = [*ROLLUP_TRIGGERS, *KEPT_HOURS_TRIGGERS, *category_triggers("service_record")]

    def __str__(self):
        return f"{self.volunteer} {self.date} {self.hours} h"

    @property
    def is_misuse(self) -> bool:
        return self.misuse_at is not None


class ServiceHoursMonth(models.Model):
    """The monthly roll-up of the ledger (服務時數月統計): per volunteer, unit, service category and month (its
    first day), the hours, records and people served of the service records not annotated as misuse.

    Always equal to a GROUP BY over `ServiceRecord` (`selectors.hours.rollup_differences` checks it; the
    command `check_hours_rollup` runs it): written only by the triggers on the ledger (PostgreSQL: django-pgtrigger,
    below on `ServiceRecord`; SQLite: migration 0028), never by Python code. A row is gone when its last record
    is. Read it through `selectors.hours.monthly_hours`."""

    # no index of their own: the unique key leads with the volunteer, `service_hours_month_unit` with the unit
    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.DO_NOTHING, related_name="+",
                                  db_index=False)
    unit = models.ForeignKey(OrgNode, on_delete=models.DO_NOTHING, related_name="+", verbose_name=_("unit"),
                             db_index=False)
    category = models.CharField(_("service category"), max_length=32, choices=service_category_choices, blank=True)
    month = models.DateField(_("Month"))
    hours = models.DecimalField(_("hours"), max_digits=9, decimal_places=1)
    records = models.PositiveIntegerField(_("service records"))
    people_served = models.BigIntegerField(_("people served"))

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Service hours by month and category")
        verbose_name_plural = _("Service hours by month and category")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "unit", "category", "month"], name="service_hours_month_key"),
        ]
        indexes = [
            # the candidate pass of the award lists: every volunteer's sums without the table
            models.Index(fields=["volunteer", "month"], include=["category", "unit", "hours"],
                         name="service_hours_month_volunteer"),
            # …of the award lists of some categories (the welfare and interior schemes) without the table
            models.Index(fields=["category", "volunteer"], include=["month", "unit", "hours"],
                         name="service_hours_month_category"),
            models.Index(fields=["unit", "month"], name="service_hours_month_unit"),
        ]

    def __str__(self):
        return f"{self.volunteer_id} {self.month:%Y-%m} {self.category} {self.hours} h"


class ChangeKind(models.TextChoices):
    CORRECTION = "correction", _("Correction")
    MISUSE = "misuse", _("Annotated as misuse")
    MISUSE_LIFTED = "misuse_lifted", _("Misuse annotation lifted")


class ServiceRecordChange(models.Model):
    """A correction or a misuse annotation of a service record: the old and new values and the reason."""

    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # {"hours": ["3.0", "2.5"]}
    reason = models.CharField(_("reason"), max_length=255)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service record change")
        verbose_name_plural = _("service record changes")
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.record_id} {self.kind}"


class HourImport(ImportJob):
    """An hour-slip import (時數單匯入): who uploaded what, and how many records it created (all rows or
    none). Uploaded from the back-office it is a job (`ImportJob`: the stored file, the state, progress and
    per-row problems for the status page); a failed job has no records."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("uploaded by"))
    original_name = models.CharField(_("file name"), max_length=255)
    created_records = models.PositiveIntegerField(_("records created"), default=0)
    total_hours = models.DecimalField(_("hours"), max_digits=12, decimal_places=1, default=0)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hour-slip import")
        verbose_name_plural = _("hour-slip imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.original_name
