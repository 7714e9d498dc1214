from __future__ import annotations

from django.db.models import Prefetch

from ..models import Membership, Volunteer


def _current_memberships():
    return Prefetch(
        "memberships",
        queryset=Membership.objects.current().select_related("team").order_by("team__path"),
        to_attr="current_memberships",
    )


def volunteer_list(user):
    """The volunteers a staff user may see, ready for a table: current teams and languages prefetched so
    the number of queries does not grow with the page."""
    return Volunteer.objects.visible_to(user).prefetch_related(_current_memberships(), "languages")


def volunteer_detail(user, pk: int) -> Volunteer:
    """Raises Volunteer.DoesNotExist (→ 404) for a volunteer outside the scope."""
    return (
        Volunteer.objects.visible_to(user)
        .prefetch_related(
            "languages",
            "skills",
            Prefetch("memberships", queryset=Membership.objects.select_related("team").order_by("-joined_on")),
        )
        .get(pk=pk)
    )
