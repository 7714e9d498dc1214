"""Reads of the team-management screens: teams and sub-teams in scope with their member counts, and
the members of one team (current and former, the history is kept)."""
from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Membership, OrgKind, OrgNode, RosterImport
from ..scoping import scope_q


def team_list(user):
    """Teams and sub-teams the user may see, each with its current member count (a subquery, so the
    number of queries does not grow with the page)."""
    today = timezone.localdate()
    members = (
        Membership.objects.filter(team=OuterRef("pk"), joined_on__lte=today)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .order_by().annotate(group=Value(1)).values("group").annotate(n=Count("pk")).values("n")
    )
    return (
        OrgNode.objects.visible_to(user)
        .filter(kind__in=[OrgKind.TEAM, OrgKind.SUBTEAM])
        .annotate(member_count=Coalesce(Subquery(members), 0))
    )


def unit_names_for(nodes) -> dict[str, str]:
    """path → display name of the units and teams above `nodes` (one query for a page of rows)."""
    steplen = OrgNode.steplen
    prefixes = {node.path[: depth * steplen] for node in nodes for depth in range(2, node.depth)}
    return {n.path: n.display_name for n in OrgNode.objects.filter(path__in=prefixes)}


def team_members(team: OrgNode, *, include_former: bool = True):
    qs = Membership.objects.filter(team=team).select_related("volunteer").order_by("left_on", "volunteer__name")
    if not include_former:
        qs = qs.current()
    return qs


def team_detail(user, pk: int) -> OrgNode:
    return OrgNode.objects.visible_to(user).filter(kind__in=[OrgKind.TEAM, OrgKind.SUBTEAM]).get(pk=pk)


def team_roster_imports(user, team: OrgNode, *, limit: int = 10):
    """The user's own recent roster imports into `team` (an upload lists personal data and each row's
    problems, so it is its uploader's to see; the audit log records every import for supervisors)."""
    return RosterImport.objects.filter(team=team, created_by=user).order_by("-created_at", "-id")[:limit]


def team_roster_import_detail(user, pk: int) -> RosterImport:
    """One of the user's roster imports, if its team is still in the user's scope (DoesNotExist otherwise)."""
    return (
        RosterImport.objects.select_related("team")
        .filter(scope_q(user, "team"), team__isnull=False, created_by=user)
        .get(pk=pk)
    )


def membership_detail(user, pk: int) -> Membership:
    """A membership whose team is in the user's scope, with its team and volunteer (DoesNotExist otherwise)."""
    return Membership.objects.visible_to(user).select_related("team", "volunteer").get(pk=pk)
