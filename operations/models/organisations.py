"""The five-level organisation tree: competent authority → purpose authority → unit → team → sub-team."""
from __future__ import annotations

import pgtrigger
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from ..localised import localised
from ..scoping import scope_q
from .code_values import (
    category_triggers,
    check_district,
    city_choices,
    city_triggers,
    district_label,
    district_name_en,
    district_triggers,
    service_category_choices,
)
from .kept_sql import TREE_CHANGED, member_spans_sql

#: characters per level of the tree's paths
STEPLEN = 5


class OrgKind(models.TextChoices):
    COMPETENT_AUTHORITY = "competent", _("Competent authority")
    PURPOSE_AUTHORITY = "purpose", _("Purpose authority")
    UNIT = "unit", _("Volunteer-using unit")
    TEAM = "team", _("Volunteer team")
    SUBTEAM = "subteam", _("Sub-team")


# Which kinds may sit directly under which. A competent authority (e.g. 社會局) also acts as the purpose
# authority for social-welfare units, so units may hang directly under it.
ALLOWED_CHILDREN: dict[str | None, frozenset[str]] = {
    None: frozenset({OrgKind.COMPETENT_AUTHORITY}),
    OrgKind.COMPETENT_AUTHORITY: frozenset({OrgKind.PURPOSE_AUTHORITY, OrgKind.UNIT}),
    OrgKind.PURPOSE_AUTHORITY: frozenset({OrgKind.UNIT}),
    OrgKind.UNIT: frozenset({OrgKind.TEAM}),
    OrgKind.TEAM: frozenset({OrgKind.SUBTEAM}),
    OrgKind.SUBTEAM: frozenset(),
}


class UnitCategory(models.TextChoices):
    SOCIAL_WELFARE = "social_welfare", _("Social welfare")
    HEALTH = "health", _("Health care")
    GENERAL = "general", _("General")
    CULTURE = "culture", _("Culture")
    EDUCATION = "education", _("Education")
    SPORTS = "sports", _("Sports")
    ENVIRONMENT = "environment", _("Environmental protection")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    FIRE_RESCUE = "fire_rescue", _("Fire and disaster rescue")
    TRAFFIC = "traffic", _("Traffic safety")
    OTHER = "other", _("Other")


class RegistrationType(models.TextChoices):
    REGISTERED = "registered", _("Registered organisation (certificate required)")
    AGENCY = "agency", _("Government agency (certificate exempt)")
    SCHOOL = "school", _("Public school (certificate exempt)")
    CORPORATION = "corporation", _("Juridical person (certificate required)")


class OrgNodeQuerySet(MP_NodeQuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "", roles=roles))

    def of_kind(self, *kinds):
        return self.filter(kind__in=kinds)


class OrgNodeManager(MP_NodeManager):
    def get_queryset(self):
        return OrgNodeQuerySet(self.model).order_by("path")

    def visible_to(self, user, roles=None):
        return self.get_queryset().visible_to(user, roles=roles)


class OrgNode(MP_Node):
    """One node of the organisation tree. Unit profile fields are only filled for units."""

    node_order_by = None
    steplen = STEPLEN  # up to 1,048,575 children per node (5 base-36 characters)

    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices, db_index=True)
    code = models.SlugField(_("code"), max_length=64, unique=True, help_text=_("A stable short code."))
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    # Unit profile (DOMAIN.md §1.2–1.3).
    category = models.CharField(_("category"), max_length=32, choices=service_category_choices, blank=True)
    registration_type = models.CharField(
        _("registration type"), max_length=16, choices=RegistrationType.choices, blank=True
    )
    registration_number = models.CharField(_("registration certificate number"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=32, choices=city_choices, blank=True, db_index=True)
    district = models.CharField(_("district"), max_length=32, blank=True)
    district_en = models.CharField(_("district (English)"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=255, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    # WMG venues are units; these describe the venue for the public map.
    is_venue = models.BooleanField(_("event venue"), default=False)
    sports = models.CharField(_("sports (Chinese)"), max_length=255, blank=True)
    sports_en = models.CharField(_("sports (English)"), max_length=255, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgNodeManager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        triggers = [
            *district_triggers("orgnode"), *city_triggers("orgnode"), *category_triggers("orgnode"),
            # a team moved to another unit (or changing kind) moves its members' kept spans (models/kept_sql.py)
            pgtrigger.Trigger(name="orgnode_kept_members", when=pgtrigger.After, operation=pgtrigger.Update,
                              level=pgtrigger.Statement,
                              referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
                              func=member_spans_sql(TREE_CHANGED, STEPLEN)),
        ]

    def __str__(self):
        return str(self.display_name)

    def save(self, *args, **kwargs):
        # a district of the table has the table's English name (district_en is typed only for other cities)
        name_en = district_name_en(self.city, self.district)
        if name_en and name_en != self.district_en:
            self.district_en = name_en
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "district_en"}
        super().save(*args, **kwargs)

    @classmethod
    def choice_labels(cls, queryset):
        """(pk, display name) of each node of `queryset`, in its order, read as plain values (what a
        long <select> of nodes needs; see widgets.FastSelect)."""
        for pk, name, name_en in queryset.values_list("pk", "name", "name_en"):
            yield pk, str(localised(name, name_en))

    @property
    def display_name(self) -> str:
        """In the current language; the Chinese one, marked, when no English form was entered."""
        return localised(self.name, self.name_en)

    @property
    def display_district(self) -> str:
        if district_name_en(self.city, self.district):
            return district_label(self.city, self.district)
        return localised(self.district, self.district_en)

    @property
    def display_address(self) -> str:
        return localised(self.address, self.address_en)

    @property
    def is_unit(self) -> bool:
        return self.kind == OrgKind.UNIT

    @property
    def needs_certificate(self) -> bool:
        return self.registration_type in {RegistrationType.REGISTERED, RegistrationType.CORPORATION}

    def unit_ancestor(self) -> OrgNode | None:
        """The unit this node belongs to (itself for a unit, None above units)."""
        if self.kind == OrgKind.UNIT:
            return self
        if self.kind in (OrgKind.TEAM, OrgKind.SUBTEAM):
            steplen = self.steplen
            for depth in range(self.depth - 1, 0, -1):
                node = OrgNode.objects.filter(path=self.path[: depth * steplen]).first()
                if node and node.kind == OrgKind.UNIT:
                    return node
        return None

    def clean(self):
        super().clean()
        check_district(self)
        if self.kind == OrgKind.UNIT:
            errors = {}
            if not self.category:
                errors["category"] = _("A unit needs a category.")
            if not self.registration_type:
                errors["registration_type"] = _("A unit needs a registration type.")
            elif self.needs_certificate and not self.registration_number:
                errors["registration_number"] = _(
                    "Registered organisations must give their registration certificate number."
                )
            if not self.city:
                errors["city"] = _("A unit needs a city.")
            if errors:
                raise ValidationError(errors)


def check_child_kind(parent_kind: str | None, child_kind: str) -> None:
    allowed = ALLOWED_CHILDREN.get(parent_kind, frozenset())
    if child_kind not in allowed:
        parent_label = OrgKind(parent_kind).label if parent_kind else _("the top of the tree")
        raise ValidationError(
            _("A %(child)s cannot be placed under %(parent)s.")
            % {"child": OrgKind(child_kind).label, "parent": parent_label},
            code="kind",
        )
