"""Staff sign-in rules that hold on every request (README "Staff sign-in"):

- a staff session ends after `STAFF_SESSION_IDLE_MINUTES` without a request;
- the back-office (`operations` namespace), the Wagtail admin (`/admin/`) and the staff API need the verified
  second factor where the person's role requires one (`services.accounts.second_factor_required`), or where
  the person has set one up: an unverified session is sent to the code page, a person without a factor who
  needs one to the set-up page. Views marked `second_factor_exempt` (log-in, code, set-up, forgotten
  password) are open to an unverified session."""
from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from ..scoping import is_staff_member
from ..services.accounts import has_second_factor, second_factor_required, staff_logout_record
from .base import client_ip

IDLE_KEY = "staff_last_seen"
EXEMPT_URL_NAMES = {"wagtailadmin_logout", "wagtailadmin_login", "staff_admin_login", "set_language"}


def _guarded(request) -> str:
    """'api', 'page' or '' (not a staff area)."""
    path = request.path_info
    if path.startswith("/api/operations/"):
        return "api"
    match = request.resolver_match
    if path.startswith("/admin/") or (match is not None and match.namespace == "operations"):
        return "page"
    return ""


def _exempt(request, view_func) -> bool:
    view_class = getattr(view_func, "view_class", None)
    if getattr(view_class, "second_factor_exempt", False) or getattr(view_func, "second_factor_exempt", False):
        return True
    match = request.resolver_match
    return match is not None and match.url_name in EXEMPT_URL_NAMES


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        area = _guarded(request)
        session = request.session
        last = session.get(IDLE_KEY)
        if last is None and not (area and (user.is_staff or is_staff_member(user))):
            return None  # not a staff session (a volunteer on a back-office URL gets its 403 from the view)
        now = int(time.time())
        if last is not None and now - int(last) > settings.STAFF_SESSION_IDLE_MINUTES * 60:
            request._logout_reason = "inactivity"
            logout(request)
            if area == "page":
                messages.info(request, _("You were logged out after %(minutes)s minutes without activity. "
                                         "Please log in again.") % {"minutes": settings.STAFF_SESSION_IDLE_MINUTES})
            return None  # the view now sees an anonymous visitor and asks for the log-in
        if last is None or now - int(last) >= 30:
            session[IDLE_KEY] = now
        if not area or _exempt(request, view_func) or user.is_verified():
            return None
        if has_second_factor(user):
            target = "operations:login_verify"
        elif is_staff_member(user) and second_factor_required(user):
            target = "operations:login_enrol"
        else:
            return None
        if area == "api":
            return JsonResponse({"detail": "A verified second factor is required: log in on the back-office."},
                                status=403)
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


@receiver(user_logged_out, dispatch_uid="operations.staff_logout_record")
def _record_logout(sender, request, user, **kwargs):
    """Log-outs of staff from a page of ours or the Wagtail admin (not the test client's bare requests)."""
    if request is None or user is None or getattr(request, "resolver_match", None) is None:
        return
    if is_staff_member(user):
        staff_logout_record(user=user, ip_address=client_ip(request), reason=getattr(request, "_logout_reason", ""))
