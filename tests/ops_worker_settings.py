"""Settings of the Celery worker processes started by tests/operations/test_operations_pg.py: the test
settings, e-mail written to files the test counts (one file per message), and a short visibility
timeout so that the task of a killed worker is redelivered within seconds."""
import os

from volunteer_site.settings.test import *  # noqa: F401,F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["MAIL_SINK_DIR"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": 3, "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULE = {}
