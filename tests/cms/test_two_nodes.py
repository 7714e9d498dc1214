"""Two web nodes sharing PostgreSQL and Redis: two gunicorn processes on the test database and one Redis
(the cache and the sessions, as in production with REDIS_URL). A session opened on one node holds on the
other, a publish and a sign-up (made by a third process, this test) change the stored pages of both, and a
lock-out earned on one node holds on the other.

Runs only with PostgreSQL (DATABASE_URL) and a Redis (REDIS_URL, else the server and database of
CELERY_BROKER_URL, under a key prefix of its own that is deleted afterwards); skipped otherwise."""
import datetime
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from operations.models import Shift
from operations.services.signups import signup_create
from tests.factories import VolunteerFactory
from tests.factories.operations import DEFAULT_PASSWORD

from .test_wmg import landing  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or (os.environ.get("CELERY_BROKER_URL", "")
                                            if os.environ.get("CELERY_BROKER_URL", "").startswith("redis") else "")

pytestmark = [
    pytest.mark.skipif(not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                       reason="two web nodes need PostgreSQL (DATABASE_URL)"),
    pytest.mark.skipif(not REDIS_URL, reason="two web nodes need a Redis (REDIS_URL or CELERY_BROKER_URL)"),
    pytest.mark.django_db(transaction=True),
]

NODE_SETTINGS = """
import os
from volunteer_site.settings.test import *  # noqa
DATABASES["default"]["NAME"] = os.environ["NODE_DATABASE_NAME"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": os.environ["NODE_REDIS_URL"], "KEY_PREFIX": os.environ["NODE_CACHE_PREFIX"]}}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
AXES_ENABLED = True
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR"}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def shared_cache(settings):
    prefix = f"two-nodes-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield prefix
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def nodes(shared_cache, tmp_path):
    import httpx

    folder = tempfile.mkdtemp(prefix="two-nodes-", dir=tmp_path)
    Path(folder, "two_node_settings.py").write_text(textwrap.dedent(NODE_SETTINGS))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "two_node_settings", "PYTHONPATH": folder,
           "NODE_DATABASE_NAME": connection.settings_dict["NAME"], "NODE_REDIS_URL": REDIS_URL,
           "NODE_CACHE_PREFIX": shared_cache, "CELERY_BROKER_URL": "", "DB_CONN_MAX_AGE": "0"}
    processes, urls = [], []
    for _ in range(2):
        port = _free_port()
        processes.append(subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "volunteer_site.wsgi:application", "--workers", "1",
             "--bind", f"127.0.0.1:{port}", "--log-level", "error"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(url + "/-/health/live", timeout=5)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def _login_on(node: str, username: str, password: str):
    import httpx

    client = httpx.Client(base_url=node, timeout=20)
    page = client.get("/backoffice/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    # the staff log-in asks for the CAPTCHA (answered as the test settings allow) before the password
    response = client.post("/backoffice/login/", data={"username": username, "password": password,
                                                      "csrfmiddlewaretoken": token, "captcha_0": "x",
                                                      "captcha_1": "PASSED"},
                           headers={"Referer": node + "/backoffice/login/"})
    return client, response


def test_two_nodes_share_sessions_page_invalidation_and_lock_outs(nodes, landing, wmg_factory, org):  # noqa: F811
    import httpx

    node_a, node_b = nodes
    # A session opened on node A holds on node B (a team leader: no second factor is asked of leaders).
    client, response = _login_on(node_a, "leader_a", DEFAULT_PASSWORD)
    assert response.status_code == 302
    cookies = dict(client.cookies)
    assert "sessionid" in cookies
    on_b = httpx.get(node_b + "/backoffice/", cookies=cookies, timeout=20)
    assert on_b.status_code == 200 and 'name="password"' not in on_b.text  # logged in there too
    assert httpx.get(node_b + "/backoffice/", timeout=20).status_code == 302  # without the session: log in

    # Stored public pages on both nodes follow a publish and a sign-up made elsewhere.
    wmg_factory(venues_per_city={"taipei": 1}, headcount=10, accepted=0)
    shift = Shift.objects.get()
    signup_create(volunteer=VolunteerFactory(birth_date=datetime.date(1990, 1, 1)), shift=shift)
    for node in nodes:
        assert "1 / 10" in httpx.get(node + "/wmg/", timeout=20).text
        assert httpx.get(node + "/wmg/", timeout=20).headers["Cache-Control"].startswith("public")
    signup_create(volunteer=VolunteerFactory(birth_date=datetime.date(1990, 1, 1)), shift=shift)
    time.sleep(django_settings.RECRUITMENT_FIGURES_MAX_AGE + 0.2)
    for node in nodes:
        assert "2 / 10" in httpx.get(node + "/wmg/", timeout=20).text
    landing.title = "世壯運志工專區（兩節點）"
    landing.save_revision().publish()
    for node in nodes:
        assert "世壯運志工專區（兩節點）" in httpx.get(node + "/wmg/", timeout=20).text

    # A lock-out earned on node A holds on node B, even with the right password.
    for _attempt in range(django_settings.AXES_FAILURE_LIMIT):
        _client, response = _login_on(node_a, "admin_b", "wrong-password")
    assert response.status_code == 429
    _client, response = _login_on(node_b, "admin_b", DEFAULT_PASSWORD)
    assert response.status_code == 429
