"""Data subjects' requests (PDPA Art.3, Art.10, Art.11): deletion, stopping processing and correction, tracked
from the volunteer's request to the competent authority's decision. The request hangs from the competent
authority (the organisation node that answers it), so only its staff read the queue."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..scoping import scope_q
from .organisations import OrgNode


class PrivacyRequestKind(models.TextChoices):
    DELETION = "deletion", _("Deletion of my personal data")
    STOP_PROCESSING = "stop_processing", _("Stop processing my personal data")
    CORRECTION = "correction", _("Correction of my personal data")


class PrivacyRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")


class PrivacyRequestQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "node", roles=roles))

    def pending(self):
        return self.filter(status=PrivacyRequestStatus.PENDING)


class PrivacyRequest(models.Model):
    kind = models.CharField(_("request"), max_length=16, choices=PrivacyRequestKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=PrivacyRequestStatus.choices,
                              default=PrivacyRequestStatus.PENDING, db_index=True)
    volunteer = models.ForeignKey("operations.Volunteer", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="privacy_requests", verbose_name=_("volunteer"))
    # the account that asked; the account itself is deleted when a deletion request is completed
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="privacy_requests", verbose_name=_("account"))
    # the competent authority; empty only before the organisation tree exists (then system administrators see it)
    node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("answered by"))
    details = models.TextField(_("details"), blank=True)
    due_on = models.DateField(_("due on"), db_index=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decision_note = models.TextField(_("decision note"), blank=True)
    # what the decision did: rows deleted and kept per kind, the retention end
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    objects = PrivacyRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal-data request")
        verbose_name_plural = _("personal-data requests")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "kind"], condition=Q(status="pending"),
                                    name="privacy_request_one_pending_per_kind"),
            models.CheckConstraint(condition=Q(status="pending") | Q(decided_at__isnull=False),
                                   name="privacy_request_decided_has_time"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == PrivacyRequestStatus.PENDING
