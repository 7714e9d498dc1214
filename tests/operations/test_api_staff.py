"""The staff API on Django REST framework: one pagination (bounded `page` and `per_page`), the one scope (404
outside it, the same as for a missing object), 401/403 before any lookup, CSRF on unsafe methods with a
session, 405 for methods an endpoint does not have, and the response shapes the headless front reads."""
from __future__ import annotations

import pytest
from django.test import Client

from operations.models import OrgNode, Volunteer
from operations.services.api_tokens import api_token_create
from tests.factories import VolunteerFactory

from .test_scope import assert_same_404, missing_pk


def test_list_shape_and_pagination_bounds(org, login):
    client = login(org.sysadmin)
    for number in range(60):
        VolunteerFactory(team=org.team_a, name=f"志工{number:02d}")
    first = client.get("/api/operations/volunteers/").json()
    assert set(first) == {"count", "page", "pages", "next", "previous", "results"}
    assert (first["count"], first["page"], first["pages"], len(first["results"])) == (65, 1, 2, 50)
    assert first["previous"] is None and first["next"].endswith("/api/operations/volunteers/?page=2")
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 15 and second["next"] is None
    assert client.get("/api/operations/volunteers/", {"per_page": 10}).json()["pages"] == 7
    for query, status in ((("page", "0"), 400), (("page", "-1"), 400), (("page", "abc"), 400),
                          (("page", "²"), 400), (("page", "100001"), 400), (("page", "3"), 404),
                          (("per_page", "7"), 400), (("per_page", "1000"), 400), (("per_page", "x"), 400)):
        response = client.get("/api/operations/volunteers/", dict([query]))
        assert response.status_code == status, query
        assert set(response.json()) == {"detail"}
    organisations = client.get("/api/operations/organisations/").json()
    assert organisations["count"] == OrgNode.objects.count() and len(organisations["results"]) <= 100


def test_volunteer_shape_is_the_one_the_front_reads(org, login):
    data = login(org.admin_a).get(f"/api/operations/volunteers/{org.vol_a.pk}/").json()
    assert set(data) == {"id", "name", "english_name", "id_number_masked", "id_type", "sex", "age", "teams",
                         "languages"}
    assert data["teams"] == [{"id": org.team_a.pk, "name": org.team_a.name, "name_en": org.team_a.name_en}]
    assert data["languages"] == ["zh"] and data["id_number_masked"].endswith("****")


def test_node_filter_and_strangers(org, login):
    client = login(org.admin_a)
    assert {v["name"] for v in client.get("/api/operations/volunteers/", {"node": org.sub_a.pk}).json()["results"]} \
        == {"甲小隊陳志明"}
    assert_same_404(client, lambda pk: f"/api/operations/volunteers/?node={pk}", org.team_b.pk, missing_pk(OrgNode))
    assert_same_404(client, lambda pk: f"/api/operations/volunteers/{pk}/", org.vol_c.pk, missing_pk(Volunteer))
    for bad in ("abc", "²", "-1", "0", "9" * 30):
        assert client.get("/api/operations/volunteers/", {"node": bad}).status_code == 404
        assert client.get(f"/api/operations/volunteers/{bad}/").status_code == 404
    # anonymous and role-less callers get the same answer whether the volunteer exists or not
    for user, status in ((None, 401), (org.nobody, 403)):
        other = Client()
        if user:
            other.force_login(user)
        answers = {(r.status_code, r.content) for r in (other.get(f"/api/operations/volunteers/{org.vol_a.pk}/"),
                                                         other.get(f"/api/operations/volunteers/{missing_pk(Volunteer)}/"))}
        assert len(answers) == 1 and answers.pop()[0] == status


def test_csrf_on_unsafe_methods_with_a_session_and_405_for_everyone(org):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org.admin_a)
    assert browser.get("/api/operations/volunteers/").status_code == 200
    # the API has no writes: every unsafe method is a 405, before the session's CSRF check or a lookup
    for method in ("post", "put", "patch", "delete"):
        assert getattr(browser, method)("/api/operations/volunteers/").status_code == 405
        assert getattr(Client(), method)(f"/api/operations/volunteers/{org.vol_a.pk}/").status_code == 405
    _token, secret = api_token_create(actor=org.admin_a, name="x", days=1)
    assert Client().post("/api/operations/volunteers/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 405


def test_a_write_with_a_session_needs_the_csrf_token_and_one_with_a_token_does_not(org):
    """The API has no write yet; one added later on the same base gets CSRF from SessionAuthentication, shown on a
    throwaway view."""
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import RequestFactory
    from rest_framework.response import Response

    from operations.api.views import StaffAPIView

    class Write(StaffAPIView):
        def post(self, request):
            return Response({"ok": True})

    request = RequestFactory().post("/api/operations/x/")
    request.user = org.admin_a
    response = Write.as_view()(request)
    assert response.status_code == 403 and "CSRF" in response.data["detail"]
    secret = _get_new_csrf_string()
    request = RequestFactory().post("/api/operations/x/", HTTP_X_CSRFTOKEN=secret)
    request.COOKIES["csrftoken"] = secret
    request.user = org.admin_a
    assert Write.as_view()(request).status_code == 200
    _token, token_secret = api_token_create(actor=org.admin_a, name="x", days=1)
    request = RequestFactory().post("/api/operations/x/", HTTP_AUTHORIZATION=f"Bearer {token_secret}")
    assert Write.as_view()(request).status_code == 200


@pytest.mark.parametrize("lang", ["en", ""])
def test_public_endpoints_are_open_and_cacheable(db, client, lang):
    response = client.get("/api/operations/public/recruitment/", {"lang": lang} if lang else {})
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    assert "max-age=30" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert response.json()["language"] == ("en" if lang else "zh-hant")
    bad = client.get("/api/operations/public/venues/", {"city": "atlantis"})
    assert bad.status_code == 400 and set(bad.json()) == {"detail"}
