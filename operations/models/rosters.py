"""Group rosters (團體報名): a representative uploads a spreadsheet of 30+ people for chosen shifts; a
Celery task validates every row and imports all of them or none. The row tracks progress and the
per-row problems for the page that polls it.

The same row also records a staff import of a roster into a team (團隊名冊匯入, back-office module 1):
then `team` is set, `shifts` is empty, and the counts are memberships created and people skipped because
they already were members of the team."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..storage import import_upload_to, private_storage, roster_upload_to


class RosterStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Checking")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")


ImportStatus = RosterStatus  # every import job has these states


class ImportJob(models.Model):
    """What every spreadsheet import run as a background job shares (group rosters and imports into a team,
    hour slips, certificates): the stored upload, the uploader's language, the state, the progress the
    status page polls and the per-row problems. `services.roster_jobs` works on any of them."""

    file = models.FileField(_("file"), upload_to=import_upload_to, storage=private_storage, max_length=200,
                            blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    language = models.CharField(max_length=8, default="zh-hant")
    status = models.CharField(_("status"), max_length=16, choices=RosterStatus.choices, default=RosterStatus.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row": 3, "messages": ["…"]}] or [{"row": 0, …}]
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0 if self.status in (RosterStatus.PENDING, RosterStatus.RUNNING) else 100
        return min(100, round(100 * self.processed_rows / self.total_rows))


class RosterImport(ImportJob):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roster_imports",
        verbose_name=_("uploaded by"),
    )
    shifts = models.ManyToManyField("operations.Shift", related_name="+", verbose_name=_("shifts"))
    file = models.FileField(_("roster file"), upload_to=roster_upload_to, storage=private_storage, max_length=200)
    created_volunteers = models.PositiveIntegerField(default=0)
    matched_volunteers = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    waitlisted = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    # Staff import into a team (null for a volunteer's group sign-up for shifts).
    team = models.ForeignKey(
        "operations.OrgNode", on_delete=models.CASCADE, null=True, blank=True, related_name="roster_imports",
        verbose_name=_("team"),
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_memberships = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # already current members of the team
    skipped_rows = models.JSONField(default=list, blank=True)  # [{"row": 3, "name": "…"}]

    class Meta:
        verbose_name = _("group roster")
        verbose_name_plural = _("group rosters")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_team_import(self) -> bool:
        return self.team_id is not None
