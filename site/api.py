"""Wagtail API v2 router (pages, images, documents) for headless clients.

Each endpoint reads its parameters our way (volunteer_site.params) before Wagtail does: `offset`, `limit`
and the tree filters are bounded integers (Wagtail's own parsing passes a 30-digit offset or id on to the
database), a detail id past 2**63−1 is a 404, and `search` is reduced to words — the same CJK bigrams the
public search indexes — so that quotes, parentheses or FTS operators can no longer reach SQLite's FTS5 or
PostgreSQL's tsquery parser as syntax."""
from django.http import Http404
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from .params import MAX_TEXT, parse_id, parse_int

MAX_OFFSET = 1_000_000
ID_PARAMETERS = ("id", "child_of", "descendant_of", "ancestor_of", "translation_of")


def bounded_api_parameters(request, kwargs) -> None:
    """Check and clean the query of a Wagtail API request in place (raises BadRequestError or Http404)."""
    params = request._request.GET
    for name in ("offset", "limit"):
        if name in params and parse_int(params[name], minimum=0, maximum=MAX_OFFSET) is None:
            raise BadRequestError(f"{name} must be a whole number from 0 to {MAX_OFFSET}")
    for name in ID_PARAMETERS:
        if name in params and params[name] != "root" and parse_id(params[name]) is None:
            raise BadRequestError(f"{name} must be an id")
    if "pk" in kwargs and parse_id(kwargs["pk"]) is None:
        raise Http404
    if "search" in params:
        from cms.search import bigram_query

        cleaned = params.copy()
        cleaned["search"] = bigram_query(params["search"][:MAX_TEXT])
        request._request.GET = cleaned


class BoundedParametersMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        bounded_api_parameters(request, kwargs)


class Pages(BoundedParametersMixin, PagesAPIViewSet):
    pass


class Images(BoundedParametersMixin, ImagesAPIViewSet):
    pass


class Documents(BoundedParametersMixin, DocumentsAPIViewSet):
    pass


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", Pages)
api_router.register_endpoint("images", Images)
api_router.register_endpoint("documents", Documents)
