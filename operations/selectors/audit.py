from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from ..models import AuditEvent


def object_history(obj, *, limit: int = 20) -> list[LogEntry]:
    """The model-change history of one object (django-auditlog), newest first. Callers have already
    fetched `obj` through the scope, so its history is theirs to see."""
    content_type = ContentType.objects.get_for_model(type(obj))
    return list(
        LogEntry.objects.filter(content_type=content_type, object_pk=str(obj.pk))
        .select_related("actor")
        .order_by("-timestamp")[:limit]
    )


def recent_audit_events(user, *, limit: int = 8) -> list[AuditEvent]:
    """The latest audit records of the user's part of the tree."""
    return list(AuditEvent.objects.visible_to(user).select_related("node")[:limit])


def audit_list(user):
    """The audit records of the user's part of the tree, for the filtered list and its export."""
    return AuditEvent.objects.visible_to(user).select_related("node")
