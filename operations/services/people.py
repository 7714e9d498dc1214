from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..identity import mask_id_number, normalize_id_number, validate_id_number
from ..localised import join_list
from ..mail import send_templated_mail
from ..models import (
    ROLE_NODE_KINDS,
    ROLE_RANK,
    AuditAction,
    CadreRole,
    Language,
    Membership,
    OrgKind,
    OrgNode,
    Role,
    RoleGrant,
    Skill,
    User,
    Volunteer,
)
from ..models.code_values import code_value_kept
from ..outbox import enqueue
from ..scoping import clear_scope_cache, is_unrestricted, scope_paths, user_roles
from ..selectors.counting import bump_people_version
from .audit import audit_record, audit_record_many

VOLUNTEER_FIELDS = (
    "name", "english_name", "sex", "birth_date", "phone", "email", "city", "district", "address",
    "emergency_contact_name", "emergency_contact_phone", "emergency_contact_relation", "photo", "notes",
)


# --- Role grants ----------------------------------------------------------------------------------

def _max_rank_over(actor, node: OrgNode) -> int:
    """The highest role rank the actor holds on `node` or one of its ancestors."""
    if actor.is_superuser:
        return ROLE_RANK[Role.SYSTEM_ADMIN]
    best = 0
    for grant in RoleGrant.objects.filter(user=actor, node__is_active=True).select_related("node"):
        if grant.role == Role.SYSTEM_ADMIN or node.path.startswith(grant.node.path):
            best = max(best, ROLE_RANK[grant.role])
    return best


def grantable_roles(actor, node: OrgNode) -> list[Role]:
    """The roles `actor` may grant on `node`: those that fit the node's kind, up to the actor's rank."""
    rank = _max_rank_over(actor, node)
    if rank < ROLE_RANK[Role.UNIT_ADMIN]:
        return []
    return [role for role in Role if node.kind in ROLE_NODE_KINDS[role] and ROLE_RANK[role] <= rank]


@transaction.atomic
def grant_create(*, actor, user: User, node: OrgNode, role: str, notify: bool = True) -> RoleGrant:
    """Give `user` the `role` on `node`. The actor must hold the node (or an ancestor) with a role at
    least as high as the one given, and the role must fit the node's kind."""
    role = Role(role)
    node = OrgNode.objects.get(pk=node.pk)
    if not node.is_active:
        raise ValidationError(_("This organisation is closed; roles cannot be granted on it."), code="closed")
    if node.kind not in ROLE_NODE_KINDS[role]:
        kinds = join_list(str(OrgKind(k).label) for k in sorted(ROLE_NODE_KINDS[role]))
        raise ValidationError(
            _("The role %(role)s can only be granted on: %(kinds)s.") % {"role": role.label, "kinds": kinds},
            code="role_kind",
        )
    if actor is not None:
        rank = _max_rank_over(actor, node)
        if rank == 0:
            raise PermissionDenied(_("You cannot grant roles on an organisation you do not manage."))
        if rank < ROLE_RANK[Role.UNIT_ADMIN]:
            raise PermissionDenied(_("Only unit administrators and higher roles can grant roles."))
        if rank < ROLE_RANK[role]:
            raise PermissionDenied(_("You cannot grant a role higher than your own."))
    if RoleGrant.objects.filter(user=user, node=node, role=role).exists():
        raise ValidationError(_("This user already holds this role here."), code="duplicate")
    grant = RoleGrant.objects.create(user=user, node=node, role=role, granted_by=actor)
    if not user.is_staff and ROLE_RANK[role] >= ROLE_RANK[Role.UNIT_ADMIN]:
        # Unit admins and above may also open the Wagtail admin (their pages still need editor groups).
        User.objects.filter(pk=user.pk).update(is_staff=True)
    clear_scope_cache(user)
    audit_record(
        actor=actor, action=AuditAction.GRANTED, node=node, obj=grant,
        changes={"user": user.get_username(), "role": role.value},
    )
    if notify and user.email:
        enqueue("operations.tasks.send_role_granted_email", grant.pk)
    return grant


@transaction.atomic
def grant_revoke(*, actor, grant: RoleGrant) -> None:
    grant = RoleGrant.objects.select_related("node", "user").get(pk=grant.pk)
    if actor is not None:
        rank = _max_rank_over(actor, grant.node)
        if rank < ROLE_RANK[Role.UNIT_ADMIN] or rank < ROLE_RANK[grant.role]:
            raise PermissionDenied(_("You cannot revoke a role higher than your own."))
        if grant.user_id == actor.pk and grant.role == Role.SYSTEM_ADMIN:
            raise ValidationError(_("You cannot revoke your own system administrator role."), code="self")
    audit_record(
        actor=actor, action=AuditAction.REVOKED, node=grant.node, obj=grant,
        changes={"user": grant.user.get_username(), "role": grant.role},
    )
    grant.delete()
    clear_scope_cache(grant.user)


# --- Volunteers -------------------------------------------------------------------------------------

def _check_unique_document(id_type: str, id_number: str, exclude_pk: int | None = None) -> None:
    qs = Volunteer.objects.filter(id_type=id_type, id_number=id_number)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        # Do not say who holds it: the number may belong to a volunteer outside the user's scope.
        raise ValidationError({"id_number": ValidationError(
            _("A volunteer with this identity document is already registered."), code="duplicate")})


def _home_node_for(actor, volunteer: Volunteer) -> OrgNode | None:
    membership = Membership.objects.filter(volunteer=volunteer).select_related("team").order_by("-joined_on").first()
    return membership.team if membership else None


@transaction.atomic
def volunteer_create(
    *,
    actor,
    id_type: str,
    id_number: str,
    team: OrgNode | None = None,
    joined_on: datetime.date | None = None,
    languages: Iterable[Language] = (),
    skills: Iterable[Skill] = (),
    **fields,
) -> Volunteer:
    """Register a volunteer, optionally as a member of `team` (staff must add them to a team they hold,
    otherwise the new record would vanish from their own scope)."""
    unknown = set(fields) - set(VOLUNTEER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown volunteer fields: {sorted(unknown)}")
    try:
        number = validate_id_number(id_type, id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from exc
    if actor is not None:
        if team is None and not is_unrestricted(actor):
            raise ValidationError({"team": _("Choose the team the volunteer joins.")})
        if team is not None and not actor.has_perm("operations.membership.change", team):
            raise PermissionDenied(_("You cannot add volunteers to this team."))
    if team is not None and team.kind not in (OrgKind.TEAM, OrgKind.SUBTEAM):
        raise ValidationError({"team": _("Volunteers can only join a team or a sub-team.")})
    _check_unique_document(id_type, number)
    volunteer = Volunteer(id_type=id_type, id_number=number, **fields)
    volunteer.full_clean()
    try:
        with code_value_kept():  # a city or district deleted meanwhile: told on its field
            volunteer.save()
    except IntegrityError as exc:  # a concurrent registration of the same document
        raise ValidationError(
            {"id_number": _("A volunteer with this identity document is already registered.")}
        ) from exc
    volunteer.languages.set(languages)
    volunteer.skills.set(skills)
    if team is not None:
        Membership.objects.create(
            volunteer=volunteer, team=team, joined_on=joined_on or timezone.localdate(), created_by=actor
        )
    audit_record(actor=actor, action=AuditAction.CREATED, node=team, obj=volunteer)
    return volunteer


@transaction.atomic
def volunteer_update(
    *,
    actor,
    volunteer: Volunteer,
    id_type: str | None = None,
    id_number: str | None = None,
    languages: Iterable[Language] | None = None,
    skills: Iterable[Skill] | None = None,
    **fields,
) -> Volunteer:
    unknown = set(fields) - set(VOLUNTEER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown volunteer fields: {sorted(unknown)}")
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if actor is not None and not actor.has_perm("operations.volunteer.change", volunteer):
        raise PermissionDenied(_("You cannot change this volunteer."))
    changes: dict[str, list[str]] = {}
    if id_type is not None or id_number is not None:
        new_type = id_type or volunteer.id_type
        try:
            new_number = validate_id_number(new_type, id_number if id_number is not None else volunteer.id_number)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from exc
        if (new_type, new_number) != (volunteer.id_type, volunteer.id_number):
            _check_unique_document(new_type, new_number, exclude_pk=volunteer.pk)
            changes["identity document"] = ["(hidden)", "(hidden)"]
            volunteer.id_type, volunteer.id_number = new_type, new_number
    for field, value in fields.items():
        old = getattr(volunteer, field)
        if old != value:
            changes[field] = ["(file)" if field == "photo" else str(old), "(file)" if field == "photo" else str(value)]
            setattr(volunteer, field, value)
    volunteer.full_clean()
    with code_value_kept():
        volunteer.save()
    if languages is not None:
        volunteer.languages.set(languages)
    if skills is not None:
        volunteer.skills.set(skills)
    if changes:
        audit_record(
            actor=actor, action=AuditAction.UPDATED, node=_home_node_for(actor, volunteer), obj=volunteer,
            changes=changes,
        )
    return volunteer


@transaction.atomic
def volunteer_reveal_id(*, actor, volunteer: Volunteer, reason: str, ip_address: str | None = None) -> str:
    """Return the full identity number for a stated reason, and write the audit record."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("State why you need to see the full identity number.")})
    if not actor.has_perm("operations.volunteer.reveal_id", volunteer):
        raise PermissionDenied(_("You are not allowed to see full identity numbers."))
    visible_teams = Membership.objects.filter(volunteer=volunteer).select_related("team")
    paths = scope_paths(actor)
    node = next(
        (m.team for m in visible_teams if paths is None or any(m.team.path.startswith(p) for p in paths)), None
    )
    audit_record(
        actor=actor, action=AuditAction.ID_REVEALED, node=node, obj=volunteer, reason=reason, ip_address=ip_address
    )
    return volunteer.id_number


# --- Memberships ------------------------------------------------------------------------------------

@transaction.atomic
def check_team_accepts_members(*, actor, team: OrgNode) -> None:
    """Volunteers join only open teams and sub-teams, added by someone who may manage that team (no actor:
    the system itself)."""
    if team.kind not in (OrgKind.TEAM, OrgKind.SUBTEAM):
        raise ValidationError({"team": _("Volunteers can only join a team or a sub-team.")})
    if not team.is_active:
        raise ValidationError({"team": _("This team is closed.")})
    if actor is not None and not actor.has_perm("operations.membership.change", team):
        raise PermissionDenied(_("You cannot add members to this team."))


def membership_add(
    *, actor, volunteer: Volunteer, team: OrgNode, joined_on: datetime.date, cadre_role: str = CadreRole.MEMBER
) -> Membership:
    check_team_accepts_members(actor=actor, team=team)
    if Membership.objects.filter(volunteer=volunteer, team=team, left_on__isnull=True).exists():
        raise ValidationError({"team": _("The volunteer is already a member of this team.")})
    membership = Membership.objects.create(
        volunteer=volunteer, team=team, joined_on=joined_on, cadre_role=cadre_role, created_by=actor
    )
    audit_record(
        actor=actor, action=AuditAction.MEMBER_ADDED, node=team, obj=volunteer,
        changes={"team": str(team), "cadre_role": cadre_role},
    )
    return membership


@transaction.atomic
def memberships_add_many(
    *, actor, volunteers: list[Volunteer], team: OrgNode, joined_on: datetime.date, reason: str = "",
    cadre_role: str = CadreRole.MEMBER, source: dict | None = None,
) -> tuple[list[Membership], list[Volunteer]]:
    """`membership_add` for many volunteers at once (roster imports): the same checks on the team and the
    actor, the same rows and one MEMBER_ADDED audit record per volunteer, written in bulk. Volunteers who
    already have an open membership of the team are skipped and returned as such (adding them again would
    only repeat what is already true). Returns (memberships created, volunteers skipped)."""
    check_team_accepts_members(actor=actor, team=team)
    ids = [v.pk for v in volunteers]
    already: set[int] = set()
    for start in range(0, len(ids), 1000):
        already.update(Membership.objects.filter(
            team=team, left_on__isnull=True, volunteer_id__in=ids[start:start + 1000]
        ).values_list("volunteer_id", flat=True))
    added, skipped, seen = [], [], set()
    for volunteer in volunteers:
        if volunteer.pk in already or volunteer.pk in seen:
            skipped.append(volunteer)
        else:
            seen.add(volunteer.pk)
            added.append(volunteer)
    memberships = [
        Membership(volunteer=v, team=team, joined_on=joined_on, cadre_role=cadre_role, created_by=actor)
        for v in added
    ]
    try:
        with transaction.atomic():
            Membership.objects.bulk_create(memberships, batch_size=1000)
        transaction.on_commit(bump_people_version)  # bulk_create sends no post_save
    except IntegrityError as exc:  # someone added one of them to the team meanwhile
        raise ValidationError(_("The members of the team changed while importing; please try again.")) from exc
    audit_record_many(
        actor=actor, action=AuditAction.MEMBER_ADDED, node=team, objects=added, reason=reason,
        changes={"team": str(team), "cadre_role": str(cadre_role), **(source or {})},
    )
    return memberships, skipped


@transaction.atomic
def membership_end(*, actor, membership: Membership, left_on: datetime.date, reason: str) -> Membership:
    membership = Membership.objects.select_for_update().select_related("team", "volunteer").get(pk=membership.pk)
    if actor is not None and not actor.has_perm("operations.membership.change", membership.team):
        raise PermissionDenied(_("You cannot change the members of this team."))
    if membership.left_on is not None:
        raise ValidationError(_("This membership has already ended."))
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": _("The leaving date cannot be before the joining date.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for leaving.")})
    membership.left_on = left_on
    membership.leave_reason = reason.strip()
    membership.save(update_fields=["left_on", "leave_reason"])
    audit_record(
        actor=actor, action=AuditAction.MEMBER_LEFT, node=membership.team, obj=membership.volunteer, reason=reason
    )
    return membership


# --- Own profile ---------------------------------------------------------------------------------

STAFF_PROFILE_FIELDS = ("first_name", "last_name", "display_name", "email", "phone", "job_title", "preferred_language")


@transaction.atomic
def user_update_profile(*, user: User, **fields) -> User:
    unknown = set(fields) - set(STAFF_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown profile fields: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    for field, value in fields.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password", "username"])
    user.save()
    return user



# --- E-mail -----------------------------------------------------------------------------------------

def grant_notify(*, grant_id: int, task=None) -> bool:
    """Tell the holder of a new role, in their language, what they may do now (after the grant's commit,
    from `tasks.send_role_granted_email`). Nothing for a grant that is gone or a user without an address."""
    grant = RoleGrant.objects.select_related("user", "node").filter(pk=grant_id).first()
    if grant is None or not grant.user.email:
        return False
    return send_templated_mail("role_granted", {"grant": grant, "site_url": settings.SITE_URL}, grant.user.email,
                               grant.user.preferred_language, task=task)


__all__ = [
    "grant_create", "grant_revoke", "volunteer_create", "volunteer_update", "volunteer_reveal_id",
    "membership_add", "membership_end", "user_update_profile", "user_roles", "grant_notify",
]


# --- Adding a volunteer who registered elsewhere ------------------------------------------------------
# A self-registered volunteer belongs to no team yet, so no list shows them to a unit. Their exact identity
# number AND date of birth (both must match) find them; nothing else does, and the answer for a wrong date of
# birth is the same as for an unknown number. Every look-up is in the audit log, and a user has a limited
# number of look-ups per hour, so the pair cannot be guessed by trying dates.
LOOKUP_LIMIT_PER_HOUR = 30
LOOKUP_TOKEN_SALT = "operations.member-lookup"
LOOKUP_TOKEN_MAX_AGE = 15 * 60


class LookupLimitReached(Exception):
    pass


def volunteer_lookup_registered(*, actor, team: OrgNode, id_number: str, birth_date: datetime.date,
                                ip_address: str | None = None) -> Volunteer | None:
    """The registered volunteer with exactly this identity number and date of birth, to be added to `team`,
    or None. The look-up is recorded (number masked) whether or not somebody was found."""
    if not actor.has_perm("operations.membership.change", team):
        raise PermissionDenied
    key = f"volunteer-lookup:{actor.pk}"
    cache.add(key, 0, 3600)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 3600)
        used = 1
    if used > LOOKUP_LIMIT_PER_HOUR:
        raise LookupLimitReached
    number = normalize_id_number(id_number)
    volunteer = Volunteer.objects.filter(id_number=number, birth_date=birth_date).first() if number else None
    audit_record(actor=actor, action=AuditAction.VOLUNTEER_LOOKUP, node=team, obj=volunteer,
                 changes={"id_number": mask_id_number(number), "found": volunteer is not None}, ip_address=ip_address)
    return volunteer


def volunteer_lookup_token(*, actor, team: OrgNode, volunteer: Volunteer) -> str:
    """A short-lived, signed note that `actor` found `volunteer` for `team`: it lets the confirmation add
    somebody who is not (yet) in the actor's scope, and nobody else."""
    return signing.dumps({"u": actor.pk, "t": team.pk, "v": volunteer.pk}, salt=LOOKUP_TOKEN_SALT, compress=True)


def volunteer_from_lookup_token(*, actor, team: OrgNode, token: str) -> Volunteer | None:
    try:
        data = signing.loads(token or "", salt=LOOKUP_TOKEN_SALT, max_age=LOOKUP_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != actor.pk or data.get("t") != team.pk:
        return None
    return Volunteer.objects.filter(pk=data.get("v")).first()
