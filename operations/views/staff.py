from __future__ import annotations

import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login

from ..forms.staff import EnrolForm, ProfileForm, SecondFactorForm, StaffForgotPasswordForm, StaffLoginForm
from ..scoping import is_staff_member
from ..services.accounts import (
    has_second_factor,
    password_changed_record,
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_confirm,
    second_factor_required,
    second_factor_start,
    second_factor_verify,
    staff_login_failed_record,
    staff_login_record,
    staff_password_reset_request,
    totp_secret_text,
)
from ..services.people import user_update_profile
from .base import StaffRequiredMixin, add_service_errors, client_ip
from .signin import IDLE_KEY

RECOVERY_CODES_KEY = "staff_recovery_codes"


def _next(request, default: str | None = None) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                  require_https=request.is_secure()):
        return target
    return default or reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class StaffLoginView(auth_views.LoginView):
    """帳號 + 密碼 + 驗證碼 (重新產生, audio), 忘記密碼?; the same page answers /admin/login/ (one sign-in for
    the back-office and the Wagtail admin). After the password, the second factor (code or set-up)."""

    template_name = "operations/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True
    second_factor_exempt = True

    def form_invalid(self, form):
        if form.password_failed:
            staff_login_failed_record(username=form.data.get("username", ""), ip_address=client_ip(self.request))
        response = super().form_invalid(form)
        patch_cache_control(response, no_store=True, private=True)
        return response

    def form_valid(self, form):
        super().form_valid(form)  # logs in (a new session key)
        user = form.get_user()
        if is_staff_member(user) or user.is_staff:
            self.request.session[IDLE_KEY] = int(time.time())  # the inactivity clock of a staff session
            staff_login_record(user=user, ip_address=client_ip(self.request))
        next_url = self.get_success_url()
        if has_second_factor(user):
            return redirect(_with_next("operations:login_verify", next_url))
        if is_staff_member(user) and second_factor_required(user):
            return redirect(_with_next("operations:login_enrol", next_url))
        return HttpResponseRedirect(next_url)


class StaffLogoutView(auth_views.LogoutView):
    second_factor_exempt = True


class SecondFactorView(LoginRequiredMixin, FormView):
    """The code from the authenticator app (or a recovery code), after the password."""

    template_name = "operations/signin/verify.html"
    form_class = SecondFactorForm
    second_factor_exempt = True

    def dispatch(self, request, *args, **kwargs):
        # Special: not a staff page (a person between password and code); the log-in itself is checked here.
        if request.user.is_authenticated:
            if request.user.is_verified():
                return HttpResponseRedirect(_next(request))
            if not has_second_factor(request.user):
                if is_staff_member(request.user) and second_factor_required(request.user):
                    return redirect(_with_next("operations:login_enrol", _next(request)))
                return HttpResponseRedirect(_next(request))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = _next(self.request)
        return context

    def form_valid(self, form):
        device = second_factor_verify(user=self.request.user, code=form.cleaned_data["code"],
                                      ip_address=client_ip(self.request))
        if device is None:
            form.add_error("code", _("This code is not right, or was used already. Wait for the next code and "
                                     "try again."))
            return self.form_invalid(form)
        self.request.session.cycle_key()
        otp_login(self.request, device)
        if device.__class__.__name__ == "StaticDevice":
            messages.warning(self.request, _("You used a recovery code; %(n)s are left. Each works only once.")
                             % {"n": recovery_codes_left(self.request.user)})
        return HttpResponseRedirect(_next(self.request))


class EnrolView(LoginRequiredMixin, FormView):
    """Set up the authenticator app: a QR code and the secret as text (for typing it in), then the first code."""

    template_name = "operations/signin/enrol.html"
    form_class = EnrolForm
    second_factor_exempt = True

    def dispatch(self, request, *args, **kwargs):
        # Special: reached before the second factor exists; only staff set one up, only once (a reset is
        # an administrator's act, see the accounts screens).
        if request.user.is_authenticated:
            if not is_staff_member(request.user):
                return HttpResponseRedirect(_next(request))
            if has_second_factor(request.user):
                if not request.user.is_verified():
                    return redirect(_with_next("operations:login_verify", _next(request)))
                messages.info(request, _("Your authenticator app is already set up."))
                return redirect("operations:profile")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = second_factor_start(user=self.request.user)
        qr = segno.make(device.config_url, error="m")
        context.update(
            qr_svg=qr.svg_inline(scale=4, border=2, title=_("QR code for the authenticator app")),
            secret=totp_secret_text(device), next=_next(self.request),
            required=second_factor_required(self.request.user),
        )
        return context

    def form_valid(self, form):
        try:
            device, codes = second_factor_confirm(user=self.request.user, token=form.cleaned_data["code"],
                                                  ip_address=client_ip(self.request))
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        self.request.session.cycle_key()
        otp_login(self.request, device)
        self.request.session[RECOVERY_CODES_KEY] = codes
        messages.success(self.request, _("The authenticator app is set up."))
        return redirect(_with_next("operations:recovery_codes", _next(self.request)))


class RecoveryCodesView(StaffRequiredMixin, TemplateView):
    """The recovery codes, shown once: kept in this session until the person says they have saved them
    (downloadable as a text file meanwhile)."""

    template_name = "operations/signin/recovery_codes.html"
    module = "profile"

    def get(self, request, *args, **kwargs):
        codes = request.session.get(RECOVERY_CODES_KEY)
        if request.GET.get("download") and codes:
            text = "\n".join([_("Recovery codes for %(account)s (each works once):")
                              % {"account": request.user.get_username()}, "", *codes, ""])
            response = HttpResponse(text, content_type="text/plain; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="recovery-codes.txt"'
            patch_cache_control(response, no_store=True, private=True)
            return response
        response = super().get(request, *args, **kwargs)
        patch_cache_control(response, no_store=True, private=True)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(codes=self.request.session.get(RECOVERY_CODES_KEY), next=_next(self.request))
        return context

    def post(self, request, *args, **kwargs):
        request.session.pop(RECOVERY_CODES_KEY, None)
        return HttpResponseRedirect(_next(request))


class RecoveryCodesRenewView(StaffRequiredMixin, View):
    module = "profile"

    def post(self, request):
        try:
            codes = recovery_codes_renew(user=request.user, ip_address=client_ip(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("operations:profile")
        request.session[RECOVERY_CODES_KEY] = codes
        return redirect(_with_next("operations:recovery_codes", reverse("operations:profile")))


class StaffForgotPasswordView(FormView):
    """忘記密碼?: the same page after the form whether or not the account exists (and the same work)."""

    template_name = "operations/signin/forgot_password.html"
    form_class = StaffForgotPasswordForm
    second_factor_exempt = True

    def form_valid(self, form):
        staff_password_reset_request(account=form.cleaned_data["account"])
        return render(self.request, "operations/signin/forgot_sent.html")


class StaffPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "operations/signin/password_reset_confirm.html"
    success_url = reverse_lazy("operations:password_reset_complete")
    post_reset_login = False
    second_factor_exempt = True

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed_record(user=form.user, ip_address=client_ip(self.request), how="e-mail link")
        return response


class StaffPasswordResetCompleteView(TemplateView):
    template_name = "operations/signin/password_reset_complete.html"
    second_factor_exempt = True


class ProfileView(StaffRequiredMixin, FormView):
    template_name = "operations/profile.html"
    form_class = ProfileForm
    module = "profile"
    success_url = reverse_lazy("operations:profile")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("password_form", PasswordChangeForm(self.request.user))
        user = self.request.user
        context.update(has_factor=has_second_factor(user), codes_left=recovery_codes_left(user),
                       factor_required=second_factor_required(user))
        return context

    def form_valid(self, form):
        try:
            user_update_profile(user=self.request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields})
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile has been saved."))
        return super().form_valid(form)


class PasswordChangeView(ProfileView):
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**FormView.get_form_kwargs(self), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["password_form"] = context.pop("form")
        context["form"] = ProfileForm(instance=self.request.user)
        return context

    def form_valid(self, form):
        form.save()
        # This session goes on; every other session of the account ends (the session hash follows the password).
        update_session_auth_hash(self.request, form.user)
        password_changed_record(user=form.user, ip_address=client_ip(self.request))
        messages.success(self.request, _("Your password has been changed. Your other sessions have ended."))
        return FormView.form_valid(self, form)
