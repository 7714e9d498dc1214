"""Recruitment management in the back-office: campaigns (gated by a filed service plan), positions,
bulk shift generation from a pattern, and bulk decisions on sign-ups. Seats are only ever taken
through `services.signups`, so the no-overbooking invariant documented there holds."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..localised import join_list
from ..models import (
    Campaign,
    CampaignStatus,
    FilingStatus,
    OrgKind,
    OrgNode,
    Position,
    ServicePlan,
    Shift,
    Signup,
    SignupStatus,
)
from ..roles import UNIT_MANAGERS
from ..selectors import signup_rules
from ..selectors.recruitment import invalidate_recruitment_progress
from .audit import audit_record
from .seats import seat_transition
from .signups import signup_decide

MAX_GENERATED_SHIFTS = 5000
MAX_PATTERN_DAYS = 366


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _manages_node(user, node: OrgNode) -> bool:
    return OrgNode.objects.visible_to(user, roles=UNIT_MANAGERS).filter(pk=node.pk).exists()


# --- campaigns -------------------------------------------------------------------------------------

def campaign_open_errors(*, campaign: Campaign) -> list[str]:
    """Why `campaign` may not be open (志願服務法 Art.6–7: recruitment publishes a filed plan)."""
    plan: ServicePlan | None = campaign.service_plan
    if plan is None:
        return [_("A campaign can only open with a service plan. Link a filed service plan first.")]
    errors = []
    if plan.filing_status != FilingStatus.FILED:
        errors.append(
            _("The service plan “%(plan)s” has not been filed yet; the campaign cannot open.") % {"plan": plan.title}
        )
    if campaign.starts_on < plan.starts_on or campaign.ends_on > plan.ends_on:
        errors.append(
            _("The campaign's service period (%(start)s – %(end)s) lies outside the plan's period "
              "(%(plan_start)s – %(plan_end)s).")
            % {"start": campaign.starts_on, "end": campaign.ends_on, "plan_start": plan.starts_on, "plan_end": plan.ends_on}
        )
    return errors


def _validate_campaign(campaign: Campaign) -> None:
    errors: dict[str, list[str]] = {}
    if campaign.ends_on < campaign.starts_on:
        errors.setdefault("ends_on", []).append(_("The service period ends before it starts."))
    if campaign.min_age is not None and campaign.max_age is not None and campaign.max_age < campaign.min_age:
        errors.setdefault("max_age", []).append(_("The maximum age is below the minimum age."))
    if campaign.signup_opens_at and campaign.signup_closes_at and campaign.signup_closes_at <= campaign.signup_opens_at:
        errors.setdefault("signup_closes_at", []).append(_("Sign-up closes before it opens."))
    if campaign.service_plan_id and campaign.service_plan.unit_id != campaign.unit_id:
        plan_unit = campaign.service_plan.unit
        if not campaign.unit.path.startswith(plan_unit.path) and not plan_unit.path.startswith(campaign.unit.path):
            errors.setdefault("service_plan", []).append(_("The service plan belongs to another organisation."))
    if errors:
        raise ValidationError(errors)
    if campaign.status == CampaignStatus.OPEN:
        problems = campaign_open_errors(campaign=campaign)
        if problems:
            raise ValidationError({"status": problems})


@transaction.atomic
def campaign_create(*, actor, unit: OrgNode, **fields) -> Campaign:
    _require(_manages_node(actor, unit), _("You cannot create campaigns for this organisation."))
    campaign = Campaign(unit=unit, **fields)
    _validate_campaign(campaign)
    campaign.save()
    audit_record(actor=actor, action="created", node=unit, obj=campaign)
    transaction.on_commit(invalidate_recruitment_progress)
    return campaign


@transaction.atomic
def campaign_update(*, actor, campaign: Campaign, **fields) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _require(actor.has_perm("operations.campaign.change", campaign), _("You cannot change this campaign."))
    changes = {}
    for name, value in fields.items():
        old = getattr(campaign, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(campaign, name, value)
    _validate_campaign(campaign)
    campaign.save()
    if changes:
        audit_record(actor=actor, action="updated", node=campaign.unit, obj=campaign, changes=changes)
    transaction.on_commit(invalidate_recruitment_progress)
    return campaign


# --- positions -------------------------------------------------------------------------------------

def position_may_create(*, actor, campaign: Campaign, venue: OrgNode | None) -> bool:
    if actor.has_perm("operations.campaign.change", campaign):
        return True
    return venue is not None and _manages_node(actor, venue)


@transaction.atomic
def position_create(*, actor, campaign: Campaign, venue: OrgNode | None, team: OrgNode | None, title: str,
                    title_en: str = "", description: str = "", languages=(), skills=(),
                    volunteers_needed: int | None = None) -> Position:
    errors = {}
    if venue is not None and venue.kind != OrgKind.UNIT:
        errors["venue"] = [_("Choose a unit or venue.")]
    if team is not None:
        if team.kind not in (OrgKind.TEAM, OrgKind.SUBTEAM):
            errors["team"] = [_("Choose a team (service group).")]
        elif venue is not None and not team.path.startswith(venue.path):
            errors["team"] = [_("The service group must belong to the chosen venue.")]
    if not title.strip():
        errors["title"] = [_("Give the position a title.")]
    if errors:
        raise ValidationError(errors)
    _require(position_may_create(actor=actor, campaign=campaign, venue=venue),
             _("You cannot add positions to this campaign."))
    if team is not None:
        _require(_manages_node(actor, team) or actor.has_perm("operations.campaign.change", campaign),
                 _("You cannot add positions to this campaign."))
    position = Position.objects.create(campaign=campaign, venue=venue, team=team, title=title.strip(),
                                       title_en=title_en.strip(), description=description,
                                       volunteers_needed=volunteers_needed)
    position.required_languages.set(languages)
    position.required_skills.set(skills)
    audit_record(actor=actor, action="created", node=team or venue or campaign.unit, obj=position)
    transaction.on_commit(invalidate_recruitment_progress)  # the target counts in the recruitment figures
    return position


# --- bulk shift generation -------------------------------------------------------------------------

@dataclass(frozen=True)
class ShiftSlot:
    name: str
    start: datetime.time
    end: datetime.time
    headcount: int


@dataclass(frozen=True)
class PlannedShift:
    date: datetime.date
    name: str
    start: datetime.time
    end: datetime.time
    headcount: int


def _slot_label(slot: ShiftSlot) -> str:
    return f"{slot.name} {slot.start:%H:%M}–{slot.end:%H:%M}"


def shift_pattern_plan(*, position: Position, date_from: datetime.date, date_to: datetime.date,
                       slots: list[ShiftSlot], weekdays: set[int] | None = None) -> list[PlannedShift]:
    """The shifts a pattern makes (date range × slots), or a ValidationError listing every problem:
    inverted dates or times, negative headcounts, overlapping slots, clashes with existing shifts of the
    position, patterns outside the campaign's service period, or too many shifts at once."""
    errors: list[str] = []
    if date_to < date_from:
        errors.append(_("The date range ends (%(end)s) before it starts (%(start)s).") % {"end": date_to, "start": date_from})
    elif (date_to - date_from).days + 1 > MAX_PATTERN_DAYS:
        errors.append(_("A pattern may cover at most %(n)s days.") % {"n": MAX_PATTERN_DAYS})
    if not slots:
        errors.append(_("Add at least one shift (name, start, end and headcount)."))
    for slot in slots:
        if not slot.name.strip():
            errors.append(_("Every shift needs a name (for example “Morning”)."))
        if slot.end <= slot.start:
            errors.append(_("The shift %(shift)s ends before it starts.") % {"shift": _slot_label(slot)})
        if slot.headcount < 0:
            errors.append(_("The headcount of %(shift)s cannot be below zero.") % {"shift": _slot_label(slot)})
    for i, a in enumerate(slots):
        for b in slots[i + 1:]:
            if a.start < b.end and b.start < a.end and a.end > a.start and b.end > b.start:
                errors.append(_("The shifts %(a)s and %(b)s overlap.") % {"a": _slot_label(a), "b": _slot_label(b)})
    campaign = position.campaign
    if not errors and (date_from < campaign.starts_on or date_to > campaign.ends_on):
        errors.append(
            _("The dates must lie within the campaign's service period (%(start)s – %(end)s).")
            % {"start": campaign.starts_on, "end": campaign.ends_on}
        )
    if errors:
        raise ValidationError(errors)
    planned = []
    day = date_from
    while day <= date_to:
        if not weekdays or day.weekday() in weekdays:
            for slot in sorted(slots, key=lambda s: s.start):
                planned.append(PlannedShift(day, slot.name.strip(), slot.start, slot.end, slot.headcount))
        day += datetime.timedelta(days=1)
    if not planned:
        raise ValidationError(_("No day in this range matches the chosen weekdays."))
    if len(planned) > MAX_GENERATED_SHIFTS:
        raise ValidationError(_("This pattern makes %(n)s shifts; at most %(max)s can be generated at once.")
                              % {"n": len(planned), "max": MAX_GENERATED_SHIFTS})
    existing = Shift.objects.filter(position=position, date__gte=date_from, date__lte=date_to).only(
        "date", "start_time", "end_time", "name"
    )
    by_day: dict[datetime.date, list[Shift]] = {}
    for shift in existing:
        by_day.setdefault(shift.date, []).append(shift)
    clashes = []
    for plan in planned:
        for shift in by_day.get(plan.date, ()):
            if plan.start < shift.end_time and shift.start_time < plan.end:
                clashes.append(str(shift))
    if clashes:
        shown = join_list(sorted(set(clashes))[:5])
        raise ValidationError(
            _("%(n)s planned shifts overlap shifts this position already has (%(shifts)s). Change the pattern "
              "or the dates; nothing was created.") % {"n": len(clashes), "shifts": shown}
        )
    return planned


@transaction.atomic
def shifts_generate(*, actor, position: Position, date_from: datetime.date, date_to: datetime.date,
                    slots: list[ShiftSlot], weekdays: set[int] | None = None) -> list[Shift]:
    """Create every shift of the pattern, or none."""
    position = Position.objects.select_for_update().select_related("campaign").get(pk=position.pk)
    _require(actor.has_perm("operations.position.change", position), _("You cannot add shifts to this position."))
    planned = shift_pattern_plan(position=position, date_from=date_from, date_to=date_to, slots=slots, weekdays=weekdays)
    shifts = Shift.objects.bulk_create(
        [Shift(position=position, date=p.date, start_time=p.start, end_time=p.end, name=p.name, headcount=p.headcount)
         for p in planned],
        batch_size=1000,
    )
    audit_record(
        actor=actor, action="created", node=position.team or position.venue or position.campaign.unit, obj=position,
        changes={"shifts_generated": len(shifts), "from": date_from.isoformat(), "to": date_to.isoformat(),
                 "slots": [[s.name, s.start.strftime("%H:%M"), s.end.strftime("%H:%M"), s.headcount] for s in slots]},
    )
    transaction.on_commit(invalidate_recruitment_progress)
    return shifts


# --- decisions -------------------------------------------------------------------------------------

@transaction.atomic
def signups_decide_bulk(*, actor, signups: list[Signup], decision: str, reason: str = "") -> list[Signup]:
    """Apply one decision to several sign-ups: all of them or, when any one fails (a full shift, a
    missing reason, a sign-up that is no longer active), none; the error names the volunteer."""
    if not signups:
        raise ValidationError(_("Select at least one sign-up."))
    if decision not in (SignupStatus.ACCEPTED, SignupStatus.WAITLISTED, SignupStatus.REJECTED):
        raise ValidationError(_("Unknown decision."))
    if decision == SignupStatus.REJECTED and not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the rejection.")})
    done = []
    errors = []
    for signup in sorted(signups, key=lambda s: (s.created_at, s.pk)):
        try:
            with transaction.atomic():
                done.append(signup_decide(signup=signup, actor=actor, decision=decision, reason=reason))
        except ValidationError as exc:
            errors.extend(f"{signup.volunteer.name}（{signup.shift}）：{message}" for message in exc.messages)
    if errors:
        raise ValidationError(errors)  # leaving the atomic block with an error undoes the decisions made so far
    return done


# --- matching --------------------------------------------------------------------------------------

@seat_transition
def match_assign(*, actor, shift: Shift, volunteer, reason: str = "") -> Signup:
    """Assign a suggested volunteer to a shift in one click: an application decided as accepted by
    `signup_decide`, which takes the seat atomically (a full shift refuses and nothing is kept)."""
    from ..models import Volunteer
    from ..roles import TEAM_MANAGERS
    from .signups import SIGNUP_TRANSITIONS, lock_shift

    shift = Shift.objects.select_related("position__campaign").get(pk=shift.pk)
    _require(actor.has_perm("operations.signup.decide", shift), _("You cannot assign volunteers to this shift."))
    if not Volunteer.objects.visible_to(actor, roles=TEAM_MANAGERS).filter(pk=volunteer.pk).exists():
        raise PermissionDenied(_("This volunteer is outside your part of the organisation."))
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    errors = []
    if shift.free_seats <= 0:
        errors.append(ValidationError(_("The shift is full. Waitlist the volunteer or raise the headcount."),
                                      code="full"))
    # The rule book as the suggested matches apply it: no sign-up window for staff, and any active sign-up
    # at that time (this shift's included) refuses; one message says the volunteer is busy then.
    context = signup_rules.SignupContext(overlap=signup_rules.OVERLAP_ACTIVE)
    problems = signup_rules.signup_check(volunteer, shift, context=context, skip=(signup_rules.check_window,))
    busy = [p for p in problems if p.code in (signup_rules.ALREADY_SIGNED_UP, signup_rules.OVERLAP)]
    problems = [p for p in problems if p not in busy or p is busy[0]]
    errors += signup_rules.refusal(problems, voice=signup_rules.STAFF_VOICE).error_list if problems else []
    if errors:
        raise ValidationError(errors)
    # The same order as every sign-up transition: the shift, then the (re-read) sign-up of this person.
    lock_shift(shift.pk)
    signup = Signup.objects.select_for_update(of=("self",)).filter(volunteer=volunteer, shift=shift).first()
    step = SIGNUP_TRANSITIONS.step("assign", signup.status if signup is not None else None)
    if signup is None:
        signup = Signup.objects.create(volunteer=volunteer, shift=shift, status=step.target,
                                       note=_("Assigned by staff"))
    elif step.changed:
        signup.status = step.target
        signup.cancelled_at = None
        signup.decision_reason = ""
        signup.save()
    return signup_decide(signup=signup, actor=actor, decision=SignupStatus.ACCEPTED,
                         reason=reason or _("Assigned from the suggested matches"))
