"""Property tests (Hypothesis): the parameter parsers, the forms and the roster row checks answer every
input with a value, a form error or a row problem — never an exception, never an id the database cannot
hold, never a control character stored."""
from __future__ import annotations

import datetime

import pytest
from django.core.paginator import Paginator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from volunteer_site.params import (
    MAX_ID,
    PER_PAGE_CHOICES,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
    clean_text,
    get_page,
    has_control_characters,
    parse_id,
    parse_ids,
    parse_page,
    parse_per_page,
)

# Strings a hostile visitor sends: any text, digits of other scripts, huge numbers, signs and exponents.
hostile_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789²³¹٣٤۵०१߀-+e. \x00\t\n", max_size=40),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["", "0", "-1", "1e400", "NaN", "∞", "9" * 30, str(MAX_ID), str(MAX_ID + 1), "0x10",
                     " 7 ", "7\x00", "٧", "²"]),
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(hostile_text)
def test_parse_id_returns_a_database_id_or_none(value):
    result = parse_id(value)
    assert result is None or (isinstance(result, int) and 1 <= result <= MAX_ID)
    if result is not None:
        assert value.strip().isascii() and value.strip().isdigit()


@FUZZ
@given(st.lists(hostile_text, max_size=30))
def test_parse_ids_keeps_only_valid_distinct_ids(values):
    ids = parse_ids(values, limit=10)
    assert len(ids) <= 10 and len(set(ids)) == len(ids)
    assert all(1 <= i <= MAX_ID for i in ids)


@FUZZ
@given(hostile_text, st.integers(min_value=0, max_value=500))
def test_pages_clamp_and_page_sizes_come_from_the_fixed_set(value, count):
    assert parse_page(value) >= 1
    assert parse_per_page(value, 25) in PER_PAGE_CHOICES
    page = get_page(Paginator(range(count), parse_per_page(value, 25)), value)
    assert 1 <= page.number <= max(1, page.paginator.num_pages)


@FUZZ
@given(st.text(max_size=300))
def test_clean_text_strips_control_characters_and_bounds_length(value):
    cleaned = clean_text(value, max_length=100)
    assert len(cleaned) <= 100 and not has_control_characters(cleaned)


@pytest.mark.django_db
@FUZZ
@given(hostile_text)
def test_bounded_choice_fields_answer_with_a_form_error(value):
    from django import forms

    from operations.models import Language

    class F(forms.Form):
        one = BoundedModelChoiceField(queryset=Language.objects.all(), required=False)
        many = BoundedModelMultipleChoiceField(queryset=Language.objects.all(), required=False)

    form = F({"one": value, "many": [value, value]})
    form.is_valid()  # an error or an empty choice, never an exception (OverflowError, DataError, ValueError)


@pytest.mark.django_db
@FUZZ
@given(st.fixed_dictionaries({
    "name": st.text(max_size=120), "id_type": hostile_text, "id_number": st.text(max_size=30),
    "sex": hostile_text, "birth_date": st.one_of(hostile_text, st.dates().map(str)),
    "phone": hostile_text, "email": st.text(max_size=300),
    "emergency_contact_name": st.text(max_size=150), "emergency_contact_phone": hostile_text,
}))
def test_roster_rows_get_problems_not_exceptions(row):
    from operations.models import RosterImport, User
    from operations.services.rosters import ROSTER_COLUMNS, check_roster_rows

    user, _created = User.objects.get_or_create(username="fuzz-rows")
    job, _created = RosterImport.objects.get_or_create(created_by=user, original_name="fuzz.csv")
    header = [c.header for c in ROSTER_COLUMNS]
    errors, records = check_roster_rows(job, [header, [row[c.key] for c in ROSTER_COLUMNS]], min_rows=None,
                                        max_rows=10)
    assert len(records) == 1
    record = records[0]
    if not errors:  # a row without problems fits the volunteer table as it is
        from operations.models import Volunteer

        for key in ("name", "id_number", "phone", "email", "emergency_contact_name", "emergency_contact_phone"):
            assert len(record[key]) <= Volunteer._meta.get_field(key).max_length
            assert not has_control_characters(record[key])
        assert isinstance(record["birth_date"], datetime.date)


@pytest.mark.django_db
@FUZZ
@given(st.fixed_dictionaries({
    "title": st.text(max_size=300), "starts_on": st.one_of(hostile_text, st.dates().map(str)),
    "ends_on": st.one_of(hostile_text, st.dates().map(str)), "unit": hostile_text,
    "min_age": hostile_text, "max_age": hostile_text, "cancel_deadline_hours": hostile_text,
}))
def test_the_campaign_form_refuses_or_accepts_without_exceptions(data):
    from operations.forms.recruitment import CampaignForm
    from operations.models import OrgNode

    form = CampaignForm(data=data)
    form.fields["unit"].queryset = OrgNode.objects.all()
    if form.is_valid():
        cleaned = form.cleaned_data
        assert datetime.date(1900, 1, 1) <= cleaned["starts_on"] <= datetime.date(2200, 12, 31)
