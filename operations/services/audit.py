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
