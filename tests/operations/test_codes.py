"""系統管理 › 代碼表: languages and skills edited by system administrators. A value in use is retired, never
deleted; a retired value is not offered in forms but stays where it is used."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from operations.forms.people import VolunteerForm
from operations.forms.recruitment import PositionForm
from operations.models import AuditAction, AuditEvent, Language, Skill
from operations.services.codes import (
    code_value_create,
    code_value_delete,
    code_value_retire,
    code_value_update,
)
from tests.conftest import assert_chinese, fresh


def test_create_twice_gives_one_value(org):
    admin = fresh(org.sysadmin)
    first = code_value_create(actor=admin, model=Skill, code="first-aid", name="急救", name_en="First aid", order=5)
    again = code_value_create(actor=fresh(org.sysadmin), model=Skill, code="first-aid", name="急救",
                              name_en="First aid", order=5)
    assert again.pk == first.pk and Skill.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATED, object_type="operations.skill").count() == 1
    with pytest.raises(ValidationError):
        code_value_create(actor=admin, model=Skill, code="first-aid", name="心肺復甦", name_en="CPR")


def test_only_system_administrators_edit_code_tables(org):
    audit_before = AuditEvent.objects.count()
    for key in ("officer_root", "officer_wmg", "admin_a"):
        with pytest.raises(PermissionDenied):
            code_value_update(actor=fresh(org.users[key]), value=org.mandarin, name="華語")
        with pytest.raises(PermissionDenied):
            code_value_delete(actor=fresh(org.users[key]), value=org.mandarin, reason="不用了")
    assert Language.objects.get(pk=org.mandarin.pk).name == "國語"
    assert AuditEvent.objects.count() == audit_before


def test_a_value_in_use_is_retired_not_deleted(org):
    admin = fresh(org.sysadmin)
    audit_before = AuditEvent.objects.count()
    assert org.vol_a.languages.filter(pk=org.mandarin.pk).exists()
    with pytest.raises(ValidationError) as info:
        code_value_delete(actor=admin, value=org.mandarin, reason="整併")
    assert info.value.error_list[0].code == "in_use"
    assert Language.objects.filter(pk=org.mandarin.pk).exists() and AuditEvent.objects.count() == audit_before

    code_value_retire(actor=admin, value=org.mandarin, reason="改用華語")
    code_value_retire(actor=fresh(org.sysadmin), value=org.mandarin, reason="再按一次")  # decided once
    assert AuditEvent.objects.filter(action=AuditAction.CLOSED, object_id=str(org.mandarin.pk)).count() == 1
    mandarin = Language.objects.get(pk=org.mandarin.pk)
    assert not mandarin.is_active
    # still where it is used ...
    assert mandarin in org.vol_a.languages.all()
    # ... not offered to a new volunteer or a new position, still offered to the volunteer who has it
    assert mandarin not in VolunteerForm().fields["languages"].queryset
    assert mandarin not in PositionForm().fields["languages"].queryset
    assert mandarin in VolunteerForm(instance=org.vol_a).fields["languages"].queryset
    assert mandarin not in VolunteerForm(instance=org.vol_sub_a).fields["languages"].queryset


def test_an_unused_value_is_deleted_once(org):
    admin = fresh(org.sysadmin)
    unused = code_value_create(actor=admin, model=Language, code="ja", name="日語", name_en="Japanese")
    assert code_value_delete(actor=admin, value=unused, reason="輸入錯誤") is True
    assert code_value_delete(actor=fresh(org.sysadmin), value=unused, reason="再按一次") is False
    assert not Language.objects.filter(code="ja").exists()
    assert AuditEvent.objects.filter(object_type="operations.language", object_id=str(unused.pk),
                                     changes__has_key="deleted").count() == 1


# --- views ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("user_key", "status"), [
    ("sysadmin", 200), ("officer_root", 403), ("officer_wmg", 403), ("admin_a", 403), ("leader_a", 403),
    ("subleader_a", 403), ("nobody", 403),
])
def test_code_tables_page_for_every_role(org, login, user_key, status):
    assert login(org.users[user_key]).get(reverse("operations:code_tables")).status_code == status


def test_code_tables_in_both_languages(org, login):
    client = login(org.sysadmin)
    text = client.get(reverse("operations:code_tables")).content.decode()
    assert "國語" in text and "代碼表" in text
    assert_chinese(text)
    with translation.override("en"):
        url = reverse("operations:code_tables")
    english = client.get(url).content.decode()
    assert "Code tables" in english and "Mandarin" in english


def test_edit_retire_and_delete_through_the_pages(org, login):
    client = login(org.sysadmin)
    response = client.post(reverse("operations:code_create", args=["skills"]),
                           {"code": "sign", "name": "手語", "name_en": "Sign language", "order": 3, "is_active": "on"})
    assert response.status_code == 302
    sign = Skill.objects.get(code="sign")
    response = client.post(reverse("operations:code_edit", args=["skills", sign.pk]),
                           {"name": "手語翻譯", "name_en": "Sign language interpreting", "order": 4,
                            "is_active": "on"})
    assert response.status_code == 302
    assert Skill.objects.get(pk=sign.pk).name == "手語翻譯"
    # a language in use: the delete page explains and refuses
    page = client.get(reverse("operations:code_delete", args=["languages", org.mandarin.pk]))
    assert page.status_code == 200 and "confirm-danger" in page.content.decode()
    response = client.post(reverse("operations:code_delete", args=["languages", org.mandarin.pk]),
                           {"reason": "整併"})
    assert response.status_code == 200 and Language.objects.filter(pk=org.mandarin.pk).exists()
    response = client.post(reverse("operations:code_retire", args=["languages", org.mandarin.pk]),
                           {"reason": "改用華語"})
    assert response.status_code == 302 and not Language.objects.get(pk=org.mandarin.pk).is_active
    response = client.post(reverse("operations:code_delete", args=["skills", sign.pk]), {"reason": "重複"})
    assert response.status_code == 302 and not Skill.objects.filter(pk=sign.pk).exists()
    # an unknown table answers 404
    assert client.get(reverse("operations:code_create", args=["colours"])).status_code == 404


# --- service categories and cities: data, not constants -----------------------------------------------------------

@pytest.fixture
def code_tables_reset():
    """The tables' lookup is cached per process: drop it after a test whose rows are rolled back."""
    from operations.models.code_values import code_tables_changed

    code_tables_changed()
    yield
    code_tables_changed()


def test_the_tables_are_seeded_with_the_former_constants(db, code_tables_reset):
    from operations.models import City, CityArea, ServiceCategory, UnitCategory
    from operations.selectors.codes import city_label, host_cities, service_category_label

    assert set(ServiceCategory.objects.values_list("code", flat=True)) == set(UnitCategory.values)
    assert set(CityArea.objects.values_list("code", flat=True)) == set(City.values)
    assert host_cities() == ("taipei", "new_taipei")
    with translation.override("zh-hant"):
        assert service_category_label("social_welfare") == "社福類" and city_label("taipei") == "臺北市"
    with translation.override("en"):
        assert service_category_label("social_welfare") == "Social welfare" and city_label("taipei") == "Taipei City"
    assert service_category_label("") == "" and service_category_label("no-such") == "no-such"


def test_a_new_category_is_offered_and_labelled_everywhere(org, code_tables_reset):
    from operations.forms.hours import HourRecordForm
    from operations.forms.organisations import OrgNodeCreateForm, UnitProfileForm
    from operations.forms.training import RequirementForm
    from operations.models import ServiceCategory
    from operations.selectors.codes import service_category_choices, service_category_label

    value = code_value_create(actor=fresh(org.sysadmin), model=ServiceCategory, code="disaster_prep",
                              name="防災類", name_en="Disaster preparedness", order=15)
    with translation.override("en"):
        assert service_category_label("disaster_prep") == "Disaster preparedness"
        assert ("disaster_prep", "Disaster preparedness") in service_category_choices(active_only=True)
    with translation.override("zh-hant"):
        assert service_category_label("disaster_prep") == "防災類"
    # the order of the table: after social welfare (10), before health (20)
    codes = [code for code, _label in service_category_choices()]
    assert codes.index("disaster_prep") == codes.index("social_welfare") + 1
    for form in (OrgNodeCreateForm(kinds=["unit"]), UnitProfileForm(instance=org.unit_a), RequirementForm(),
                 HourRecordForm()):
        assert "disaster_prep" in dict(form.fields["category"].choices), type(form).__name__
    # the model accepts it (the column's choices are the table's), and shows its name
    org.unit_a.category = "disaster_prep"
    org.unit_a.full_clean()
    org.unit_a.save()
    with translation.override("en"):
        assert org.unit_a.get_category_display() == "Disaster preparedness"
    # in use now: not deleted, retired; retired, it is no longer offered but stays valid where it is used
    with pytest.raises(ValidationError):
        code_value_delete(actor=fresh(org.sysadmin), value=value, reason="整併")
    code_value_retire(actor=fresh(org.sysadmin), value=value, reason="併入綜合類")
    assert "disaster_prep" not in dict(OrgNodeCreateForm(kinds=["unit"]).fields["category"].choices)
    assert "disaster_prep" not in dict(UnitProfileForm(instance=org.unit_b).fields["category"].choices)
    assert "disaster_prep" in dict(UnitProfileForm(instance=org.unit_a).fields["category"].choices)
    org.unit_a.refresh_from_db()
    org.unit_a.full_clean()


def test_uses_count_every_column_and_award_schemes(org, code_tables_reset):
    from operations.models import AwardScheme, CityArea, ServiceCategory
    from operations.selectors.codes import code_value_uses

    sports = ServiceCategory.objects.get(code="sports")
    units = sum(1 for n in [org.unit_a, org.unit_b, org.unit_c] if n.category == "sports")
    before = code_value_uses(sports)
    assert before >= units
    AwardScheme.objects.create(code="x-scheme", name="某獎勵", authority="臺北市政府", unit_categories=["sports"])
    assert code_value_uses(sports) == before + 1
    taipei = CityArea.objects.get(code="taipei")
    org.unit_a.city = "taipei"
    org.unit_a.save(update_fields=["city"])
    assert code_value_uses(taipei) >= 1
    unused = ServiceCategory.objects.create(code="unused_cat", name="未用", name_en="Unused")
    assert code_value_uses(unused) == 0
    assert code_value_delete(actor=fresh(org.sysadmin), value=unused, reason="不用") is True


def test_host_cities_follow_the_flag(org, code_tables_reset):
    from operations.models import CityArea
    from operations.selectors.codes import host_cities
    from operations.services.codes import code_value_update

    taoyuan = CityArea.objects.get(code="taoyuan")
    code_value_update(actor=fresh(org.sysadmin), value=taoyuan, hosting=True)
    assert host_cities() == ("taipei", "new_taipei", "taoyuan")
    assert AuditEvent.objects.filter(object_type="operations.cityarea", object_id=str(taoyuan.pk)).count() == 1


def test_category_and_city_tables_through_the_pages(org, login, code_tables_reset):
    from operations.models import CityArea, ServiceCategory

    client = login(org.sysadmin)
    page = client.get(reverse("operations:code_tables")).content.decode()
    assert "社福類" in page and "臺北市" in page
    url = reverse("operations:code_create", args=["service-categories"])
    # bad input: said beside the fields, nothing written
    response = client.post(url, {"code": "bad code", "name": "", "name_en": "", "order": "x"})
    assert response.status_code == 200 and {"code", "name", "name_en", "order"} <= set(response.context["form"].errors)
    assert not ServiceCategory.objects.filter(name="").exists()
    data = {"code": "animal_care", "name": "動物保護類", "name_en": "Animal welfare", "order": "95", "is_active": "on"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # sent twice: one value
    assert ServiceCategory.objects.filter(code="animal_care").count() == 1
    assert AuditEvent.objects.filter(object_type="operations.servicecategory", action=AuditAction.CREATED).count() == 1
    city_url = reverse("operations:code_create", args=["cities"])
    assert "hosting" in client.get(city_url).context["form"].fields
    assert client.post(city_url, {"code": "matsu_test", "name": "測試市", "name_en": "Test City", "order": "500",
                                  "is_active": "on", "hosting": "on"}).status_code == 302
    assert CityArea.objects.get(code="matsu_test").hosting
    with translation.override("en"):
        english = client.get(reverse("operations:code_tables")).content.decode()
    assert "Animal welfare" in english and "Service categories" in english
    # only system administrators
    assert login(org.officer_root).get(url).status_code == 403
