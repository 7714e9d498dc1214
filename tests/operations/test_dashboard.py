"""The back-office home, "what waits for me": every figure is right for every role, and each one is the
length of the list it links to."""
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from operations.models import Attendance, CampaignStatus, SignupStatus
from tests.conftest import GRANTS
from tests.factories.operations import CampaignFactory, PositionFactory, ShiftFactory, SignupFactory

pytestmark = pytest.mark.django_db

STAFF = [key for key, grants in GRANTS.items() if grants]


@pytest.fixture
def wmg(org):
    """The organising committee's open campaign, with positions at venue A (team A) and venue B (team B):
    shifts in the coming week, one of them full, sign-ups to decide, and a past shift where a volunteer
    checked in and never checked out."""
    today = timezone.localdate()
    campaign = CampaignFactory(unit=org.wmg, status=CampaignStatus.OPEN, starts_on=today,
                               ends_on=today + datetime.timedelta(days=30))
    pos_a = PositionFactory(campaign=campaign, venue=org.unit_a, team=org.team_a)
    pos_b = PositionFactory(campaign=campaign, venue=org.unit_b, team=org.team_b)
    soon_a = ShiftFactory(position=pos_a, date=today + datetime.timedelta(days=2), headcount=2)
    full_a = ShiftFactory(position=pos_a, date=today + datetime.timedelta(days=3), headcount=1)
    later_a = ShiftFactory(position=pos_a, date=today + datetime.timedelta(days=20), headcount=3)
    soon_b = ShiftFactory(position=pos_b, date=today + datetime.timedelta(days=1), headcount=2)
    past_a = ShiftFactory(position=pos_a, date=today - datetime.timedelta(days=1), headcount=2)
    SignupFactory(shift=full_a, volunteer=org.vol_a, status=SignupStatus.ACCEPTED)
    SignupFactory(shift=soon_a, volunteer=org.vol_sub_a, status=SignupStatus.APPLIED)
    SignupFactory(shift=later_a, volunteer=org.vol_a, status=SignupStatus.APPLIED)
    SignupFactory(shift=soon_b, volunteer=org.vol_b, status=SignupStatus.WAITLISTED)
    done = SignupFactory(shift=past_a, volunteer=org.vol_a, status=SignupStatus.ACCEPTED)
    Attendance.objects.create(signup=done, shift=past_a, volunteer=org.vol_a,
                              check_in_at=timezone.now() - datetime.timedelta(days=1))
    return campaign


# user → (open campaigns, sign-ups to review, shifts with free seats, shifts with undecided, forgotten check-outs)
# None: the user may not act on that kind of work, so the figure is not shown at all.
EXPECTED = {
    "sysadmin": (1, 2, 2, 2, 1),
    "officer_root": (1, 2, 2, 2, 1),
    "officer_wmg": (1, 2, 2, 2, 1),
    "admin_a": (1, 2, 1, 1, 1),
    "leader_a": (1, 2, 1, 1, 1),
    "subleader_a": (0, None, 0, None, 0),
    "admin_b": (1, 0, 1, 1, 0),
}


@pytest.mark.parametrize("user_key", STAFF)
def test_every_figure_is_right_for_every_role(org, wmg, login, user_key):
    client = login(org.users[user_key])
    response = client.get("/en/backoffice/")
    assert response.status_code == 200
    campaigns, review, free, undecided, checkouts = EXPECTED[user_key]
    # a venue's administrator sees the organising committee's open campaign through the venue's positions
    assert response.context["counts"]["open_campaigns"] == campaigns
    items = {item["key"]: item for item in response.context["work_items"]}
    expected = {"signups_to_review": review, "shifts_with_free_seats": free, "shifts_with_undecided": undecided,
                "missing_checkouts": checkouts}
    for key, count in expected.items():
        if count is None:
            assert key not in items, key
            continue
        assert items[key]["count"] == count, key
        # the figure is the length of the list it links to
        listed = client.get(items[key]["url"])
        assert listed.status_code == 200, key
        assert listed.context["filter"].qs.count() == count, key
    # only authorities review unit applications
    assert ("applications_waiting" in items) == (user_key in {"sysadmin", "officer_root", "officer_wmg"})


def test_campaign_fill_counts_the_seats_in_my_part(org, wmg, login):
    response = login(org.admin_a).get("/en/backoffice/")
    (row,) = response.context["campaigns"]
    assert row["campaign"] == wmg
    # venue A's shifts: 2 + 1 + 3 + 2 seats, 2 accepted
    assert (row["needed"], row["taken"], row["percent"]) == (8, 2, 25)
    text = response.content.decode()
    assert "What waits for me" in text and wmg.title_en in text


def test_dashboard_in_chinese_names_the_work(org, wmg, login):
    text = login(org.admin_a).get("/backoffice/").content.decode()
    assert "我的待辦" in text and "待審核的報名" in text and "未來 7 天尚有名額的班次" in text


def test_nothing_waiting_says_so(org, login):
    response = login(org.subleader_a).get("/en/backoffice/")
    assert all(item["count"] == 0 for item in response.context["work_items"])


# A record-book batch submitted by unit A's administrator waits at unit A's step: only its other administrator
# (the case officer) has it in their queue; the submitter never does, nor the authorities before their step (the
# competent authority may act at an authority step above its part), nor a system administrator (who runs the
# system, not the chain); leaders decide no reviews, so the figure is not shown to them.
REVIEWS_WAITING = {"sysadmin": 0, "officer_root": 0, "officer_wmg": 0, "admin_a": 0, "case_officer_a": 1,
                   "leader_a": None, "subleader_a": None, "admin_b": 0}


def test_reviews_in_my_queue_for_every_role(org, login):
    from operations.models import Role, RoleGrant
    from operations.services import records
    from tests.factories import UserFactory

    from .test_reviews_services import ready

    case_officer = UserFactory(username="case_officer_a")
    RoleGrant.objects.create(user=case_officer, node=org.unit_a, role=Role.UNIT_ADMIN)
    records.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[ready(org.vol_a)])
    users = {**org.users, "case_officer_a": case_officer}
    for user_key, expected in REVIEWS_WAITING.items():
        client = login(users[user_key])
        items = {item["key"]: item for item in client.get("/en/backoffice/").context["work_items"]}
        if expected is None:
            assert "reviews_waiting" not in items, user_key
            continue
        assert items["reviews_waiting"]["count"] == expected, user_key
        # the figure is the length of the queue it links to
        queue = client.get(items["reviews_waiting"]["url"])
        assert queue.status_code == 200, user_key
        assert len(queue.context["reviews"]) == expected, user_key
