"""Browser tests in headless Chromium (Debian package `chromium`), driven by Playwright without its own
browser download. Screenshots go to test-artifacts/screenshots/ for people to look at."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM:
                item.add_marker(pytest.mark.skip(reason="Debian package chromium is not installed"))


@pytest.fixture(scope="session")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-TW")
    page = context.new_page()
    page.set_default_timeout(30000)  # the suite runs beside heavy tests
    yield page
    context.close()


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


# On PostgreSQL the demo data is loaded once per test process and kept as a copy of every table in a
# schema of its own (and a copy of the media files); each later test gets it back with one INSERT … SELECT
# per table instead of loading it again (10 s on a quiet machine, 40 s next to a busy neighbour).
SNAPSHOT_SCHEMA = "demo_snapshot"
_snapshot: dict = {}


def _tables(connection) -> list[tuple[str, str]]:
    """(table, quoted column list) of every model table; generated columns are left out (computed again)."""
    names = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)"
            " FROM information_schema.columns WHERE table_schema = current_schema() AND is_generated = 'NEVER'"
            " AND table_name = ANY(%s) GROUP BY table_name",
            [list(names)],
        )
        return sorted(cursor.fetchall())


def _take_snapshot(connection, settings, tmp_path_factory) -> None:
    tables = _tables(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
        for table, columns in tables:
            cursor.execute(f'CREATE TABLE {SNAPSHOT_SCHEMA}."{table}" AS SELECT {columns} FROM "{table}"')
    media = tmp_path_factory.mktemp("demo-media")
    for name in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT"):
        source = Path(getattr(settings, name))
        if source.exists():
            shutil.copytree(source, media / name)
    _snapshot.update(tables=tables, media=media)


def _restore_snapshot(connection, settings) -> None:
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache
    from django.core.management.color import no_style
    from django.db import transaction

    tables = _snapshot["tables"]
    with transaction.atomic(), connection.cursor() as cursor:
        # Rows only: no triggers (the snapshot already holds what they wrote) and no foreign-key checks.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("TRUNCATE " + ", ".join(f'"{table}"' for table, _ in tables))
        for table, columns in tables:
            cursor.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM {SNAPSHOT_SCHEMA}."{table}"')
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
            cursor.execute(sql)
    ContentType.objects.clear_cache()  # the rows the flush made again have other ids than the snapshot's
    cache.clear()
    for name in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT"):
        source = _snapshot["media"] / name
        if source.exists():
            shutil.copytree(source, Path(getattr(settings, name)), dirs_exist_ok=True)


@pytest.fixture
def demo_data(transactional_db, settings, tmp_path_factory):
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql" and _snapshot:
        _restore_snapshot(connection, settings)
        return
    call_command("load_demo_data", "--quiet", "--volunteers", "60")
    if connection.vendor == "postgresql":
        _take_snapshot(connection, settings, tmp_path_factory)
