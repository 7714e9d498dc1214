"""Applications to become a volunteer-using unit (申請成為運用單位), submitted on the public site and
reviewed by an authority officer in the back-office."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..scoping import is_unrestricted, scope_q
from ..storage import application_certificate_upload_to, private_storage
from .code_values import (
    WithDistrict,
    category_triggers,
    city_choices,
    city_triggers,
    district_triggers,
    service_category_choices,
)
from .organisations import OrgNode, RegistrationType


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class UnitApplicationQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        """Officers see the applications addressed to an authority in their part of the tree;
        applications without a chosen authority go to the root (competent authority) officers."""
        if is_unrestricted(user, roles=roles):
            return self.all()
        return self.filter(scope_q(user, "purpose_authority", roles=roles))


class UnitApplication(WithDistrict, models.Model):
    reference = models.CharField(_("reference number"), max_length=32, unique=True)
    organisation_name = models.CharField(_("organisation name"), max_length=200)
    organisation_name_en = models.CharField(_("organisation name (English)"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=32, choices=service_category_choices)
    registration_type = models.CharField(_("registration type"), max_length=16, choices=RegistrationType.choices)
    registration_number = models.CharField(_("registration certificate number"), max_length=64, blank=True)
    purpose_authority = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, null=True, blank=True, related_name="unit_applications",
        verbose_name=_("purpose authority"),
    )
    city = models.CharField(_("city"), max_length=32, choices=city_choices)
    district = models.CharField(_("district"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255)
    contact_person = models.CharField(_("contact person"), max_length=100)
    contact_phone = models.CharField(_("phone"), max_length=32)
    contact_email = models.EmailField(_("e-mail"))
    service_summary = models.TextField(_("planned volunteer service"), blank=True)
    certificate = models.FileField(
        _("registration certificate copy"), upload_to=application_certificate_upload_to, storage=private_storage,
        blank=True, max_length=200,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING,
        db_index=True,
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_unit = models.ForeignKey(
        OrgNode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created unit")
    )
    submitted_language = models.CharField(max_length=8, default="zh-hant")
    # the decision in the review chain (the authority the application is addressed to, else the root)
    review = models.OneToOneField("operations.Review", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="unit_application")
    submission_key = models.CharField(
        max_length=64, unique=True, null=True, blank=True,
        help_text="A token from the form so that a resubmitted form does not create a duplicate.",
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = UnitApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit application")
        verbose_name_plural = _("unit applications")
        ordering = ["-created_at", "-id"]
        triggers = [*district_triggers("unit_application"), *city_triggers("unit_application"),
                    *category_triggers("unit_application")]

    def __str__(self):
        return f"{self.reference} {self.organisation_name}"

