"""Districts (行政區) as a code table: seeded per city, offered in forms as a select grouped by city, checked
against the chosen city (free text for a city without districts), retired but kept where used, counted and
deleted only when unused, shown in the page's language; a unit's English district comes from the table."""
from __future__ import annotations

import importlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from cms.forms import UnitApplicationForm
from operations.forms.organisations import UnitProfileForm
from operations.forms.people import VolunteerForm
from operations.forms.volunteer_zone import ProfileForm
from operations.models import District, OrgNode, UnitApplication
from operations.selectors.codes import code_values
from operations.services.codes import (
    code_value_create,
    code_value_delete,
    code_value_retire,
    code_value_update,
)
from tests.conftest import fresh
from tests.factories import UnitFactory

from .journey_support import volunteer_with_account
from .test_volunteers import form_data

SEEDED = {"taipei": 12, "new_taipei": 29, "taoyuan": 13, "hsinchu_city": 3, "hsinchu_county": 13, "yilan": 12}


@pytest.fixture(autouse=True)
def code_tables_reset(db):
    """The districts as the migration seeds them (a transactional test elsewhere, with a reused PostgreSQL test
    database, may have emptied the tables: seeded again by the migration's own function); the tables' lookup is
    cached per process: dropped before and after each test (rows are rolled back)."""
    from django.apps import apps

    from operations.models.code_values import code_tables_changed

    for migration in ("0030_service_category_city_tables", "0035_districts"):
        importlib.import_module(f"operations.migrations.{migration}").seed(apps, None)
    code_tables_changed()
    yield
    code_tables_changed()


def district(city, name):
    return District.objects.get(city=city, name=name)


def application(**fields):
    return UnitApplication.objects.create(**{
        "reference": fields.pop("reference", "U-TEST-1"), "organisation_name": "測試協會", "category": "general",
        "registration_type": "agency", "address": "某路1號", "contact_person": "王", "contact_phone": "0222222222",
        "contact_email": "a@example.org", **fields})


def test_the_districts_of_the_six_cities_are_seeded(db):
    counts = {city: District.objects.filter(city=city).count() for city in SEEDED}
    assert counts == SEEDED and District.objects.count() == 82
    assert district("taipei", "大安區").name_en == "Da'an District"
    assert district("new_taipei", "淡水區").name_en == "Tamsui District"
    assert district("hsinchu_city", "香山區").code == "xiangshan"
    assert district("yilan", "蘇澳鎮").name_en == "Su'ao Township"
    assert list(District.objects.filter(city="taipei").values_list("name", flat=True)) == [
        "中正區", "大同區", "中山區", "松山區", "大安區", "萬華區", "信義區", "士林區", "北投區", "內湖區", "南港區", "文山區"]
    # listed city by city, in the cities' order (not interleaved)
    cities = [city for city in District.objects.values_list("city", flat=True)]
    assert [c for i, c in enumerate(cities) if i == 0 or cities[i - 1] != c] == list(SEEDED)


@pytest.mark.parametrize("form_class", [VolunteerForm, UnitApplicationForm])
def test_the_district_is_a_select_grouped_by_city_in_the_pages_language(db, form_class):
    with translation.override("zh-hant"):
        chinese = str(form_class()["district"])
    assert chinese.startswith("<select") and '<optgroup label="臺北市">' in chinese
    assert '<optgroup label="宜蘭縣">' in chinese and '<option value="中正區">中正區</option>' in chinese
    assert chinese.index('label="臺北市"') < chinese.index('label="新北市"') < chinese.index('label="宜蘭縣"')
    assert '<option value=""' in chinese  # the empty choice
    assert 'label="臺中市"' not in chinese  # a city without districts in the table has no group
    with translation.override("en"):
        english = str(form_class()["district"])
    assert '<optgroup label="Taipei City">' in english and '<optgroup label="Hsinchu County">' in english
    assert '<option value="中正區">Zhongzheng District</option>' in english
    assert not re.search(r">[^<]*[\u4e00-\u9fff][^<]*<", english)  # no Chinese shown on the English form


def test_a_district_of_another_city_is_refused_with_a_message(org, login):
    client = login(org.admin_a)
    response = client.post("/backoffice/volunteers/new/", form_data(org, city="new_taipei", district="中正區",
                                                                    address="中正路1號"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["district"] == ["請選擇新北市的行政區。"]
    assert form["address"].value() == "中正路1號" and form["name"].value() == "新進志工王小美"  # nothing lost
    assert '<option value="中正區" selected>' in str(form["district"])
    response = client.post("/en/backoffice/volunteers/new/", form_data(org, city="new_taipei", district="中正區"))
    assert response.context["form"].errors["district"] == ["Choose a district of New Taipei City."]
    # the right city's district is accepted
    response = client.post("/backoffice/volunteers/new/", form_data(org, city="new_taipei", district="新莊區"))
    assert response.status_code == 302


def test_a_city_without_districts_keeps_free_text(org):
    for city, name in (("taichung", "西屯區"), ("", "")):
        form = VolunteerForm(data=form_data(org, city=city, district=name))
        form.is_valid()
        assert "district" not in form.errors
    form = UnitApplicationForm(data={"city": "taipei", "district": "不存在區"})
    form.is_valid()
    assert form.errors["district"]
    form = UnitApplicationForm(data={"city": "kaohsiung", "district": "前鎮區"})
    form.is_valid()
    assert "district" not in form.errors and form.cleaned_data["district"] == "前鎮區"
    assert re.search(r'<input type="text" name="district_1" value="前鎮區"', str(form["district"]))  # in the box


def test_a_district_of_a_city_without_a_list_is_typed_in_the_box_under_it(org, login):
    """The list offers the districts of some cities only; for another city the district is typed in the text box
    under the list (labelled, and explained by the field's help), and saved; a city with a list takes one of its
    own, and a district chosen and another typed are refused, each with a message on the field."""
    volunteer = volunteer_with_account(email="keelung@example.com")
    client = login(volunteer.user)
    page = client.get("/volunteer/profile/").content.decode()
    assert 'name="district_0"' in page and 'name="district_1"' in page
    assert '<label for="id_district_0">行政區</label>' in page  # the list is named by the field's label
    assert re.search(r'<label class="district-typed-label" for="id_district_1">行政區（選單中沒有您的縣市時填寫）</label>',
                     page) and "請在選單下方的欄位填寫行政區" in page
    english = client.get("/en/volunteer/profile/").content.decode()
    assert ">District, typed (if your city is not in the list)</label>" in english
    form = ProfileForm(instance=volunteer).initial
    data = {**{k: v for k, v in form.items() if v is not None and k not in ("languages", "skills", "photo")},
            "city": "keelung", "district_0": "", "district_1": " 仁愛區 "}
    response = client.post("/volunteer/profile/", data)
    assert response.status_code == 302, response.context["form"].errors
    volunteer.refresh_from_db()
    assert (volunteer.city, volunteer.district) == ("keelung", "仁愛區")
    shown = client.get("/volunteer/profile/").content.decode()
    assert re.search(r'name="district_1" value="仁愛區"', shown)  # kept in the box when shown again
    response = client.post("/volunteer/profile/", {**data, "city": "taipei"})
    assert response.context["form"].errors["district"] == ["請選擇臺北市的行政區。"]
    response = client.post("/volunteer/profile/", {**data, "city": "taipei", "district_0": "中正區"})
    assert response.context["form"].errors["district"] == ["請從選單選擇或自行填寫行政區，擇一即可。"]
    response = client.post("/volunteer/profile/", {**data, "city": "taipei", "district_0": "中正區", "district_1": ""})
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert (volunteer.city, volunteer.district) == ("taipei", "中正區")


def test_a_retired_district_is_not_offered_but_kept(org):
    admin = fresh(org.sysadmin)
    org.vol_a.city, org.vol_a.district = "taipei", "大同區"
    org.vol_a.save()
    code_value_retire(actor=admin, value=district("taipei", "大同區"), reason="整併")
    assert 'value="大同區"' not in str(VolunteerForm()["district"])
    form = VolunteerForm(data=form_data(org, district="大同區"))
    form.is_valid()
    assert form.errors["district"] == ["此行政區已不再提供，請選擇臺北市的其他行政區。"]
    # the volunteer who has it keeps it: offered (selected) and accepted when saved
    kept = VolunteerForm(instance=org.vol_a)
    assert '<option value="大同區" selected>' in str(kept["district"])
    data = form_data(org, district="大同區", id_type=org.vol_a.id_type, id_number=org.vol_a.id_number)
    form = ProfileForm(data=data, instance=org.vol_a)
    form.is_valid()
    assert "district" not in form.errors
    # another city: the retired district no longer goes
    form = ProfileForm(data={**data, "city": "new_taipei"}, instance=org.vol_a)
    form.is_valid()
    assert form.errors["district"]


def test_uses_are_counted_and_a_district_in_use_is_not_deleted(org):
    admin = fresh(org.sysadmin)
    org.vol_a.city, org.vol_a.district = "taipei", "中山區"
    org.vol_a.save()
    UnitFactory(parent=org.wmg, code="zhongshan-unit", city="taipei", district="中山區")
    application(city="taipei", district="中山區")
    application(reference="U-TEST-2", city="new_taipei", district="中和區")
    uses = {(value.city, value.name): value.uses for value in code_values(admin, District)}
    assert uses[("taipei", "中山區")] == 3 and uses[("new_taipei", "中和區")] == 1
    assert uses[("taipei", "中正區")] == OrgNode.objects.filter(city="taipei", district="中正區").count() > 0
    assert uses[("new_taipei", "烏來區")] == 0
    # a city's districts are uses of the city: a city with districts is not deleted
    from operations.models import CityArea
    from operations.selectors.codes import code_value_uses

    assert code_value_uses(CityArea.objects.get(code="hsinchu_city")) == 3
    zhongshan = district("taipei", "中山區")
    with pytest.raises(ValidationError) as info:
        code_value_delete(actor=admin, value=zhongshan, reason="整併")
    assert info.value.error_list[0].code == "in_use"
    assert District.objects.filter(pk=zhongshan.pk).exists()
    # its Chinese name (what the rows hold) is not changed while it is in use; its English name is
    with pytest.raises(ValidationError):
        code_value_update(actor=admin, value=zhongshan, name="中山新區")
    code_value_update(actor=admin, value=zhongshan, name_en="Zhongshan Dist.")
    assert district("taipei", "中山區").name_en == "Zhongshan Dist."


def test_an_unused_district_is_deleted(org):
    admin = fresh(org.sysadmin)
    wulai = district("new_taipei", "烏來區")
    assert code_value_delete(actor=admin, value=wulai, reason="測試") is True
    assert not District.objects.filter(pk=wulai.pk).exists()
    assert code_value_delete(actor=admin, value=wulai, reason="再按一次") is False
    form = VolunteerForm(data=form_data(org, city="new_taipei", district="烏來區"))
    form.is_valid()
    assert form.errors["district"]


def test_districts_through_the_code_table_pages(org, login):
    client = login(org.sysadmin)
    page = client.get(reverse("operations:code_tables")).content.decode()
    assert 'id="codes-districts"' in page and "香山區" in page and "Xiangshan District" in page
    # a new district is given its city; the same code may be used in another city
    response = client.post(reverse("operations:code_create", args=["districts"]),
                           {"city": "taichung", "code": "xitun", "name": "西屯區", "name_en": "Xitun District",
                            "order": 10, "is_active": "on"})
    assert response.status_code == 302
    assert district("taichung", "西屯區").code == "xitun"
    code_value_create(actor=fresh(org.sysadmin), model=District, city="taipei", code="xitun", name="測試區",
                      name_en="Test District")
    response = client.post(reverse("operations:code_create", args=["districts"]),
                           {"code": "nowhere", "name": "無城區", "name_en": "Nowhere", "order": 1, "is_active": "on"})
    assert response.status_code == 200 and not District.objects.filter(code="nowhere").exists()
    # Taichung now has districts: its district is one of them
    form = VolunteerForm(data=form_data(org, city="taichung", district="前鎮區"))
    form.is_valid()
    assert form.errors["district"]
    edit = client.get(reverse("operations:code_edit", args=["districts", district("taichung", "西屯區").pk]))
    assert "臺中市" in edit.content.decode()
    wuri = district("taichung", "西屯區")
    response = client.post(reverse("operations:code_delete", args=["districts", wuri.pk]), {"reason": "測試"})
    assert response.status_code == 302 and not District.objects.filter(pk=wuri.pk).exists()


def test_the_english_name_is_shown_on_english_pages(org, login):
    org.vol_a.city, org.vol_a.district = "new_taipei", "新莊區"
    org.vol_a.save()
    client = login(org.admin_a)
    chinese = client.get(f"/backoffice/volunteers/{org.vol_a.pk}/").content.decode()
    assert "新莊區" in chinese
    english = client.get(f"/en/backoffice/volunteers/{org.vol_a.pk}/").content.decode()
    address = re.search(r"<dt>Address</dt><dd>(.*?)</dd>", english).group(1)
    assert "Xinzhuang District" in address and "新莊區" not in address
    unit = client.get(f"/en/backoffice/units/{org.unit_a.pk}/").content.decode()
    address = re.search(r"<dt>Address</dt><dd>(.*?)</dd>", unit).group(1)
    assert "Zhongzheng District" in address and "中正區" not in address


def test_a_units_english_district_comes_from_the_table(org):
    unit = UnitFactory(parent=org.wmg, code="xinzhuang-gym", city="new_taipei", district="新莊區",
                       district_en="Sinjhuang")
    assert OrgNode.objects.get(pk=unit.pk).district_en == "Xinzhuang District"
    form = UnitProfileForm(instance=unit, data={**{f: getattr(unit, f) for f in UnitProfileForm._meta.fields},
                                                "city": "taoyuan", "district": "中壢區", "district_en": ""})
    assert form.is_valid(), form.errors
    for name, value in form.cleaned_data.items():  # what the profile service writes
        setattr(unit, name, value)
    unit.save()
    assert OrgNode.objects.get(pk=unit.pk).district_en == "Zhongli District"
    # a city without districts: the typed English form stays
    other = UnitFactory(parent=org.wmg, code="taichung-gym", city="taichung", district="西屯區",
                        district_en="Xitun Dist.")
    assert OrgNode.objects.get(pk=other.pk).district_en == "Xitun Dist."
    with translation.override("en"):
        assert OrgNode.objects.get(pk=unit.pk).display_district == "Zhongli District"
    with translation.override("zh-hant"):
        assert OrgNode.objects.get(pk=unit.pk).display_district == "中壢區"
