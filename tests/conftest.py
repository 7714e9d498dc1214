"""Shared fixtures: a small organisation tree with staff at every level, HTTP helpers, and a real
Celery worker for tests marked `celery` when CELERY_BROKER_URL is set (inline tasks otherwise)."""
from __future__ import annotations

import datetime
import re
import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import translation

from operations.models import RegistrationType, Role, Sex, UnitCategory
from tests.factories import (
    CompetentAuthorityFactory,
    LanguageFactory,
    PurposeAuthorityFactory,
    RoleGrantFactory,
    SubTeamFactory,
    TeamFactory,
    UnitFactory,
    UserFactory,
    VolunteerFactory,
    unique_national_id,
)

CJK_RE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (zh-hant) whatever the previous request activated."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: menus, public pages and recruitment figures are cached
    across requests, and a previous test's database is gone."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _verified_staff_logins(request, monkeypatch):
    """Staff logged in by the test client (`force_login`, `login`) have a verified second factor, as after
    typing the code (tests/factories/second_factor.py). Tests of the sign-in itself ask for
    `unverified_logins` and see the real thing."""
    if "unverified_logins" in request.fixturenames:
        yield
        return
    from django.test import Client

    from tests.factories.second_factor import is_staff_account, mark_session_verified, second_factor_device

    original = Client._login

    def _login(self, user, backend=None):
        device = getattr(user, "otp_device", None) or (second_factor_device(user) if is_staff_account(user) else None)
        original(self, user, backend)
        if device is not None:
            mark_session_verified(self, device)

    monkeypatch.setattr(Client, "_login", _login)
    yield


@pytest.fixture
def unverified_logins():
    """Logins in this test carry no second factor (see `_verified_staff_logins`)."""


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


# --- The organisation ----------------------------------------------------------------------------

# user key → the grants it holds (role, node key); the fixture and the scope oracle both read this.
GRANTS = {
    "sysadmin": [(Role.SYSTEM_ADMIN, "root")],
    "officer_root": [(Role.AUTHORITY_OFFICER, "root")],
    "officer_wmg": [(Role.AUTHORITY_OFFICER, "wmg")],
    "admin_a": [(Role.UNIT_ADMIN, "unit_a")],
    "leader_a": [(Role.TEAM_LEADER, "team_a")],
    "subleader_a": [(Role.SUBTEAM_LEADER, "sub_a")],
    "admin_b": [(Role.UNIT_ADMIN, "unit_b")],
    "nobody": [],
}

# volunteer key → (name, English name, team key, sex, birth date, phone, first letter of the ID)
# (distinct letters: no two of them share the visible first six characters of their IDs)
VOLUNTEERS = {
    "vol_a": ("甲隊林美華", "Lin Mei-hua", "team_a", Sex.FEMALE, datetime.date(1990, 3, 14), "0912345001", "A"),
    "vol_sub_a": ("甲小隊陳志明", "Chen Chih-ming", "sub_a", Sex.MALE, datetime.date(1958, 7, 2), "0912345002", "B"),
    "vol_b": ("乙隊黃淑芬", "Huang Shu-fen", "team_b", Sex.FEMALE, datetime.date(2001, 11, 30), "0912345003", "F"),
    "vol_sub_b": ("乙小隊張家豪", "Chang Chia-hao", "sub_b", Sex.MALE, datetime.date(1975, 1, 9), "0912345004", "H"),
    "vol_c": ("丙隊李雅婷", "Li Ya-ting", "team_c", Sex.FEMALE, datetime.date(1966, 5, 20), "0912345005", "J"),
}


@pytest.fixture
def org(db):
    """社會局 (competent authority, root)
         ├─ 世壯運籌委會 WMG (purpose authority)
         │    ├─ unit A ─ team A ─ sub-team A
         │    └─ unit B ─ team B ─ sub-team B
         └─ unit C (directly under the root) ─ team C
    with a staff user at every level, a user without any grant, and a volunteer in every team."""
    o = SimpleNamespace()
    o.root = CompetentAuthorityFactory(code="dosw", name="臺北市政府社會局", name_en="Department of Social Welfare")
    o.wmg = PurposeAuthorityFactory(
        parent=o.root, code="wmg", name="世壯運籌委會", name_en="WMG Organising Committee"
    )
    o.unit_a = UnitFactory(
        parent=o.wmg, code="venue-a", name="甲場館", name_en="Venue A", category=UnitCategory.SPORTS,
        registration_type=RegistrationType.AGENCY,
    )
    o.team_a = TeamFactory(parent=o.unit_a, code="team-a", name="甲場館志工隊", name_en="Venue A Team")
    o.sub_a = SubTeamFactory(parent=o.team_a, code="sub-a", name="甲場館第一小隊", name_en="Venue A Squad 1")
    o.unit_b = UnitFactory(
        parent=o.wmg, code="venue-b", name="乙場館", name_en="Venue B", category=UnitCategory.SPORTS,
        registration_type=RegistrationType.REGISTERED, registration_number="北市社團字第1234號",
    )
    o.team_b = TeamFactory(parent=o.unit_b, code="team-b", name="乙場館志工隊", name_en="Venue B Team")
    o.sub_b = SubTeamFactory(parent=o.team_b, code="sub-b", name="乙場館第一小隊", name_en="Venue B Squad 1")
    o.unit_c = UnitFactory(
        parent=o.root, code="library-c", name="丙圖書館", name_en="Library C", category=UnitCategory.CULTURE,
    )
    o.team_c = TeamFactory(parent=o.unit_c, code="team-c", name="丙圖書館志工隊", name_en="Library C Team")
    o.nodes = {k: getattr(o, k) for k in ("root", "wmg", "unit_a", "team_a", "sub_a", "unit_b", "team_b",
                                          "sub_b", "unit_c", "team_c")}

    o.users = {}
    for key, grants in GRANTS.items():
        user = UserFactory(username=key, display_name=key.replace("_", " ").title())
        for role, node_key in grants:
            RoleGrantFactory(user=user, node=o.nodes[node_key], role=role)
        o.users[key] = user
        setattr(o, key, user)

    o.mandarin = LanguageFactory(code="zh", name="國語", name_en="Mandarin", order=1)
    o.english = LanguageFactory(code="en", name="英語", name_en="English", order=2)
    o.volunteers = {}
    for key, (name, english_name, team_key, sex, born, phone, letter) in VOLUNTEERS.items():
        volunteer = VolunteerFactory(
            name=name, english_name=english_name, team=o.nodes[team_key], sex=sex, birth_date=born, phone=phone,
            id_number=unique_national_id(sex=sex, letter=letter), joined_on=datetime.date(2024, 6, 1),
            languages=[o.mandarin] if sex == Sex.FEMALE else [o.english],
        )
        o.volunteers[key] = volunteer
        setattr(o, key, volunteer)
    return o


def fresh(user):
    """The same account loaded again, without any per-request scope cache."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def login(client):
    """login(user) → the test client, logged in as that user."""

    def _login(user):
        client.force_login(user)  # staff: verified second factor (_verified_staff_logins)
        return client

    return _login


def assert_chinese(text: str) -> None:
    assert CJK_RE.search(text), f"expected Chinese text, got {text!r}"


# --- Celery --------------------------------------------------------------------------------------

@pytest.fixture
def celery_worker(transactional_db):
    """A real in-process Celery worker on the configured broker, or None when tasks run inline
    (no CELERY_BROKER_URL: CELERY_TASK_ALWAYS_EAGER is set by the settings)."""
    if not settings.CELERY_BROKER_URL:
        assert settings.CELERY_TASK_ALWAYS_EAGER
        yield None
        return
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections
    from volunteer_site.celery import app

    def close_worker_connections(**kwargs):
        # The worker thread has its own database connections; close them so that the test database
        # can be flushed and dropped afterwards.
        connections.close_all()

    app.control.purge()  # messages left by earlier runs would refer to rows that no longer exist
    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_worker_connections)


@pytest.fixture(autouse=True)
def _celery_marker(request):
    """Tests marked `celery` get the real worker when a broker is configured. All other tests run their
    tasks inline even then (as on a machine without a broker): nobody would consume their messages."""
    if request.node.get_closest_marker("celery"):
        request.getfixturevalue("celery_worker")
        yield
        return
    if not settings.CELERY_BROKER_URL:
        yield
        return
    from volunteer_site.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Poll until `predicate()` is true (a background worker needs a moment) or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
