"""Who may read which private file (operations/storage.py). Each selector returns the row whose file the
user may download, or raises the model's DoesNotExist — for a row that does not exist and for one outside
the user's scope alike, so that the serving view answers both with the same 404.

- Guardian consent: the volunteer themself, and staff who may decide on the volunteer's sign-ups in that
  campaign (`operations.signup.decide` over a sign-up of theirs in the campaign).
- Roster (group sign-up or team import): its uploader, and for a team import the staff who may change the
  team's memberships (`operations.membership.change` on the team).
- Volunteer photo: the volunteer themself and staff who see the volunteer (`operations.volunteer.view`).
- Certificates (service plan, unit application) are read through `plan_detail` / `application_detail`."""
from __future__ import annotations

from ..models import GuardianConsent, OrgNode, RosterImport, Signup, Volunteer
from ..rules import VERB_ROLES


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def consent_for_download(user, pk: int) -> GuardianConsent:
    consent = GuardianConsent.objects.select_related("volunteer", "campaign").exclude(file="").get(pk=pk)
    if not _signed_in(user):
        raise GuardianConsent.DoesNotExist
    if consent.volunteer.user_id == user.pk:
        return consent
    deciders = Signup.objects.visible_to(user, roles=VERB_ROLES["operations.signup.decide"])
    if deciders.filter(volunteer_id=consent.volunteer_id, shift__position__campaign_id=consent.campaign_id).exists():
        return consent
    raise GuardianConsent.DoesNotExist


def roster_for_download(user, pk: int) -> RosterImport:
    job = RosterImport.objects.select_related("team").exclude(file="").get(pk=pk)
    if not _signed_in(user):
        raise RosterImport.DoesNotExist
    if job.created_by_id == user.pk:
        return job
    if job.team_id is not None and OrgNode.objects.visible_to(
        user, roles=VERB_ROLES["operations.membership.change"]
    ).filter(pk=job.team_id).exists():
        return job
    raise RosterImport.DoesNotExist


def volunteer_photo_for_download(user, pk: int) -> Volunteer:
    volunteer = Volunteer.objects.exclude(photo="").get(pk=pk)
    if not _signed_in(user):
        raise Volunteer.DoesNotExist
    if volunteer.user_id == user.pk:
        return volunteer
    if Volunteer.objects.visible_to(user, roles=VERB_ROLES["operations.volunteer.view"]).filter(pk=pk).exists():
        return volunteer
    raise Volunteer.DoesNotExist


def consents_by_volunteer(*, campaign_id: int, volunteer_ids) -> dict[int, int]:
    """volunteer id → id of their guardian consent for the campaign (for links on a shift's sign-up list,
    shown to those who may decide on the sign-ups)."""
    return dict(GuardianConsent.objects.filter(campaign_id=campaign_id, volunteer_id__in=list(volunteer_ids))
                .exclude(file="").values_list("volunteer_id", "pk"))
