"""The one pagination of the API: `page` (1 … 100,000) and `per_page` (10, 25, 50 or 100). A page that is not a
number or a size not offered is a 400; a page past the last is a 404 (an empty first page is a page)."""
from __future__ import annotations

from django.core.paginator import EmptyPage
from django.core.paginator import Paginator as DjangoPaginator
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from volunteer_site.params import MAX_PAGE, PER_PAGE_CHOICES, parse_int


class PagePagination(BasePagination):
    page_query_param = "page"
    page_size_query_param = "per_page"
    page_size = 50  # a view may set its own `page_size` (one of PER_PAGE_CHOICES)

    def _page_size(self, request, view) -> int:
        default = getattr(view, "page_size", None) or self.page_size
        value = request.query_params.get(self.page_size_query_param)
        if value is None or value == "":
            return default
        number = parse_int(value, minimum=1, maximum=max(PER_PAGE_CHOICES))
        if number not in PER_PAGE_CHOICES:
            raise ParseError(_("per_page: choose one of %(choices)s.")
                             % {"choices": ", ".join(map(str, PER_PAGE_CHOICES))})
        return number

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self._page_size(request, view)
        value = request.query_params.get(self.page_query_param)
        number = 1 if value is None or value == "" else parse_int(value, minimum=1, maximum=MAX_PAGE)
        if number is None:
            raise ParseError(_("page: a number from 1 to %(max)d.") % {"max": MAX_PAGE})
        self.paginator = DjangoPaginator(queryset, size)
        try:
            self.page = self.paginator.page(number)
        except EmptyPage:
            raise NotFound(_("There is no such page.")) from None
        return list(self.page)

    def _link(self, number: int | None) -> str | None:
        if number is None:
            return None
        url = self.request.build_absolute_uri()
        return remove_query_param(url, self.page_query_param) if number == 1 else \
            replace_query_param(url, self.page_query_param, number)

    def get_paginated_response(self, data):
        page = self.page
        return Response({
            "count": self.paginator.count,
            "page": page.number,
            "pages": self.paginator.num_pages,
            "next": self._link(page.next_page_number() if page.has_next() else None),
            "previous": self._link(page.previous_page_number() if page.has_previous() else None),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "page", "pages", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 1},
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.page_query_param, "in": "query", "required": False,
             "description": f"Page number (1 … {MAX_PAGE}); past the last page: 404.",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
            {"name": self.page_size_query_param, "in": "query", "required": False,
             "description": f"Items per page (default {getattr(view, 'page_size', None) or self.page_size}).",
             "schema": {"type": "integer", "enum": list(PER_PAGE_CHOICES)}},
        ]
