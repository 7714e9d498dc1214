from django.conf import settings
from django.urls import path, re_path

from . import views
from .page_cache import cached_serve

# Wagtail's own pattern for page paths (wagtail/urls.py); served through the anonymous page cache.
SERVE_PATTERN = r"^((?:[\w\-]+/)*)$" if getattr(settings, "WAGTAIL_APPEND_SLASH", True) else r"^([\w\-/]*)$"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("newsletter/", views.newsletter, name="newsletter"),
    path("newsletter/confirm/<str:token>/", views.newsletter_confirm_view, name="newsletter_confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.newsletter_unsubscribe_view, name="newsletter_unsubscribe"),
    re_path(SERVE_PATTERN, cached_serve, name="public_page"),
]
