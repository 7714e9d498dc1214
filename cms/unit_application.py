"""申請成為運用單位: how UnitApplicationPage answers a request (the page's `serve` calls
`serve_unit_application`). Not a view module, so the page model can import it: the form, one service call
(`operations.services.unit_applications.unit_application_submit`), the page's own template."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language

from operations.services.unit_applications import unit_application_submit

from .forms import UnitApplicationForm

SESSION_REFERENCE = "cms:unit-application-reference"


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hant"


def serve_unit_application(page, request, *args, **kwargs):
    """GET shows the form; a valid POST creates the pending application through the service (a resubmitted
    form returns the first one) and redirects to the page with the reference number."""
    reference = None
    if request.GET.get("done") and request.session.get(SESSION_REFERENCE):
        reference = request.session[SESSION_REFERENCE]
    if request.method == "POST":
        form = UnitApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            data.pop("consent")
            data["certificate"] = data.get("certificate") or ""
            data["submitted_language"] = _language()
            try:
                application = unit_application_submit(submission_key=key, **data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                request.session[SESSION_REFERENCE] = application.reference
                return HttpResponseRedirect(page.get_url(request) + "?done=1")
    else:
        form = UnitApplicationForm()
    context = page.get_context(request, *args, **kwargs)
    context.update(form=form, reference=reference)
    return TemplateResponse(request, page.get_template(request), context)
