"""Test settings: fast password hashing, in-memory e-mail and cache. DATABASE_URL and CELERY_BROKER_URL
still switch to PostgreSQL and a real Celery worker on Redis (CI sets both)."""
from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
PRIVATE_MEDIA_ROOT = BASE_DIR / ".test-private-media"  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
CAPTCHA_TEST_MODE = True  # the answer "PASSED" is accepted (any case); wrong answers still fail
# Figures live (the tests of the settled interval switch it on): most tests check a figure right after
# a sign-up.
RECRUITMENT_FIGURES_MAX_AGE = 0
PUBLIC_PAGES_LOCAL_SECONDS = 0  # likewise: a page is read from the shared cache on every request
AXES_ENABLED = False  # the test client's login() has no request; the lock-out tests switch it on

# Several test runs may share one PostgreSQL server (CI, benchmarks, developers side by side): give each
# run its own test database name so that they never drop each other's. pytest-django removes it at the end.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    import os as _os

    # setdefault: processes started by the tests inherit the suffix and find the same database
    _suffix = _os.environ.setdefault("TEST_DB_SUFFIX", str(_os.getpid()))
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_suffix}"}  # noqa: F405

# pytest-xdist: each test process has its own database (pytest-django adds the worker's name) and its own
# Celery queue on the shared broker, so that one process's worker never runs another's tasks against the
# wrong database. Processes the tests start (workers, web nodes) inherit the variable and the queue.
_xdist_worker = __import__("os").environ.get("PYTEST_XDIST_WORKER")
if _xdist_worker:
    CELERY_TASK_DEFAULT_QUEUE = f"tests-{_xdist_worker}"
