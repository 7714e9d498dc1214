from __future__ import annotations

from ..models import ApplicationStatus, RoleGrant, UnitApplication
from ..roles import Role
from ..scoping import is_unrestricted


def application_list(user):
    return UnitApplication.objects.visible_to(user, roles=("system_admin", "authority_officer")).select_related(
        "purpose_authority", "created_unit", "decided_by"
    )


def application_detail(user, pk: int) -> UnitApplication:
    return application_list(user).get(pk=pk)


def pending_application_count(user) -> int:
    if not (is_unrestricted(user) or user.has_perm("operations.unitapplication.view")):
        return 0
    return application_list(user).filter(status=ApplicationStatus.PENDING).count()


def unit_admin_grant(application) -> RoleGrant | None:
    """The first administrator grant of the unit an approved application created (None if there is none)."""
    if not application.created_unit_id:
        return None
    return (RoleGrant.objects.filter(node_id=application.created_unit_id, role=Role.UNIT_ADMIN)
            .select_related("user").order_by("pk").first())
