"""Code tables (系統管理 › 代碼表): the values of languages, skills, service categories, cities and districts, edited
by system administrators. A value in use (by a volunteer, a position, anything that refers to it) is never deleted,
only retired: a retired value is no longer offered in forms (`CodeTableQuerySet.offered`) and stays where it is
used. A district belongs to a city, given when it is created; the rows using it hold its Chinese name, so that
name is not changed while it is in use (retire it and add the new one)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from ..models import AuditAction, District
from ..selectors.codes import code_table_verb, code_value_uses
from .audit import audit_record

EDITABLE_FIELDS = ("name", "name_en", "order", "is_active", "hosting")  # hosting: cities only


def _editable(model) -> set[str]:
    return set(EDITABLE_FIELDS) & {field.name for field in model._meta.fields}


def _require(actor, model) -> None:
    if actor is not None and not actor.has_perm(code_table_verb(model)):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _clean_names(name: str, name_en: str) -> tuple[str, str]:
    name, name_en = (name or "").strip(), (name_en or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the Chinese name.")
    if not name_en:
        errors["name_en"] = _("Give the English name.")
    if errors:
        raise ValidationError(errors)
    return name, name_en


@transaction.atomic
def code_value_create(*, actor, model: type[models.Model], code: str, name: str, name_en: str,
                      order: int = 100, is_active: bool = True, **extra) -> models.Model:
    """A new value. The same form sent twice gives the value the first created (the code is unique)."""
    _require(actor, model)
    name, name_en = _clean_names(name, name_en)
    code = (code or "").strip()
    same = {"code": code}
    if model is District:  # a code and a name are unique within the district's city
        extra["city"] = (extra.get("city") or "").strip()
        if not extra["city"]:
            raise ValidationError({"city": _("Choose the city of the district.")})
        same["city"] = extra["city"]
    existing = model.objects.select_for_update().filter(**same).first()
    if existing is not None:
        if existing.name == name and existing.name_en == name_en:
            return existing
        raise ValidationError({"code": _("This code is already used by another value.")})
    if model is District and model.objects.filter(city=extra["city"], name=name).exists():
        raise ValidationError({"name": _("This city already has a district of this name.")})
    unknown = set(extra) - _editable(model) - ({"city"} if model is District else set())
    if unknown:
        raise TypeError(f"Unknown code table fields: {sorted(unknown)}")
    value = model(code=code, name=name, name_en=name_en, order=order, is_active=is_active, **extra)
    value.full_clean()
    value.save()
    audit_record(actor=actor, action=AuditAction.CREATED, obj=value,
                 changes={"code": code, "name": name, "name_en": name_en, "order": order,
                          **({"city": extra["city"]} if model is District else {})})
    return value


@transaction.atomic
def code_value_update(*, actor, value: models.Model, reason: str = "", **fields) -> models.Model:
    """Names, order and the active flag (retiring and restoring a value is this change). The code stays."""
    model = type(value)
    _require(actor, model)
    unknown = set(fields) - _editable(model)
    if unknown:
        raise TypeError(f"Unknown code table fields: {sorted(unknown)}")
    value = model.objects.select_for_update().get(pk=value.pk)
    if "name" in fields or "name_en" in fields:
        fields["name"], fields["name_en"] = _clean_names(fields.get("name", value.name),
                                                         fields.get("name_en", value.name_en))
    if model is District and fields.get("name", value.name) != value.name:
        # the rows using the district hold its Chinese name (the row lock above waits for anyone saving one)
        if code_value_uses(value):
            raise ValidationError({"name": _(
                "This district is in use: its Chinese name cannot be changed. Retire it and add the new name.")})
        if model.objects.filter(city=value.city, name=fields["name"]).exclude(pk=value.pk).exists():
            raise ValidationError({"name": _("This city already has a district of this name.")})
    changes = {}
    for field, new in fields.items():
        old = getattr(value, field)
        if old != new:
            changes[field] = [str(old), str(new)]
            setattr(value, field, new)
    if not changes:
        return value  # nothing changed (or the same form sent twice): nothing to record
    value.full_clean()
    value.save()
    retired = changes.get("is_active") == ["True", "False"]
    audit_record(actor=actor, action=AuditAction.CLOSED if retired else AuditAction.UPDATED, obj=value,
                 reason=reason, changes=changes)
    return value


def code_value_retire(*, actor, value: models.Model, reason: str = "") -> models.Model:
    """No longer offered in forms; kept where it is used. Retiring a retired value changes nothing."""
    return code_value_update(actor=actor, value=value, reason=reason, is_active=False)


@transaction.atomic
def code_value_delete(*, actor, value: models.Model, reason: str) -> bool:
    """Delete a value nobody uses; a value in use is refused (retire it instead). False when it was gone
    already (the same form sent twice)."""
    model = type(value)
    _require(actor, model)
    # the row lock also waits for anyone adding a reference to it (a foreign key takes a share lock on its row)
    value = model.objects.select_for_update().filter(pk=value.pk).first()
    if value is None:
        return False
    uses = code_value_uses(value)
    if uses:
        raise ValidationError(
            _("%(value)s is used %(count)s times and cannot be deleted; retire it instead.")
            % {"value": value, "count": uses},
            code="in_use",
        )
    audit_record(actor=actor, action=AuditAction.UPDATED, obj=value, reason=reason,
                 changes={"deleted": [f"{value.code} {value.name} / {value.name_en}", ""]})
    value.delete()
    return True
