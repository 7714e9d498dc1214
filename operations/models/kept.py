"""Kept report figures (PostgreSQL): small tables the half-year and annual reports read instead of the ledger's
million rows and the memberships, always equal to them because the database writes them in the same
transaction as the rows they come from (triggers in `kept_sql`, on the ledger, the count-from dates, the record
books, the memberships, the volunteers and the tree). Not kept on SQLite (`make run`), where the reports compute
every figure from the rows. `selectors.kept` checks them against the rows; `services.kept` rebuilds and
compacts them (README "Kept figures")."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .organisations import OrgNode


class UnitHoursMonth(models.Model):
    """Changes of a unit's service hours in a month: each row a delta (a ledger write, or hours moving between
    counted and not counted when a person's training or record-book date changes); the sum of a unit's rows of a
    month is its hours recorded (misuse left out), records, people served and countable hours that month.
    `services.kept.unit_hours_compact` folds the rows into one per unit and month."""

    unit = models.ForeignKey(OrgNode, on_delete=models.DO_NOTHING, related_name="+", db_index=False)
    month = models.DateField(_("Month"))
    hours = models.DecimalField(_("hours"), max_digits=12, decimal_places=1)
    records = models.BigIntegerField(_("service records"))
    people_served = models.BigIntegerField(_("people served"))
    counted_hours = models.DecimalField(_("countable hours"), max_digits=12, decimal_places=1)

    class Meta:
        verbose_name = _("kept hours of a unit and month")
        verbose_name_plural = _("kept hours of units and months")
        indexes = [models.Index(fields=["month", "unit"], name="unit_hours_month")]

    def __str__(self):
        return f"{self.unit_id} {self.month:%Y-%m} {self.hours} h"


class UnitMember(models.Model):
    """A span of a person's membership of a unit (of any of its teams and sub-teams): from `since` until the
    day before `until` (NULL: still a member), with the person's sex and birth date. Overlapping or touching
    memberships make one span, so a person counts once per unit on any day."""

    unit = models.ForeignKey(OrgNode, on_delete=models.DO_NOTHING, related_name="+", db_index=False)
    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.DO_NOTHING, related_name="+")
    sex = models.CharField(max_length=1)
    birth_date = models.DateField()
    since = models.DateField()
    until = models.DateField(null=True)

    class Meta:
        verbose_name = _("kept span of a unit's membership")
        verbose_name_plural = _("kept spans of units' memberships")
        indexes = [models.Index(fields=["unit", "since"], name="unit_member_unit")]

    def __str__(self):
        return f"{self.unit_id} {self.volunteer_id} {self.since}–{self.until or ''}"
