"""The Wagtail admin speaks the editor's language: an editor whose Wagtail profile names no interface
language gets the admin in the language of their platform account (`User.preferred_language`, Traditional
Chinese by default), not whatever the browser's Accept-Language says. A language chosen in the Wagtail
account settings still wins (Wagtail applies it inside its own views)."""
from __future__ import annotations

from django.conf import settings
from django.utils import translation


class AdminLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = "/admin/"

    def __call__(self, request):
        if request.path.startswith(self.prefix):
            user = getattr(request, "user", None)
            language = getattr(user, "preferred_language", "") if user is not None and user.is_authenticated else ""
            language = language or settings.LANGUAGE_CODE
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
