"""Account pages of the volunteer journey: register, confirm e-mail, log in (CAPTCHA, lock-out), forgot
account / password, TaipeiPass. Thin: forms parse, services decide."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView

from ..filters.accounts import StaffAccountFilter
from ..forms.accounts import (
    ForgotAccountForm,
    ForgotPasswordForm,
    LoginForm,
    RegistrationForm,
    StaffAccountCreateForm,
)
from ..identity import normalize_id_number
from ..scoping import is_staff_member
from ..selectors import accounts as account_sel
from ..services.accounts import (
    account_hint_request,
    password_reset_request,
    recovery_codes_left,
    resolve_account,
    second_factor_reset,
    staff_account_set_active,
    staff_password_reset_send,
    user_confirm_email,
    user_resend_confirmation,
    volunteer_register,
)
from ..services.accounts import staff_account_create as svc_staff_account_create
from ..services.taipeipass import taipeipass_client, taipeipass_enabled, taipeipass_login
from ..tables.accounts import StaffAccountTable
from .base import SingleTableMixin, StaffRequiredMixin, client_ip, saved_by_service
from .system import SystemNavMixin

TAIPEIPASS_SESSION_KEY = "taipeipass_prefill"
LOCKED_FIELDS_FROM_TAIPEIPASS = ("id_type", "id_number", "name", "birth_date")


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def lockout_message() -> str:
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return _("Too many failed log-in attempts: this account is locked on this device for %(minutes)s minutes. "
             "Wait and try again, or use “Forgot password”.") % {"minutes": minutes}


STAFF_LOGIN_VIEWS = {"operations:login", "wagtailadmin_login", "staff_admin_login"}


def staff_lockout_message() -> str:
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return _("Too many failed log-in attempts: this staff account is locked on this device for %(minutes)s "
             "minutes. Wait and try again; if you have forgotten your password, ask your unit's administrator "
             "or the system administrator to set a new one.") % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """django-axes calls this when an account and address are locked: the page the person was logging in
    on says so — the staff lock-out page for the back-office and Wagtail log-ins, the volunteer log-in
    page otherwise — in the language of the request."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in STAFF_LOGIN_VIEWS:
        return render(request, "operations/lockout.html", {"lockout_message": staff_lockout_message()}, status=429)
    form = LoginForm(initial={"username": (credentials or {}).get("username", "")})
    return render(request, "operations/volunteer/login.html",
                  {"form": form, "locked": True, "lockout_message": lockout_message(),
                   "taipeipass": taipeipass_enabled()}, status=429)


class RegisterView(FormView):
    template_name = "operations/volunteer/register.html"
    form_class = RegistrationForm

    def dispatch(self, request, *args, **kwargs):
        # Special: a public page; somebody already signed in with a volunteer account is sent home, not refused.
        if request.user.is_authenticated and hasattr(request.user, "volunteer"):
            return redirect("volunteer:home")
        return super().dispatch(request, *args, **kwargs)

    @property
    def prefill(self) -> dict | None:
        return self.request.session.get(TAIPEIPASS_SESSION_KEY)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        prefill = self.prefill
        if prefill and prefill.get("verified"):
            kwargs["locked"] = LOCKED_FIELDS_FROM_TAIPEIPASS
        return kwargs

    def get_initial(self):
        prefill = self.prefill or {}
        initial = {k: prefill.get(k) for k in ("email", "phone", "id_type", "id_number", "name") if prefill.get(k)}
        if prefill.get("birth_date"):
            initial["birth_date"] = datetime.date.fromisoformat(prefill["birth_date"])
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["taipeipass_prefill"] = self.prefill
        context["privacy_version"] = settings.VOLUNTEER_ACCOUNTS["PRIVACY_NOTICE_VERSION"]
        return context

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.keep_passwords_if_only_the_captcha_failed():
            patch_cache_control(response, no_store=True, private=True)  # the page holds the passwords
        return response

    def form_valid(self, form):
        data = form.cleaned_data
        prefill = self.prefill
        try:
            registration = volunteer_register(
                email=data["email"], phone=data["phone"], password=data["password1"], id_type=data["id_type"],
                id_number=data["id_number"], name=data["name"], sex=data["sex"], birth_date=data["birth_date"],
                privacy_notice_accepted=data["privacy_notice"], language=get_language(),
                english_name=data["english_name"], city=data["city"], address=data["address"],
                languages=list(data["languages"]), skills=list(data["skills"]),
                emergency_contact_name=data["emergency_contact_name"],
                emergency_contact_phone=data["emergency_contact_phone"],
                taipeipass=prefill,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        self.request.session.pop(TAIPEIPASS_SESSION_KEY, None)
        if prefill is None or not registration.linked:
            # The same answer whether the details were new or already registered ("check your e-mail").
            self.request.session["registered_account"] = registration.account
            return redirect("volunteer:register_done")
        login(self.request, registration.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, _("Welcome! Your account is ready."))
        return redirect("volunteer:home")


class RegisterDoneView(TemplateView):
    template_name = "operations/volunteer/register_done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["account"] = self.request.session.get("registered_account", "")
        return context


class ConfirmEmailView(View):
    def get(self, request, uidb64, token):
        user = user_confirm_email(uidb64=uidb64, token=token)
        if user is None:
            return render(request, "operations/volunteer/confirm_failed.html", status=400)
        messages.success(request, _("Thank you: your e-mail address is confirmed. You can log in now."))
        return redirect("volunteer:home" if request.user.is_authenticated else "volunteer:login")


class ResendConfirmationView(View):
    def post(self, request):
        if request.user.is_authenticated:
            user_resend_confirmation(user=request.user)
            messages.info(request, _("We sent the confirmation link again."))
        return redirect("volunteer:home")


class LoginView(FormView):
    template_name = "operations/volunteer/login.html"
    form_class = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["taipeipass"] = taipeipass_enabled()
        context["next"] = _safe_next(self.request, "")
        return context

    def form_valid(self, form):
        username = resolve_account(form.cleaned_data["username"])
        user = authenticate(self.request, username=username, password=form.cleaned_data["password"])
        if getattr(self.request, "axes_locked_out", False):
            return lockout_response(self.request, None, {"username": username})
        if user is None:
            form.add_error(None, _("The account or password is wrong. After %(n)s failed attempts the account "
                                   "is locked for a while.") % {"n": settings.AXES_FAILURE_LIMIT})
            return self.form_invalid(form)
        if getattr(user, "deletion_requested_at", None):
            form.add_error(None, _("This account is closed at your request."))
            return self.form_invalid(form)
        login(self.request, user)
        return HttpResponseRedirect(_safe_next(self.request, reverse("volunteer:home")))


class LoginBoxView(View):
    """The home page's log-in box form as an HTML fragment: the CSRF token and a fresh CAPTCHA. The home
    page itself is served from the shared page cache, so it carries no per-visitor secret; its script
    fetches this fragment (never cached) and the form posts to `LoginView`, which shows any error with
    the full form. Without JavaScript the box links to the log-in page instead."""

    def get(self, request):
        if request.user.is_authenticated:
            return HttpResponse(status=204)
        form = LoginForm(auto_id="box_%s")
        form.fields["username"].widget.attrs.pop("autofocus", None)  # the home page is not a log-in page
        response = render(request, "operations/volunteer/login_box_form.html",
                          {"form": form, "next": _safe_next(request, "")})
        patch_cache_control(response, no_store=True, private=True)
        return response


class AccountHomeView(LoginRequiredMixin, View):
    """The signed-in name in the page header links here: people with a back-office role go on to the
    back-office, everybody else to the volunteer zone. Decided when the link is followed, so that drawing the
    header on every page reads nobody's roles."""

    login_url = reverse_lazy("volunteer:login")

    def get(self, request):
        if request.user.is_staff or is_staff_member(request.user):
            return redirect("operations:dashboard")
        return redirect("volunteer:home")


class LogoutView(View):
    def post(self, request):
        logout(request)
        messages.info(request, _("You have logged out."))
        return redirect("volunteer:login")


class ForgotAccountView(FormView):
    """忘記帳號 (and 忘記帳號及密碼): the hint goes to the registered e-mail address only."""

    template_name = "operations/volunteer/forgot_account.html"
    form_class = ForgotAccountForm

    def get_initial(self):
        return {"also_password": self.request.GET.get("both") == "1"}

    def form_valid(self, form):
        account_hint_request(id_number=normalize_id_number(form.cleaned_data["id_number"]),
                             birth_date=form.cleaned_data["birth_date"],
                             include_reset=form.cleaned_data["also_password"])
        return render(self.request, "operations/volunteer/forgot_sent.html", {"kind": "account"})


class ForgotPasswordView(FormView):
    template_name = "operations/volunteer/forgot_password.html"
    form_class = ForgotPasswordForm

    def form_valid(self, form):
        password_reset_request(account=form.cleaned_data["account"])
        return render(self.request, "operations/volunteer/forgot_sent.html", {"kind": "password"})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "operations/volunteer/password_reset_confirm.html"
    success_url = reverse_lazy("volunteer:password_reset_complete")
    post_reset_login = False


class PasswordResetCompleteView(TemplateView):
    template_name = "operations/volunteer/password_reset_complete.html"


class TaipeiPassLoginView(View):
    """Redirects to TaipeiPass; the provider sends the browser back to /oidc/taipeipass/callback/."""

    def get(self, request):
        if not taipeipass_enabled():
            messages.error(request, _("TaipeiPass log-in is not available at the moment."))
            return redirect("volunteer:login")
        request.session["taipeipass_language"] = get_language()
        redirect_uri = request.build_absolute_uri(reverse("taipeipass_callback"))
        return taipeipass_client().authorize_redirect(request, redirect_uri)


class TaipeiPassCallbackView(View):
    def get(self, request):
        from django.utils import translation

        language = request.session.get("taipeipass_language") or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        if not taipeipass_enabled() or "error" in request.GET:
            messages.error(request, _("TaipeiPass log-in was cancelled or failed. Please try again."))
            return redirect("volunteer:login")
        client = taipeipass_client()
        try:
            token = client.authorize_access_token(request)
            claims = dict(client.userinfo(token=token))
        except Exception:  # noqa: BLE001 - any protocol or network failure: tell the person, log it
            import logging

            logging.getLogger(__name__).exception("TaipeiPass callback failed")
            messages.error(request, _("TaipeiPass log-in was cancelled or failed. Please try again."))
            return redirect("volunteer:login")
        user, identity = taipeipass_login(claims=claims)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("You are logged in with TaipeiPass."))
            return redirect("volunteer:home")
        request.session[TAIPEIPASS_SESSION_KEY] = identity.prefill()
        if identity.verified:
            messages.info(request, _("Welcome! Please complete your registration: your verified identity from "
                                     "TaipeiPass is filled in."))
        else:
            messages.info(request, _("Your TaipeiPass account is not real-name verified, so please enter your "
                                     "identity document yourself to complete the registration."))
        return redirect("volunteer:register")


# --- Staff accounts (系統管理 › 帳號) -------------------------------------------------------------------

class StaffAccountListView(SystemNavMixin, StaffRequiredMixin, SingleTableMixin, FilterView):
    """Staff accounts holding a role in the user's part of the tree: filter, sort, page; last log-in, grants."""

    template_name = "operations/accounts/account_list.html"
    module = "system"
    role_permission = "operations.user.view"
    filterset_class = StaffAccountFilter
    table_class = StaffAccountTable
    paginate_by = 25

    def get_queryset(self):
        return account_sel.staff_account_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = bool(account_sel.grantable_roles_any(self.request.user))
        return context


class StaffAccountCreateView(StaffRequiredMixin, FormView):
    """A new account and its role on one screen."""

    template_name = "operations/accounts/account_form.html"
    module = "system"
    role_permission = "operations.user.change"
    form_class = StaffAccountCreateForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        user = self.request.user
        kwargs.update(nodes=account_sel.grantable_nodes(user), roles=account_sel.grantable_roles_any(user))
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        return saved_by_service(
            self, form,
            lambda: svc_staff_account_create(
                actor=self.request.user, username=data["username"], email=data["email"],
                last_name=data["last_name"], first_name=data["first_name"], job_title=data["job_title"],
                node=data["node"], role=data["role"], ip_address=client_ip(self.request)),
            success=_("The account has been created and the role granted. A link to choose a password has "
                      "been sent to the e-mail address."),
            redirect_to=lambda account: reverse("operations:staff_account_detail", args=[account.pk]),
            refusals=(ValidationError, PermissionDenied),
        )


class StaffAccountDetailView(StaffRequiredMixin, TemplateView):
    template_name = "operations/accounts/account_detail.html"
    module = "system"
    role_permission = "operations.user.view"
    object_selector = account_sel.staff_account_detail
    object_name = "account"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = self.account
        context.update(
            grants=list(account.grants.all()),
            may_manage=account_sel.account_may_manage(self.request.user, account),
            codes_left=recovery_codes_left(account),
        )
        return context


class StaffAccountActionView(StaffRequiredMixin, View):
    """POST action=disable|enable|reset_password|reset_factor on one account; refused (403) unless the
    user may grant every role the account holds."""

    module = "system"
    role_permission = "operations.user.change"
    object_selector = account_sel.staff_account_detail
    object_name = "account"
    ACTIONS = ("disable", "enable", "reset_password", "reset_factor")

    def post(self, request, pk):
        action = request.POST.get("action", "")
        if action not in self.ACTIONS:
            return HttpResponse(_("Unknown action."), status=400, content_type="text/plain; charset=utf-8")
        if not account_sel.account_may_manage(request.user, self.account):
            raise PermissionDenied(_("You cannot change this account: it holds a role you may not grant."))
        ip = client_ip(request)
        try:
            if action in ("disable", "enable"):
                staff_account_set_active(actor=request.user, account=self.account, active=action == "enable",
                                         ip_address=ip)
                message = (_("The account has been re-enabled; a link to choose a new password has been sent.")
                           if action == "enable" else
                           _("The account has been disabled and its sessions have ended."))
            elif action == "reset_password":
                staff_password_reset_send(actor=request.user, account=self.account, ip_address=ip)
                message = _("A link to choose a new password has been sent to the account's e-mail address.")
            else:
                removed = second_factor_reset(actor=request.user, account=self.account, ip_address=ip)
                message = (_("The second factor has been reset: the person sets up the app again at the next "
                             "log-in.") if removed else _("This account has no second factor to reset."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, message)
        return redirect("operations:staff_account_detail", pk=self.account.pk)
