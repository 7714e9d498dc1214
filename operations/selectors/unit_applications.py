from __future__ import annotations

from ..models import ApplicationStatus, UnitApplication
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
