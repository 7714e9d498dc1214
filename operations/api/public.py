"""Read-only public JSON for headless clients: WMG venues by city and the recruitment status. No login,
no personal data: venue names, districts, sports and counts only. The figures come from the cached
recruitment selectors, so a burst of requests costs at most one aggregate query per cache version."""
from __future__ import annotations

from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import override as language_override
from django.views.decorators.http import require_GET
from volunteer_site.params import clean_text

from ..models import City
from ..selectors.recruitment import recruitment_status, venues_by_city

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
    """GET /api/operations/public/venues/?campaign=wmg-2025&city=taipei&lang=en"""
    campaign, city, error = _params(request)
    if error:
        return error
    language = _language(request)
    with language_override(language):
        cities: dict[str, dict] = {}
        for venue in venues_by_city(campaign_code=campaign, city=city):
            entry = cities.setdefault(venue.city, {"city": venue.city, "label": str(City(venue.city).label), "venues": []})
            entry["venues"].append({
                "id": venue.pk,
                "name": venue.display_name,
                "district": venue.district,
                "sports": (venue.sports_en or venue.sports) if language == "en" else venue.sports,
            })
    for entry in cities.values():
        entry["venue_count"] = len(entry["venues"])
    return _response({
        "campaign": campaign, "language": language,
        "venue_count": sum(e["venue_count"] for e in cities.values()),
        "cities": list(cities.values()),
    })


@require_GET
def recruitment_status_api(request):
    """GET /api/operations/public/recruitment/?campaign=wmg-2025&city=taipei&lang=en"""
    campaign, city, error = _params(request)
    if error:
        return error
    language = _language(request)
    with language_override(language):
        status = recruitment_status(campaign_code=campaign, cities=[city] if city else None)
        rows = [
            {"city": row.city, "label": str(row.label), "venue_count": row.venue_count,
             "needed": row.progress.needed, "signed_up": row.progress.signed_up, "percent": row.progress.percent,
             "seats_needed": row.progress.seats_needed, "seats_filled": row.progress.seats_filled}
            for row in status.cities
        ]
    return _response({
        "campaign": campaign, "language": language,
        "definition": ("needed = volunteers (people) the positions recruit; signed_up = distinct volunteers with "
                       "an accepted sign-up (applied and waitlisted sign-ups do not count); percent = signed_up * 100 "
                       "/ needed, rounded down, at most 100; seats_needed / seats_filled = shift headcounts and "
                       "accepted seats"),
        "cities": rows,
        "overall": {"venue_count": status.venue_count, "needed": status.overall.needed,
                    "signed_up": status.overall.signed_up, "percent": status.overall.percent,
                    "seats_needed": status.overall.seats_needed, "seats_filled": status.overall.seats_filled},
    })
