"""The one scope. For users at every level and every scoped model:

* `Model.objects.visible_to(user, roles)` is exactly the rows whose organisation node lies at or below
  one of the user's grants with those roles (an oracle computed here from the tree, independent of
  `scope_q`), everything for unrestricted staff;
* `user.has_perm(perm, obj)` equals `obj in Model.objects.visible_to(user, roles=VERB_ROLES[perm])`;

and, over HTTP, a unit admin cannot reach another unit's volunteer by URL, filter, export or API, with a
404 that looks exactly like the 404 of an id that does not exist."""
from __future__ import annotations

import datetime
import io
import itertools

import pytest
import tablib
from django.apps import apps
from django.db.models import Model

from operations.models import (
    AuditAction,
    AuditEvent,
    Campaign,
    Membership,
    OrgNode,
    Position,
    Role,
    ServicePlan,
    Shift,
    Signup,
    SignupStatus,
    Volunteer,
)
from operations.rules import VERB_ROLES
from operations.scoping import hashed_reach, wide_scope
from operations.services.organisations import orgnode_close
from tests.conftest import GRANTS, fresh
from tests.factories import (
    AuditEventFactory,
    CampaignFactory,
    MembershipFactory,
    PositionFactory,
    ServicePlanFactory,
    ShiftFactory,
    SignupFactory,
    VolunteerFactory,
)

# Every model of the app with a `visible_to()` is scoped; the ones below at least (issue #2).
SCOPED_MODELS = [m for m in apps.get_app_config("operations").get_models() if hasattr(m._default_manager, "visible_to")]
FOUNDATION_MODELS = {OrgNode, Volunteer, Membership, AuditEvent, ServicePlan, Campaign, Position, Shift, Signup}


def nodes_of(obj: Model) -> list[OrgNode]:
    """The organisation nodes an object belongs to, read from the domain (not from scope_q). A scoped
    model added to the app must be added here and to the `rows` fixture."""
    name = obj._meta.model_name
    if name == "orgnode":
        return [obj]
    if name == "volunteer":
        # current and former members (units keep their service files), and the people who signed up for a
        # shift of a position there (they came to the unit through recruitment)
        return [m.team for m in obj.memberships.all()] + [
            node for signup in obj.signups.all() for node in nodes_of(signup.shift.position)]
    if name == "membership":
        return [obj.team]
    if name == "auditevent":
        return [obj.node] if obj.node else []
    if name in ("serviceplan", "campaign", "servicerecord", "servicehoursmonth"):  # the roll-up: its unit
        return [obj.unit]
    if name == "position":
        # a WMG position belongs to the organiser's campaign, to its venue and to the team that staffs it
        return [node for node in (obj.campaign.unit, obj.venue, obj.team) if node is not None]
    if name in ("shift",):
        return nodes_of(obj.position)
    if name in ("signup", "attendance"):
        return nodes_of(obj.shift.position)
    if name == "insurancepolicy":
        return [obj.node]
    if name == "insurancecover":  # a cover belongs to its policy's organisation
        return [obj.policy.node]
    if name == "course":
        return [obj.organiser]
    if name == "trainingsession":
        return [obj.host]
    if name == "enrolment":
        return [obj.session.host]
    if name == "trainingcertificate":  # the volunteer's: visible to whoever sees the volunteer
        return nodes_of(obj.volunteer)
    if name == "privacyrequest":  # answered by the competent authority; without one only the unrestricted see it
        return [obj.node] if obj.node else []
    if name == "user":  # an account belongs where it holds its roles (系統管理 › 帳號)
        return [grant.node for grant in obj.grants.all()]
    if name in ("language", "skill", "servicecategory", "cityarea", "district"):  # code tables belong to
        # no organisation: only the unrestricted edit them
        return []
    if name in ("awardreceipt", "recordbook", "recordbookbatchentry", "serviceid"):  # follow their volunteer
        return nodes_of(obj.volunteer)
    if name in ("awardnomination", "recordbookbatch", "certificateapplication"):  # the unit that applies
        return [obj.unit]
    if name == "review":  # a review belongs to its form's unit
        return [obj.node]
    if name == "periodreport":  # a half-year or annual report is its unit's
        return [obj.unit]
    if name == "unitapplication":  # addressed to an authority; without one only the root's officers see it
        return [obj.purpose_authority] if obj.purpose_authority else []
    raise AssertionError(f"{obj._meta.label} is scoped: say here which nodes its rows belong to")


def expected_visible(org, user_key: str, model, roles) -> set:
    """Oracle: a grant covers its node and everything below; a system administrator, or any grant on a
    root authority, covers everything (also rows with no node, such as a volunteer in no team yet)."""
    grants = [(role, org.nodes[key]) for role, key in GRANTS[user_key] if roles is None or role in roles]
    objects = set(model.objects.all())
    if any(role == Role.SYSTEM_ADMIN or node.is_root() for role, node in grants):
        return objects
    return {
        obj for obj in objects
        if any(node.path.startswith(granted.path) for node in nodes_of(obj) for _role, granted in grants)
    }


@pytest.fixture
def rows(org):
    """A few rows of every scoped model inside and outside each part of the tree."""
    r = {}
    r["vol_no_team"] = VolunteerFactory(name="未分隊志工")
    r["vol_left_b"] = VolunteerFactory(name="乙隊離隊志工")
    MembershipFactory(volunteer=r["vol_left_b"], team=org.team_b, joined_on=datetime.date(2022, 1, 1),
                      left_on=datetime.date(2024, 3, 1), leave_reason="搬家")
    r["vol_a_and_b"] = VolunteerFactory(name="甲乙兩隊志工", team=org.sub_a)
    MembershipFactory(volunteer=r["vol_a_and_b"], team=org.team_b, joined_on=datetime.date(2024, 2, 1))

    for key in ("unit_a", "unit_b", "unit_c"):
        ServicePlanFactory(unit=org.nodes[key])
    signup_volunteers = itertools.cycle(org.volunteers.values())
    campaigns = {key: CampaignFactory(unit=org.nodes[key]) for key in ("unit_a", "unit_b", "unit_c", "wmg")}
    # (organiser of the campaign, venue, service-group team)
    for organiser, venue, team in (("unit_a", "unit_a", "sub_a"), ("unit_b", None, "team_b"), ("unit_c", "unit_c", None),
                                   ("wmg", "unit_b", "team_b"), ("wmg", "unit_a", None), ("wmg", None, None)):
        position = PositionFactory(campaign=campaigns[organiser], venue=org.nodes.get(venue),
                                   team=org.nodes.get(team))
        for hour in (8, 13):
            shift = ShiftFactory(position=position, start_time=datetime.time(hour), end_time=datetime.time(hour + 4))
            SignupFactory(shift=shift, volunteer=next(signup_volunteers), status=SignupStatus.ACCEPTED)
    for key, node in org.nodes.items():
        AuditEventFactory(node=node, action=AuditAction.EXPORTED, reason=f"audit at {key}")
    AuditEventFactory(node=None, action=AuditAction.LOGIN_FAILED)

    # models added by later issues (no factories yet)
    models = {m._meta.model_name: m for m in SCOPED_MODELS}
    if "attendance" in models:
        for signup in Signup.objects.all():
            models["attendance"].objects.create(signup=signup, shift=signup.shift, volunteer=signup.volunteer)
    if "servicerecord" in models:
        for key, volunteer in (("unit_a", org.vol_a), ("unit_b", org.vol_b), ("unit_c", org.vol_c)):
            models["servicerecord"].objects.create(volunteer=volunteer, unit=org.nodes[key], date=datetime.date(2025, 5, 17),
                                                   content="場館引導", minutes=240, hours=4)
    if "unitapplication" in models:
        for i, authority in enumerate((org.wmg, org.root, None)):
            models["unitapplication"].objects.create(
                reference=f"UA-TEST-{i}", organisation_name=f"申請單位{i}", category="social_welfare",
                registration_type="agency", purpose_authority=authority, city="taipei", address="市府路1號",
                contact_person="申請人", contact_phone="02-1234-5678", contact_email=f"apply{i}@example.org",
            )
    if "insurancepolicy" in models:
        for key in ("unit_a", "unit_b", "unit_c", "wmg"):
            policy = models["insurancepolicy"].objects.create(
                node=org.nodes[key], insurer="國泰產險", policy_number=f"P-{key}", starts_on=datetime.date(2025, 1, 1),
                ends_on=datetime.date(2025, 12, 31))
            models["insurancecover"].objects.create(policy=policy, node=org.nodes[key], starts_on=policy.starts_on,
                                                    ends_on=policy.ends_on)
            models["insurancecover"].objects.create(policy=policy, volunteer=org.vol_c, starts_on=policy.starts_on,
                                                    ends_on=policy.ends_on)
    if "privacyrequest" in models:
        for i, (volunteer, node) in enumerate(((org.vol_a, org.root), (org.vol_c, org.root), (org.vol_b, None))):
            models["privacyrequest"].objects.create(kind="correction", volunteer=volunteer, node=node,
                                                    due_on=datetime.date(2025, 6, 1), details=f"更正{i}")
    if "skill" in models:  # code tables: the org fixture has two languages
        models["skill"].objects.create(code="first-aid", name="急救", name_en="First aid")
        models["skill"].objects.create(code="driving", name="駕駛", name_en="Driving", is_active=False)
    if "review" in models:  # record books, service IDs, batches and their reviews, certificate applications
        from types import SimpleNamespace

        from tests.operations.test_reviews_views import review_matrix_objects

        review_matrix_objects(SimpleNamespace(**{**vars(org), "sysadmin": org.users["sysadmin"]}))
    if "awardreceipt" in models:
        level = models["awardreceipt"]._meta.get_field("level").related_model.objects.order_by("pk").first()
        for volunteer in (org.vol_a, org.vol_c):
            models["awardreceipt"].objects.create(volunteer=volunteer, level=level, year=2025)
        for key, volunteer in (("unit_a", org.vol_a), ("unit_c", org.vol_c)):
            models["awardnomination"].objects.create(volunteer=volunteer, level=level, unit=org.nodes[key], year=2025,
                                                     hours=3000, cutoff=datetime.date(2024, 12, 31))
    if "periodreport" in models:
        for key in ("unit_a", "unit_c"):
            models["periodreport"].objects.create(unit=org.nodes[key], period_kind="year", year=2025)
    if "servicehoursmonth" in models and models["servicehoursmonth"].objects.count() < 2:
        # the roll-up is written by the ledger's triggers: a record at a unit inside and one outside
        for key, volunteer in (("unit_a", org.vol_a), ("unit_c", org.vol_c)):
            models["servicerecord"].objects.create(volunteer=volunteer, unit=org.nodes[key], date=datetime.date(2025, 3, 1),
                                                   category="sports", content="場館服務", hours=2)
    if "course" in models:
        from tests.operations.test_training_views import training_scope_rows

        training_scope_rows(org)
    return r


def test_every_scoped_model_is_covered(org, rows):
    assert FOUNDATION_MODELS <= set(SCOPED_MODELS)
    for model in SCOPED_MODELS:
        objects = list(model.objects.all())
        assert len(objects) >= 2, f"create a few rows of {model.__name__} in the rows fixture"
        for obj in objects:
            nodes_of(obj)


ROLE_SETS = [None, *sorted({roles for roles in VERB_ROLES.values()})]


@pytest.mark.parametrize("user_key", list(GRANTS))
def test_visible_to_is_exactly_the_users_part_of_the_tree(org, rows, user_key):
    user = fresh(org.users[user_key])
    for model, roles in itertools.product(SCOPED_MODELS, ROLE_SETS):
        visible = list(model.objects.visible_to(user, roles=roles))
        assert len(visible) == len(set(visible)), f"{model.__name__}: duplicates in the scoped list"
        assert set(visible) == expected_visible(org, user_key, model, roles), (model.__name__, roles)
        with hashed_reach():  # the form deep pages and counts use (scoping.reached_through) selects the same
            assert set(model.objects.visible_to(user, roles=roles)) == set(visible), (model.__name__, roles)


@pytest.mark.parametrize("user_key", list(GRANTS))
def test_has_perm_equals_membership_of_the_scoped_list(org, rows, user_key):
    user = fresh(org.users[user_key])
    checked = 0
    for perm, roles in VERB_ROLES.items():
        model_name = perm.split(".")[1]
        models = [m for m in SCOPED_MODELS if m._meta.model_name == model_name]
        assert models, f"{perm} names a model without visible_to(): the permission cannot follow the scope"
        model = models[0]
        visible = set(model.objects.visible_to(user, roles=roles))
        for obj in model.objects.all():
            assert user.has_perm(perm, obj) == (obj in visible), (perm, obj)
            checked += 1
        # without an object: "may do this somewhere", i.e. holds one of the roles
        owned = {role for role, _node in GRANTS[user_key]}
        assert user.has_perm(perm) == bool(owned & set(roles)), perm
    assert checked > 100


def test_scope_in_plain_words(org, rows):
    """The same facts as above, spelled out for the volunteers a reader would check first."""

    def names(user):
        return set(Volunteer.objects.visible_to(fresh(user)).values_list("name", flat=True))

    # memberships first (the sign-ups of the fixture would add people everywhere); sign-ups below
    Signup.objects.all().delete()
    Shift.objects.update(accepted_count=0)  # the seat counters follow (PostgreSQL checks them)

    a = {"甲隊林美華", "甲小隊陳志明", "甲乙兩隊志工"}
    b = {"乙隊黃淑芬", "乙小隊張家豪", "乙隊離隊志工", "甲乙兩隊志工"}
    everyone = set(Volunteer.objects.values_list("name", flat=True))
    assert names(org.admin_a) == a
    assert names(org.admin_b) == b
    assert names(org.leader_a) == a
    assert names(org.subleader_a) == {"甲小隊陳志明", "甲乙兩隊志工"}
    assert names(org.officer_wmg) == a | b
    assert names(org.officer_root) == everyone
    assert names(org.sysadmin) == everyone
    assert "未分隊志工" in everyone
    assert names(org.nobody) == set()
    # a unit admin manages their unit, not the purpose authority above it
    assert not fresh(org.admin_a).has_perm("operations.orgnode.view", org.wmg)
    assert fresh(org.officer_wmg).has_perm("operations.orgnode.view", org.wmg)
    assert not fresh(org.officer_wmg).has_perm("operations.orgnode.view", org.unit_c)
    # verbs, not only places: a sub-team leader sees but may not reveal an ID or change the volunteer
    subleader = fresh(org.subleader_a)
    assert subleader.has_perm("operations.volunteer.view", org.vol_sub_a)
    assert not subleader.has_perm("operations.volunteer.reveal_id", org.vol_sub_a)
    assert not subleader.has_perm("operations.volunteer.change", org.vol_sub_a)
    assert fresh(org.leader_a).has_perm("operations.volunteer.change", org.vol_sub_a)
    assert not fresh(org.leader_a).has_perm("operations.volunteer.reveal_id", org.vol_sub_a)
    assert fresh(org.admin_a).has_perm("operations.volunteer.reveal_id", org.vol_sub_a)
    assert not fresh(org.admin_a).has_perm("operations.auditevent.view", AuditEvent.objects.filter(node=org.unit_a).first())
    # somebody of library C who signs up for a shift at venue A comes into venue A's scope, not B's
    venue_a = Position.objects.filter(venue=org.unit_a).first().shifts.first()
    SignupFactory(shift=venue_a, volunteer=org.vol_c, status=SignupStatus.APPLIED)
    assert names(org.admin_a) == a | {"丙隊李雅婷"}
    assert names(org.admin_b) == b


def test_inactive_users_and_closed_nodes_grant_nothing(org):
    user = fresh(org.admin_a)
    user.is_active = False
    assert not Volunteer.objects.visible_to(user).exists()
    assert not user.has_perm("operations.volunteer.view", org.vol_a)

    orgnode_close(actor=None, node=org.sub_a, reason="併入甲場館志工隊")
    subleader = fresh(org.subleader_a)
    assert not OrgNode.objects.visible_to(subleader).exists()
    assert not subleader.has_perm("operations.orgnode.view", org.sub_a)


# --- Over HTTP: a unit admin of A and the volunteers of B --------------------------------------------

B_NAMES = ("乙隊黃淑芬", "乙小隊張家豪", "Huang Shu-fen", "Chang Chia-hao")


def assert_nothing_of_b(text: str):
    for name in B_NAMES:
        assert name not in text


def missing_pk(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def assert_same_404(client, url_of, hidden_pk: int, missing: int):
    """The answer for an object outside the scope and for an id that does not exist are identical
    (status, content type, and body once the URL itself is taken out)."""
    hidden, absent = client.get(url_of(hidden_pk)), client.get(url_of(missing))
    assert hidden.status_code == absent.status_code == 404
    assert hidden["Content-Type"] == absent["Content-Type"]
    hidden_body = hidden.content.decode().replace(url_of(hidden_pk), "<URL>")
    absent_body = absent.content.decode().replace(url_of(missing), "<URL>")
    assert hidden_body == absent_body
    return hidden


@pytest.mark.parametrize("suffix", ["", "edit/"])
def test_other_units_volunteer_by_url_is_404_like_a_missing_one(org, login, suffix):
    client = login(org.admin_a)
    assert client.get(f"/backoffice/volunteers/{org.vol_a.pk}/{suffix}").status_code == 200
    response = assert_same_404(client, lambda pk: f"/backoffice/volunteers/{pk}/{suffix}", org.vol_b.pk,
                               missing_pk(Volunteer))
    assert_nothing_of_b(response.content.decode())


def test_revealing_another_units_volunteer_is_404_and_not_recorded(org, login):
    client = login(org.admin_a)
    response = client.post(f"/backoffice/volunteers/{org.vol_b.pk}/", {"reason": "保險加保"})
    assert response.status_code == 404
    assert org.vol_b.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.ID_REVEALED).exists()


def test_other_units_node_page_is_404_like_a_missing_one(org, login):
    client = login(org.admin_a)
    assert client.get(f"/backoffice/organisations/{org.team_a.pk}/").status_code == 200
    for node in (org.unit_b, org.team_b, org.wmg, org.root):
        assert_same_404(client, lambda pk: f"/backoffice/organisations/{pk}/", node.pk, missing_pk(OrgNode))


@pytest.mark.parametrize(
    "query",
    [
        lambda o: {"unit": o.unit_b.pk},
        lambda o: {"team": o.team_b.pk},
        lambda o: {"team": o.sub_b.pk},
        lambda o: {"q": o.vol_b.name},
        lambda o: {"q": "乙"},
        lambda o: {"q": o.vol_b.english_name},
        lambda o: {"q": o.vol_b.phone},
        lambda o: {"q": o.vol_b.id_number[:6]},
        lambda o: {"q": o.vol_b.id_number},
        lambda o: {"unit": o.unit_b.pk, "q": o.vol_b.name},
    ],
)
def test_other_units_volunteer_cannot_be_found_by_filter(org, login, query):
    client = login(org.admin_a)
    response = client.get("/backoffice/volunteers/", query(org))
    assert response.status_code == 200
    text = response.content.decode()
    # the search box shows what was typed; nothing else on the page may
    assert_nothing_of_b(text.replace(f'value="{query(org).get("q")}"', ""))
    # B's unit and teams are not even offered as filter choices
    assert "乙場館" not in text
    assert response.context["table"].paginator.count == 0


def test_other_units_filter_choices_are_not_offered(org, login):
    response = login(org.admin_a).get("/backoffice/volunteers/")
    filterset = response.context["filter"]
    assert set(filterset.form.fields["unit"].queryset) == {org.unit_a}
    assert set(filterset.form.fields["team"].queryset) == {org.team_a, org.sub_a}
    assert {v.name for v in response.context["table"].data} == {"甲隊林美華", "甲小隊陳志明"}


def export_text(response, fmt: str) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        return body.decode("utf-8-sig")
    data = tablib.Dataset().load(io.BytesIO(body) if fmt == "xlsx" else body, format=fmt)
    return "\n".join(" ".join(str(cell) for cell in row) for row in [data.headers, *data])


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
@pytest.mark.parametrize("query", [{}, {"q": "乙"}, {"sex": "F"}])
def test_other_units_volunteers_are_not_exported(org, login, fmt, query):
    response = login(org.admin_a).get(f"/backoffice/volunteers/export.{fmt}", query)
    assert response.status_code == 200
    text = export_text(response, fmt)
    assert_nothing_of_b(text)
    if not query.get("q"):
        assert "甲隊林美華" in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_export_filtered_on_another_unit_exports_nothing(org, login, fmt):
    client = login(org.admin_a)
    response = client.get(f"/backoffice/volunteers/export.{fmt}", {"unit": org.unit_b.pk})
    assert response.status_code == 302
    assert response["Location"].endswith("/backoffice/volunteers/")
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED, actor=org.admin_a).exists()


def test_other_units_volunteer_by_api(org, login):
    client = login(org.admin_a)
    own = client.get(f"/api/operations/volunteers/{org.vol_a.pk}/")
    assert own.status_code == 200
    assert own.json()["name"] == "甲隊林美華"
    assert own.json()["id_number_masked"] == org.vol_a.id_number[:6] + "****"
    response = assert_same_404(client, lambda pk: f"/api/operations/volunteers/{pk}/", org.vol_b.pk,
                               missing_pk(Volunteer))
    assert_nothing_of_b(response.content.decode())

    listing = client.get("/api/operations/volunteers/").json()
    assert {v["name"] for v in listing["results"]} == {"甲隊林美華", "甲小隊陳志明"}
    assert listing["count"] == 2
    assert_nothing_of_b(client.get("/api/operations/volunteers/").content.decode())

    assert_same_404(client, lambda pk: f"/api/operations/volunteers/?node={pk}", org.unit_b.pk, missing_pk(OrgNode))
    nodes = client.get("/api/operations/organisations/").json()
    assert {n["code"] for n in nodes["results"]} == {"venue-a", "team-a", "sub-a"}


def test_api_refuses_anonymous_and_roleless_users(org, client):
    assert client.get("/api/operations/volunteers/").status_code == 401
    client.force_login(org.nobody)
    response = client.get(f"/api/operations/volunteers/{org.vol_a.pk}/")
    assert response.status_code == 403
    assert "甲隊林美華" not in response.content.decode()


# --- 403: inside the scope, but a verb the user does not have ------------------------------------

def test_subteam_leader_posting_a_reveal_is_403_and_not_recorded(org, login):
    client = login(org.subleader_a)
    assert client.get(f"/backoffice/volunteers/{org.vol_sub_a.pk}/").status_code == 200
    response = client.post(f"/backoffice/volunteers/{org.vol_sub_a.pk}/", {"reason": "保險加保"})
    assert response.status_code == 403
    assert org.vol_sub_a.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.ID_REVEALED).exists()


def test_subteam_leader_cannot_edit_or_add_volunteers(org, login):
    client = login(org.subleader_a)
    assert client.get(f"/backoffice/volunteers/{org.vol_sub_a.pk}/edit/").status_code == 403
    assert client.post(f"/backoffice/volunteers/{org.vol_sub_a.pk}/edit/", {"name": "改名"}).status_code == 403
    assert Volunteer.objects.get(pk=org.vol_sub_a.pk).name == "甲小隊陳志明"
    assert client.get("/backoffice/volunteers/new/").status_code == 403


def test_team_leader_cannot_grant_roles(org, login):
    client = login(org.leader_a)
    response = client.post(f"/backoffice/organisations/{org.sub_a.pk}/",
                           {"username": "nobody", "role": Role.SUBTEAM_LEADER})
    assert response.status_code == 403
    assert not org.nobody.grants.exists()


def test_unit_admin_cannot_read_the_audit_trail(org, login):
    assert login(org.admin_a).get("/backoffice/audit/").status_code == 403


def test_wide_scopes_check_volunteers_row_by_row_and_narrow_ones_hash(org):
    """The plan, not the rows: an authority's officer reads the first page of volunteers through one EXISTS
    over membership UNION ALL sign-up (row by row through the indexes); a unit's administrator, deep pages and
    counts through hashed subqueries."""
    wide, narrow = fresh(org.officer_wmg), fresh(org.admin_a)
    assert wide_scope(wide) and not wide_scope(narrow)
    assert "UNION ALL" in str(Volunteer.objects.visible_to(wide).query)
    assert "UNION" not in str(Volunteer.objects.visible_to(narrow).query)
    with hashed_reach():
        assert "UNION" not in str(Volunteer.objects.visible_to(wide).query)
