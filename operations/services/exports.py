from __future__ import annotations

from django.db import transaction

from ..models import AuditAction, OrgNode, RoleGrant
from .audit import audit_record


@transaction.atomic
def export_record(*, actor, what: str, fmt: str, row_count: int, ip_address: str | None = None, ids: str = "masked"):
    """Record that `actor` exported `row_count` rows of `what`, at the top node of their scope."""
    grant = RoleGrant.objects.filter(user=actor).select_related("node").order_by("node__depth").first()
    node: OrgNode | None = grant.node if grant else None
    return audit_record(
        actor=actor, action=AuditAction.EXPORTED, node=node,
        changes={"what": what, "format": fmt, "rows": row_count, **({"ids": "full"} if ids == "full" else {})},
        ip_address=ip_address,
        reason="full identity numbers" if ids == "full" else "",
    )
