"""The edges the fuzz found: control characters at the request edge, ids and pages on the staff API,
full-text syntax and huge offsets on the Wagtail API, and dates the database refuses to store."""
from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from operations.models import Campaign, ServicePlan, Shift
from tests.factories import CampaignFactory, PositionFactory, ServicePlanFactory, ShiftFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", [
    "/search/?q=a%00b", "/search/?q=%1b[0m", "/newsletter/unsubscribe/abc%00def/", "/en/search/?q=%00",
    "/backoffice/volunteers/?q=%00", "/api/v2/pages/?search=%00",
])
def test_control_characters_in_paths_and_queries_answer_400_in_the_visitors_language(client, path):
    response = client.get(path)
    assert response.status_code == 400
    html = response.content.decode()
    if path.startswith("/en/"):
        assert "Bad request" in html
    else:
        assert "控制字元" in html or "不允許" in html


def test_control_characters_are_removed_from_form_posts(client, org):
    from volunteer_site.middleware import InputGuardMiddleware

    seen = {}

    def view(request):
        seen.update(request.POST.dict())
        from django.http import HttpResponse

        return HttpResponse("ok")

    from django.test import RequestFactory

    request = RequestFactory().post("/x/", {"reason": "a\x00b\x0bc\r\nd\te", "n\x00ame": "x"})
    InputGuardMiddleware(view)(request)
    assert seen == {"reason": "abc\r\nd\te", "name": "x"}


def test_staff_api_pages_and_ids(client, org):
    client.force_login(org.sysadmin)
    assert client.get("/api/operations/organisations/?page=abc").status_code == 400
    assert client.get("/api/operations/organisations/?page=²").status_code == 400
    assert client.get("/api/operations/organisations/?page=" + "9" * 30).status_code == 400
    assert client.get("/api/operations/organisations/?page=99999").status_code == 404
    assert client.get("/api/operations/organisations/?kind=nope").status_code == 400
    assert client.get("/api/operations/volunteers/?node=" + "9" * 30).status_code == 404
    assert client.get("/api/operations/volunteers/?node=²").status_code == 404
    assert client.get("/api/operations/volunteers/" + "9" * 30 + "/").status_code == 404
    assert client.get("/api/operations/organisations/?page=1").status_code == 200


@pytest.mark.parametrize("query, status", [
    ('search="', 200), ("search=a OR (b", 200), ("search=NEAR(志工 招募)", 200), ("search=*", 200),
    ("offset=" + "9" * 30, 400), ("limit=" + "9" * 30, 400), ("offset=-1", 400), ("offset=²", 400),
    ("child_of=" + "9" * 30, 400), ("descendant_of=abc", 400), ("id=" + "9" * 30, 400),
])
def test_wagtail_api_parameters(client, query, status):
    from cms.demo import load_demo_pages

    load_demo_pages(full=False)
    assert client.get(f"/api/v2/pages/?{query}").status_code == status
    assert client.get("/api/v2/pages/" + "9" * 30 + "/").status_code == 404


def test_the_database_refuses_dates_outside_1900_to_2200(org):
    for model, factory, fields in (
            (ServicePlan, lambda: ServicePlanFactory(unit=org.unit_a), ("starts_on", "ends_on")),
            (Campaign, lambda: CampaignFactory(unit=org.unit_a), ("starts_on", "ends_on")),
            (Shift, lambda: ShiftFactory(position=PositionFactory(campaign=CampaignFactory(unit=org.unit_a))),
             ("date",))):
        obj = factory()
        for field in fields:
            for day in (datetime.date(1899, 12, 31), datetime.date(2201, 1, 1), datetime.date(9999, 12, 31)):
                with pytest.raises(IntegrityError), transaction.atomic():
                    # ends_on moves along so that only the range check can refuse the row
                    values = {field: day, **({"ends_on": day} if field == "starts_on" else {}),
                              **({"starts_on": datetime.date(1900, 1, 1)} if field == "ends_on" else {})}
                    model.objects.filter(pk=obj.pk).update(**values)


def test_report_periods_of_a_plan_at_the_end_of_the_range(org):
    plan = ServicePlanFactory(unit=org.unit_a, starts_on=datetime.date(2198, 6, 1),
                              ends_on=datetime.date(2200, 12, 31))
    periods = plan.report_periods()
    assert periods[-1] == (datetime.date(2200, 12, 31), datetime.date(2201, 2, 28))


def test_the_plan_form_refuses_year_9999(client, org):
    plan = ServicePlanFactory(unit=org.unit_a)
    client.force_login(org.admin_a)
    response = client.post(f"/backoffice/plans/{plan.pk}/edit/", {
        "title": plan.title, "starts_on": "2025-01-01", "ends_on": "9999-12-31"})
    assert response.status_code in (200, 400)
    plan.refresh_from_db()
    assert plan.ends_on == datetime.date(2025, 12, 31)


def test_back_office_lists_clamp_pages_and_sizes(client, org):
    client.force_login(org.sysadmin)
    for path in ("/backoffice/teams/", "/backoffice/units/", "/backoffice/plans/", "/backoffice/recruitment/",
                 "/backoffice/volunteers/", "/backoffice/audit/"):
        for query in ("page=abc", "page=²", "page=-1", "page=" + "9" * 30, "per_page=-1", "per_page=7",
                      "per_page=" + "9" * 30, "sort=" + "x" * 500, "per_page=10&page=2"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 200, (path, query)
            table = response.context["table"]
            assert table.paginator.per_page in (10, 25, 50, 100)
            assert 1 <= table.page.number <= table.paginator.num_pages
