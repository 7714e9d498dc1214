"""Read API for staff clients: a browser's session or an integration's token (operations/api/authentication.py).
Every endpoint goes through the one scope: objects outside it answer 404 exactly like objects that do not exist;
anonymous callers get 401 and accounts without a back-office role 403 before anything is looked up."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import MethodNotAllowed, NotFound, ParseError
from rest_framework.renderers import JSONRenderer
from volunteer_site.params import MAX_ID, parse_id

from ..models import OrgKind, OrgNode, Volunteer
from ..selectors.people import volunteer_detail, volunteer_list, volunteer_list_in_node
from .authentication import ApiTokenAuthentication
from .pagination import PagePagination
from .permissions import IsStaffMember
from .serializers import ErrorSerializer, OrgNodeSerializer, VolunteerSerializer


def _errors(*codes: int) -> dict:
    text = {400: "A parameter is not valid (or the address holds control characters).", 401: "Not signed in, or the token is not valid.",
            403: "No back-office role (or, with a session, no CSRF token on a write).",
            404: "Outside your scope or does not exist (the same answer)."}
    return {code: OpenApiResponse(ErrorSerializer, description=text[code]) for code in codes}


class StaffAPIView(generics.GenericAPIView):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsStaffMember]
    renderer_classes = [JSONRenderer]
    pagination_class = PagePagination

    def initial(self, request, *args, **kwargs):
        # A method the endpoint does not have is a 405 whoever asks (before authentication, and before the CSRF
        # check of a session, which would say 403).
        if request.method.lower() not in self.http_method_names or not hasattr(self, request.method.lower()):
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


NODE_PARAMETER = OpenApiParameter(
    "node", OpenApiTypes.INT, description="Only volunteers in a team at or below this organisation node. A node "
    "outside your scope answers 404, like one that does not exist.", required=False)


@extend_schema(tags=["staff"], parameters=[NODE_PARAMETER], responses={200: VolunteerSerializer(many=True),
                                                                      **_errors(400, 401, 403, 404)})
class VolunteerListView(StaffAPIView, generics.ListAPIView):
    """Volunteers in your scope, by name. Identity numbers are masked."""

    serializer_class = VolunteerSerializer
    page_size = 50

    def get_queryset(self):
        node = self.request.query_params.get("node")
        if node is None or node == "":
            return volunteer_list(self.request.user).order_by("name", "id")
        try:
            return volunteer_list_in_node(self.request.user, node).order_by("name", "id")
        except OrgNode.DoesNotExist:
            raise NotFound from None


@extend_schema(tags=["staff"], parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                                             description=f"Volunteer id (1 … {MAX_ID}).")],
               responses={200: VolunteerSerializer, **_errors(400, 401, 403, 404)})
class VolunteerDetailView(StaffAPIView, generics.RetrieveAPIView):
    """One volunteer in your scope, with the teams they are in today."""

    serializer_class = VolunteerSerializer

    def get_object(self):
        pk = parse_id(self.kwargs["pk"])
        if pk is None:
            raise NotFound
        try:
            volunteer = volunteer_detail(self.request.user, pk)
        except Volunteer.DoesNotExist:
            raise NotFound from None
        volunteer.current_memberships = [m for m in volunteer.memberships.all() if m.is_current]
        return volunteer


@extend_schema(tags=["staff"], parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=OrgKind.values,
                                                             description="Only nodes of this kind.")],
               responses={200: OrgNodeSerializer(many=True), **_errors(400, 401, 403, 404)})
class OrgNodeListView(StaffAPIView, generics.ListAPIView):
    """The organisation nodes in your scope, in tree order (`path`)."""

    serializer_class = OrgNodeSerializer
    page_size = 100

    def get_queryset(self):
        nodes = OrgNode.objects.visible_to(self.request.user).order_by("path")
        kind = self.request.query_params.get("kind")
        if kind is None or kind == "":
            return nodes
        if kind not in OrgKind.values:
            raise ParseError(_("Unknown kind of organisation."))
        return nodes.filter(kind=kind)
