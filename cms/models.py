"""Wagtail models of the public site (前台): page types, translatable snippets (menus, footer text), the
contact-details site setting and newsletter subscribers. Live figures come from `operations.selectors`
only; nothing here writes to operations except through `operations.services`."""
from __future__ import annotations

import datetime
import secrets

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import get_page, parse_id
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, TranslatableMixin
from wagtail.search import index
from wagtail.snippets.models import register_snippet
from wagtail_localize.fields import SynchronizedField

from operations.selectors.public import (
    campaign_summary,
    public_figures_json,
    public_venues_json,
    publishing_units,
)

from .blocks import (
    BodyBlock,
    CaptionedImageBlock,
    DownloadBlock,
    ExternalLinkBlock,
    HomeBodyBlock,
    LinkBlock,
    MenuGroupBlock,
    VideoBlock,
)
from .recruitment_pages import RecruitmentPage
from .search import bigram_text
from .unit_application import serve_unit_application
from .wmg import BANDS, build_map, map_height

INTRO_FEATURES = ["bold", "italic", "link"]


class BigramSearchMixin(models.Model):
    """Keeps `search_bigrams` (see cms/search.py) in step with the page's text on every save."""

    search_bigrams = models.TextField(editable=False, blank=True, default="")

    search_fields = [*Page.search_fields, index.SearchField("search_bigrams"), index.FilterField("locale_id")]

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_bigrams = bigram_text(*self.search_text_parts())
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "search_bigrams" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_bigrams"]
        return super().save(*args, **kwargs)

    def search_text_parts(self) -> list[str]:
        parts = [self.title, getattr(self, "search_description", "")]
        for name in ("intro", "summary"):
            parts.append(str(getattr(self, name, "") or ""))
        for name in ("body", "attachments", "images", "videos", "links", "documents"):
            value = getattr(self, name, None)
            if value is not None and hasattr(value, "render_as_block"):
                parts.append(_stream_text(value))
        return parts



def _stream_text(stream) -> str:
    """Plain text of a StreamField's raw data (no rendering, no queries)."""
    out: list[str] = []

    def walk(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in ("type", "id", "page", "document", "image", "poster", "file", "unit", "campaign",
                               "city", "url"):
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(list(stream.raw_data))
    return " ".join(out)


class PublicPage(BigramSearchMixin, Page):  # noqa: DJ008 (Page.__str__ is the title)
    """Base of our page types: a short introduction, bigram search, API fields."""

    intro = RichTextField(_("introduction"), blank=True, features=INTRO_FEATURES)

    api_fields = [APIField("intro")]
    public_cache = True  # anonymous visitors may get a cached copy (see cms/page_cache.py)

    class Meta:
        abstract = True


# --- Home -----------------------------------------------------------------------------------------

class AnnouncementCategory(models.TextChoices):
    NEWS = "news", _("News")
    RECRUITMENT = "recruitment", _("Recruitment events")
    TRAINING = "training", _("Training")
    FAQ = "faq", _("FAQ")


class HomePage(BigramSearchMixin, Page):  # noqa: DJ008 (Page.__str__ is the title)
    intro = models.CharField(_("introduction"), max_length=255, blank=True)
    body = StreamField(HomeBodyBlock(), blank=True, verbose_name=_("body"),
                       help_text=_("Live blocks (venue map, recruitment status, announcements) and text, in any order."))
    banner_title = models.CharField(_("banner title"), max_length=120, blank=True,
                                    help_text=_("Empty: the campaign's title."))
    banner_text = models.CharField(_("banner text"), max_length=255, blank=True)
    campaign_code = models.SlugField(
        _("campaign shown in the banner"), max_length=64, default="wmg-2025",
        help_text=_("The banner shows this campaign's dates from the recruitment data."),
    )
    wmg_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("event landing page"),
    )
    volunteer_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("“I want to volunteer” page"),
    )
    announcements_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("announcements list"),
    )
    quick_links = StreamField([("link", LinkBlock())], blank=True, verbose_name=_("quick links"))

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("banner_title"), FieldPanel("banner_text"), FieldPanel("campaign_code"),
             FieldPanel("wmg_page"), FieldPanel("volunteer_page")],
            heading=_("Event banner"),
        ),
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("announcements_page"),
        FieldPanel("quick_links"),
    ]
    override_translatable_fields = [SynchronizedField("campaign_code")]
    api_fields = [
        APIField("intro"), APIField("body"), APIField("banner_title"), APIField("banner_text"),
        APIField("event"), APIField("quick_links"), APIField("latest_announcements"),
    ]
    max_count_per_parent = 1
    public_cache = True

    class Meta:
        verbose_name = _("home page")

    def search_text_parts(self):
        return [self.title, self.intro, _stream_text(self.body), self.banner_title, self.banner_text]

    @cached_property
    def event(self) -> dict | None:
        with translation.override(self.locale.language_code):
            summary = campaign_summary(self.campaign_code) if self.campaign_code else None
        if summary is None:
            return None
        opens = summary.signup_opens_at
        return {"code": summary.code, "title": summary.title, "starts_on": summary.starts_on.isoformat(),
                "ends_on": summary.ends_on.isoformat(),
                "signup_opens_on": timezone.localdate(opens).isoformat() if opens else None,
                "signup_open": bool(opens and opens <= timezone.now())}

    def announcement_tabs(self):
        return announcement_tabs(self.locale_id)

    @property
    def latest_announcements(self) -> list[dict]:
        return [
            {"category": tab["key"], "items": [a.api_summary() for a in tab["items"]]}
            for tab in self.announcement_tabs()
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["event"] = self.event
        return context


def announcement_tabs(locale_id) -> list[dict]:
    """The latest five live announcements of each category in a language: one query per category,
    whatever the number of announcements (the home page's announcements block and its API)."""
    tabs = []
    for value, label in AnnouncementCategory.choices:
        items = list(
            AnnouncementPage.objects.live().public().filter(locale_id=locale_id, category=value)
            .select_related("unit").order_by("-date", "-pk")[:5]
        )
        tabs.append({"key": value, "label": label, "items": items})
    return tabs


# --- Announcements --------------------------------------------------------------------------------

class AnnouncementIndexPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    page_size = 10

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.AnnouncementPage"]
    parent_page_types = ["cms.HomePage", "cms.SectionPage"]

    class Meta:
        verbose_name = _("announcement list")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        items = (
            AnnouncementPage.objects.live().public().descendant_of(self)
            .select_related("unit").order_by("-date", "-pk")
        )
        category = request.GET.get("category", "")
        if category in AnnouncementCategory.values:
            items = items.filter(category=category)
        else:
            category = ""
        unit_id = parse_id(request.GET.get("unit"))
        if unit_id is not None:
            items = items.filter(unit_id=unit_id)
        unit = str(unit_id) if unit_id is not None else ""
        unit_ids = (
            AnnouncementPage.objects.live().descendant_of(self).exclude(unit=None).values("unit_id")
        )
        context["units"] = publishing_units(unit_ids)
        paginator = Paginator(items, self.page_size)
        page_obj = get_page(paginator, request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            items=page_obj.object_list, page_obj=page_obj, paginator=paginator, categories=AnnouncementCategory.choices,
            category=category, unit=unit, filter_query=query.urlencode(),
        )
        return context


class AnnouncementPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    category = models.CharField(_("category"), max_length=16, choices=AnnouncementCategory.choices,
                                default=AnnouncementCategory.NEWS, db_index=True)
    unit = models.ForeignKey(
        "operations.OrgNode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        limit_choices_to={"kind__in": ["unit", "purpose", "competent"]}, verbose_name=_("publishing unit"),
    )
    date = models.DateField(_("date"), default=datetime.date.today, db_index=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))
    attachments = StreamField([("document", DownloadBlock())], blank=True, verbose_name=_("attachments"))

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("category"), FieldPanel("unit"), FieldPanel("date")], heading=_("Details")),
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("attachments"),
    ]
    override_translatable_fields = [SynchronizedField("category"), SynchronizedField("unit"),
                                    SynchronizedField("date")]
    parent_page_types = ["cms.AnnouncementIndexPage"]
    subpage_types: list[str] = []
    api_fields = [
        APIField("category"), APIField("date"), APIField("unit_name"), APIField("intro"), APIField("body"),
        APIField("attachments"),
    ]

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    @property
    def unit_name(self) -> str:
        if not (self.unit_id and self.unit):
            return ""
        with translation.override(self.locale.language_code):  # the API answers outside /en/ too
            return self.unit.display_name

    def get_context(self, request, *args, **kwargs):
        """The next action: a recruitment announcement offers 我要當志工 (the recruitment page of its language)."""
        context = super().get_context(request, *args, **kwargs)
        if self.category == AnnouncementCategory.RECRUITMENT:
            context["volunteer_page"] = RecruitmentPage.objects.live().filter(locale_id=self.locale_id).first()
        return context

    def api_summary(self) -> dict:
        return {"id": self.pk, "title": self.title, "date": self.date.isoformat(), "unit": self.unit_name,
                "category": self.category, "url": self.url}


# --- General pages --------------------------------------------------------------------------------

class StandardPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    """Any editorial page: how-to guide, tutorials, terms, privacy, accessibility, service-plan filing,
    team and unit introductions (with live unit facts from operations)."""

    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    api_fields = [APIField("intro"), APIField("body")]

    class Meta:
        verbose_name = _("standard page")


class SectionPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    """A main-menu section (e.g. 資源補給站) listing its sub-pages."""

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("section page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["children"] = self.get_children().live().public().specific().order_by("path")
        return context


class GalleryPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    date = models.DateField(_("date"), default=datetime.date.today)
    images = StreamField([("image", CaptionedImageBlock())], blank=True, verbose_name=_("photos"))

    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("intro"), FieldPanel("images")]
    override_translatable_fields = [SynchronizedField("date")]
    api_fields = [APIField("date"), APIField("intro"), APIField("images")]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("photo gallery")

    def first_image(self):
        for block in self.images:
            return block.value["image"]
        return None


class VideoPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    videos = StreamField([("video", VideoBlock())], blank=True, verbose_name=_("videos"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("videos")]
    api_fields = [APIField("intro"), APIField("videos")]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("video page")


class LinkListPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    """相關法規 (laws) and 好站連結 (links)."""

    links = StreamField([("link", ExternalLinkBlock())], blank=True, verbose_name=_("links"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("links")]
    api_fields = [APIField("intro"), APIField("links")]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("link list")


class DownloadsPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    documents = StreamField([("document", DownloadBlock())], blank=True, verbose_name=_("files"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("documents")]
    api_fields = [APIField("intro"), APIField("documents")]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("downloads page")


class SitemapPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    """網站導覽: the live page tree of this language, generated."""

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count_per_parent = 1
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("site map page")

    def page_tree(self) -> list[dict]:
        home = self.get_parent()
        pages = list(home.get_descendants().live().public().filter(depth__lte=home.depth + 3).order_by("path"))
        nodes = {home.path: {"page": home, "children": []}}
        for page in pages:
            node = {"page": page, "children": []}
            parent = nodes.get(page.path[: -Page.steplen])
            if parent is not None:
                parent["children"].append(node)
                nodes[page.path] = node
        return nodes[home.path]["children"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["tree"] = self.page_tree()
        return context


class UnitApplicationPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    """申請成為運用單位: explanation and the application form, which creates a pending application in
    operations through `unit_application_submit`."""

    body = StreamField(BodyBlock(), blank=True, verbose_name=_("explanation"))
    privacy_notice = RichTextField(_("personal-data notice"), blank=True, features=INTRO_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body"), FieldPanel("privacy_notice")]
    api_fields = [APIField("intro"), APIField("body")]
    subpage_types: list[str] = []
    public_cache = False  # a form with a CSRF token and a per-visitor submission key

    class Meta:
        verbose_name = _("unit application page")

    def serve(self, request, *args, **kwargs):
        return serve_unit_application(self, request, *args, **kwargs)


class WMGLandingPage(PublicPage):  # noqa: DJ008 (Page.__str__ is the title)
    """世壯運一頁式網頁: banner with the event dates, call to action, log-in box, venue map and live
    recruitment status, all from operations data."""

    campaign_code = models.SlugField(_("campaign"), max_length=64, default="wmg-2025")
    banner_text = models.CharField(_("banner text"), max_length=255, blank=True)
    volunteer_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("“I want to volunteer” page"),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("more about the event"))

    content_panels = [
        *Page.content_panels, FieldPanel("campaign_code"), FieldPanel("banner_text"), FieldPanel("intro"),
        FieldPanel("volunteer_page"), FieldPanel("body"),
    ]
    override_translatable_fields = [SynchronizedField("campaign_code")]
    api_fields = [APIField("intro"), APIField("banner_text"), APIField("event"), APIField("venue_map"),
                  APIField("recruitment"), APIField("body")]
    subpage_types: list[str] = []
    template = "cms/wmg_landing_page.html"

    class Meta:
        verbose_name = _("event landing page")

    def get_admin_display_title(self):
        return self.draft_title or self.title

    @cached_property
    def event(self) -> dict | None:
        with translation.override(self.locale.language_code):
            summary = campaign_summary(self.campaign_code)
        if summary is None:
            return None
        return {"code": summary.code, "title": summary.title, "starts_on": summary.starts_on.isoformat(),
                "ends_on": summary.ends_on.isoformat(), "min_age": summary.min_age}

    @cached_property
    def _map(self):
        """Cities, venues and figures in the page's language, for the HTML map."""
        with translation.override(self.locale.language_code):
            return build_map(campaign_code=self.campaign_code)

    @property
    def recruitment(self) -> dict:
        """API field: `public_figures_json` in the page's language (the API answers outside /en/ too)."""
        with translation.override(self.locale.language_code):
            return public_figures_json(campaign_code=self.campaign_code)

    @property
    def venue_map(self) -> dict:
        """API field: `public_venues_json` in the page's language."""
        with translation.override(self.locale.language_code):
            return public_venues_json(campaign_code=self.campaign_code)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        cities, status = self._map
        context.update(cities=cities, status=status, event=self.event, bands=BANDS, map_height=map_height(cities),
                       hosting=[c for c in cities if c.hosting], co_hosting=[c for c in cities if not c.hosting])
        return context


# --- Snippets and settings ------------------------------------------------------------------------

class MenuKey(models.TextChoices):
    MAIN = "main", _("Main menu")
    HEADER = "header", _("Header links")
    FOOTER = "footer", _("Footer links")


@register_snippet
class Menu(TranslatableMixin, models.Model):
    key = models.CharField(_("menu"), max_length=16, choices=MenuKey.choices)
    items = StreamField([("group", MenuGroupBlock()), ("link", LinkBlock())], blank=True, verbose_name=_("items"))

    panels = [FieldPanel("key"), FieldPanel("items")]
    override_translatable_fields = [SynchronizedField("key")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("menu")
        verbose_name_plural = _("menus")
        unique_together = [("translation_key", "locale"), ("key", "locale")]

    def __str__(self):
        return str(self.get_key_display())


@register_snippet
class FooterText(TranslatableMixin, models.Model):
    organisation = models.CharField(_("organisation line"), max_length=255)
    opening_hours = models.CharField(_("opening hours"), max_length=255, blank=True)
    copyright = models.CharField(_("copyright line"), max_length=255, blank=True)
    accessibility_text = models.CharField(_("accessibility statement"), max_length=255, blank=True)
    accessibility_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("accessibility page"),
    )

    panels = [FieldPanel("organisation"), FieldPanel("opening_hours"), FieldPanel("copyright"),
              FieldPanel("accessibility_text"), FieldPanel("accessibility_page")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("footer text")
        verbose_name_plural = _("footer texts")

    def __str__(self):
        return self.organisation


@register_setting(icon="mail")
class ContactSettings(BaseSiteSetting):
    """The promotion centre's contact details (not translated: numbers and both addresses here)."""

    phone = models.CharField(_("phone"), max_length=40, blank=True)
    fax = models.CharField(_("fax"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address (Chinese)"), max_length=255, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("contact details")


# --- Newsletter -----------------------------------------------------------------------------------

class SubscriberStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Subscribed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


def _token() -> str:
    return secrets.token_urlsafe(24)


class NewsletterSubscriber(models.Model):
    """訂閱電子報: double opt-in (a confirmation link) and one-click unsubscribe (a per-address token)."""

    email = models.EmailField(_("e-mail"), unique=True)
    language = models.CharField(_("language"), max_length=8, default="zh-hant")
    status = models.CharField(_("status"), max_length=16, choices=SubscriberStatus.choices,
                              default=SubscriberStatus.PENDING, db_index=True)
    confirm_token = models.CharField(max_length=64, unique=True, default=_token)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=_token)
    created_at = models.DateTimeField(_("subscribed at"), auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter subscriber")
        verbose_name_plural = _("newsletter subscribers")
        ordering = ["-created_at"]

    def __str__(self):
        return self.email

    def confirmation_expired(self) -> bool:
        sent = self.confirmation_sent_at or self.created_at
        return sent is not None and timezone.now() - sent > datetime.timedelta(days=7)

