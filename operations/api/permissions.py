from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from ..scoping import is_staff_member


class IsStaffMember(BasePermission):
    """Signed in (session or token) and holding a back-office role. Anonymous → 401, no role → 403, both before
    anything is looked up, so neither learns whether an object exists."""

    message = _("This account has no back-office role.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and is_staff_member(request.user))
