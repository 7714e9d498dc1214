from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import FormView

from ..forms.staff import ProfileForm, StaffLoginForm
from ..services.people import user_update_profile
from .base import StaffRequiredMixin


class StaffLoginView(auth_views.LoginView):
    template_name = "operations/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


class StaffLogoutView(auth_views.LogoutView):
    pass


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
        return context

    def form_valid(self, form):
        try:
            user_update_profile(user=self.request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields})
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile has been saved."))
        return super().form_valid(form)


class PasswordChangeView(StaffRequiredMixin, FormView):
    template_name = "operations/profile.html"
    form_class = PasswordChangeForm
    module = "profile"
    success_url = reverse_lazy("operations:profile")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["password_form"] = context.pop("form")
        context["form"] = ProfileForm(instance=self.request.user)
        return context

    def form_valid(self, form):
        form.save()
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)
