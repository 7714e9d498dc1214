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


def volunteer_list_in_node(user, node_id) -> object:
    """The visible volunteers who currently belong to a team at or below the node `node_id`, which must itself be
    visible to `user`: a node outside the scope (or none, or an id that cannot be one) raises
    OrgNode.DoesNotExist, like a node that does not exist."""
    from django.db.models import Exists, OuterRef
    from volunteer_site.params import parse_id

    from ..models import OrgNode

    pk = parse_id(node_id)
    if pk is None:
        raise OrgNode.DoesNotExist
    node = OrgNode.objects.visible_to(user).get(pk=pk)
    return volunteer_list(user).filter(
        Exists(Membership.objects.current().filter(team__path__startswith=node.path, volunteer=OuterRef("pk"))))
