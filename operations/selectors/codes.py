"""Code tables (系統管理 › 代碼表): the values of languages and skills and how often each is used."""
from __future__ import annotations

from django.db import models

from ..models import Language, Skill
from ..rules import VERB_ROLES

#: the code tables edited in the back-office, by the name used in their URLs
CODE_TABLES: dict[str, type[models.Model]] = {"languages": Language, "skills": Skill}


def code_table_verb(model: type[models.Model]) -> str:
    return f"operations.{model._meta.model_name}.change"


def code_value_uses(value: models.Model) -> int:
    """How many rows refer to `value` (volunteers, positions, and any relation added later: read from the
    model's relations, so a new table that refers to languages or skills is counted without a change here)."""
    uses = 0
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
    values = list(model.objects.visible_to(user, roles=VERB_ROLES[code_table_verb(model)]).order_by("order", "code"))
    for value in values:
        value.uses = code_value_uses(value)
    return values


def code_value_detail(user, model: type[models.Model], pk: int) -> models.Model:
    """One value the user may edit (DoesNotExist otherwise)."""
    return model.objects.visible_to(user, roles=VERB_ROLES[code_table_verb(model)]).get(pk=pk)
