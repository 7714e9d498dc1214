"""The record book (志願服務紀錄冊) and the service ID (志願服務證): DOMAIN.md §1.6, 志願服務證及服務紀錄冊管理辦法.

- One record book per person for life (`RecordBook.volunteer` is one-to-one): statuses 初次 / 換發 / 補發 /
  註銷 / 未領取, its number, the issuing authority, issue and collection dates. A renewal or a replacement
  keeps the row (and its history in the audit log) with a new number.
- A unit applies for the books of trained volunteers in a batch (`RecordBookBatch`) carrying the roster the
  authority needs (name, sex, birth date, ID or passport number, photo: `RecordBookBatchEntry`, a copy
  taken when the batch is submitted). The batch goes through the review chain; on approval the authority's
  numbers are issued.
- A service ID (`ServiceId`) is made and issued by the unit: number, issue and expiry dates, the
  volunteer's photo; cancelled with a reason (Art.10).

Scope: a book, an ID and a batch entry follow their volunteer (visible to whoever sees the volunteer); a
batch belongs to its unit."""
from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..scoping import is_unrestricted, scope_q
from .kept_sql import RECORD_BOOK_HOURS_SQL
from .organisations import OrgNode
from .recruitment import DATE_VALIDATORS
from .reviews import Review


class IssueKind(models.TextChoices):
    FIRST = "first", _("First issue")
    RENEWAL = "renewal", _("Renewal")
    REPLACEMENT = "replacement", _("Replacement")


class BookStatus(models.TextChoices):
    FIRST = "first", _("First issue")
    RENEWAL = "renewal", _("Renewal")
    REPLACEMENT = "replacement", _("Replacement")
    CANCELLED = "cancelled", _("Cancelled")
    UNCOLLECTED = "uncollected", _("Not collected")


class NumberSequence(models.Model):
    """The next number an issuer gives for one kind of document (record book, service ID, performance
    certificate, honor card): `prefix` + ROC year + a running number, taken under a row lock."""

    issuer = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    prefix = models.CharField(max_length=40)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "kind"], name="number_sequence_unique")]

    def __str__(self):
        return f"{self.prefix} #{self.next_number}"


class _FollowsVolunteer(models.QuerySet):
    def visible_to(self, user, roles=None):
        if is_unrestricted(user, roles):
            return self.all()
        from .people import Volunteer

        return self.filter(volunteer__in=Volunteer.objects.visible_to(user, roles=roles).values("pk"))


class RecordBookBatchQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "unit", roles=roles))


class RecordBookBatch(models.Model):
    unit = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="record_book_batches",
                             verbose_name=_("unit"))
    authority = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("issuing authority"))
    review = models.OneToOneField(Review, on_delete=models.PROTECT, related_name="record_book_batch")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    objects = RecordBookBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("record book application")
        verbose_name_plural = _("record book applications")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.review.title


class RecordBookBatchEntry(models.Model):
    """One person on a batch's roster, as the authority needs it (a copy taken at submission)."""

    batch = models.ForeignKey(RecordBookBatch, on_delete=models.CASCADE, related_name="entries")
    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=1)
    birth_date = models.DateField(_("date of birth"))
    id_type = models.CharField(_("identity document type"), max_length=16)
    id_number = models.CharField(_("identity document number"), max_length=20)
    issue_kind = models.CharField(_("issue"), max_length=16, choices=IssueKind.choices, default=IssueKind.FIRST)

    objects = _FollowsVolunteer.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["batch", "volunteer"], name="batch_entry_once")]

    def __str__(self):
        return self.name


class RecordBook(models.Model):
    volunteer = models.OneToOneField("operations.Volunteer", on_delete=models.PROTECT, related_name="record_book")
    number = models.CharField(_("record book number"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=BookStatus.choices, default=BookStatus.UNCOLLECTED)
    issue_kind = models.CharField(_("issue"), max_length=16, choices=IssueKind.choices, default=IssueKind.FIRST)
    issuing_authority = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="+",
                                          verbose_name=_("issuing authority"))
    applied_by_unit = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("applied for by"))
    batch = models.ForeignKey(RecordBookBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    issued_on = models.DateField(_("issued on"), validators=DATE_VALIDATORS)
    collected_on = models.DateField(_("collected on"), null=True, blank=True, validators=DATE_VALIDATORS)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = _FollowsVolunteer.as_manager()

    class Meta:
        verbose_name = _("record book")
        verbose_name_plural = _("record books")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(collected_on__isnull=True) | Q(collected_on__gte=F("issued_on")),
                                   name="record_book_collected_after_issue"),
            models.CheckConstraint(condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                                   name="record_book_cancel_reason"),
        ]
        # hours count from the record-book date where no training dates are on record: a book issued, moved or
        # cancelled moves them in the kept hours of the units (`UnitHoursMonth`, models/kept_sql.py)
        triggers = [
            pgtrigger.Trigger(name="record_book_kept_hours_ins_del", when=pgtrigger.After,
                              operation=pgtrigger.Insert | pgtrigger.Delete, func=RECORD_BOOK_HOURS_SQL),
            pgtrigger.Trigger(name="record_book_kept_hours_upd", when=pgtrigger.After, operation=pgtrigger.Update,
                              condition=(pgtrigger.Q(old__volunteer_id__df=pgtrigger.F("new__volunteer_id"))
                                         | pgtrigger.Q(old__issued_on__df=pgtrigger.F("new__issued_on"))
                                         | pgtrigger.Q(old__status__df=pgtrigger.F("new__status"))),
                              func=RECORD_BOOK_HOURS_SQL),
        ]

    def __str__(self):
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.status != BookStatus.CANCELLED


class ServiceIdStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceId(models.Model):
    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.PROTECT, related_name="service_ids")
    unit = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuing unit"))
    number = models.CharField(_("service ID number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"), validators=DATE_VALIDATORS)
    expires_on = models.DateField(_("valid until"), validators=DATE_VALIDATORS)
    status = models.CharField(_("status"), max_length=16, choices=ServiceIdStatus.choices, default=ServiceIdStatus.VALID)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _FollowsVolunteer.as_manager()

    class Meta:
        verbose_name = _("service ID")
        verbose_name_plural = _("service IDs")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gt=F("issued_on")), name="service_id_expires_after_issue"),
            models.CheckConstraint(condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                                   name="service_id_cancel_reason"),
            # one valid ID per volunteer and unit
            models.UniqueConstraint(fields=["volunteer", "unit"], condition=Q(status="valid"),
                                    name="service_id_one_valid_per_unit"),
        ]

    def __str__(self):
        return self.number
