"""The national export's one write: its audit record (who took which records of which unit and period)."""
from __future__ import annotations

import datetime

from django.db import transaction

from ..models import AuditAction, OrgNode
from .audit import audit_record


@transaction.atomic
def national_export_record(*, actor, unit: OrgNode, record: str, fmt: str, row_count: int,
                           start: datetime.date, end: datetime.date, ip_address: str | None = None):
    """Record the export at the unit's node (its authority reads it in the audit log). The rows carry full
    identity numbers (the national system identifies volunteers by them), so the record says so."""
    return audit_record(
        actor=actor, action=AuditAction.EXPORTED, node=unit,
        changes={"what": f"national-{record}", "format": fmt, "rows": row_count, "ids": "full",
                 "period": f"{start.isoformat()}..{end.isoformat()}"},
        ip_address=ip_address, reason="national system export (full identity numbers)",
    )
