"""Staff accounts (系統管理 › 帳號): every read of the accounts screens, through the one scope
(`User.objects.visible_to`), and the grant rule that says which accounts a user may change."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import ROLE_NODE_KINDS, ROLE_RANK, OrgNode, Role, RoleGrant, User
from ..roles import ACCOUNT_MANAGERS
from ..scoping import has_any_role, is_unrestricted


def staff_account_list(user) -> QuerySet:
    """The staff accounts the user may see, with their grants (those in the user's part of the tree) and
    whether a second factor is set up."""
    return (
        User.objects.visible_to(user, roles=ACCOUNT_MANAGERS)
        .filter(Exists(RoleGrant.objects.filter(user=OuterRef("pk"))) | Q(is_staff=True) | Q(is_superuser=True))
        .annotate(has_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .prefetch_related(Prefetch("grants", queryset=visible_grants(user).select_related("node")))
        .order_by("username")
    )


def staff_account_detail(user, pk) -> User:
    return staff_account_list(user).get(pk=pk)


def visible_grants(user) -> QuerySet:
    """Role grants on organisations in the user's part of the tree (accounts managers' roles)."""
    from ..scoping import scope_q

    return RoleGrant.objects.filter(scope_q(user, "node", roles=ACCOUNT_MANAGERS)).order_by("node__path", "role")


def max_rank_over(actor, node: OrgNode) -> int:
    """The highest role rank `actor` holds on `node` or one of its ancestors (0: none)."""
    if actor.is_superuser:
        return ROLE_RANK[Role.SYSTEM_ADMIN]
    best = 0
    for role, path in RoleGrant.objects.filter(user=actor, node__is_active=True).values_list("role", "node__path"):
        if role == Role.SYSTEM_ADMIN or node.path.startswith(path):
            best = max(best, ROLE_RANK[role])
    return best


def account_may_manage(actor, account: User) -> bool:
    """May `actor` disable, re-enable, reset the password or the second factor of `account`? Only accounts
    the actor could have made: every role the account holds lies in the actor's part of the tree at a rank
    the actor may grant there. Accounts without any role, superusers and the actor's own account are left to
    the system administrators (nobody disables their own account here)."""
    if not has_any_role(actor, ACCOUNT_MANAGERS) or account.pk == actor.pk:
        return False
    if account.is_superuser and not actor.is_superuser:
        return False
    grants = list(RoleGrant.objects.filter(user=account).select_related("node"))
    if not grants:
        return is_unrestricted(actor, roles=(Role.SYSTEM_ADMIN,))
    for grant in grants:
        rank = max_rank_over(actor, grant.node)
        if rank < ROLE_RANK[Role.UNIT_ADMIN] or rank < ROLE_RANK[grant.role]:
            return False
    return True


def grantable_nodes(actor) -> QuerySet:
    """Active organisations on which the actor may grant some role (and so create an account)."""
    return OrgNode.objects.visible_to(actor, roles=ACCOUNT_MANAGERS).filter(is_active=True)


def grantable_roles_on(actor, node: OrgNode) -> list[Role]:
    rank = max_rank_over(actor, node)
    if rank < ROLE_RANK[Role.UNIT_ADMIN]:
        return []
    return [role for role in Role if node.kind in ROLE_NODE_KINDS[role] and ROLE_RANK[role] <= rank]


def grantable_roles_any(actor) -> list[Role]:
    """Every role the actor may grant somewhere (the choices of the create form; the service checks the pair)."""
    if is_unrestricted(actor, roles=(Role.SYSTEM_ADMIN,)):
        return list(Role)
    best = max((ROLE_RANK[r] for r in RoleGrant.objects.filter(user=actor).values_list("role", flat=True)),
               default=0)
    if actor.is_superuser:
        best = ROLE_RANK[Role.SYSTEM_ADMIN]
    if best < ROLE_RANK[Role.UNIT_ADMIN]:
        return []
    roles = [role for role in Role if ROLE_RANK[role] <= best]
    if best < ROLE_RANK[Role.SYSTEM_ADMIN]:
        roles = [r for r in roles if r != Role.SYSTEM_ADMIN]
    return roles


