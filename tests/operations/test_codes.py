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
    assert client.get(reverse("operations:code_create", args=["cities"])).status_code == 404
