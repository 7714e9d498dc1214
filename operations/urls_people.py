"""Back-office URLs of one module group, included by operations/urls.py (namespace "operations")."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
