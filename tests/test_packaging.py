"""Packaging and production settings: every Python package ships in the wheel, production refuses to
start half-configured, and `check --deploy` is clean when it is configured."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def package_dirs() -> dict[str, Path]:
    """import name → folder for every folder with an __init__.py under the mapped top-level folders."""
    found = {}
    for import_name, folder in SETUPTOOLS["package-dir"].items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            relative = init.parent.relative_to(base).parts
            found[".".join((import_name, *relative))] = init.parent
    return found


def test_site_cms_and_operations_are_mapped():
    assert SETUPTOOLS["package-dir"].get("volunteer_site") == "site"
    assert {"volunteer_site", "cms", "operations"} <= set(SETUPTOOLS["package-dir"])
    assert not any(name.startswith("site") for name in SETUPTOOLS["packages"])


def test_every_package_folder_is_listed():
    missing = sorted(set(package_dirs()) - set(SETUPTOOLS["packages"]))
    assert missing == [], f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_every_listed_package_exists():
    stale = sorted(set(SETUPTOOLS["packages"]) - set(package_dirs()))
    assert stale == [], f"listed in pyproject.toml but not a package folder: {stale}"


def test_no_conftest_inside_the_installed_packages():
    for folder in package_dirs().values():
        assert not (folder / "conftest.py").exists(), folder


def run(code_or_args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    clean.update(env)
    return subprocess.run([sys.executable, *code_or_args], cwd=tmp_path, env=clean, capture_output=True, text=True,
                          timeout=180)


PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "example.org",
}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "Environment variable SECRET_KEY is required in production."),
        ("ALLOWED_HOSTS", "Environment variable ALLOWED_HOSTS is required in production."),
        ("DATABASE_URL", "Environment variable DATABASE_URL is required in production."),
    ],
)
def test_production_settings_refuse_to_load_half_configured(tmp_path, missing, message):
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop(missing)
    result = run(["-c", "import volunteer_site.settings.production"], env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_load_when_configured(tmp_path):
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = run(["-c", "import volunteer_site.settings.production as s; print(s.DEBUG, s.ALLOWED_HOSTS)"], env,
                 tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['example.org']"


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "volunteer_site.settings.production",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = run([str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
