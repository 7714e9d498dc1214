"""Read API for staff clients (session authentication). Every endpoint goes through the one scope:
objects outside it answer 404 exactly like objects that do not exist."""
from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET
from volunteer_site.params import parse_id, parse_int

from ..models import OrgKind, OrgNode, Volunteer
from ..scoping import is_staff_member
from ..selectors.people import volunteer_detail, volunteer_list

PAGE_SIZE = 50


def _staff_only(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"detail": "Authentication required. 請先登入。"}, status=401)
        if not is_staff_member(request.user):
            return JsonResponse({"detail": "No back-office role. 此帳號沒有後台權限。"}, status=403)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def _bad_parameter(name: str) -> JsonResponse:
    return JsonResponse({"detail": f"Invalid parameter “{name}”. 參數「{name}」不正確。"}, status=400,
                        json_dumps_params={"ensure_ascii": False})


def _volunteer_json(volunteer: Volunteer) -> dict:
    return {
        "id": volunteer.pk,
        "name": volunteer.name,
        "english_name": volunteer.english_name,
        "id_number_masked": volunteer.masked_id,
        "id_type": volunteer.id_type,
        "sex": volunteer.sex,
        "age": volunteer.age,
        "teams": [
            {"id": m.team_id, "name": m.team.name, "name_en": m.team.name_en}
            for m in getattr(volunteer, "current_memberships", [])
        ],
        "languages": [lang.code for lang in volunteer.languages.all()],
    }


@require_GET
@_staff_only
def volunteer_list_api(request):
    qs = volunteer_list(request.user).order_by("name", "id")
    node_id = request.GET.get("node")
    if node_id:
        node = OrgNode.objects.visible_to(request.user).filter(pk=parse_id(node_id)).first() if parse_id(node_id) else None
        if node is None:
            raise Http404
        from django.db.models import Exists, OuterRef

        from ..models import Membership

        qs = qs.filter(
            Exists(Membership.objects.current().filter(team__path__startswith=node.path, volunteer=OuterRef("pk")))
        )
    paginator = Paginator(qs, PAGE_SIZE)
    number = parse_int(request.GET.get("page") or 1, minimum=1)
    if number is None:
        return _bad_parameter("page")
    try:
        page = paginator.page(number)
    except EmptyPage:
        raise Http404 from None
    return JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "results": [_volunteer_json(v) for v in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@_staff_only
def volunteer_detail_api(request, pk: int):
    try:
        volunteer = volunteer_detail(request.user, pk)
    except Volunteer.DoesNotExist as exc:
        raise Http404 from exc
    volunteer.current_memberships = [m for m in volunteer.memberships.all() if m.is_current]
    return JsonResponse(_volunteer_json(volunteer), json_dumps_params={"ensure_ascii": False})


@require_GET
@_staff_only
def org_node_list_api(request):
    nodes = OrgNode.objects.visible_to(request.user).order_by("path")
    kind = request.GET.get("kind")
    if kind and kind not in OrgKind.values:
        return _bad_parameter("kind")
    if kind:
        nodes = nodes.filter(kind=kind)
    paginator = Paginator(nodes, 200)
    number = parse_int(request.GET.get("page") or 1, minimum=1)
    if number is None:
        return _bad_parameter("page")
    try:
        page = paginator.page(number)
    except EmptyPage:
        raise Http404 from None
    return JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "results": [
                {
                    "id": n.pk, "kind": n.kind, "code": n.code, "name": n.name, "name_en": n.name_en,
                    "depth": n.depth, "parent_path": n.path[: -OrgNode.steplen], "path": n.path,
                    "city": n.city, "is_active": n.is_active,
                }
                for n in page.object_list
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
