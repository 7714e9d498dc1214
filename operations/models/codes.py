"""Code tables that used to be constants: service (unit) categories and cities, with the WMG host cities
(README "The organisation tree and the code tables").

Rows keep the value the rest of the code stores (`code`, the former `TextChoices` value), so the columns that
hold a category or a city stay plain text and `UnitCategory` / `City` remain the names of the values the code
relies on in its logic. Labels, order, what forms offer and the host cities come from the tables, through the
functions of `code_values` (cached per process, dropped when a value changes: the version key of
`volunteer_site.cache_versions`). When a table is empty or not yet migrated, the constants answer instead."""
from __future__ import annotations

from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.signals import post_delete, post_save
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from .code_values import city_choices, city_triggers, code_tables_changed
from .people import CodeTable


class ServiceCategory(CodeTable):
    """Code table of service categories (社會福利類, 文化類 …): a unit's category and the category of training,
    hours, awards and statistics."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)

    class Meta(CodeTable.Meta):
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")


class CityArea(CodeTable):
    """Code table of cities and counties; `hosting` marks the cities hosting WMG events (the venue map)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    hosting = models.BooleanField(_("hosts events"), default=False,
                                  help_text=_("A city hosting World Masters Games events (the venue map)."))

    class Meta(CodeTable.Meta):
        verbose_name = _("city or county")
        verbose_name_plural = _("cities and counties")


@deconstructible(path="operations.models.codes.CityOrder")
class CityOrder(Subquery):
    """The order of a row's city (its `city` code) in the cities' table: districts are listed city by city."""

    def __init__(self, **extra):
        super().__init__(CityArea.objects.filter(code=OuterRef("city")).values("order")[:1],
                         output_field=models.PositiveSmallIntegerField(), **extra)

    def deconstruct(self):
        return "operations.models.codes.CityOrder", (), {}

    def __eq__(self, other):  # one and the same ordering (what the migrations' autodetector compares)
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))


class District(CodeTable):
    """Code table of the districts (區, 市, 鎮, 鄉) of a city: `city` holds the city's code (as the other city
    columns). The `district` columns of volunteers, organisations and unit applications hold a district's Chinese
    name; when their city has districts here, it must be one of them (the forms; on PostgreSQL also the triggers
    `code_values.district_triggers`, which take a key-share lock on the district row so that it is not deleted
    meanwhile). A city without districts here keeps free text."""

    city = models.CharField(_("city"), max_length=32, choices=city_choices)
    code = models.SlugField(_("code"), max_length=32)
    name_en = models.CharField(_("name (English)"), max_length=80)

    class Meta(CodeTable.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = [CityOrder().asc(), "city", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="district_code_unique_per_city"),
            models.UniqueConstraint(fields=["city", "name"], name="district_name_unique_per_city"),
        ]
        triggers = city_triggers("district")


post_save.connect(code_tables_changed, sender=ServiceCategory, dispatch_uid="service-category-changed")
post_delete.connect(code_tables_changed, sender=ServiceCategory, dispatch_uid="service-category-deleted")
post_save.connect(code_tables_changed, sender=CityArea, dispatch_uid="city-changed")
post_delete.connect(code_tables_changed, sender=CityArea, dispatch_uid="city-deleted")
post_save.connect(code_tables_changed, sender=District, dispatch_uid="district-changed")
post_delete.connect(code_tables_changed, sender=District, dispatch_uid="district-deleted")
