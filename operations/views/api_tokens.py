"""A staff member's own API tokens (under "My profile"): make one (its secret shown once, on the answer to the
form, and never stored), see when each was last used, revoke one. A token acts as its maker, so anyone with a
back-office role may make tokens, and nobody sees or revokes another person's."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.generic import FormView

from ..forms.api_tokens import ApiTokenForm, ApiTokenRevokeForm
from ..selectors.api_tokens import api_token_detail, api_token_list
from ..services.api_tokens import api_token_create, api_token_revoke
from ..services.submissions import submission_key_new, submission_once
from .base import StaffRequiredMixin, add_service_errors, client_ip


class ApiTokenListView(StaffRequiredMixin, FormView):
    template_name = "operations/api_tokens/token_list.html"
    form_class = ApiTokenForm
    module = "api_tokens"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(tokens=api_token_list(self.request.user).select_related("revoked_by"),
                       submission_key=submission_key_new(),
                       schema_url=reverse("api_schema"), docs_url=reverse("api_docs"))
        return context

    def form_valid(self, form):
        shown = {}

        def run():
            token, raw = api_token_create(actor=self.request.user, name=form.cleaned_data["name"],
                                          days=form.cleaned_data["days"], ip_address=client_ip(self.request))
            shown.update(token=token, raw=raw)
            return {"token": token.pk}  # never the secret

        try:
            _result, repeated = submission_once(user=self.request.user, key=self.request.POST.get("submission_key", ""),
                                                purpose="api_token", run=run)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        if repeated:
            messages.info(self.request, _("This form was already sent: the token was made then, and its secret "
                                          "was shown only on that page. Revoke it if you did not copy it."))
            return redirect("operations:api_token_list")
        response = self.render_to_response(self.get_context_data(form=ApiTokenForm(), new_token=shown["token"],
                                                                  new_secret=shown["raw"]))
        add_never_cache_headers(response)  # the one page that holds the secret is not kept by any cache
        return response


class ApiTokenRevokeView(StaffRequiredMixin, FormView):
    template_name = "operations/api_tokens/token_revoke.html"
    form_class = ApiTokenRevokeForm
    module = "api_tokens"
    object_selector = api_token_detail
    object_name = "token"

    def form_valid(self, form):
        api_token_revoke(actor=self.request.user, token_id=self.token.pk, ip_address=client_ip(self.request))
        messages.success(self.request, _("The token “%(name)s” has been revoked.") % {"name": self.token.name})
        return redirect("operations:api_token_list")
