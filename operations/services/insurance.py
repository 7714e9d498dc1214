"""Writes of the insurance module (志工保險, Volunteer Service Act Art.16; DOMAIN.md §1.7, §6.6): policies,
who they cover when, and the alerts.

Every write is keyword-only, atomic, decided on locked and re-read rows (the policy row serialises every
change of its covers), idempotent (the same request twice changes nothing the second time) and audited.
Bad input raises a ValidationError with a translated message and writes nothing."""
from __future__ import annotations

import datetime
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..mail import mail_language, send_templated_mail, site_link
from ..models import (
    CoverScope,
    InsuranceCover,
    InsurancePolicy,
    OrgKind,
    OrgNode,
    RoleGrant,
    Volunteer,
)
from ..outbox import enqueue
from ..roles import Role
from ..selectors import insurance as selectors
from .audit import audit_record, audit_record_many

POLICY_FIELDS = (
    "insurer", "policy_number", "kind", "death_disability_cover", "medical_per_injury", "hospital_per_day",
    "premium", "starts_on", "ends_on", "min_insured", "age_cap", "commuting_note", "document", "notes",
)
POLICY_NODE_KINDS = (OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY, OrgKind.UNIT)
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


def validate_policy_document(upload) -> None:
    """The policy document: a PDF of at most 10 MB that really is a PDF (it must parse and have a page)."""
    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext != ".pdf":
        raise ValidationError({"document": _("The policy document must be a PDF file.")}, code="document_type")
    if upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationError({"document": _("The policy document is larger than 10 MB.")}, code="document_size")
    from volunteer_site.filetypes import detect

    try:
        detect(upload, {"pdf"})
    except ValidationError:
        raise ValidationError(
            {"document": _("The file is not a readable PDF; upload the policy document again.")},
            code="document_content") from None


def _require(actor, perm: str, obj) -> None:
    if actor is not None and not actor.has_perm(perm, obj):
        raise PermissionDenied(_("You cannot change insurance here."))


def _check_policy(policy: InsurancePolicy) -> None:
    errors: dict[str, list[str]] = {}
    if not (policy.insurer or "").strip():
        errors.setdefault("insurer", []).append(_("Enter the insurer."))
    if not (policy.policy_number or "").strip():
        errors.setdefault("policy_number", []).append(_("Enter the policy number."))
    if policy.starts_on and policy.ends_on and policy.ends_on < policy.starts_on:
        errors.setdefault("ends_on", []).append(_("The policy cannot end before it starts."))
    if policy.node_id and policy.node.kind not in POLICY_NODE_KINDS:
        errors.setdefault("node", []).append(_("A policy is taken out by a unit or an authority, not by a team."))
    if policy.age_cap is not None and not 1 <= policy.age_cap <= 150:
        errors.setdefault("age_cap", []).append(_("Enter an age between 1 and 150."))
    if policy.insurer and policy.policy_number and InsurancePolicy.objects.filter(
            insurer=policy.insurer, policy_number=policy.policy_number).exclude(pk=policy.pk).exists():
        errors.setdefault("policy_number", []).append(
            _("This insurer's policy %(number)s is already recorded.") % {"number": policy.policy_number})
    if errors:
        raise ValidationError(errors)


def _apply(policy: InsurancePolicy, fields: dict) -> dict[str, list[str]]:
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown policy fields: {sorted(unknown)}")
    changes = {}
    for field, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if field == "document":
            if value in (None, ""):
                continue
            if value is False:
                value = ""
            else:
                validate_policy_document(value)
        old = getattr(policy, field)
        if old != value:
            label = "(file)" if field == "document" else None
            changes[field] = [label or str(old if old is not None else ""), label or str(value if value is not None else "")]
            setattr(policy, field, value)
    return changes


@transaction.atomic
def policy_create(*, actor, node: OrgNode, **fields) -> InsurancePolicy:
    """Record a policy taken out by `node`. The same policy submitted twice (a double click) is recorded
    once: the second call returns the first."""
    _require(actor, "operations.insurancepolicy.change", node)
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    same = InsurancePolicy.objects.filter(node=node, insurer=(fields.get("insurer") or "").strip(),
                                          policy_number=(fields.get("policy_number") or "").strip(),
                                          starts_on=fields.get("starts_on"), ends_on=fields.get("ends_on")).first()
    if same is not None:
        return same
    policy = InsurancePolicy(node=node, created_by=actor if getattr(actor, "pk", None) else None)
    _apply(policy, fields)
    _check_policy(policy)
    policy.save()
    audit_record(actor=actor, action="created", node=node, obj=policy,
                 changes={"policy": ["", str(policy)], "period": ["", f"{policy.starts_on} – {policy.ends_on}"]})
    return policy


@transaction.atomic
def policy_update(*, actor, policy: InsurancePolicy, **fields) -> InsurancePolicy:
    """Change a policy. Its covers follow a new period: covers that ran to the old end run to the new one,
    covers are clipped to a shorter period, and a change that would leave a cover wholly outside the
    period is refused (end that cover first)."""
    policy = InsurancePolicy.objects.select_for_update().select_related("node").get(pk=policy.pk)
    _require(actor, "operations.insurancepolicy.change", policy)
    old_start, old_end = policy.starts_on, policy.ends_on
    changes = _apply(policy, fields)
    _check_policy(policy)
    if not changes:
        return policy
    covers = list(InsuranceCover.objects.select_for_update().filter(policy=policy))
    outside = [c for c in covers if c.ends_on < policy.starts_on or c.starts_on > policy.ends_on]
    if outside:
        raise ValidationError({"ends_on": _("%(n)s covers lie outside the new period; end or remove them first.")
                               % {"n": len(outside)}})
    for cover in covers:
        new_start = max(cover.starts_on, policy.starts_on)
        new_end = policy.ends_on if cover.ends_on == old_end else min(cover.ends_on, policy.ends_on)
        if cover.starts_on == old_start and policy.starts_on < old_start:
            new_start = policy.starts_on
        if (new_start, new_end) != (cover.starts_on, cover.ends_on):
            cover.starts_on, cover.ends_on = new_start, new_end
            cover.save(update_fields=["starts_on", "ends_on"])
    policy.save()
    audit_record(actor=actor, action="updated", node=policy.node, obj=policy, changes=changes)
    return policy


def _lock_policy(policy: InsurancePolicy) -> InsurancePolicy:
    return InsurancePolicy.objects.select_for_update().select_related("node").get(pk=policy.pk)


def _cover_period(policy: InsurancePolicy, starts_on, ends_on) -> tuple[datetime.date, datetime.date]:
    starts_on = starts_on or policy.starts_on
    ends_on = ends_on or policy.ends_on
    errors = {}
    if ends_on < starts_on:
        errors["ends_on"] = [_("The cover cannot end before it starts.")]
    elif starts_on < policy.starts_on or ends_on > policy.ends_on:
        errors["starts_on"] = [_("The cover must lie within the policy's period (%(start)s – %(end)s).")
                               % {"start": policy.starts_on.isoformat(), "end": policy.ends_on.isoformat()}]
    if errors:
        raise ValidationError(errors)
    return starts_on, ends_on


def _overlap_q(starts_on, ends_on) -> Q:
    return Q(starts_on__lte=ends_on, ends_on__gte=starts_on)


@transaction.atomic
def cover_add_people(*, actor, policy: InsurancePolicy, volunteers: list[Volunteer],
                     starts_on: datetime.date | None = None, ends_on: datetime.date | None = None) -> int:
    """Insure these people under `policy` from `starts_on` to `ends_on` (default: the policy's period).
    All or nothing: a person already covered by this policy at an overlapping time refuses the whole
    request (naming them), unless the cover is exactly the same (a repeated request), which is skipped.
    The number of covers written."""
    policy = _lock_policy(policy)
    _require(actor, "operations.insurancepolicy.change", policy)
    starts_on, ends_on = _cover_period(policy, starts_on, ends_on)
    ids = list(dict.fromkeys(v.pk for v in volunteers))
    if not ids:
        raise ValidationError({"volunteers": _("Choose at least one volunteer.")})
    visible = set(Volunteer.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True)) \
        if actor is not None else set(ids)
    if len(visible) != len(ids):
        raise ValidationError({"volunteers": _("Some of these volunteers are not in your part of the organisation.")})
    existing = list(InsuranceCover.objects.filter(policy=policy, volunteer_id__in=ids)
                    .filter(_overlap_q(starts_on, ends_on)).select_related("volunteer"))
    same = {c.volunteer_id for c in existing if (c.starts_on, c.ends_on) == (starts_on, ends_on)}
    clashes = [c for c in existing if c.volunteer_id not in same]
    if clashes:
        raise ValidationError({"volunteers": [
            _("%(name)s is already covered by this policy from %(start)s to %(end)s (covers may not overlap).")
            % {"name": c.volunteer.name, "start": c.starts_on.isoformat(), "end": c.ends_on.isoformat()}
            for c in clashes]})
    rows = [InsuranceCover(policy=policy, volunteer_id=vid, starts_on=starts_on, ends_on=ends_on,
                           created_by=actor if getattr(actor, "pk", None) else None)
            for vid in ids if vid not in same]
    created = InsuranceCover.objects.bulk_create(rows, batch_size=1000)
    if created and created[0].pk is None:  # backends that do not return ids
        created = list(InsuranceCover.objects.filter(policy=policy, volunteer_id__in=[r.volunteer_id for r in rows],
                                                     starts_on=starts_on, ends_on=ends_on))
    audit_record_many(actor=actor, action="created", node=policy.node, objects=created,
                      changes={"cover": ["", f"{starts_on} – {ends_on}"]})
    return len(created)


@transaction.atomic
def cover_add_node(*, actor, policy: InsurancePolicy, node: OrgNode | None = None,
                   scope: str = CoverScope.MEMBERS, starts_on: datetime.date | None = None,
                   ends_on: datetime.date | None = None) -> InsuranceCover:
    """Insure, at `node` (a team, a unit … inside the policy's organisation; default: the policy's own node),
    either its current members (`CoverScope.MEMBERS`: "all current members" on the policy's node) or the
    volunteers accepted for its shifts on the days of those shifts (`CoverScope.ON_SHIFT`: an event policy
    whose insured list is each day's roster). Overlapping the same node's cover of the same kind under this
    policy is refused; the same cover again is returned unchanged."""
    if scope not in CoverScope.values:
        raise ValidationError({"node_scope": _("Choose whom the cover insures.")})
    policy = _lock_policy(policy)
    _require(actor, "operations.insurancepolicy.change", policy)
    node = node or policy.node
    if not node.path.startswith(policy.node.path):
        raise ValidationError({"node": _("Choose a team or unit inside %(org)s.") % {"org": policy.node}})
    starts_on, ends_on = _cover_period(policy, starts_on, ends_on)
    existing = list(InsuranceCover.objects.filter(policy=policy, node=node, node_scope=scope)
                    .filter(_overlap_q(starts_on, ends_on)))
    for cover in existing:
        if (cover.starts_on, cover.ends_on) == (starts_on, ends_on):
            return cover
    if existing:
        c = existing[0]
        raise ValidationError({"node": _("%(node)s is already covered by this policy from %(start)s to %(end)s "
                                         "(covers may not overlap).")
                               % {"node": node, "start": c.starts_on.isoformat(), "end": c.ends_on.isoformat()}})
    cover = InsuranceCover.objects.create(policy=policy, node=node, node_scope=scope, starts_on=starts_on, ends_on=ends_on,
                                          created_by=actor if getattr(actor, "pk", None) else None)
    audit_record(actor=actor, action="created", node=policy.node, obj=cover,
                 changes={"cover": ["", f"{node} ({scope}) {starts_on} – {ends_on}"]})
    return cover


@transaction.atomic
def cover_end(*, actor, cover: InsuranceCover, last_day: datetime.date, reason: str) -> InsuranceCover | None:
    """End a cover after `last_day` (the last insured day), with a reason. A cover ended before it began is
    removed (None). Ending it on the day it already ends changes nothing."""
    policy = _lock_policy(cover.policy)
    _require(actor, "operations.insurancepolicy.change", policy)
    cover = InsuranceCover.objects.select_for_update().filter(pk=cover.pk, policy=policy).first()
    if cover is None:  # removed by an earlier request
        return None
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for ending the cover.")})
    if last_day >= cover.ends_on:
        if last_day == cover.ends_on:
            return cover
        raise ValidationError({"last_day": _("A cover can only be shortened here; it ends on %(end)s.")
                               % {"end": cover.ends_on.isoformat()}})
    old = f"{cover.starts_on} – {cover.ends_on}"
    if last_day < cover.starts_on:
        audit_record(actor=actor, action="closed", node=policy.node, obj=cover, reason=reason.strip(),
                     changes={"cover": [old, ""]})
        cover.delete()
        return None
    cover.ends_on = last_day
    cover.ended_reason = reason.strip()[:255]
    cover.save(update_fields=["ends_on", "ended_reason"])
    audit_record(actor=actor, action="updated", node=policy.node, obj=cover, reason=reason.strip(),
                 changes={"cover": [old, f"{cover.starts_on} – {cover.ends_on}"]})
    return cover


# --- Alerts (Celery beat) ----------------------------------------------------------------------------

def _admin_addresses(node: OrgNode) -> list[str]:
    """The unit administrators of a unit (authority officers of an authority), with an address."""
    role = Role.UNIT_ADMIN if node.kind == OrgKind.UNIT else Role.AUTHORITY_OFFICER
    return sorted(set(RoleGrant.objects.filter(node=node, role=role, user__is_active=True)
                      .exclude(user__email="").values_list("user__email", flat=True)))


def insurance_alerts_queue(*, today: datetime.date | None = None) -> int:
    """Daily: queue the expiry alert of each policy ending in 30 or 7 days, and one digest per unit with
    accepted sign-ups of the next days whose volunteer is not insured. The number of messages queued."""
    today = today or timezone.localdate()
    queued = 0
    for days in selectors.ALERT_DAYS:
        for policy in selectors.policies_ending(today + datetime.timedelta(days=days)):
            enqueue("operations.tasks.send_insurance_expiry_alert", policy.pk, days)
            queued += 1
    for unit_id in selectors.units_with_uninsured(today):
        enqueue("operations.tasks.send_uninsured_digest", unit_id, today.isoformat())
        queued += 1
    return queued


def insurance_expiry_alert_send(*, policy_id: int, days: int, task=None) -> bool:
    """E-mail the policy's administrators that it ends in `days` days: once per policy, end date and days."""
    policy = InsurancePolicy.objects.select_related("node").filter(pk=policy_id).first()
    if policy is None:
        return False
    to = _admin_addresses(policy.node)
    if not to:
        return False
    with translation.override(mail_language(None)):
        context = {"policy": policy, "days": days,
                   "link": site_link(reverse("operations:insurance_policy_detail", args=[policy.pk]))}
        key = f"insurance-expiry:{policy.pk}:{policy.ends_on}:{days}"
        return send_templated_mail("insurance_expiry", context, to, task=task, key=key)


def insurance_uninsured_digest_send(*, unit_id: int, day: str, task=None) -> bool:
    """One e-mail per unit and day listing accepted sign-ups of the coming days without insurance."""
    unit = OrgNode.objects.filter(pk=unit_id).first()
    if unit is None:
        return False
    today = datetime.date.fromisoformat(day)
    signups = selectors.units_with_uninsured(today).get(unit.pk, [])
    to = _admin_addresses(unit)
    if not signups or not to:
        return False
    with translation.override(mail_language(None)):
        context = {"unit": unit, "signups": signups, "day": today,
                   "link": site_link(reverse("operations:insurance_uninsured"))}
        return send_templated_mail("insurance_uninsured", context, to, task=task,
                                   key=f"insurance-uninsured:{unit.pk}:{today}")
