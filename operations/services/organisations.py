from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AuditAction, OrgKind, OrgNode
from ..models.code_values import code_value_kept
from ..models.organisations import check_child_kind
from ..selectors.counting import bump_people_version
from .audit import audit_record

UNIT_PROFILE_FIELDS = (
    "name", "name_en", "category", "registration_type", "registration_number", "city", "district", "district_en",
    "address", "address_en", "contact_person", "phone", "email", "website", "description", "is_venue", "sports", "sports_en",
)


# The kinds managed on the organisation tree page (系統管理 › 組織); teams and sub-teams are managed by their units.
TREE_KINDS = (OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY, OrgKind.UNIT)


def _require(actor, perm: str, obj) -> None:
    if actor is not None and not actor.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _require_tree(actor, kind: str, *nodes: OrgNode) -> None:
    """Authorities and units are created, moved and closed by authority officers and system administrators
    (`operations.orgnode.manage_tree`), within their subtree."""
    if kind in TREE_KINDS:
        for node in nodes:
            _require(actor, "operations.orgnode.manage_tree", node)


def _check_open(node: OrgNode, field: str | None = None) -> None:
    if not node.is_active:
        message = _("%(name)s is closed.") % {"name": node.display_name}
        error = ValidationError(message, code="closed")
        raise ValidationError({field: error}) if field else error


def _check_same_unit(parent: OrgNode, kind: str, current_unit: OrgNode | None) -> None:
    """Teams and sub-teams stay inside their unit."""
    if current_unit is None or kind not in (OrgKind.TEAM, OrgKind.SUBTEAM):
        return
    target_unit = parent.unit_ancestor()
    if target_unit is None or target_unit.pk != current_unit.pk:
        raise ValidationError(
            _("A team or sub-team cannot be moved to another unit (%(unit)s).") % {"unit": target_unit or parent},
            code="other_unit",
        )


@transaction.atomic
def orgnode_create(*, actor, parent: OrgNode | None, kind: str, code: str, name: str, **fields) -> OrgNode:
    """Create a node under `parent` (None for a top-level competent authority: system administrators only,
    `operations.orgnode.create_root`)."""
    if parent is None:
        if actor is not None and not actor.has_perm("operations.orgnode.create_root"):
            raise PermissionDenied(_("Only a system administrator can create a top-level authority."))
        # Two top-level creations at once wait for each other here (the roots' rows are the lock they share),
        # so the form sent twice finds the first one's node, and treebeard's next root path is read once.
        list(OrgNode.objects.select_for_update().filter(depth=1).order_by("path").values_list("pk", flat=True))
    else:
        parent = OrgNode.objects.select_for_update().get(pk=parent.pk)
        _require(actor, "operations.orgnode.change", parent)
        _require_tree(actor, kind, parent)
    check_child_kind(parent.kind if parent else None, kind)
    if parent is not None:
        _check_open(parent, "parent")
    existing = OrgNode.objects.filter(code=code).first()
    if existing is not None:
        # the same form sent twice (the parent's lock makes the second wait for the first): the node it created
        same_parent = (existing.depth == 1) if parent is None else (
            existing.depth == parent.depth + 1 and existing.path.startswith(parent.path))
        if same_parent and existing.kind == kind and existing.name == name:
            return existing
        raise ValidationError({"code": _("This code is already used by another organisation.")})
    unknown = set(fields) - set(UNIT_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    node = OrgNode(kind=kind, code=code, name=name, **fields)
    node.full_clean(exclude=["path", "depth", "numchild"])
    with code_value_kept():  # a city, district or category deleted meanwhile: told on its field
        node = OrgNode.add_root(instance=node) if parent is None else parent.add_child(instance=node)
    audit_record(actor=actor, action=AuditAction.CREATED, node=node, obj=node)
    return node


@transaction.atomic
def orgnode_update(*, actor, node: OrgNode, **fields) -> OrgNode:
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    _require(actor, "operations.orgnode.change", node)
    unknown = set(fields) - set(UNIT_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    changes = {}
    for field, value in fields.items():
        old = getattr(node, field)
        if old != value:
            changes[field] = [str(old), str(value)]
            setattr(node, field, value)
    node.full_clean(exclude=["path", "depth", "numchild"])
    with code_value_kept():
        node.save()
    if changes:
        audit_record(actor=actor, action=AuditAction.UPDATED, node=node, obj=node, changes=changes)
    return node


@transaction.atomic
def orgnode_move(*, actor, node: OrgNode, new_parent: OrgNode) -> OrgNode:
    """Move a node (and its subtree) under a new parent. The actor needs change rights on both ends."""
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    new_parent = OrgNode.objects.select_for_update().get(pk=new_parent.pk)
    _require(actor, "operations.orgnode.change", node)
    _require(actor, "operations.orgnode.change", new_parent)
    _require_tree(actor, node.kind, node, new_parent)
    if new_parent.path.startswith(node.path):
        raise ValidationError(_("A node cannot be moved under itself or one of its own children."), code="cycle")
    if node.depth == new_parent.depth + 1 and node.path.startswith(new_parent.path):
        return node  # already there (the same move sent twice): nothing to do, nothing to record
    check_child_kind(new_parent.kind, node.kind)
    _check_same_unit(new_parent, node.kind, node.unit_ancestor())
    _check_open(new_parent, "new_parent")
    old_parent = node.get_parent()
    node.move(new_parent, pos="last-child")
    transaction.on_commit(bump_people_version)  # treebeard rewrites the paths without signals
    node.refresh_from_db()
    audit_record(
        actor=actor, action=AuditAction.MOVED, node=node, obj=node,
        changes={"parent": [str(old_parent) if old_parent else "", str(new_parent)]},
    )
    return node


@transaction.atomic
def orgnode_close(*, actor, node: OrgNode, reason: str) -> OrgNode:
    """Close a node and everything below it (kept for history; the open memberships of its teams end today).
    An authority is closed only once no open unit or authority remains under it (move or close them first);
    closing a node that is already closed changes nothing."""
    from ..models import Membership

    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    _require(actor, "operations.orgnode.change", node)
    _require_tree(actor, node.kind, node)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for closing.")})
    if not node.is_active:
        return node  # closed already (the same form sent twice, or two people at once): decided once
    if node.kind in (OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY):
        open_below = OrgNode.objects.filter(
            path__startswith=node.path, depth=node.depth + 1, is_active=True,
        ).count()
        if open_below:
            raise ValidationError(
                _("%(name)s still has %(count)s open organisations under it: move or close them first.")
                % {"name": node.display_name, "count": open_below},
                code="open_children",
            )
    today = timezone.localdate()
    subtree = OrgNode.objects.filter(path__startswith=node.path)
    Membership.objects.filter(team__in=subtree, left_on__isnull=True).update(left_on=today, leave_reason=reason)
    subtree.update(is_active=False, closed_on=today)
    transaction.on_commit(bump_people_version)  # set-based updates send no signals
    node.refresh_from_db()
    audit_record(actor=actor, action=AuditAction.CLOSED, node=node, obj=node, reason=reason)
    return node
