"""Celery application. Without CELERY_BROKER_URL the settings make every task run inline."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_site.settings.dev")

app = Celery("volunteer_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids travel in the task headers; task outcomes feed the metrics (README "Operations").
from .metrics import connect_celery_signals as _connect_metrics  # noqa: E402
from .request_id import connect_celery_signals as _connect_request_id  # noqa: E402

_connect_request_id()
_connect_metrics()
