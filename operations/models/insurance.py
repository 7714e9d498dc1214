"""Volunteer accident insurance (志工保險, Volunteer Service Act Art.16; DOMAIN.md §1.7, §6.6): policies and
who they cover when.

A policy belongs to the organisation node that took it out (a unit, or a purpose authority's joint
contract covering many units). A cover row says who a policy insures from one date to another (both
inclusive, always inside the policy's period):

  - a person (`volunteer`), or
  - a node (`node`), in one of two ways (`node_scope`):
      MEMBERS: every volunteer who is a current member, on the date asked about, of a team at or below
      that node ("all current members of the insured node" is such a cover on the policy's own node);
      ON_SHIFT: every volunteer accepted for a shift of that node (its campaigns, venues or teams) on
      the day of the shift: an event's group policy whose insured list is the day's roster.

The insured list on a date is therefore a query (selectors.insurance.insured_q), never a copy."""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..scoping import scope_q
from ..storage import private_storage, random_name
from .organisations import OrgNode
from .people import User, Volunteer
from .recruitment import DATE_VALIDATORS, date_in_range


def policy_document_upload_to(instance, filename):
    return random_name("insurance-policies", filename)


def default_age_cap() -> int:
    return int(settings.VOLUNTEER_SITE.get("INSURER_AGE_CAP", 80))


class PolicyKind(models.TextChoices):
    GROUP_ACCIDENT = "accident", _("Group accident insurance")
    SPECIAL = "special", _("Special insurance")


class CoverScope(models.TextChoices):
    MEMBERS = "members", _("Current members of its teams")
    ON_SHIFT = "on_shift", _("Volunteers accepted for its shifts, on the day")


class InsurancePolicyQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        """Policies taken out by a node in the user's part of the tree."""
        return self.filter(scope_q(user, "node", roles=roles))

    def in_force_on(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class InsurancePolicy(models.Model):
    node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="insurance_policies",
                             verbose_name=_("insured organisation"))
    insurer = models.CharField(_("insurer"), max_length=100)
    policy_number = models.CharField(_("policy number"), max_length=64)
    kind = models.CharField(_("type"), max_length=16, choices=PolicyKind.choices, default=PolicyKind.GROUP_ACCIDENT)
    death_disability_cover = models.PositiveIntegerField(
        _("death or disability cover (NT$)"), default=0, validators=[MaxValueValidator(2_000_000_000)])
    medical_per_injury = models.PositiveIntegerField(
        _("medical expenses per injury (NT$)"), default=0, validators=[MaxValueValidator(2_000_000_000)])
    hospital_per_day = models.PositiveIntegerField(
        _("hospital per day (NT$)"), default=0, validators=[MaxValueValidator(2_000_000_000)])
    premium = models.PositiveIntegerField(_("premium (NT$)"), default=0, validators=[MaxValueValidator(2_000_000_000)])
    starts_on = models.DateField(_("starts on"), validators=DATE_VALIDATORS)
    ends_on = models.DateField(_("ends on"), validators=DATE_VALIDATORS)
    min_insured = models.PositiveIntegerField(_("minimum number insured"), default=0,
                                              validators=[MaxValueValidator(10_000_000)])
    age_cap = models.PositiveSmallIntegerField(
        _("insurer's age cap"), default=default_age_cap, validators=[MinValueValidator(1), MaxValueValidator(150)],
        help_text=_("Volunteers older than this on a service date are flagged (DOMAIN §1.7: 75, moving to 80)."))
    commuting_note = models.CharField(_("commuting cover"), max_length=255, blank=True)
    document = models.FileField(_("policy document (PDF)"), upload_to=policy_document_upload_to,
                                storage=private_storage, blank=True, max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InsurancePolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["insurer", "policy_number"], name="policy_unique_number"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="policy_ends_after_start"),
            models.CheckConstraint(condition=date_in_range("starts_on") & date_in_range("ends_on"),
                                   name="policy_dates_in_range"),
        ]
        indexes = [models.Index(fields=["ends_on", "starts_on"], name="policy_period")]

    def __str__(self):
        return f"{self.insurer} {self.policy_number}"


class InsuranceCoverQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "policy__node", roles=roles))

    def on(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class InsuranceCover(models.Model):
    """Who a policy insures from `starts_on` to `ends_on` (inclusive): one person, or the current members of
    the teams at or below one node."""

    policy = models.ForeignKey(InsurancePolicy, on_delete=models.CASCADE, related_name="covers",
                               verbose_name=_("policy"))
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="insurance_covers", verbose_name=_("volunteer"))
    node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="insurance_covers", verbose_name=_("team or organisation"))
    node_scope = models.CharField(_("who at that organisation"), max_length=16, choices=CoverScope.choices,
                                  default=CoverScope.MEMBERS)
    starts_on = models.DateField(_("insured from"), validators=DATE_VALIDATORS)
    ends_on = models.DateField(_("insured until"), validators=DATE_VALIDATORS)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_reason = models.CharField(_("reason for ending"), max_length=255, blank=True)

    objects = InsuranceCoverQuerySet.as_manager()

    class Meta:
        verbose_name = _("insurance cover")
        verbose_name_plural = _("insurance covers")
        ordering = ["policy", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(volunteer__isnull=False, node__isnull=True) | Q(volunteer__isnull=True, node__isnull=False)),
                name="cover_person_or_node"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="cover_ends_after_start"),
            models.CheckConstraint(condition=date_in_range("starts_on") & date_in_range("ends_on"),
                                   name="cover_dates_in_range"),
        ]
        indexes = [
            # "is this person insured on D" and "who is insured on D" read covers by person or by date
            models.Index(fields=["volunteer", "starts_on", "ends_on"], name="cover_person_period"),
            models.Index(fields=["starts_on", "ends_on"], name="cover_period"),
        ]

    def __str__(self):
        who = self.volunteer.name if self.volunteer_id else str(self.node)
        return f"{who} · {self.policy} · {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"

    @property
    def is_node_cover(self) -> bool:
        return self.node_id is not None
