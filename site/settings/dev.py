"""Local development: SQLite unless DATABASE_URL is set, console e-mail, tasks inline without a broker."""
from .base import *  # noqa: F401,F403

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

# Tasks run inline here; Celery's per-task "succeeded" lines would drown the console.
LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}  # noqa: F405
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")  # noqa: F405 - readable on the console of make run
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_FORMAT == "json" else "text"  # noqa: F405

# `make run`: the demo accounts log in with their password alone (README "Staff sign-in"); production and
# the tests require the second factor of unit administrators and above.
STAFF_2FA_REQUIRED = env_bool("STAFF_2FA_REQUIRED", False)  # noqa: F405
