"""Demo pages for `load_demo_data`: the home page in Traditional Chinese and its English translation."""
from __future__ import annotations

from django.db import transaction
from wagtail.models import Locale, Page, Site

from .models import HomePage

ZH = {
    "title": "臺北市志工管理整合平台",
    "intro": "一起投入志願服務：找到適合您的服務機會，報名班次，累積服務時數。",
    "body": "<p>臺北市政府社會局與臺北市志願服務推廣中心為志工、運用單位與志工團隊提供的整合平台。"
            "2025雙北世界壯年運動會的志工也在這裡招募與管理。</p>",
}
EN = {
    "title": "Taipei City Volunteer Platform",
    "intro": "Volunteer with us: find a role that suits you, sign up for shifts and keep track of your hours.",
    "body": "<p>The platform of the Department of Social Welfare and the Taipei Volunteer Service Promotion Center "
            "for volunteers, volunteer-using units and teams. The volunteers of the World Masters Games 2025 "
            "were recruited and managed here too.</p>",
}


@transaction.atomic
def load_demo_pages(stdout=None) -> HomePage:
    zh_locale, _ = Locale.objects.get_or_create(language_code="zh-hant")
    en_locale, _ = Locale.objects.get_or_create(language_code="en")
    home = HomePage.objects.filter(locale=zh_locale).first()
    if home is None:
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", locale=zh_locale))
        # Wagtail's first migration makes a placeholder "Welcome to your new Wagtail site!" page (slug
        # "home") as the default site's root; our home page replaces it (its Site row goes with it).
        for placeholder in root.get_children().filter(slug="home"):
            if placeholder.specific_class is Page:
                placeholder.delete()
        home = root.add_child(instance=HomePage(slug="home", locale=zh_locale, **ZH))
        home.save_revision().publish()
        Site.objects.filter(is_default_site=True).delete()
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=ZH["title"]
        )
    if not home.has_translation(en_locale):
        english = home.copy_for_translation(en_locale)
        for field, value in EN.items():
            setattr(english, field, value)
        english.save_revision().publish()
    return home
