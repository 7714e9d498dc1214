from __future__ import annotations

from ..models import Shift, Signup


def shift_signups(shift: Shift):
    return (
        Signup.objects.filter(shift=shift)
        .select_related("volunteer", "decided_by")
        .order_by("status", "created_at", "id")
    )


def signup_list(user):
    return Signup.objects.visible_to(user).select_related(
        "volunteer", "shift__position__venue", "shift__position__team", "shift__position__campaign"
    ).order_by("created_at", "id")
