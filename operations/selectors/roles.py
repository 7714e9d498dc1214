"""The role matrix (系統管理 › 角色權限): which role may do what, generated from the permission table the code
checks (`rules.VERB_ROLES`) and the roles of `roles.Role`, so the page cannot drift from the code; and who
holds which role where, within the viewer's part of the tree."""
from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ..models import RoleGrant
from ..roles import Role
from ..rules import VERB_ROLES
from ..scoping import scope_q

# What the last part of a verb means; a verb whose action is not here is shown by its own name.
ACTION_LABELS = {
    "view": _("view"),
    "change": _("create and change"),
    "manage_grants": _("grant and revoke roles"),
    "view_grants": _("see who holds which role"),
    "reveal_id": _("reveal the full identity number"),
    "export": _("export"),
    "decide": _("decide"),
    "take_attendance": _("take attendance"),
    "correct": _("correct"),
    "file": _("file (approve)"),
    "review": _("review"),
    "manage_tree": _("create, rename, move and close authorities and units"),
}


@dataclass
class MatrixRow:
    verb: str
    subject: str
    action: str
    allowed: list[bool]  # in the order of `matrix_roles()`

    @property
    def cells(self) -> list[tuple[str, bool]]:
        return [(role.label, allowed) for role, allowed in zip(matrix_roles(), self.allowed, strict=True)]


def matrix_roles() -> list[Role]:
    return list(Role)


def _subject(model_name: str) -> str:
    try:
        return str(apps.get_model("operations", model_name)._meta.verbose_name)
    except LookupError:
        return model_name


def role_matrix(role: str | None = None) -> list[MatrixRow]:
    """One row per verb of VERB_ROLES (all of them, in the table's order); with `role`, only the verbs it has."""
    roles = matrix_roles()
    rows = []
    for verb, allowed in VERB_ROLES.items():
        if role and role not in allowed:
            continue
        _app, model_name, action = verb.split(".", 2)
        rows.append(MatrixRow(verb=verb, subject=_subject(model_name), action=str(ACTION_LABELS.get(action, action)),
                              allowed=[r in allowed for r in roles]))
    return rows


def grant_list(user) -> QuerySet:
    """Role grants on the viewer's part of the tree."""
    return RoleGrant.objects.filter(scope_q(user, "node")).select_related("user", "node", "granted_by")
