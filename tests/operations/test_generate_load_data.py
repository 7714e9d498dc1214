"""The load data generator at a tiny factor: counts, tree integrity, sign-up bookkeeping, valid IDs,
refusal / replace / delete."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from operations.identity import checksum_valid
from operations.management.commands.generate_load_data import WMG_CITIES, path_step
from operations.models import (
    Campaign,
    FilingStatus,
    Membership,
    OrgKind,
    OrgNode,
    Position,
    RoleGrant,
    ServicePlan,
    Shift,
    Signup,
    SignupStatus,
    User,
    Volunteer,
)

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the roll-up checked after each test)

FACTOR = 0.005
# max(1, round(full size × FACTOR))
CITY = {"units": 8, "teams": 15, "volunteers": 750}
WMG = {"venues": 1, "groups": 3, "volunteers": 60, "shifts": 100, "signups": 300}


def generate(**options) -> str:
    out = io.StringIO()
    call_command("generate_load_data", stdout=out, **{"scale": "all", "factor": FACTOR, "seed": 7, **options})
    return out.getvalue()


def subtree(code: str):
    node = OrgNode.objects.get(code=code)
    return node, OrgNode.objects.filter(path__startswith=node.path).exclude(pk=node.pk)


def load_volunteers(scale: str):
    return Volunteer.objects.filter(email__endswith=f"@{scale}.load.invalid")


def assert_tree_is_sound():
    assert OrgNode.find_problems() == ([], [], [], [], [])
    for node in OrgNode.objects.all():
        assert node.numchild == node.get_children().count(), node.code


def test_path_steps_follow_treebeard():
    assert path_step(1) == "00001"
    assert path_step(35) == "0000Z"
    assert path_step(36) == "00010"
    assert OrgNode._get_path("", 1, 1500) == path_step(1500)


@pytest.mark.django_db
def test_counts_and_tree_under_an_existing_root():
    gov = OrgNode.add_root(instance=OrgNode(kind=OrgKind.COMPETENT_AUTHORITY, code="taipei-gov", name="臺北市政府"))
    output = generate()
    assert "Total" in output and "sign-ups" in output

    gov.refresh_from_db()
    assert not OrgNode.objects.filter(code="load-root").exists()
    assert gov.numchild == 2

    city, city_nodes = subtree("load-city")
    assert city.get_parent() == gov
    assert city.kind == OrgKind.PURPOSE_AUTHORITY
    assert city.get_children().count() == CITY["units"]
    assert city.get_descendants().count() == CITY["units"] + CITY["teams"]
    assert city_nodes.filter(kind=OrgKind.UNIT).count() == CITY["units"]
    assert city_nodes.filter(kind=OrgKind.TEAM).count() == CITY["teams"]
    for team in city_nodes.filter(kind=OrgKind.TEAM):
        assert team.get_parent().kind == OrgKind.UNIT
        assert team.unit_ancestor() == team.get_parent()

    wmg, wmg_nodes = subtree("load-wmg")
    assert wmg.get_parent() == gov
    venues = wmg_nodes.filter(kind=OrgKind.UNIT)
    assert venues.count() == WMG["venues"]
    assert all(v.is_venue and v.city in WMG_CITIES for v in venues)
    assert wmg_nodes.filter(kind=OrgKind.TEAM).count() == WMG["groups"]
    assert sum(len(v.get_children()) for v in venues) == WMG["groups"]

    assert_tree_is_sound()

    assert load_volunteers("city").count() == CITY["volunteers"]
    assert load_volunteers("wmg").count() == WMG["volunteers"]
    assert Position.objects.filter(campaign__code="load-wmg-2025").count() == WMG["groups"]
    assert Shift.objects.count() == WMG["shifts"]
    assert Signup.objects.count() == WMG["signups"]
    assert RoleGrant.objects.filter(user__username__startswith="load-").count() == User.objects.filter(
        username__startswith="load-"
    ).count() > 0


@pytest.mark.django_db
def test_volunteers_have_valid_unique_ids_and_memberships():
    generate()
    numbers = list(Volunteer.objects.values_list("id_number", flat=True))
    assert len(numbers) == CITY["volunteers"] + WMG["volunteers"]
    assert len(set(numbers)) == len(numbers)
    assert all(checksum_valid(number) for number in numbers)

    _city, city_nodes = subtree("load-city")
    per_volunteer = load_volunteers("city").annotate(n=Count("memberships")).values_list("n", flat=True)
    assert set(per_volunteer) <= {1, 2} and 2 in set(per_volunteer)
    city_memberships = Membership.objects.filter(volunteer__in=load_volunteers("city"))
    assert not city_memberships.exclude(team__in=city_nodes.filter(kind=OrgKind.TEAM)).exists()
    assert not city_memberships.filter(left_on__lt=F("joined_on")).exists()
    assert set(load_volunteers("wmg").annotate(n=Count("memberships")).values_list("n", flat=True)) == {1}
    assert Volunteer.languages.through.objects.exists()
    assert Volunteer.skills.through.objects.exists()


@pytest.mark.django_db
def test_shift_accepted_count_matches_accepted_signups():
    generate()
    campaign = Campaign.objects.get(code="load-wmg-2025")
    assert campaign.service_plan.filing_status == FilingStatus.FILED
    shifts = Shift.objects.annotate(
        accepted=Count("signups", filter=Q(signups__status=SignupStatus.ACCEPTED))
    ).values_list("accepted", "accepted_count", "headcount")
    for accepted, accepted_count, headcount in shifts:
        assert accepted == accepted_count <= headcount
    assert not Shift.objects.filter(end_time__lte=F("start_time")).exists()
    statuses = Signup.objects.values_list("status", flat=True)
    assert list(statuses).count(SignupStatus.ACCEPTED) > len(statuses) / 2
    # every sign-up is by a WMG load volunteer for a shift of the campaign
    assert not Signup.objects.exclude(volunteer__in=load_volunteers("wmg")).exists()
    assert not Signup.objects.exclude(shift__position__campaign=campaign).exists()


@pytest.mark.django_db
def test_refuses_existing_load_data_and_replaces_it_with_the_same_data():
    generate()
    numbers = set(Volunteer.objects.values_list("id_number", flat=True))
    real = Volunteer.objects.create(
        id_type="national_id", id_number="A123456789", name="真實志工", sex="M", birth_date="1970-01-01"
    )
    with pytest.raises(CommandError, match="--replace"):
        generate(scale="wmg")

    generate(replace=True)
    assert Volunteer.objects.filter(pk=real.pk).exists()
    assert set(load_volunteers("city").values_list("id_number", flat=True)) | set(
        load_volunteers("wmg").values_list("id_number", flat=True)
    ) == numbers
    assert OrgNode.objects.filter(kind=OrgKind.PURPOSE_AUTHORITY).count() == 2
    assert Campaign.objects.count() == ServicePlan.objects.count() == 1
    assert Signup.objects.count() == WMG["signups"]
    assert_tree_is_sound()


@pytest.mark.django_db
def test_delete_removes_all_load_data():
    generate()
    assert OrgNode.objects.filter(code="load-root").exists()  # the tree was empty
    generate(scale="city", delete=True)
    assert not OrgNode.objects.filter(code="load-city").exists()
    assert not load_volunteers("city").exists()
    assert OrgNode.objects.filter(code="load-wmg").exists()
    assert_tree_is_sound()

    generate(delete=True)
    assert not OrgNode.objects.exists()
    assert not Volunteer.objects.exists()
    assert not Membership.objects.exists()
    assert not User.objects.filter(username__startswith="load-").exists()
    assert not Shift.objects.exists() and not Campaign.objects.exists()


@pytest.mark.django_db
def test_a_failure_leaves_no_half_written_scale(monkeypatch):
    from operations.management.commands import generate_load_data

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(generate_load_data.Command, "_plan_signups", staticmethod(fail))
    with pytest.raises(RuntimeError, match="disk full"):
        generate(scale="wmg")
    assert not OrgNode.objects.exists()
    assert not Volunteer.objects.exists()
    assert not User.objects.exists()
    assert not Campaign.objects.exists()
