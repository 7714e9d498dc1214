"""The edge of every request: control characters never reach a view, a form or the database.

- In the path and the query string (names and values) a NUL byte or any other control character is
  refused with 400 and a short page in the visitor's language: no link of ours carries one, and
  PostgreSQL refuses NUL in text ("text fields cannot contain NUL") where SQLite would store it.
- In a submitted form (urlencoded or multipart) they are removed, except tab, CR and LF: they are
  invisible, never meant, and would be refused later anyway (a pasted vertical tab in a page's rich text
  should not lose the editor's work).

Form fields refuse NUL on their own as well (Django's ProhibitNullCharactersValidator on every
CharField); this middleware covers the values read without a form."""
from __future__ import annotations

import re

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .params import _CONTROL

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def bad_input_response(request, message: str | None = None):
    message = message or _("The address contains characters that are not allowed (such as control "
                           "characters). Check the link and try again.")
    if request.path.startswith("/api/"):  # the API answers in JSON, as its schema says
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": message}, status=400)


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _ANY_CONTROL.search(request.path) or any(
                _ANY_CONTROL.search(key) or any(_ANY_CONTROL.search(v) for v in values)
                for key, values in request.GET.lists()):
            return bad_input_response(request)
        if request.method == "POST" and request.content_type in FORM_TYPES:
            post = request.POST
            if any(_CONTROL.search(key) or any(_CONTROL.search(v) for v in values) for key, values in post.lists()):
                cleaned = post.copy()
                cleaned.clear()
                for key, values in post.lists():
                    cleaned.setlist(_CONTROL.sub("", key), [_CONTROL.sub("", v) for v in values])
                cleaned._mutable = False
                request._post = cleaned
        return self.get_response(request)
