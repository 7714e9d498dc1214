"""Public views around the Wagtail pages: the unit application form (served by its page), search and
the newsletter. Thin: parse the input, call one service or selector, render."""
from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from volunteer_site.params import get_page
from wagtail.models import Locale, Page

from .forms import NewsletterForm, SearchForm, UnitApplicationForm
from .newsletter import newsletter_confirm, newsletter_subscribe, newsletter_unsubscribe
from .search import bigram_query, excerpt, title_matches, unit_intro_pages

SESSION_REFERENCE = "cms:unit-application-reference"


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hant"


def unit_application_serve(page, request, *args, **kwargs):
    from operations.models import OrgNode
    from operations.services.unit_applications import unit_application_submit

    reference = None
    if request.GET.get("done") and request.session.get(SESSION_REFERENCE):
        reference = request.session[SESSION_REFERENCE]
    if request.method == "POST":
        form = UnitApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            data.pop("consent")
            authority_id = data.pop("purpose_authority")
            data["purpose_authority"] = OrgNode.objects.filter(pk=authority_id).first() if authority_id else None
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


def search(request):
    form = SearchForm(request.GET or None)
    query = ""
    results = None
    page_obj = None
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
    places, place_page = [], None
    if query:
        terms = bigram_query(query)
        locale = Locale.objects.filter(language_code=_language()).first()
        pages = Page.objects.live().public().filter(locale=locale) if locale else Page.objects.none()
        # The backend's ranking, then pages whose title holds the query first (a stable sort keeps the
        # backend's order within each group); at most SEARCH_LIMIT pages are ranked.
        found = list(pages.search(terms, operator="and")[:SEARCH_LIMIT]) if terms else []
        found = [p.specific for p in found]
        found.sort(key=lambda p: not title_matches(p.title, query))
        paginator = Paginator(found, 10)
        page_obj = get_page(paginator, request.GET.get("page"))
        results = [{"page": p, "excerpt": _excerpt(p, query)} for p in page_obj.object_list]
        if page_obj.number == 1:
            from operations.selectors.public import public_place_search

            from .recruitment_pages import RecruitmentPage

            places = public_place_search(query)
            place_page = RecruitmentPage.objects.live().filter(locale=locale).first() if places else None
            intro_pages = unit_intro_pages(locale) if any(not p.recruiting for p in places) else {}
            places = [{"place": p, "intro_page": intro_pages.get(p.id)} for p in places]
    return render(request, "cms/search.html", {
        "form": form, "query": query, "results": results, "page_obj": page_obj,
        "filter_query": urlencode({"q": query}), "places": places, "place_page": place_page,
    })


SEARCH_LIMIT = 200


def _excerpt(page, query: str):
    parts = page.search_text_parts() if hasattr(page, "search_text_parts") else [page.title]
    return excerpt(" ".join(str(p) for p in parts[1:] if p), query) or excerpt(page.title, query)


@require_http_methods(["GET", "POST"])
def newsletter(request):
    if request.method == "POST":
        form = NewsletterForm(request.POST)
        if form.is_valid():
            newsletter_subscribe(email=form.cleaned_data["email"], language=_language())
            return render(request, "cms/newsletter_sent.html", {"email": form.cleaned_data["email"]})
    else:
        form = NewsletterForm()
    return render(request, "cms/newsletter.html", {"form": form})


@require_http_methods(["GET", "POST"])
def newsletter_confirm_view(request, token: str):
    if request.method == "POST":
        subscriber = newsletter_confirm(token=token)
        if subscriber is None:
            return render(request, "cms/newsletter_result.html", {"ok": False, "title": _(
                "This confirmation link is no longer valid")}, status=404)
        return render(request, "cms/newsletter_result.html", {"ok": True, "title": _("Your subscription is confirmed")})
    return render(request, "cms/newsletter_action.html", {
        "title": _("Confirm your subscription"), "button": _("Confirm subscription"),
        "text": _("Press the button to start receiving the newsletter."),
    })


@csrf_exempt  # RFC 8058: mail programs POST without a CSRF token; the secret token authorises the action
@require_http_methods(["GET", "POST"])
def newsletter_unsubscribe_view(request, token: str):
    if request.method == "POST":
        subscriber = newsletter_unsubscribe(token=token)
        if subscriber is None:
            return render(request, "cms/newsletter_result.html", {"ok": False, "title": _(
                "This unsubscribe link is not valid")}, status=404)
        return render(request, "cms/newsletter_result.html", {"ok": True, "title": _("You are unsubscribed")})
    return render(request, "cms/newsletter_action.html", {
        "title": _("Unsubscribe from the newsletter"), "button": _("Unsubscribe"),
        "text": _("Press the button and we will not send you the newsletter any more."),
    })


def robots_txt(request):
    """robots.txt: the public pages may be indexed; the back-office, the volunteer zone, the admin and
    the APIs may not. Points at the sitemap on this host."""
    from django.http import HttpResponse

    lines = ["User-agent: *"]
    for prefix in ("", "/en"):
        lines += [f"Disallow: {prefix}/backoffice/", f"Disallow: {prefix}/volunteer/", f"Disallow: {prefix}/search/"]
    lines += ["Disallow: /admin/", "Disallow: /api/", "Disallow: /captcha/", "",
              f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def favicon_ico(request):
    """/favicon.ico, which browsers and bots ask for whatever the page's <link rel=icon> says."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.http import HttpResponsePermanentRedirect

    return HttpResponsePermanentRedirect(staticfiles_storage.url("img/favicon.ico"))
