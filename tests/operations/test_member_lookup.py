"""Finding a volunteer who registered without a team: exact identity number AND date of birth, recorded,
and never telling whether a number exists when the date of birth does not match."""
from __future__ import annotations

import datetime

import pytest

from operations.models import AuditAction, AuditEvent, Membership, Sex, SignupStatus, Volunteer
from operations.selectors.people import volunteer_list
from operations.services.people import LOOKUP_LIMIT_PER_HOUR
from tests.factories.operations import (
    CampaignFactory,
    PositionFactory,
    ShiftFactory,
    SignupFactory,
    VolunteerFactory,
    unique_national_id,
)

pytestmark = pytest.mark.django_db

BORN = datetime.date(1995, 4, 1)


@pytest.fixture
def walk_in(org):
    """Somebody who registered on the website: no team, so no unit sees them."""
    return VolunteerFactory(name="網站註冊者", id_number=unique_national_id(sex=Sex.FEMALE, letter="Q"),
                            sex=Sex.FEMALE, birth_date=BORN)


def _find(client, team, number, born):
    return client.post(f"/en/backoffice/teams/{team.pk}/members/find/",
                       {"find-id_number": number, "find-birth_date": born.isoformat()})


def test_search_does_not_find_them_but_the_exact_pair_does_and_adds_them(org, login, walk_in):
    client = login(org.admin_a)
    assert not volunteer_list(org.admin_a).filter(pk=walk_in.pk).exists()
    page = client.get(f"/en/backoffice/teams/{org.team_a.pk}/members/add/", {"q": walk_in.id_number[:6]})
    assert walk_in.name not in page.content.decode()

    response = _find(client, org.team_a, walk_in.id_number.lower(), BORN)
    assert response.status_code == 200
    assert response.context["found"] == walk_in
    text = response.content.decode()
    assert walk_in.name in text and walk_in.id_number not in text  # the number stays masked
    token = response.context["lookup_token"]

    added = client.post(f"/en/backoffice/teams/{org.team_a.pk}/members/add/", {
        "volunteer_id": walk_in.pk, "lookup": token, "team": org.team_a.pk, "cadre_role": "member",
        "joined_on": datetime.date.today().isoformat()})
    assert added.status_code == 302
    assert Membership.objects.filter(volunteer=walk_in, team=org.team_a, left_on__isnull=True).exists()
    assert volunteer_list(org.admin_a).filter(pk=walk_in.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.VOLUNTEER_LOOKUP)
    assert event.actor == org.admin_a and event.node == org.team_a
    assert event.changes == {"id_number": walk_in.masked_id, "found": True}


def test_a_wrong_birth_date_answers_exactly_like_an_unknown_number(org, login, walk_in):
    client = login(org.admin_a)
    wrong_date = _find(client, org.team_a, walk_in.id_number, BORN + datetime.timedelta(days=1))
    unknown = _find(client, org.team_a, unique_national_id(sex=Sex.MALE, letter="Z"), BORN)
    assert wrong_date.status_code == unknown.status_code == 400
    assert wrong_date.context.get("found") is None and unknown.context.get("found") is None
    errors = [r.context["lookup_form"].non_field_errors() for r in (wrong_date, unknown)]
    assert errors[0] == errors[1] and "No registered volunteer" in errors[0][0]
    # both look-ups are recorded, neither names anybody
    events = AuditEvent.objects.filter(action=AuditAction.VOLUNTEER_LOOKUP)
    assert events.count() == 2 and all(e.object_id == "" and e.changes["found"] is False for e in events)


def test_a_malformed_number_is_refused_with_a_message_and_not_looked_up(org, login, walk_in):
    response = _find(login(org.admin_a), org.team_a, "A12345", BORN)
    assert response.status_code == 400
    assert "not a valid identity number" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.VOLUNTEER_LOOKUP).exists()


def test_the_confirmation_token_is_the_finders_for_that_team_only(org, login, walk_in):
    token = _find(login(org.admin_a), org.team_a, walk_in.id_number, BORN).context["lookup_token"]
    form = {"volunteer_id": walk_in.pk, "lookup": token, "cadre_role": "member",
            "joined_on": datetime.date.today().isoformat()}
    # another team manager of the same team cannot use it
    other = login(org.leader_a).post(f"/en/backoffice/teams/{org.team_a.pk}/members/add/",
                                     {**form, "team": org.team_a.pk})
    assert other.status_code == 200 and "Choose a volunteer" in other.content.decode()
    # nor can the finder use it for another team, or for somebody else
    client = login(org.admin_a)
    sub = client.post(f"/en/backoffice/teams/{org.sub_a.pk}/members/add/", {**form, "team": org.sub_a.pk})
    assert sub.status_code == 200
    swapped = client.post(f"/en/backoffice/teams/{org.team_a.pk}/members/add/",
                          {**form, "volunteer_id": org.vol_c.pk, "team": org.team_a.pk})
    assert swapped.status_code == 200
    assert not Membership.objects.filter(volunteer__in=[walk_in, org.vol_c], team__in=[org.team_a, org.sub_a]).exists()


def test_look_ups_are_limited_per_hour(org, login, walk_in):
    client = login(org.admin_a)
    for _ in range(LOOKUP_LIMIT_PER_HOUR):
        _find(client, org.team_a, unique_national_id(sex=Sex.MALE, letter="Z"), BORN)
    response = _find(client, org.team_a, walk_in.id_number, BORN)
    assert response.status_code == 400 and response.context.get("found") is None
    assert "Try again later" in response.content.decode()


def test_creating_an_already_registered_person_offers_the_look_up(org, login, walk_in):
    response = login(org.admin_a).post("/en/backoffice/volunteers/new/", {
        "team": org.team_a.pk, "id_type": walk_in.id_type, "id_number": walk_in.id_number, "name": "重複者",
        "sex": Sex.FEMALE, "birth_date": BORN.isoformat(), "phone": "0911000111"})
    assert response.status_code == 200
    text = response.content.decode()
    assert f"/backoffice/teams/{org.team_a.pk}/members/add/#lookup-heading" in text
    assert Volunteer.objects.filter(id_number=walk_in.id_number).count() == 1


def test_people_who_signed_up_at_a_units_position_are_in_its_scope(org):
    applicant = VolunteerFactory(name="報名者")
    campaign = CampaignFactory(unit=org.wmg)
    shift = ShiftFactory(position=PositionFactory(campaign=campaign, venue=org.unit_a, team=org.team_a))
    SignupFactory(shift=shift, volunteer=applicant, status=SignupStatus.APPLIED)
    for user_key, sees in {"admin_a": True, "leader_a": True, "officer_wmg": True, "admin_b": False,
                           "subleader_a": False}.items():
        user = org.users[user_key]
        assert volunteer_list(user).filter(pk=applicant.pk).exists() is sees, user_key
        assert user.has_perm("operations.volunteer.view", applicant) is sees, user_key
