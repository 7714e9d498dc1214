"""The volunteer zone and account pages (志工專區), mounted at /volunteer/ (namespace "volunteer")."""
from django.urls import path  # noqa: F401

app_name = "volunteer"

urlpatterns: list = []
