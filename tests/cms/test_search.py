"""CJK bigram search: a Chinese word is found inside a longer Chinese text, on SQLite and PostgreSQL."""
import pytest

from cms.models import StandardPage
from cms.search import bigram_query, bigram_text, bigrams


def test_bigrams_of_chinese_runs_and_latin_words():
    assert bigrams("招募志工說明會") == ["招募", "募志", "志工", "工說", "說明", "明會"]
    assert bigrams("WMG 志工 Training") == ["wmg", "志工", "training"]
    assert bigrams("急") == ["急"]
    assert bigram_query("志工 志工") == "志工"
    assert bigram_text("<p>急救訓練</p>") == "急救 救訓 訓練"


@pytest.mark.django_db
def test_search_finds_a_chinese_word_inside_a_longer_text(home_pages, client):
    parent = home_pages.home
    parent.add_child(instance=StandardPage(
        title="場館服務說明", slug="venue-service",
        body=[("paragraph", "<p>本場館提供無障礙坡道與輪椅借用服務，請洽服務台。</p>")],
    )).save_revision().publish()
    # "輪椅借用" appears only in the middle of a sentence; a run-of-characters tokenizer would miss it
    response = client.get("/search/", {"q": "輪椅借用"})
    assert response.status_code == 200
    titles = [r["page"].title for r in response.context["results"]]
    assert titles == ["場館服務說明"]
    # a word that is not in the text: every bigram must match, so nothing is found
    response = client.get("/search/", {"q": "輪椅出租"})
    assert response.context["results"] == []


@pytest.mark.django_db
def test_search_stays_in_the_language_of_the_page(site_pages, client):
    zh = [r["page"] for r in client.get("/search/", {"q": "急救"}).context["results"]]
    assert zh and all(p.locale.language_code == "zh-hant" for p in zh)
    en = [r["page"] for r in client.get("/en/search/", {"q": "first aid"}).context["results"]]
    assert en and all(p.locale.language_code == "en" for p in en)
    assert "First aid training for volunteers (CPR and AED)" in [p.title for p in en]


@pytest.mark.django_db
def test_bigrams_follow_edits_and_only_live_pages_are_found(home_pages, client):
    page = home_pages.home.add_child(instance=StandardPage(title="操作指南", slug="guide"))
    page.body = [("paragraph", "<p>新增說明：志工證遺失補發流程。</p>")]
    page.save_revision().publish()
    assert "補發" in page.search_bigrams
    assert [r["page"].title for r in client.get("/search/", {"q": "遺失補發"}).context["results"]] == ["操作指南"]
    page.unpublish()
    assert client.get("/search/", {"q": "遺失補發"}).context["results"] == []


@pytest.mark.django_db
def test_empty_and_overlong_queries(home_pages, client):
    assert client.get("/search/").context["results"] is None
    response = client.get("/search/", {"q": "志" * 200})
    assert response.status_code == 200
    assert response.context["results"] is None  # refused by the form (100 characters at most)


@pytest.mark.django_db
def test_title_matches_rank_first_with_a_highlighted_excerpt(home_pages, client):
    parent = home_pages.home
    for slug, title, text in (("body-only", "服務說明", "歡迎參加急救訓練，課程由醫院授課。"),
                              ("in-title", "急救訓練報名", "課程介紹。")):
        parent.add_child(instance=StandardPage(title=title, slug=slug, body=[("paragraph", f"<p>{text}</p>")])
                         ).save_revision().publish()
    response = client.get("/search/", {"q": "急救訓練"})
    results = response.context["results"]
    assert [r["page"].title for r in results] == ["急救訓練報名", "服務說明"]
    assert "歡迎參加<mark>急救訓練</mark>，課程由醫院授課。" in str(results[1]["excerpt"])
    assert "<mark>急救訓練</mark>" in response.content.decode()


@pytest.mark.django_db
def test_venues_from_operations_are_results_that_link_to_their_shifts(site_pages, wmg_factory, client):
    from cms.recruitment_pages import ensure_recruitment_page
    from operations.models import OrgNode

    built = wmg_factory(venues_per_city={"taipei": 1})
    venue = built.venues[0]
    OrgNode.objects.filter(pk=venue.pk).update(name="臺北大巨蛋", name_en="Taipei Dome")
    ensure_recruitment_page()
    html = client.get("/search/", {"q": "大巨蛋"}).content.decode()
    assert f'href="/recruitment/?venue={venue.pk}">臺北大巨蛋</a>' in html
    en = client.get("/en/search/", {"q": "Dome"}).content.decode()
    assert f'href="/en/recruitment/?venue={venue.pk}">Taipei Dome</a>' in en
    assert venue.contact_person not in html  # public facts only


@pytest.mark.django_db
def test_every_active_unit_is_a_result_not_only_recruiting_ones(site_pages, wmg_factory, client):
    """A unit that recruits for nothing is found too: linked to the page that introduces it (a "Unit
    introduction" block), else to its own website; venues with open shifts come first; closed units and
    contact details never appear."""
    from wagtail.rich_text import RichText

    from cms.page_cache import bump_content_version
    from operations.models import OrgNode
    from tests.factories import UnitFactory

    built = wmg_factory(venues_per_city={"taipei": 1})
    OrgNode.objects.filter(pk=built.venues[0].pk).update(name="志工大巨蛋場館", name_en="Volunteer Dome")
    UnitFactory(code="library-unit", name="志工圖書館", name_en="", city="taipei", district="大安區",
                district_en="Da'an District", website="https://library.example.org/")
    centre = UnitFactory(code="centre-unit", name="志工服務中心", name_en="Volunteer Service Centre", city="taipei",
                         website="https://centre.example.org/", contact_person="王聯絡人")
    OrgNode.objects.filter(pk=UnitFactory(code="closed-unit", name="志工舊站").pk).update(is_active=False)
    page = StandardPage(title="運用單位介紹", slug="unit-intros",
                        body=[("unit_facts", {"unit": str(centre.pk), "text": RichText("")})])
    site_pages.home.add_child(instance=page)
    page.save_revision().publish()
    bump_content_version()

    html = client.get("/search/", {"q": "志工"}).content.decode()
    places = html[html.index('id="places-title"'):html.index("</section>", html.index('id="places-title"'))]
    assert places.index("志工大巨蛋場館") < places.index("志工圖書館")  # open shifts first
    assert 'href="/unit-intros/">志工服務中心</a>' in places
    assert 'href="https://library.example.org/" rel="noopener">志工圖書館</a>' in places
    assert "志工舊站" not in places and "王聯絡人" not in html

    en = client.get("/en/search/", {"q": "Volunteer"}).content.decode()
    assert "Volunteer Service Centre" in en and "Volunteer Dome" in en
    en = client.get("/en/search/", {"q": "圖書館"}).content.decode()  # no English name: the Chinese one, marked
    assert '<span lang="zh-Hant" class="zh-fallback">志工圖書館</span></a>' in en and "Da&#x27;an District" in en
