"""The volunteer list: search by name, phone and the visible part of the ID; filters by unit, team,
language, age band and sex; sorting; pagination; and a query count that does not grow with the page."""
from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.identity import LETTER_CODE, WEIGHTS, IdType
from operations.models import Sex
from operations.selectors.counting import VERSION_KEY
from tests.factories import LanguageFactory, MembershipFactory, VolunteerFactory


def names(response) -> list[str]:
    assert response.status_code == 200
    return [row.record.name for row in response.context["table"].paginated_rows]


def listed(client, **query) -> set[str]:
    return set(names(client.get("/backoffice/volunteers/", query)))


def with_check_digit(first_nine: str) -> str:
    code = LETTER_CODE[first_nine[0]]
    total = code // 10 + (code % 10) * 9 + sum(w * int(d) for w, d in zip(WEIGHTS[:8], first_nine[1:], strict=True))
    return first_nine + str((10 - total % 10) % 10)


@pytest.fixture
def admin_a(org, login):
    return login(org.admin_a)


@pytest.fixture
def officer(org, login):
    return login(org.officer_wmg)


# --- Search -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["甲隊林美華", "林美", "美華", " 林美華 "])
def test_search_by_chinese_name(org, admin_a, q):
    assert listed(admin_a, q=q) == {"甲隊林美華"}


@pytest.mark.parametrize("q", ["Lin Mei-hua", "lin mei", "Mei-hua", "LIN", "chen"])
def test_search_by_english_name(org, admin_a, q):
    expected = {"甲小隊陳志明"} if q == "chen" else {"甲隊林美華"}
    assert listed(admin_a, q=q) == expected


def test_search_by_phone_whole_or_in_part(org, admin_a):
    phone = org.vol_a.phone
    assert listed(admin_a, q=phone) == {"甲隊林美華"}
    assert listed(admin_a, q=f"{phone[:4]}-{phone[4:7]}-{phone[7:]}") == {"甲隊林美華"}
    assert listed(admin_a, q=phone[-6:]) == {"甲隊林美華"}
    assert listed(admin_a, q="0955-555-555") == set()


def test_search_by_the_visible_part_of_the_id(org, admin_a):
    number = org.vol_a.id_number
    assert listed(admin_a, q=number[:6]) == {"甲隊林美華"}
    assert listed(admin_a, q=number[:6].lower()) == {"甲隊林美華"}
    assert listed(admin_a, q=org.vol_a.masked_id) == {"甲隊林美華"}


def test_full_id_matches_only_by_its_first_six_characters(org, admin_a):
    """Typing a whole number must not tell the user whether the hidden four digits are right: the
    true number, a wrong guess and the six visible characters all give the same answer."""
    number = org.vol_a.id_number
    sibling = with_check_digit(number[:6] + ("000" if number[6:9] != "000" else "111"))
    VolunteerFactory(name="同前六碼志工", id_number=sibling, team=org.team_a, sex=Sex.FEMALE if number[1] == "2" else Sex.MALE)
    wrong_guess = with_check_digit(number[:6] + ("999" if number[6:9] != "999" else "888"))
    expected = {"甲隊林美華", "同前六碼志工"}
    assert listed(admin_a, q=number) == expected
    assert listed(admin_a, q=sibling) == expected
    assert listed(admin_a, q=wrong_guess) == expected
    assert listed(admin_a, q=number[:6]) == expected
    assert listed(admin_a, q=number[:6] + "0000") == expected


def test_passport_holder_is_found_by_the_visible_part_too(org, admin_a):
    VolunteerFactory(name="Jane Doe", english_name="Jane Doe", id_type=IdType.PASSPORT, id_number="X12345678",
                     team=org.team_a)
    assert listed(admin_a, q="x12345") == {"Jane Doe"}
    assert listed(admin_a, q="X12345678") == {"Jane Doe"}
    assert listed(admin_a, q="jane") == {"Jane Doe"}


# --- Filters -----------------------------------------------------------------------------------------

def test_filter_by_unit_and_team(org, officer):
    assert listed(officer) == {"甲隊林美華", "甲小隊陳志明", "乙隊黃淑芬", "乙小隊張家豪"}
    assert listed(officer, unit=org.unit_a.pk) == {"甲隊林美華", "甲小隊陳志明"}
    assert listed(officer, unit=org.unit_b.pk) == {"乙隊黃淑芬", "乙小隊張家豪"}
    assert listed(officer, team=org.team_a.pk) == {"甲隊林美華", "甲小隊陳志明"}  # a team includes its sub-teams
    assert listed(officer, team=org.sub_a.pk) == {"甲小隊陳志明"}
    assert listed(officer, unit=org.unit_a.pk, team=org.sub_b.pk) == set()
    # outside the officer's scope: refused, nothing listed
    assert listed(officer, unit=org.unit_c.pk) == set()


def test_unit_filter_lists_current_members_while_the_list_keeps_former_ones(org, login):
    MembershipFactory(volunteer=org.vol_c, team=org.team_b, joined_on=datetime.date(2020, 1, 1),
                      left_on=datetime.date(2023, 12, 31), leave_reason="轉至丙圖書館")
    client = login(org.admin_b)
    assert "丙隊李雅婷" in listed(client)  # the unit keeps the service file of a former member
    assert "丙隊李雅婷" not in listed(client, unit=org.unit_b.pk)
    assert "丙隊李雅婷" not in listed(client, team=org.team_b.pk)


def test_filter_by_language(org, admin_a):
    assert listed(admin_a, language=org.mandarin.pk) == {"甲隊林美華"}
    assert listed(admin_a, language=org.english.pk) == {"甲小隊陳志明"}
    assert listed(admin_a, language=LanguageFactory(code="ja", name="日語", name_en="Japanese").pk) == set()


def test_filter_by_sex(org, admin_a):
    assert listed(admin_a, sex="F") == {"甲隊林美華"}
    assert listed(admin_a, sex="M") == {"甲小隊陳志明"}


def years_ago(years: int, extra_days: int = 0) -> datetime.date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return day + datetime.timedelta(days=extra_days)


def test_filter_by_age_band_with_exact_birthdays(org, admin_a):
    VolunteerFactory(name="今天滿18歲", birth_date=years_ago(18), team=org.team_a)
    VolunteerFactory(name="明天才滿18歲", birth_date=years_ago(18, extra_days=1), team=org.team_a)
    VolunteerFactory(name="今天滿65歲", birth_date=years_ago(65), team=org.team_a)
    VolunteerFactory(name="明天滿65歲", birth_date=years_ago(65, extra_days=1), team=org.team_a)
    assert listed(admin_a, age_band="12-17") == {"明天才滿18歲"}
    assert listed(admin_a, age_band="18-29") == {"今天滿18歲"}
    assert listed(admin_a, age_band="55-64") == {"明天滿65歲"}
    # born 1958 and 1990
    assert listed(admin_a, age_band="65-") == {"今天滿65歲", "甲小隊陳志明"}
    assert listed(admin_a, age_band="30-49") == {"甲隊林美華"}


def test_invalid_filter_values_list_nothing(org, admin_a):
    for query in ({"sex": "Q"}, {"age_band": "1-2"}, {"unit": "x"}, {"team": "999999"}):
        response = admin_a.get("/backoffice/volunteers/", query)
        assert response.status_code == 200
        assert names(response) == []


def test_filters_combine(org, officer):
    assert listed(officer, sex="F", unit=org.unit_b.pk) == {"乙隊黃淑芬"}
    assert listed(officer, sex="F", language=org.mandarin.pk, q="黃") == {"乙隊黃淑芬"}


# --- Sorting and pagination -----------------------------------------------------------------------

def test_sorting_by_name_age_and_sex(org, officer):
    by_name = names(officer.get("/backoffice/volunteers/", {"sort": "name"}))
    assert by_name == sorted(by_name)
    assert names(officer.get("/backoffice/volunteers/", {"sort": "-name"})) == by_name[::-1]
    by_age = names(officer.get("/backoffice/volunteers/", {"sort": "age"}))
    # youngest first: 乙隊黃淑芬 (2001), 甲隊林美華 (1990), 乙小隊張家豪 (1975), 甲小隊陳志明 (1958)
    assert by_age == ["乙隊黃淑芬", "甲隊林美華", "乙小隊張家豪", "甲小隊陳志明"]
    assert names(officer.get("/backoffice/volunteers/", {"sort": "-age"})) == by_age[::-1]
    by_sex = names(officer.get("/backoffice/volunteers/", {"sort": "sex"}))
    assert set(by_sex[:2]) == {"甲隊林美華", "乙隊黃淑芬"}  # F before M
    assert set(by_sex[2:]) == {"甲小隊陳志明", "乙小隊張家豪"}


def test_unknown_sort_is_ignored(org, officer):
    assert set(names(officer.get("/backoffice/volunteers/", {"sort": "id_number"}))) == {
        "甲隊林美華", "甲小隊陳志明", "乙隊黃淑芬", "乙小隊張家豪"}


def test_pagination(org, admin_a):
    for i in range(30):
        VolunteerFactory(name=f"分頁志工{i:02d}", team=org.team_a)
    first = admin_a.get("/backoffice/volunteers/", {"sort": "name"})
    second = admin_a.get("/backoffice/volunteers/", {"sort": "name", "page": 2})
    assert first.context["table"].paginator.count == 32
    assert len(names(first)) == 25
    assert len(names(second)) == 7
    assert not set(names(first)) & set(names(second))
    assert 'rel="next"' in first.content.decode()
    assert 'rel="prev"' in second.content.decode()
    # a page past the end (a bookmark, a list that shrank) shows the last page, not an error
    past_end = admin_a.get("/backoffice/volunteers/", {"sort": "name", "page": 9})
    assert names(past_end) == names(second)
    assert names(admin_a.get("/backoffice/volunteers/", {"sort": "name", "page": "x"})) == names(first)
    # filters survive paging
    filtered = admin_a.get("/backoffice/volunteers/", {"q": "分頁志工", "page": 2})
    assert len(names(filtered)) == 5
    assert all(n.startswith("分頁志工") for n in names(filtered))


# --- Query count -------------------------------------------------------------------------------------

def add_volunteers(org, count: int, start: int):
    for i in range(start, start + count):
        volunteer = VolunteerFactory(name=f"查詢數志工{i:03d}", team=org.team_a if i % 2 else org.sub_a,
                                     languages=[org.mandarin, org.english])
        if i % 3 == 0:
            MembershipFactory(volunteer=volunteer, team=org.team_b, joined_on=datetime.date(2024, 1, 1))


@pytest.mark.parametrize("query", [{}, {"sort": "-age", "language": "zh"}, {"q": "查詢數", "unit": "venue-a"}])
def test_query_count_does_not_grow_with_the_number_of_volunteers(org, admin_a, django_assert_max_num_queries,
                                                                 query):
    query = dict(query)
    if query.get("language"):
        query["language"] = org.mandarin.pk
    if query.get("unit"):
        query["unit"] = org.unit_a.pk
    add_volunteers(org, 5, 0)
    admin_a.get("/backoffice/volunteers/", query)  # warm up: session, content types
    cache.delete(VERSION_KEY)  # both measured requests count their rows (the count cache is tested below)
    with CaptureQueriesContext(connection) as small:
        response = admin_a.get("/backoffice/volunteers/", query)
    assert len(names(response)) >= 5
    add_volunteers(org, 55, 5)
    cache.delete(VERSION_KEY)
    assert len(small.captured_queries) < 30
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_a.get("/backoffice/volunteers/", query)
    assert len(names(response)) == 25


def test_team_filter_offers_only_the_chosen_units_teams_when_the_scope_is_large(org, officer, monkeypatch):
    """A city-wide officer has thousands of teams in scope: the team list waits for a unit instead of
    rendering them all, and a team link (?team=…) from an organisation page still works."""
    from operations.views.people import VolunteerListView

    monkeypatch.setattr(VolunteerListView, "TEAM_CHOICE_LIMIT", 1)
    page = officer.get("/backoffice/volunteers/")
    field = page.context["filter"].form.fields["team"]
    assert list(field.queryset) == []
    assert field.empty_label in ("請先選擇運用單位", "Choose a unit first")
    with_unit = officer.get("/backoffice/volunteers/", {"unit": org.unit_a.pk}).context["filter"].form.fields["team"]
    assert set(with_unit.queryset) == {org.team_a, org.sub_a}
    assert listed(officer, team=org.team_a.pk) == {"甲隊林美華", "甲小隊陳志明"}


def test_pages_of_equal_names_neither_skip_nor_repeat_anyone(org, admin_a):
    """Sorting ends with the primary key, so that 60 people with the same name page deterministically."""
    for _ in range(60):
        VolunteerFactory(name="同名志工", team=org.team_a)
    for sort in ("name", "-name", "sex", "age", "-created_at"):
        seen = []
        for page in (1, 2, 3):
            response = admin_a.get("/backoffice/volunteers/", {"q": "同名志工", "sort": sort, "page": page})
            seen += [row.record.pk for row in response.context["table"].paginated_rows]
        assert len(seen) == 60 and len(set(seen)) == 60, sort


def test_select_filters_render_in_python_with_the_same_markup(org, officer):
    """The filter <select>s are written without a template per option (1,500 units made the page slow):
    the chosen value stays selected, labels are escaped, and every select keeps its id and label."""
    from operations.widgets import FastSelect

    org.unit_a.name = "甲<單位>&"
    org.unit_a.save()
    response = officer.get("/backoffice/volunteers/", {"unit": org.unit_a.pk, "sex": "F"})
    html = response.content.decode()
    form = response.context["filter"].form
    assert isinstance(form.fields["unit"].widget, FastSelect) and isinstance(form.fields["sex"].widget, FastSelect)
    assert f'<option value="{org.unit_a.pk}" selected>甲&lt;單位&gt;&amp;</option>' in html
    assert '<option value="F" selected>' in html
    assert '<select name="unit" id="id_unit">' in html or '<select id="id_unit" name="unit">' in html
    assert 'for="id_unit"' in html
    # Same options as Django's own rendering of that field.
    from django import forms

    bound = form["unit"]
    django_html = forms.Select(choices=form.fields["unit"].choices).render("unit", str(org.unit_a.pk))
    assert django_html.count("<option") == str(bound).count("<option")
    assert FastSelect(choices=[("g", [("1", "一"), ("2", "二")])]).render("x", "2") == (
        '<select name="x">\n<optgroup label="g">\n<option value="1">一</option>\n'
        '<option value="2" selected>二</option>\n</optgroup>\n</select>')


def test_the_total_is_counted_once_per_filter_and_again_after_any_change(org, admin_a,
                                                                         django_capture_on_commit_callbacks):
    """Paging and re-sorting reuse the cached total; a new volunteer, a new membership (one by one or in
    bulk) changes it at once."""
    from operations.services.people import memberships_add_many

    def total_and_counts(query):
        with CaptureQueriesContext(connection) as ctx:
            response = admin_a.get("/backoffice/volunteers/", query)
        counted = sum('FROM "operations_volunteer"' in q["sql"] and "COUNT(" in q["sql"] for q in ctx.captured_queries)
        return response.context["table"].paginator.count, counted

    total, counted = total_and_counts({})
    assert counted == 1
    assert total_and_counts({"sort": "-age"}) == (total, 0)
    assert total_and_counts({"sort": "name", "page": 1}) == (total, 0)
    assert total_and_counts({"sex": "F"})[1] == 1  # another filter, another count
    VolunteerFactory(name="新來的", team=org.team_a)
    assert total_and_counts({}) == (total + 1, 1)
    outsider = VolunteerFactory(name="外面的人", team=org.team_b)
    assert total_and_counts({})[0] == total + 1
    with django_capture_on_commit_callbacks(execute=True):
        memberships_add_many(actor=org.admin_a, volunteers=[outsider], team=org.team_a,
                             joined_on=timezone.localdate())
    assert total_and_counts({}) == (total + 2, 1)


def test_totals_are_grouped_by_thousands_in_both_languages():
    """Taiwanese usage (150,000) rather than Django's ungrouped zh_Hant default; plain {{ n }} in
    attributes and URLs stays ungrouped."""
    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.template import Context, Template
    from django.utils import translation

    for language in ("zh-hant", "en"):
        with translation.override(language):
            assert intcomma(150000) == "150,000"
            assert Template("{{ n }}").render(Context({"n": 150000})) == "150000"


@pytest.mark.parametrize("sort", ["name", "-name", "age", "created_at"])
def test_deep_pages_read_by_deferred_join_show_the_same_rows(org, login, monkeypatch, sort):
    """Past DEEP_OFFSET the page is found by its keys first; the rows and their order are those of OFFSET."""
    from operations.selectors.counting import CachedCountPaginator
    from tests.factories.operations import VolunteerFactory

    for n in range(21):
        VolunteerFactory(name=f"同名志工{n % 3}", team=org.team_a, joined_on=datetime.date(2024, 1, 1))
    client = login(org.admin_a)

    def names(per_page, page):
        response = client.get("/en/backoffice/volunteers/", {"sort": sort, "per_page": per_page, "page": page})
        assert response.status_code == 200
        return [row.record.pk for row in response.context["table"].page.object_list]

    plain = [names(10, 1), names(10, 2), names(10, 3)]  # 23 volunteers in unit A: 10, 10 and 3
    monkeypatch.setattr(CachedCountPaginator, "DEEP_OFFSET", 0)
    deferred = [names(10, 1), names(10, 2), names(10, 3)]
    assert [len(page) for page in plain] == [10, 10, 3]
    assert deferred == plain
    # The pages seen are remembered by their first row's sort key: read again (and out of order), they are
    # sought from that key (keyset), with the same rows in the same order, ties between equal names included.
    from operations.selectors import counting

    seeks = []
    real_from_key = counting._from_key
    monkeypatch.setattr(counting, "_from_key", lambda order, key: seeks.append(key) or real_from_key(order, key))
    assert [names(10, 3), names(10, 1), names(10, 2)] == [plain[2], plain[0], plain[1]]
    assert len(seeks) == 3
