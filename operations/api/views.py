"""Read API for staff clients (session authentication). Every endpoint goes through the one scope:
objects outside it answer 404 exactly like objects that do not exist."""
from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from ..models import OrgNode, Volunteer
from ..scoping import is_staff_member
from ..selectors import volunteer_detail, volunteer_list

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
        node = OrgNode.objects.visible_to(request.user).filter(pk=node_id).first() if node_id.isdigit() else None
        if node is None:
            raise Http404
        from django.db.models import Exists, OuterRef

        from ..models import Membership

        qs = qs.filter(
            Exists(Membership.objects.current().filter(team__path__startswith=node.path, volunteer=OuterRef("pk")))
        )
    paginator = Paginator(qs, PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, ValueError, TypeError):
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
    if kind:
        nodes = nodes.filter(kind=kind)
    paginator = Paginator(nodes, 200)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, ValueError, TypeError):
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
