from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from ..models import Membership, OrgKind, OrgNode
from ..models.organisations import ALLOWED_CHILDREN
from ..rules import VERB_ROLES
from ..scoping import scope_paths


def org_tree_for(user, *, search: str = "") -> list[OrgNode]:
    """The visible part of the tree, in tree order, down to two levels below the top of the user's
    scope (and at least to units), each node annotated with its current member count."""
    qs = OrgNode.objects.visible_to(user)
    paths = scope_paths(user)
    top_depth = 1 if paths is None else min((len(p) // OrgNode.steplen for p in paths), default=1)
    max_depth = max(3, top_depth + 2)
    qs = qs.filter(depth__lte=max_depth)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(name_en__icontains=search) | Q(code__icontains=search))
    return list(qs.order_by("path"))


def node_children(user, node: OrgNode):
    """The visible children of `node`, each with the number of distinct volunteers currently serving
    anywhere in its subtree (one correlated subquery, so the query count does not grow)."""
    members = (
        Membership.objects.current()
        .filter(team__path__startswith=OuterRef("path"))
        .order_by()
        .annotate(group=Value(1))
        .values("group")
        .annotate(n=Count("volunteer", distinct=True))
        .values("n")
    )
    return (
        OrgNode.objects.visible_to(user)
        .filter(path__startswith=node.path, depth=node.depth + 1)
        .annotate(member_count=Coalesce(Subquery(members), 0))
        .order_by("path")
    )


# The columns a filter's <option> needs (label, tree position): a city-wide officer has 1,500 units in scope.
NODE_CHOICE_FIELDS = ("id", "path", "depth", "kind", "code", "name", "name_en", "is_active")


def unit_choices_for(user):
    return OrgNode.objects.visible_to(user).filter(kind=OrgKind.UNIT).order_by("path")


def team_choices_for(user):
    return OrgNode.objects.visible_to(user).filter(kind__in=[OrgKind.TEAM, OrgKind.SUBTEAM]).order_by("path")


def node_detail(user, pk: int) -> OrgNode:
    """Any organisation node in the user's scope (DoesNotExist otherwise)."""
    return OrgNode.objects.visible_to(user).get(pk=pk)


def unit_detail(user, pk: int) -> OrgNode:
    """A unit in the user's scope (DoesNotExist otherwise)."""
    return OrgNode.objects.visible_to(user).get(pk=pk, kind=OrgKind.UNIT)


def team_parent_detail(user, pk: int) -> OrgNode:
    """A node under which a team may be created (a unit or a team) in the user's scope."""
    return OrgNode.objects.visible_to(user).get(pk=pk, kind__in=[OrgKind.UNIT, OrgKind.TEAM])


def grants_of(user):
    """The user's own role grants with their nodes, in tree order."""
    return user.grants.select_related("node").order_by("node__path")


PATH_KINDS = (OrgKind.UNIT, OrgKind.TEAM, OrgKind.SUBTEAM)


def node_path_labels(nodes) -> dict[int, str]:
    """pk → "unit › team › sub-team" for `nodes` (names repeat across venues: "競賽組" exists at 33 of
    them), in the current language; one query for all their ancestors."""
    nodes = [n for n in nodes if n is not None]
    steplen = OrgNode.steplen
    prefixes = {node.path[: depth * steplen] for node in nodes for depth in range(1, node.depth)}
    above = {n.path: n for n in OrgNode.objects.filter(path__in=prefixes, kind__in=PATH_KINDS)
             .only("path", "name", "name_en", "kind")} if prefixes else {}
    labels = {}
    for node in nodes:
        parts = [above[p].display_name for depth in range(1, node.depth)
                 if (p := node.path[: depth * steplen]) in above]
        labels[node.pk] = " › ".join([*parts, node.display_name])
    return labels


# -- the organisation tree page (系統管理 › 組織): authorities and units, created, renamed, moved and closed there --

TREE_PAGE_KINDS = (OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY, OrgKind.UNIT)
TREE_MANAGERS_VERB = "operations.orgnode.manage_tree"


def managed_tree(user):
    """The authorities and units of the user's part of the tree (where they may manage it), in tree order, each
    with its number of open teams."""
    teams = (OrgNode.objects.filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1,
                                    kind=OrgKind.TEAM, is_active=True)
             .order_by().annotate(group=Value(1)).values("group").annotate(n=Count("pk")).values("n"))
    return (OrgNode.objects.visible_to(user, roles=VERB_ROLES[TREE_MANAGERS_VERB])
            .filter(kind__in=TREE_PAGE_KINDS)
            .annotate(open_teams=Coalesce(Subquery(teams), 0))
            .order_by("path"))


def managed_node_detail(user, pk: int) -> OrgNode:
    """An authority or unit the user may manage on the tree page (DoesNotExist otherwise: 404)."""
    return OrgNode.objects.visible_to(user, roles=VERB_ROLES[TREE_MANAGERS_VERB]).get(pk=pk, kind__in=TREE_PAGE_KINDS)


def move_targets(user, node: OrgNode):
    """Where `node` may be moved on the tree page: open nodes of the user's part of the tree of a kind that may
    hold it, outside its own subtree, other than its current parent."""
    kinds = [kind for kind, children in ALLOWED_CHILDREN.items() if kind and node.kind in children]
    return (OrgNode.objects.visible_to(user, roles=VERB_ROLES[TREE_MANAGERS_VERB])
            .filter(kind__in=kinds, is_active=True)
            .exclude(path__startswith=node.path)
            .exclude(path=node.path[: (node.depth - 1) * OrgNode.steplen])
            .order_by("path"))
