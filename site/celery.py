"""Celery application. Without CELERY_BROKER_URL the settings make every task run inline."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_site.settings.dev")

app = Celery("volunteer_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
