from __future__ import annotations

from django.db import models

from ..models import AuditAction, AuditEvent, OrgNode


def audit_record(
    *,
    actor,
    action: str,
    node: OrgNode | None = None,
    obj: models.Model | None = None,
    reason: str = "",
    changes: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Write one audit record. Call inside the transaction of the change it describes."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=(actor.get_username() if actor is not None and getattr(actor, "pk", None) else "")[:150],
        action=AuditAction(action),
        node=node,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        reason=reason[:255],
        changes=changes or {},
        ip_address=ip_address,
    )


def audit_record_many(
    *,
    actor,
    action: str,
    node: OrgNode | None,
    objects: list[models.Model],
    reason: str = "",
    changes: dict | None = None,
) -> int:
    """One audit record per object, written in bulk (imports of thousands of rows). The records are the
    ones `audit_record` would write one by one."""
    has_actor = actor is not None and getattr(actor, "pk", None)
    rows = [
        AuditEvent(
            actor=actor if has_actor else None,
            actor_name=(actor.get_username() if has_actor else "")[:150],
            action=AuditAction(action),
            node=node,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:255],
            reason=reason[:255],
            changes=changes or {},
        )
        for obj in objects
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def private_file_download_record(*, actor, obj: models.Model, node: OrgNode | None, kind: str,
                                 ip_address: str | None = None) -> AuditEvent:
    """A private file holding identity numbers (a roster) was handed out: who, which file, from where."""
    return audit_record(actor=actor, action=AuditAction.FILE_DOWNLOADED, node=node, obj=obj,
                        changes={"file": ["", kind]}, ip_address=ip_address)
