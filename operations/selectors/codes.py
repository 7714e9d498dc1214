"""Code tables (系統管理 › 代碼表): the values of languages, skills, service categories and cities and how often each
is used. The labels and choices of service categories and cities, for every layer, are re-exported here from
`models.code_values` (the function API other modules read: `service_category_label(code)`,
`service_category_choices(active_only=…, keep=…)`, `city_label(code)`, `city_choices(…)`, `host_cities()`)."""
from __future__ import annotations

from collections import Counter

from django.db import models
from django.db.models import Count
from django.db.models.fields import CharField
from django.utils.choices import CallableChoiceIterator

from ..models import (
    AwardScheme,
    CityArea,
    District,
    Language,
    OrgNode,
    ServiceCategory,
    ServiceHoursMonth,
    Skill,
    TrainingCountFrom,
    UnitApplication,
    Volunteer,
)
from ..models.code_values import (  # noqa: F401 - the API other modules import from here
    city_choices,
    city_label,
    district_choices,
    district_cities,
    district_label,
    district_name_en,
    district_problem,
    host_cities,
    offered_city_choices,
    offered_city_choices_blank,
    offered_service_category_choices,
    offered_service_category_choices_blank,
    service_category_choices,
    service_category_codes,
    service_category_label,
)
from ..rules import VERB_ROLES

#: the code tables edited in the back-office, by the name used in their URLs
CODE_TABLES: dict[str, type[models.Model]] = {
    "languages": Language, "skills": Skill, "service-categories": ServiceCategory, "cities": CityArea,
    "districts": District,
}
#: the tables whose `district` column holds a district's Chinese name, beside their `city` (a use of a district
#: is a row whose (city, district) are the district's)
DISTRICT_COLUMNS: tuple[type[models.Model], ...] = (Volunteer, OrgNode, UnitApplication)
#: tables whose values are stored as their code in text columns (not foreign keys): the columns are those whose
#: choices are the table's (read from the models, so a column added later is counted without a change here)
CODE_COLUMNS_CHOICES = {ServiceCategory: service_category_choices, CityArea: city_choices}


def _code_columns(model: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    from django.apps import apps

    choices = CODE_COLUMNS_CHOICES[model]
    columns = []
    for other in apps.get_models():
        if other in (ServiceHoursMonth, TrainingCountFrom):  # kept from the ledger and the certificates by
            continue  # triggers: they repeat those rows' categories, not uses of their own
        for field in other._meta.concrete_fields:
            field_choices = getattr(field, "_choices", None)
            if (isinstance(field, CharField) and isinstance(field_choices, CallableChoiceIterator)
                    and field_choices.func is choices):
                columns.append((other, field.name))
    return columns


def code_table_verb(model: type[models.Model]) -> str:
    return f"operations.{model._meta.model_name}.change"


def _text_uses(model: type[models.Model]) -> Counter:
    """How many rows hold each code of a table stored as text (one grouped statement per column, not one per
    value: the ledger's column has millions of rows at city scale), plus the award schemes' category lists."""
    counts: Counter = Counter()
    for other, field in _code_columns(model):
        counts.update(dict(other._base_manager.order_by().values(field).annotate(n=Count("pk"))
                           .values_list(field, "n")))
    if model is ServiceCategory:  # award schemes list the categories whose hours count
        # (a JSON list: read and compared here, since SQLite has no `contains` lookup on JSON)
        for categories in AwardScheme._base_manager.values_list("unit_categories", flat=True):
            counts.update(set(categories or []))
    return counts


def _district_uses() -> Counter:
    """How many rows hold each (city, district) pair (one grouped statement per table)."""
    counts: Counter = Counter()
    for other in DISTRICT_COLUMNS:
        rows = (other._base_manager.exclude(district="").order_by().values("city", "district")
                .annotate(n=Count("pk")).values_list("city", "district", "n"))
        counts.update({(city, district): n for city, district, n in rows})
    return counts


def code_value_uses(value: models.Model, text_uses: Counter | None = None) -> int:
    """How many rows refer to `value` (volunteers, positions, and any relation added later: read from the
    model's relations, so a new table that refers to languages or skills is counted without a change here).
    `text_uses`: the table's `_text_uses`, when counting every value of it."""
    uses = 0
    if type(value) is District:
        uses += (text_uses if text_uses is not None else _district_uses())[(value.city, value.name)]
    if type(value) in CODE_COLUMNS_CHOICES:
        uses += (text_uses if text_uses is not None else _text_uses(type(value)))[value.code]
    for relation in value._meta.related_objects:
        if relation.many_to_many:
            through = relation.through
            field = next(f for f in through._meta.fields if f.is_relation and f.related_model is type(value))
            uses += through._default_manager.filter(**{field.name: value.pk}).count()
        else:
            uses += relation.related_model._default_manager.filter(**{relation.field.name: value.pk}).count()
    return uses


def code_values(user, model: type[models.Model]) -> list[models.Model]:
    """A table's values (active and retired) the user may edit, in their order, each with `uses`."""
    values = list(model.objects.visible_to(user, roles=VERB_ROLES[code_table_verb(model)])
                  .order_by(*model._meta.ordering))  # districts: city by city
    if model is District:
        text_uses = _district_uses()
        for value in values:
            value.city_label = city_label(value.city)
    else:
        text_uses = _text_uses(model) if model in CODE_COLUMNS_CHOICES else None
    for value in values:
        value.uses = code_value_uses(value, text_uses)
    return values


def code_value_detail(user, model: type[models.Model], pk: int) -> models.Model:
    """One value the user may edit (DoesNotExist otherwise)."""
    return model.objects.visible_to(user, roles=VERB_ROLES[code_table_verb(model)]).get(pk=pk)
