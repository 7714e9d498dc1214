"""Read-only public JSON for headless clients: WMG venues by city and the recruitment status. No login,
no personal data: venue names, districts, sports and counts only. The JSON is built by the same
serialisers as the public site's blocks and page API (`operations.selectors.public`); the figures come
from the cached recruitment selectors, so a burst of requests costs at most one aggregate query per
cache version."""
from __future__ import annotations

from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import override as language_override
from django.views.decorators.http import require_GET
from volunteer_site.params import clean_text

from ..models import City
from ..selectors.public import public_figures_json, public_venues_json

DEFAULT_CAMPAIGN = "wmg-2025"
MAX_AGE = 30  # seconds; the cache version changes on every sign-up anyway


def _language(request) -> str:
    lang = request.GET.get("lang") or get_language() or "zh-hant"
    return "en" if lang.startswith("en") else "zh-hant"


def _response(data: dict) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})


def _params(request):
    campaign = clean_text(request.GET.get("campaign"), max_length=50) or DEFAULT_CAMPAIGN
    city = request.GET.get("city") or None
    if city is not None and city not in City.values:
        return None, None, _bad_request("Unknown city. 無此縣市代碼。")
    return campaign, city, None


@require_GET
def venues_by_city_api(request):
    """GET /api/operations/public/venues/?campaign=wmg-2025&city=taipei&lang=en: `public_venues_json`
    (operations/selectors/public.py documents the shape) plus "language"."""
    campaign, city, error = _params(request)
    if error:
        return error
    language = _language(request)
    with language_override(language):
        data = public_venues_json(campaign_code=campaign, city=city)
    return _response({"language": language, **data})


@require_GET
def recruitment_status_api(request):
    """GET /api/operations/public/recruitment/?campaign=wmg-2025&city=taipei&lang=en: `public_figures_json`
    (operations/selectors/public.py documents the shape) plus "language"."""
    campaign, city, error = _params(request)
    if error:
        return error
    language = _language(request)
    with language_override(language):
        data = public_figures_json(campaign_code=campaign, city=city)
    return _response({"language": language, **data})
