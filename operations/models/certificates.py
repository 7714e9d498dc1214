"""The performance certificate (志願服務績效證明書, DOMAIN.md §1.8) and the honor card (志願服務榮譽卡, §1.9).

An application (`CertificateApplication`) is made by the volunteer or by staff for a volunteer, through a
unit, and goes through the review chain. The eligibility computation at the time of application is kept
with it (`working`: which hours counted, which were left out and why, the dates used), and so are the
counting window it used (`seniority_from`, `hours_from` … `hours_to`), so that a later honor card never
counts the same hours or seniority again.

On approval the certificate is issued: a verification number (`number`, unguessable, printed on the PDF
and answered by the public verification page), the issue date and, for an honor card, its validity (three
years from the later of the approval and the previous card's expiry).

Scope: an application belongs to its unit (the unit's managers and the authorities above it); the
volunteer reads their own in the volunteer zone."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..scoping import scope_q
from .organisations import OrgNode
from .records import IssueKind
from .reviews import Review


class CertificateKind(models.TextChoices):
    PERFORMANCE = "performance", _("Performance certificate")
    HONOR_CARD = "honor_card", _("Honor card")


class CertificateStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Returned for changes")
    ISSUED = "issued", _("Issued")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class CertificateApplicationQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "unit", roles=roles))


class CertificateApplication(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=CertificateKind.choices, db_index=True)
    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.PROTECT, related_name="certificate_applications",
                                  verbose_name=_("volunteer"))
    unit = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    review = models.OneToOneField(Review, on_delete=models.PROTECT, related_name="certificate_application")
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    applied_on = models.DateField(_("applied on"))
    status = models.CharField(_("status"), max_length=16, choices=CertificateStatus.choices,
                              default=CertificateStatus.IN_REVIEW, db_index=True)
    issue_kind = models.CharField(_("issue"), max_length=16, choices=IssueKind.choices, default=IssueKind.FIRST)
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("previous card"))
    # the counting window and what it gave (kept so that no hours or seniority count twice)
    seniority_from = models.DateField(_("seniority from"), null=True, blank=True)
    hours_from = models.DateField(_("hours counted from"), null=True, blank=True)
    hours_to = models.DateField(_("hours counted to"), null=True, blank=True)
    hours = models.DecimalField(_("countable hours"), max_digits=9, decimal_places=1, default=0)
    working = models.JSONField(default=dict, blank=True)
    # issued
    number = models.CharField(_("verification number"), max_length=32, unique=True, null=True, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CertificateApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate application")
        verbose_name_plural = _("certificate applications")
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                                   name="certificate_validity_order"),
            models.CheckConstraint(condition=~Q(status="issued") | Q(number__isnull=False, issued_on__isnull=False),
                                   name="certificate_issued_has_number"),
            # one open application per volunteer and kind
            models.UniqueConstraint(fields=["volunteer", "kind"], condition=Q(status__in=["in_review", "returned"]),
                                    name="certificate_one_open_per_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.volunteer}"
