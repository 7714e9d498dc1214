"""Every public page type in both languages with the demo content: status, language, header links,
menus, footer, the language switcher keeping the page, sitemap.xml, downloads with file type and size,
galleries, videos that load nothing from a third party before play, and query counts."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from cms.models import AnnouncementPage
from cms.page_cache import bump_content_version

PAGES = ["/", "/announcements/", "/announcements/faq-hours/", "/organisations/", "/organisations/teams/",
         "/organisations/units/", "/apply-unit/", "/apply-unit/service-plan/", "/apply-unit/application/", "/wmg/",
         "/highlights/", "/highlights/galleries/", "/highlights/galleries/wmg-training-day/", "/highlights/videos/",
         "/resources/", "/resources/laws/", "/resources/links/", "/resources/downloads/", "/resources/tutorials/",
         "/guide/", "/sitemap/", "/terms/", "/privacy/", "/accessibility/", "/newsletter/", "/search/?q=志工"]


@pytest.mark.django_db
def test_every_page_in_both_languages(site_pages, client):
    for url in PAGES:
        for prefix, lang, marker in (("", "zh-Hant-TW", "回首頁"), ("/en", "en", "How-to guide")):
            response = client.get(prefix + url)
            assert response.status_code == 200, prefix + url
            html = response.content.decode()
            assert f'<html lang="{lang}">' in html, prefix + url
            assert marker in html, prefix + url  # header links from the translatable menu snippet
            assert "02-2302-3993" in html  # the promotion centre's phone from the site setting
    home = client.get("/").content.decode()
    assert "臺北通登入" not in home  # TaipeiPass is not configured in the test settings
    for text in ("操作指南", "網站導覽", "訂閱電子報", "登入", "訊息公告", "志願服務運用單位介紹",
                 "申請成為運用單位", "我要當志工", "活動集錦", "資源補給站", "服務條款", "隱私權政策", "星期一至星期五"):
        assert text in home, text


@pytest.mark.django_db
def test_language_switcher_keeps_the_page(site_pages, client):
    html = client.get("/resources/downloads/").content.decode()
    assert 'href="/en/resources/downloads/" hreflang="en"' in html
    html = client.get("/en/announcements/faq-hours/").content.decode()
    assert 'href="/announcements/faq-hours/" hreflang="zh-hant"' in html
    zh = Page.objects.get(slug="faq-hours", locale__language_code="zh-hant").specific
    en = zh.get_translation(zh.locale.__class__.objects.get(language_code="en")).specific
    assert (zh.title, en.title) == ("服務時數如何計算？", "How are service hours counted?")
    assert zh.unit_id == en.unit_id and zh.date == en.date and zh.category == en.category


@pytest.mark.django_db
def test_home_tabs_show_the_latest_five_per_category(site_pages, client):
    home = site_pages.home
    index = Page.objects.get(slug="announcements", locale__language_code="zh-hant")
    for n in range(7):
        index.add_child(instance=AnnouncementPage(title=f"新訓練公告{n}", slug=f"t{n}", category="training",
                                                  date=f"2099-01-0{n + 1}")).save_revision().publish()
    response = client.get("/")
    tabs = {tab["key"]: tab["items"] for tab in response.context["tabs"]}
    assert [a.title for a in tabs["training"]] == [f"新訓練公告{n}" for n in (6, 5, 4, 3, 2)]
    assert set(tabs) == {"news", "recruitment", "training", "faq"}
    html = response.content.decode()
    assert "/announcements/?category=training" in html
    assert home.event is None or "starts_on" in home.event


@pytest.mark.django_db
def test_announcement_filters_and_pagination(site_pages, client):
    response = client.get("/announcements/", {"category": "faq"})
    assert {a.category for a in response.context["items"]} == {"faq"}
    unit_id = response.context["items"][0].unit_id
    if unit_id:
        response = client.get("/announcements/", {"unit": unit_id})
        assert {a.unit_id for a in response.context["items"]} == {unit_id}
    response = client.get("/announcements/", {"page": "2"})
    assert response.context["page_obj"].number == 2
    assert client.get("/announcements/", {"page": "999"}).status_code == 200
    assert client.get("/announcements/", {"category": "<script>"}).context["category"] == ""


@pytest.mark.django_db
def test_downloads_show_file_type_and_size_and_files_are_real(site_pages, client):
    html = client.get("/resources/downloads/").content.decode()
    assert "ODT" in html and "PDF" in html
    assert re.search(r"PDF · \d+(\.\d)?\s(bytes|KB|位元組)", html.replace("\xa0", " ")), html[:200]
    from wagtail.documents import get_document_model

    for document in get_document_model().objects.all():
        head = document.file.open("rb").read(4)
        document.file.close()
        assert head in (b"%PDF", b"PK\x03\x04")  # a PDF or an OpenDocument (zip) file


def add_site_videos():
    """An editor links a YouTube and a Vimeo film on the videos page (the demo has none of a third party)."""
    from cms.models import VideoPage
    from cms.page_cache import bump_content_version

    page = VideoPage.objects.get(slug="videos", locale__language_code="zh-hant")
    page.videos = [("video", {"title": "招募影片", "description": "", "url": "https://www.youtube.com/watch?v=abcDEF12345",
                              "poster": None, "transcript": "旁白：歡迎加入志工行列。", "file": None}),
                   ("video", {"title": "志工的一天", "description": "", "url": "https://vimeo.com/76979871",
                              "poster": None, "transcript": "", "file": None})]
    page.save_revision().publish()
    bump_content_version()


@pytest.mark.django_db
def test_gallery_images_and_videos_without_third_party_loads(site_pages, client):
    html = client.get("/highlights/galleries/wmg-training-day/").content.decode()
    assert html.count("<figure>") == 4 and 'alt="穿著志工背心的志工在場館培訓（1）"' in html
    html = client.get("/highlights/videos/").content.decode()
    assert "youtube" not in html and "vimeo" not in html and "<iframe" not in html  # no third party in the demo
    add_site_videos()
    html = client.get("/highlights/videos/").content.decode()
    assert "<iframe" not in html  # nothing from YouTube or Vimeo until the visitor presses play
    assert 'data-embed-src="https://www.youtube-nocookie.com/embed/' in html
    assert "https://player.vimeo.com/video/76979871" in html


@pytest.mark.django_db
def test_sitemap_xml_and_site_map_page_list_both_languages(site_pages, client):
    xml = client.get("/sitemap.xml").content.decode()
    assert "/resources/downloads/</loc>" in xml and "/en/resources/downloads/</loc>" in xml
    html = client.get("/en/sitemap/").content.decode()
    assert "Tutorials" in html and "Photo galleries" in html


@pytest.mark.django_db
def test_unit_introductions_pull_facts_from_operations(client, home_pages, org):
    from cms.models import StandardPage

    home_pages.home.add_child(instance=StandardPage(
        title="運用單位介紹", slug="units",
        body=[("unit_facts", {"unit": str(org.unit_c.pk), "text": "<p>丙圖書館的志工說故事。</p>"})],
    )).save_revision().publish()
    html = client.get("/units/").content.decode()
    assert "丙圖書館" in html and "丙圖書館志工隊" in html
    assert org.unit_c.email not in html and "王承辦" not in html  # no contact person or e-mail of a person


@pytest.mark.django_db
def test_page_query_counts_do_not_grow_with_content(site_pages, client):
    def count(url):
        client.get(url)
        bump_content_version()  # render, do not serve the anonymous page cache
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        return len(ctx)

    before = {url: count(url) for url in ("/", "/announcements/", "/sitemap/")}
    index = Page.objects.get(slug="announcements", locale__language_code="zh-hant")
    for n in range(30):
        index.add_child(instance=AnnouncementPage(title=f"公告{n}", slug=f"bulk-{n}")).save_revision().publish()
    after = {url: count(url) for url in before}
    assert after["/"] == before["/"]
    assert after["/announcements/"] == before["/announcements/"]
    assert after["/sitemap/"] == before["/sitemap/"]


@pytest.mark.django_db
def test_footer_contact_details_in_both_languages_and_fresh_after_an_edit(site_pages, client,
                                                                          django_assert_max_num_queries):
    from wagtail.models import Site

    from cms.models import ContactSettings

    zh = client.get("/volunteer/login/").content.decode()
    # Exactly as the seed gives them.
    assert "02-2302-3993" in zh and "110038 臺北市信義區大道路116號7樓" in zh and "tel:0223023993" in zh
    assert "星期一至星期五 9:00–18:00（12:00–13:30 為午休時間），例假日及國定假日休息" in zh
    assert "本網站為臺北市政府社會局版權所有，委託本市志願服務推廣中心維護" in zh and '<a href="/accessibility/">' in zh
    en = client.get("/en/volunteer/login/").content.decode()
    assert "7F, No. 116, Dadao Rd., Xinyi District, Taipei City 110038" in en
    assert "Monday to Friday 9:00–18:00 (lunch break 12:00–13:30); closed on weekends and public holidays" in en
    assert '<a href="/en/accessibility/">' in en
    # Cached: a second page view asks the database nothing for the footer.
    with django_assert_max_num_queries(30) as first:
        client.get("/volunteer/login/")
    sqls = " ".join(q["sql"] for q in first.captured_queries)
    assert "cms_contactsettings" not in sqls and "cms_footertext" not in sqls and "wagtailcore_site" not in sqls
    # An edit shows at once (the content version changes).
    contact = ContactSettings.for_site(Site.objects.get(is_default_site=True))
    contact.phone = "02-1999"
    contact.save()
    assert "02-1999" in client.get("/volunteer/login/").content.decode()


@pytest.mark.django_db
def test_header_taipeipass_only_when_configured_and_the_person_after_log_in(site_pages, client, settings):
    from operations.models import User

    settings.TAIPEIPASS = {**settings.TAIPEIPASS, "DISCOVERY_URL": "https://id.example/.well-known/openid-configuration",
                           "CLIENT_ID": "volunteer-platform"}
    anonymous = client.get("/volunteer/login/").content.decode()
    assert "臺北通登入" in anonymous and 'href="/volunteer/login/"' in anonymous
    user = User.objects.create_user(username="lin", password="pw-123456-x", first_name="美玲", last_name="林")
    client.force_login(user)
    for prefix, logout in (("", "登出"), ("/en", "Log out")):
        html = client.get(prefix + "/guide/").content.decode()
        header = html.split('<nav class="header-links"')[1].split("</nav>")[0]
        assert user.get_full_name() in header and logout in header, prefix
        assert 'action="' + prefix + '/volunteer/logout/"' in header
        assert "/volunteer/login/" not in header and "/volunteer/taipeipass/" not in header, prefix
