"""Districts on real PostgreSQL with threads: the triggers on the `district` columns refuse a district that is not
one of its city's, and a district is never deleted while a volunteer saved with it commits (the trigger's
key-share lock on the district row against the delete's row lock and its count after the lock): either the
delete is refused or the save fails, never a volunteer left holding a deleted district. SQLite serialises every
writer and has no triggers of these: skipped there."""
from __future__ import annotations

import time

import pgtrigger
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from operations.models import District, OrgKind, OrgNode, UnitApplication, Volunteer
from operations.models.code_values import code_tables_changed
from operations.services.codes import code_value_delete
from tests.factories import VolunteerFactory

from .journey_support import race, volunteer_with_account

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency (DATABASE_URL)"),
]


@pytest.fixture(autouse=True)
def districts():
    """The table as seeded for two cities (a transactional test starts from an emptied database)."""
    code_tables_changed()
    for city, code, name, name_en in (("taipei", "zhongzheng", "中正區", "Zhongzheng District"),
                                      ("taipei", "daan", "大安區", "Da'an District"),
                                      ("new_taipei", "banqiao", "板橋區", "Banqiao District")):
        District.objects.get_or_create(city=city, code=code, defaults={"name": name, "name_en": name_en})
    yield
    code_tables_changed()


def saved(**fields):
    """A volunteer written straight to the table (no model validation: what the database alone decides)."""
    volunteer = VolunteerFactory.build(**fields)
    volunteer.save()
    return volunteer


def test_the_database_refuses_a_district_of_another_city():
    volunteer = saved(city="taipei", district="中正區")
    with pytest.raises(IntegrityError), transaction.atomic():
        saved(city="new_taipei", district="中正區")
    with pytest.raises(IntegrityError), transaction.atomic():
        Volunteer.objects.filter(pk=volunteer.pk).update(city="new_taipei")
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitApplication.objects.create(
            reference="U-RACE-1", organisation_name="協會", category="general", registration_type="agency",
            city="taipei", district="板橋區", address="路1號", contact_person="王", contact_phone="0222222222",
            contact_email="a@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgNode.add_root(kind=OrgKind.COMPETENT_AUTHORITY, code="race-root", name="機關", city="taipei", district="淡水區")
    # empty, and any text for a city without districts in the table
    saved(city="taipei", district="")
    saved(city="taichung", district="西屯區")
    # an older row holding a value the table does not have is still saved when its district is not changed
    with pgtrigger.ignore("operations.Volunteer:volunteer_district_ins"):
        old = saved(city="taipei", district="中正")
    old.name = "改名"
    old.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Volunteer.objects.filter(pk=old.pk).update(district="大正區")


def _outcome(district_pk, volunteer_pk, errors):
    deleted = not District.objects.filter(pk=district_pk).exists()
    holds = Volunteer.objects.filter(pk=volunteer_pk, city="taipei", district="大安區").exists()
    assert not (deleted and holds), "a volunteer holds a deleted district"
    if deleted:
        assert len(errors) == 1 and isinstance(errors[0], IntegrityError), errors
    else:
        assert holds and len(errors) == 1 and isinstance(errors[0], ValidationError), errors
        assert errors[0].error_list[0].code == "in_use"
    return "deleted" if deleted else "kept"


@pytest.mark.parametrize("first", ["save", "delete"])
def test_delete_against_a_volunteer_saved_with_the_district(first):
    outcomes = []
    for _round in range(4):
        daan, _ = District.objects.get_or_create(city="taipei", code="daan",
                                                 defaults={"name": "大安區", "name_en": "Da'an District"})
        volunteer = VolunteerFactory(city="taipei", district="")

        def save(pk=volunteer.pk):
            if first == "delete":
                time.sleep(0.1)
            with transaction.atomic():
                row = Volunteer.objects.get(pk=pk)
                row.district = "大安區"
                row.save()
                time.sleep(0.3)  # still open while the delete comes

        def delete(value=daan):
            if first == "save":
                time.sleep(0.1)
            with transaction.atomic():
                code_value_delete(actor=None, value=value, reason="整併")
                time.sleep(0.3)  # still open while the save comes

        outcomes.append(_outcome(daan.pk, volunteer.pk, race([save, delete])))
    # the one that came first wins: the save makes the delete wait and count it; the delete makes the save fail
    assert set(outcomes) == {"kept" if first == "save" else "deleted"}


def test_many_saves_and_a_delete_at_once():
    for _round in range(4):
        daan, _ = District.objects.get_or_create(city="taipei", code="daan",
                                                 defaults={"name": "大安區", "name_en": "Da'an District"})
        volunteers = [VolunteerFactory(city="taipei", district="").pk for _ in range(3)]

        def save(pk):
            with transaction.atomic():
                Volunteer.objects.filter(pk=pk).update(district="大安區")

        def delete(value=daan):
            with transaction.atomic():
                code_value_delete(actor=None, value=value, reason="整併")

        errors = race([*(lambda pk=pk: save(pk) for pk in volunteers), delete])
        deleted = not District.objects.filter(pk=daan.pk).exists()
        holding = Volunteer.objects.filter(pk__in=volunteers, district="大安區").count()
        assert not (deleted and holding), "volunteers hold a deleted district"
        assert len(errors) == (3 if deleted else 1), errors
        Volunteer.objects.filter(pk__in=volunteers).update(district="")


def test_a_volunteer_registered_while_the_district_is_deleted_is_asked_to_choose_again():
    from operations.models.code_values import district_row

    assert district_row("taipei", "大安區") is not None  # this process still has the district
    with connection.cursor() as cursor:  # deleted by another process (this one not told yet)
        cursor.execute("DELETE FROM operations_district WHERE city = 'taipei' AND name = '大安區'")
    assert district_row("taipei", "大安區") is not None
    with pytest.raises(ValidationError) as info:
        VolunteerFactory(city="taipei", district="大安區")
    assert info.value.message_dict == {"district": ["請重新選擇行政區。"]}
    assert not Volunteer.objects.filter(district="大安區").exists()


def test_a_unit_and_a_profile_saved_while_the_district_is_deleted_are_asked_to_choose_again(org):
    """The same for an organisation's profile and a volunteer's own profile: the form's district field says so,
    the row keeps its old district."""
    from operations.models import OrgNode
    from operations.services.accounts import volunteer_update_profile
    from operations.services.organisations import orgnode_update

    with connection.cursor() as cursor:  # deleted by another process (this one not told yet)
        cursor.execute("DELETE FROM operations_district WHERE city = 'taipei' AND name = '大安區'")
    with pytest.raises(ValidationError) as info:
        orgnode_update(actor=org.sysadmin, node=org.unit_a, city="taipei", district="大安區")
    assert info.value.message_dict == {"district": ["請重新選擇行政區。"]}
    assert OrgNode.objects.get(pk=org.unit_a.pk).district != "大安區"
    volunteer = volunteer_with_account(email="profile@example.com")
    with pytest.raises(ValidationError) as info:
        volunteer_update_profile(volunteer=volunteer, actor=volunteer.user, data={"city": "taipei", "district": "大安區"})
    assert info.value.message_dict == {"district": ["請重新選擇行政區。"]}


REFUSED = {"category": "請重新選擇服務類別。", "city": "請重新選擇縣市。"}


@pytest.mark.parametrize("column", ["category", "city"])
def test_deleting_an_unused_category_or_city_against_a_unit_created_with_it(org, column):
    """The text columns holding a service category or a city take a key-share lock on the code's row (triggers),
    as the district columns do: a delete of an unused value racing a unit created with it either is refused (the
    unit came first) or the unit is refused with a message on its field (the delete came first) — never a unit
    holding a deleted value."""
    from operations.models import CityArea, ServiceCategory
    from operations.services.organisations import orgnode_create

    model = ServiceCategory if column == "category" else CityArea
    if not model.objects.exists():  # a transactional test starts from emptied tables: the table holds values
        model.objects.create(code="other", name="其他", name_en="Other", order=1)
    value = model.objects.create(code="race_value", name="競賽值", name_en="Race value", order=99)
    code_tables_changed()
    admin = type(org.sysadmin).objects.get(pk=org.sysadmin.pk)

    refusals = []

    def delete():
        try:
            code_value_delete(actor=admin, value=value, reason="不再使用")
        except ValidationError as exc:
            refusals.append(("delete", exc.messages))

    def create():
        try:
            orgnode_create(actor=admin, parent=org.nodes["root"], kind=OrgKind.UNIT, code="race-unit",
                           name="競賽單位", registration_type="agency",
                           **{"city": "taipei", "category": "sports", column: "race_value"})
        except ValidationError as exc:
            refusals.append(("create", exc.message_dict))

    assert race([delete, create]) == []
    held = OrgNode.objects.filter(**{column: "race_value"}).exists()
    kept = model.objects.filter(code="race_value").exists()
    assert held == kept, refusals  # the unit and its value, or neither
    if not held:  # refused on its field: by the trigger, or by the form's check when the delete was seen first
        assert len(refusals) == 1 and refusals[0][0] == "create" and column in refusals[0][1], refusals
        message = refusals[0][1][column][0]
        assert message == REFUSED[column] or "'race_value' 不是有效的選項" in message, refusals
    code_tables_changed()
