"""Teams, sub-teams and their members: the writes behind the team-management screens (module 1).
Creating, renaming, moving and closing nodes goes through `services.organisations`; adding and ending
memberships through `services.people`. This module adds what those do not: codes for new teams, moving a
member from one team to another in one step, cadre roles (隊長, 副隊長, 組長, 小隊長), and importing a
roster file into a team (the volunteer-journey roster's parser and row checks, all rows or none)."""
from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import AuditAction, CadreRole, Membership, OrgKind, OrgNode, RosterImport, RosterStatus
from ..outbox import enqueue
from .audit import audit_record, audit_record_many
from .organisations import orgnode_create
from .people import check_team_accepts_members, membership_add, membership_end, memberships_add_many
from .roster_files import RosterFileError, check_roster_rows, roster_check_upload
from .roster_jobs import (
    fails_import_on_error,
    roster_create_volunteers,
    roster_import_claim,
    roster_progress,
    roster_read,
)

# Which cadre roles fit which node kind.
CADRE_KINDS: dict[str, set[str]] = {
    CadreRole.MEMBER: {OrgKind.TEAM, OrgKind.SUBTEAM},
    CadreRole.CAPTAIN: {OrgKind.TEAM},
    CadreRole.VICE_CAPTAIN: {OrgKind.TEAM},
    CadreRole.GROUP_LEADER: {OrgKind.TEAM},
    CadreRole.SUBTEAM_LEADER: {OrgKind.SUBTEAM},
}
# Roles a team may hold only once at a time.
SINGLE_HOLDER = {CadreRole.CAPTAIN, CadreRole.SUBTEAM_LEADER}


def new_team_code(parent: OrgNode) -> str:
    """A unique code for a new team: the parent's code plus a short random suffix."""
    base = slugify(parent.code)[:50] or "team"
    while True:
        code = f"{base}-{secrets.token_hex(3)}"
        if not OrgNode.objects.filter(code=code).exists():
            return code


def team_create(*, actor, parent: OrgNode, name: str, name_en: str = "", code: str = "",
                description: str = "") -> OrgNode:
    """A team under a unit, or a sub-team under a team."""
    if parent.kind not in (OrgKind.UNIT, OrgKind.TEAM):
        raise ValidationError({"parent": _("Teams are created under a unit, sub-teams under a team.")})
    if not parent.is_active:
        raise ValidationError({"parent": _("This organisation is closed.")})
    kind = OrgKind.TEAM if parent.kind == OrgKind.UNIT else OrgKind.SUBTEAM
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the team a name.")})
    return orgnode_create(
        actor=actor, parent=parent, kind=kind, code=code or new_team_code(parent), name=name,
        name_en=name_en.strip(), description=description,
    )


def _check_cadre(team: OrgNode, cadre_role: str, *, exclude_pk: int | None = None) -> None:
    cadre_role = CadreRole(cadre_role)
    if team.kind not in CADRE_KINDS[cadre_role]:
        raise ValidationError(
            {"cadre_role": _("The role %(role)s does not exist in a %(kind)s.")
             % {"role": cadre_role.label, "kind": OrgKind(team.kind).label}}
        )
    if cadre_role in SINGLE_HOLDER:
        holders = Membership.objects.current().filter(team=team, cadre_role=cadre_role)
        if exclude_pk:
            holders = holders.exclude(pk=exclude_pk)
        holder = holders.select_related("volunteer").first()
        if holder is not None:
            raise ValidationError(
                {"cadre_role": _("%(name)s already holds the role %(role)s in this team; change their role first.")
                 % {"name": holder.volunteer.name, "role": cadre_role.label}}
            )


@transaction.atomic
def team_member_add(*, actor, volunteer, team: OrgNode, joined_on: datetime.date,
                    cadre_role: str = CadreRole.MEMBER) -> Membership:
    """Add a volunteer to a team with a cadre role (checked against the team's kind)."""
    _check_cadre(team, cadre_role)
    return membership_add(actor=actor, volunteer=volunteer, team=team, joined_on=joined_on, cadre_role=cadre_role)


@transaction.atomic
def membership_move(*, actor, membership: Membership, to_team: OrgNode, moved_on: datetime.date,
                    reason: str) -> Membership:
    """End the membership on `moved_on` and start one in `to_team` on the same day (history kept).
    The actor needs member rights on both teams; a failure on either side changes nothing."""
    membership = Membership.objects.select_related("team", "volunteer").get(pk=membership.pk)
    if actor is not None and not actor.has_perm("operations.membership.change", to_team):
        raise PermissionDenied(_("You cannot add members to this team."))
    if to_team.pk == membership.team_id:
        raise ValidationError({"to_team": _("Choose a different team.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for the move.")})
    if membership.left_on is not None:
        raise ValidationError(_("This membership has already ended."))
    if moved_on < membership.joined_on:
        raise ValidationError({"moved_on": _("The move cannot be dated before the member joined.")})
    cadre = membership.cadre_role if to_team.kind in CADRE_KINDS[CadreRole(membership.cadre_role)] else CadreRole.MEMBER
    if cadre in SINGLE_HOLDER and Membership.objects.current().filter(team=to_team, cadre_role=cadre).exists():
        cadre = CadreRole.MEMBER
    try:
        membership_end(actor=actor, membership=membership, left_on=moved_on, reason=reason)
        new = membership_add(
            actor=actor, volunteer=membership.volunteer, team=to_team, joined_on=moved_on, cadre_role=cadre
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "team" in exc.error_dict:
            raise ValidationError({"to_team": exc.error_dict["team"]}) from exc
        raise
    audit_record(
        actor=actor, action=AuditAction.MOVED, node=to_team, obj=membership.volunteer, reason=reason,
        changes={"team": [str(membership.team), str(to_team)]},
    )
    return new


@transaction.atomic
def membership_set_cadre(*, actor, membership: Membership, cadre_role: str) -> Membership:
    """Assign a cadre role to a current member (one captain and one sub-team leader per team)."""
    membership = Membership.objects.select_for_update().select_related("team", "volunteer").get(pk=membership.pk)
    if actor is not None and not actor.has_perm("operations.membership.change", membership.team):
        raise PermissionDenied(_("You cannot change the members of this team."))
    if membership.left_on is not None:
        raise ValidationError(_("This membership has already ended."))
    old = membership.cadre_role
    if old == cadre_role:
        return membership
    _check_cadre(membership.team, cadre_role, exclude_pk=membership.pk)
    membership.cadre_role = cadre_role
    membership.save(update_fields=["cadre_role"])
    audit_record(
        actor=actor, action=AuditAction.UPDATED, node=membership.team, obj=membership.volunteer,
        changes={"cadre_role": [old, cadre_role], "team": str(membership.team)},
    )
    return membership


# --- Roster import into a team ------------------------------------------------------------------------
# The staff side of the group roster: the same template, parser and row checks as the volunteers' group
# sign-up (services.roster_files, services.roster_jobs), without its shift checks and without its minimum of rows. Everybody in the
# file becomes a member of the team on `joined_on`, or nobody does. People matched by document number who
# already are members of the team are skipped and counted, so uploading the same file twice is harmless.

MAX_SKIPPED_LISTED = 500


def _roster_refusal(actor, team: OrgNode) -> list[str]:
    if actor is None:  # the uploader's account is gone
        return [_("You cannot add members to this team.")]
    try:
        check_team_accepts_members(actor=actor, team=team)
    except ValidationError as exc:
        return exc.messages
    except PermissionDenied as exc:
        return [str(exc)]
    return []


@transaction.atomic
def team_roster_import_start(*, actor, team: OrgNode, file, joined_on: datetime.date, reason: str = "",
                             language: str) -> RosterImport:
    """Store the upload and queue the check-and-import task (inline without a broker)."""
    if actor is None or not actor.has_perm("operations.membership.change", team):
        raise PermissionDenied(_("You cannot add members to this team."))
    refusal = _roster_refusal(actor, team)
    if refusal:
        raise ValidationError(refusal)
    roster_check_upload(file)
    job = RosterImport.objects.create(
        created_by=actor, team=team, joined_on=joined_on, reason=(reason or "").strip()[:255], file=file,
        original_name=file.name[:255], language=language,
    )
    enqueue("operations.tasks.team_roster_import_run", job.pk)
    return job


def _fail(job: RosterImport, errors: list[dict]) -> RosterImport:
    RosterImport.objects.filter(pk=job.pk).update(status=RosterStatus.FAILED, errors=errors,
                                                  finished_at=timezone.now())
    return RosterImport.objects.get(pk=job.pk)


@fails_import_on_error
def team_roster_import_run(*, job_id: int) -> RosterImport:
    """Check every row; import everyone in one transaction when no row has a problem."""
    job = RosterImport.objects.select_related("team", "created_by").get(pk=job_id)
    if job.status in (RosterStatus.DONE, RosterStatus.FAILED):
        return job
    RosterImport.objects.filter(pk=job.pk).update(status=RosterStatus.RUNNING)
    with translation.override(job.language):
        try:
            rows = roster_read(job)
            errors, records = check_roster_rows(
                job, rows, min_rows=None, max_rows=settings.VOLUNTEER_ACCOUNTS["ROSTER_MAX_ROWS"],
                general=lambda: _roster_refusal(job.created_by, job.team), progress=roster_progress,
            )
        except RosterFileError as exc:
            errors, records = [{"row": 0, "messages": exc.messages}], []
        if errors:
            return _fail(job, errors)
        try:
            # The import and its "done" status commit together on the locked job row: a redelivered or
            # concurrent run of the task finds the job done and writes nothing.
            with transaction.atomic():
                if not roster_import_claim(job):
                    return RosterImport.objects.get(pk=job.pk)
                counts = _team_roster_import(job, records)
                RosterImport.objects.filter(pk=job.pk).update(
                    status=RosterStatus.DONE, processed_rows=len(records), total_rows=len(records), errors=[],
                    finished_at=timezone.now(), **counts)
        except (ValidationError, PermissionDenied) as exc:
            return _fail(job, [{"row": 0, "messages": getattr(exc, "messages", None) or [str(exc)]}])
        except IntegrityError:  # somebody registered one of these documents meanwhile
            return _fail(job, [{"row": 0, "messages": [
                _("The registry changed while importing; nothing was imported. Please upload the file again.")]}])
    return RosterImport.objects.get(pk=job.pk)


@transaction.atomic
def _team_roster_import(job: RosterImport, records: list[dict]) -> dict:
    team = OrgNode.objects.select_for_update().get(pk=job.team_id)
    actor = job.created_by
    refusal = _roster_refusal(actor, team)  # the grant or the team may have changed since the upload
    if refusal:
        raise ValidationError(refusal)
    volunteers = roster_create_volunteers(
        records, note=_("Registered by the roster %(file)s of %(team)s") % {"file": job.original_name,
                                                                               "team": team.display_name})
    created = [v for v, record in zip(volunteers, records, strict=True) if record["volunteer"] is None]
    source = {"roster_import": job.pk, "file": job.original_name}
    audit_record_many(actor=actor, action=AuditAction.CREATED, node=team, objects=created, reason=job.reason,
                      changes=source)
    memberships, skipped = memberships_add_many(
        actor=actor, volunteers=volunteers, team=team, joined_on=job.joined_on or timezone.localdate(),
        reason=job.reason, source=source,
    )
    skipped_ids = {v.pk for v in skipped}
    skipped_rows = [{"row": record["row"], "name": record["name"]}
                    for volunteer, record in zip(volunteers, records, strict=True) if volunteer.pk in skipped_ids]
    counts = {"created_volunteers": len(created), "matched_volunteers": len(records) - len(created),
              "created_memberships": len(memberships), "skipped": len(skipped),
              "skipped_rows": skipped_rows[:MAX_SKIPPED_LISTED]}
    job.status = RosterStatus.DONE  # what the record says once this transaction commits
    audit_record(
        actor=actor, action=AuditAction.ROSTER_IMPORTED, node=team, obj=job, reason=job.reason,
        changes={"file": job.original_name, "rows": len(records), "joined_on": str(job.joined_on),
                 **{k: v for k, v in counts.items() if k != "skipped_rows"}},
    )
    return counts
