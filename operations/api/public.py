"""Read-only public JSON for headless clients: WMG venues by city and the recruitment status. No login,
no personal data: venue names, districts, sports and counts only. The JSON is built by the same
serialisers as the public site's blocks and page API (`operations.selectors.public`); the figures come
from the cached recruitment selectors, so a burst of requests costs at most one aggregate query per
cache version."""
from __future__ import annotations

from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override as language_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from volunteer_site.params import clean_text

from ..models import City
from ..selectors.codes import city_choices
from ..selectors.public import public_figures_json, public_venues_json
from .serializers import ErrorSerializer, RecruitmentStatusSerializer, VenuesByCitySerializer

DEFAULT_CAMPAIGN = "wmg-2025"
MAX_AGE = 30  # seconds; the cache version changes on every sign-up anyway

# Control characters anywhere in a query string are refused with 400 (volunteer_site.middleware).
NO_CONTROL = {"type": "string", "pattern": r"^[^\x00-\x1f\x7f-\x9f]*$"}
PARAMETERS = [
    OpenApiParameter("campaign", NO_CONTROL, description=f"Campaign code (default {DEFAULT_CAMPAIGN}; only the first 50 "
                     "characters count)."),
    OpenApiParameter("city", OpenApiTypes.STR, enum=["", *City.values],
                     description="Only this city; empty or absent: every city; unknown: 400."),
    OpenApiParameter("lang", NO_CONTROL, description="`en…` for English; anything else "
                     "Traditional Chinese (the default)."),
]
HEADERS = [
    OpenApiParameter("Access-Control-Allow-Origin", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 400]),
    OpenApiParameter("Cache-Control", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200]),
]


class PublicAPIView(APIView):
    """No authentication (no session is read, so no CSRF either), anyone may ask; answers may be cached."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    selector = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=MAX_AGE)
        return response

    def get(self, request):
        campaign = clean_text(request.query_params.get("campaign"), max_length=50) or DEFAULT_CAMPAIGN
        city = request.query_params.get("city") or None
        if city is not None and city not in dict(city_choices()):
            raise ParseError(_("Unknown city."))
        lang = request.query_params.get("lang") or get_language() or "zh-hant"
        language = "en" if lang.startswith("en") else "zh-hant"
        with language_override(language):
            data = type(self).selector(campaign_code=campaign, city=city)
        return Response({"language": language, **data})


@extend_schema(tags=["public"], auth=[], parameters=[*PARAMETERS, *HEADERS],
               responses={200: VenuesByCitySerializer, 400: ErrorSerializer})
class VenuesByCityView(PublicAPIView):
    """The campaign's venues by city (`operations.selectors.public.public_venues_json`) plus "language"."""

    selector = staticmethod(public_venues_json)


@extend_schema(tags=["public"], auth=[], parameters=[*PARAMETERS, *HEADERS],
               responses={200: RecruitmentStatusSerializer, 400: ErrorSerializer})
class RecruitmentStatusView(PublicAPIView):
    """Recruitment figures per city and overall (`operations.selectors.public.public_figures_json`) plus
    "language"."""

    selector = staticmethod(public_figures_json)
