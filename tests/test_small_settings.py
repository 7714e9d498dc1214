"""Small conventions: readable console e-mail, no Gravatar in the Wagtail admin, the admin in the editor's
language, robots.txt and favicon.ico, a friendly 500."""
from __future__ import annotations

import io

import pytest
from django.core.mail import EmailMultiAlternatives


def test_console_mail_shows_the_subject_and_body_decoded():
    from volunteer_site.mail import ReadableConsoleEmailBackend

    stream = io.StringIO()
    message = EmailMultiAlternatives("報名成功：世壯運志工", "您好，您已報名早班。", "noreply@example.tw", ["a@example.tw"])
    message.attach_alternative("<p>您好</p>", "text/html")
    ReadableConsoleEmailBackend(stream=stream).send_messages([message])
    out = stream.getvalue()
    assert "Subject: 報名成功：世壯運志工" in out and "您好，您已報名早班。" in out
    assert "=?utf-8?" not in out and "[alternative part: text/html]" in out


def test_no_gravatar_and_admin_languages(settings):
    from wagtail.users.utils import get_gravatar_url

    assert get_gravatar_url("editor@example.tw") is None
    assert dict(settings.WAGTAILADMIN_PERMITTED_LANGUAGES) == {"zh-hant": "繁體中文", "en": "English"}


@pytest.mark.django_db
def test_wagtail_admin_in_the_editors_language_whatever_the_browser_says(client, django_user_model):
    editor = django_user_model.objects.create_superuser("editor", "editor@example.tw", "pw-123456-x")
    client.force_login(editor)
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="zh-hant"' in html
    assert "gravatar" not in html
    editor.preferred_language = "en"
    editor.save()
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()
    assert 'lang="en"' in html


@pytest.mark.django_db
def test_robots_txt_and_favicon(client):
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and robots["Content-Type"].startswith("text/plain")
    body = robots.content.decode()
    assert "Disallow: /backoffice/" in body and "Disallow: /en/volunteer/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301 and favicon["Location"].endswith(".ico")


@pytest.mark.django_db
def test_friendly_500_in_both_languages(rf):
    from django.utils import translation

    from operations.views.errors import server_error

    with translation.override("zh-hant"):
        zh = server_error(rf.get("/")).content.decode()
    with translation.override("en"):
        en = server_error(rf.get("/en/")).content.decode()
    assert "系統發生錯誤" in zh and 'lang="zh-Hant-TW"' in zh and "02-2302-3993" in zh
    assert "Something went wrong" in en and 'lang="en"' in en
