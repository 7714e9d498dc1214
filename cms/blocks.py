"""StreamField blocks of the public site. Live blocks call `operations.selectors` in both `get_context`
(HTML) and `get_api_representation` (API v2), so the page and its JSON always show the same figures.
Units, cities and campaigns are picked from choice lists, never typed (wagtail-localize would send a
typed key out for translation)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from operations.selectors.public import (
    city_choices,
    public_campaign_choices,
    public_figures_json,
    public_unit_choices,
    public_unit_facts,
    public_venues_json,
)
from operations.selectors.recruitment import recruitment_status

from .wmg import BANDS, build_map, map_height


def wmg_city_choices():
    """Every city of Taiwan (cities are data: a campaign's venues may be in any of them)."""
    return city_choices()


def unit_choices():
    return public_unit_choices()


def campaign_choices():
    return public_campaign_choices()


class LinkBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("label"), max_length=120)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("external address"), required=False)

    class Meta:
        icon = "link"
        label = _("Link")


class MenuGroupBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("label"), max_length=120)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("external address"), required=False)
    children = blocks.ListBlock(LinkBlock(), label=_("sub-pages"), required=False)

    class Meta:
        icon = "list-ul"
        label = _("Menu group")


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=255)
    alt = blocks.CharBlock(
        label=_("text alternative"), required=False, max_length=255,
        help_text=_("Describe the picture for people who cannot see it. Leave empty to use the caption."),
    )

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/image.html"


class DownloadBlock(blocks.StructBlock):
    """A document to download. Its title shown on the page is part of the page (so wagtail-localize
    translates it with the page); empty, the document's own title is shown."""

    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(label=_("title shown"), required=False, max_length=255,
                             help_text=_("Empty: the document's own title. Translated with the page."))
    description = blocks.CharBlock(label=_("description"), required=False, max_length=255)

    class Meta:
        icon = "doc-full"
        label = _("Download")
        template = "cms/blocks/download.html"

    def get_api_representation(self, value, context=None):
        document = value["document"]
        return {
            "title": value.get("title") or document.title,
            "description": value["description"],
            "url": document.url,
            "file_type": document.file_extension.upper(),
            "file_size": document.get_file_size(),
            "file_size_display": str(filesizeformat(document.get_file_size() or 0)),
        }


class ExternalLinkBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=200)
    url = blocks.URLBlock(label=_("address"))
    source = blocks.CharBlock(label=_("issued by / site owner"), required=False, max_length=200)
    description = blocks.TextBlock(label=_("description"), required=False)

    class Meta:
        icon = "link-external"
        label = _("Link")
        template = "cms/blocks/external_link.html"


_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")


def embed_url(url: str) -> str:
    """The privacy-friendly embed address of a YouTube or Vimeo link ('' for other sites)."""
    parsed = urlparse(url or "")
    host = (parsed.hostname or "").lower()
    video_id = ""
    if host in {"youtu.be"}:
        video_id = parsed.path.strip("/")
    elif host.endswith("youtube.com") or host.endswith("youtube-nocookie.com"):
        if parsed.path == "/watch":
            video_id = (parse_qs(parsed.query).get("v") or [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/")):
            video_id = parsed.path.split("/")[2]
    if video_id and _YOUTUBE_ID.match(video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}?autoplay=1"
    if host.endswith("vimeo.com"):
        number = parsed.path.strip("/").split("/")[-1]
        if number.isdigit():
            return f"https://player.vimeo.com/video/{number}?autoplay=1"
    return ""


class VideoBlock(blocks.StructBlock):
    """An uploaded video file (served by us) or a link to a video site. A video site's player is only
    loaded when the visitor presses play, so no third party sees visitors who do not."""

    title = blocks.CharBlock(label=_("title"), max_length=200)
    description = blocks.TextBlock(label=_("description"), required=False)
    file = DocumentChooserBlock(label=_("video file"), required=False, help_text=_("MP4 or WebM uploaded as a document."))
    url = blocks.URLBlock(label=_("video site address"), required=False, help_text=_("YouTube or Vimeo."))
    poster = ImageChooserBlock(label=_("cover image"), required=False)
    transcript = blocks.TextBlock(label=_("transcript"), required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "cms/blocks/video.html"

    def clean(self, value):
        from django.core.exceptions import ValidationError
        from wagtail.blocks.struct_block import StructBlockValidationError

        value = super().clean(value)
        if not value.get("file") and not value.get("url"):
            raise StructBlockValidationError(
                block_errors={"file": ValidationError(_("Upload a video file or give a video site address."))}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["embed_url"] = embed_url(value.get("url") or "")
        return context

    def get_api_representation(self, value, context=None):
        return {
            "title": value["title"],
            "description": value["description"],
            "file_url": value["file"].url if value.get("file") else None,
            "url": value.get("url") or None,
            "embed_url": embed_url(value.get("url") or "") or None,
            "transcript": value["transcript"],
        }


class RecruitmentProgressBlock(blocks.StructBlock):
    """Live recruitment figures of a campaign: per city (or one city) and overall."""

    campaign = blocks.ChoiceBlock(label=_("campaign"), choices=campaign_choices)
    city = blocks.ChoiceBlock(label=_("city"), choices=wmg_city_choices, required=False,
                              help_text=_("Leave empty to show every city and the overall figure."))
    heading = blocks.CharBlock(label=_("heading"), required=False, max_length=120)

    class Meta:
        icon = "group"
        label = _("Recruitment status (live)")
        template = "cms/blocks/recruitment_progress.html"

    @staticmethod
    def status(value):
        cities = [value["city"]] if value.get("city") else None
        return recruitment_status(campaign_code=value["campaign"], cities=cities)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["status"] = self.status(value)
        return context

    def get_api_representation(self, value, context=None):
        """`public_figures_json`: the same JSON as the public endpoint and the landing page's API."""
        return public_figures_json(campaign_code=value["campaign"], city=value.get("city") or None)


class VenueMapBlock(blocks.StructBlock):
    """Live: the campaign's venue map, each city coloured by its recruitment percentage with the figure
    written on it, a city dialog whose venues link to their shifts on 我要當志工. Same figures as the
    recruitment status block, the WMG landing page and the public API (`cms.wmg.build_map`)."""

    campaign = blocks.ChoiceBlock(label=_("campaign"), choices=campaign_choices)
    heading = blocks.CharBlock(label=_("heading"), required=False, max_length=120)
    volunteer_page = blocks.PageChooserBlock(label=_("“I want to volunteer” page"), required=False,
                                             help_text=_("A venue in a city's dialog links to its open shifts there."))

    class Meta:
        icon = "site"
        label = _("Venue map (live)")
        template = "cms/blocks/venue_map.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        cities, status = build_map(campaign_code=value["campaign"])
        context.update(cities=cities, status=status, bands=BANDS, map_height=map_height(cities),
                       hosting=[c for c in cities if c.hosting], co_hosting=[c for c in cities if not c.hosting],
                       volunteer_page=value.get("volunteer_page"), map_heading=value.get("heading"))
        return context

    def get_api_representation(self, value, context=None):
        """The venues (`public_venues_json`) and their figures (`public_figures_json`): the same JSON as
        the landing page's `venue_map` and `recruitment` fields and the public endpoints."""
        return {"campaign": value["campaign"], "heading": value.get("heading") or "",
                "venue_map": public_venues_json(campaign_code=value["campaign"]),
                "recruitment": public_figures_json(campaign_code=value["campaign"])}


class AnnouncementsBlock(blocks.StructBlock):
    """Live: the latest announcements of the page's language in tabs by category (訊息公告 · 招募活動 ·
    教育訓練 · 常見問答), linking to the announcements list."""

    heading = blocks.CharBlock(label=_("heading"), required=False, max_length=120)
    announcements_page = blocks.PageChooserBlock(label=_("announcements list"), required=False,
                                                 page_type="cms.AnnouncementIndexPage")

    class Meta:
        icon = "list-ul"
        label = _("Latest announcements (live)")
        template = "cms/blocks/announcements.html"

    @staticmethod
    def tabs(page):
        """The page's own announcement tabs (HomePage.announcement_tabs): blocks never import the models
        that hold them."""
        tabs = getattr(page, "announcement_tabs", None)
        return tabs() if tabs is not None else []

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["tabs"] = self.tabs((parent_context or {}).get("page"))
        return context


class UnitFactsBlock(blocks.StructBlock):
    """A unit's public facts (category, city, address, teams, current volunteers) from operations."""

    unit = blocks.ChoiceBlock(label=_("unit"), choices=unit_choices)
    text = blocks.RichTextBlock(label=_("introduction"), required=False, features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "home"
        label = _("Unit introduction")
        template = "cms/blocks/unit_facts.html"

    @staticmethod
    def facts(value):
        found = public_unit_facts([value["unit"]]) if value.get("unit") else []
        return found[0] if found else None

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["facts"] = self.facts(value)
        return context

    def get_api_representation(self, value, context=None):
        facts = self.facts(value)
        return {
            "unit": facts.__dict__ if facts else None,
            "text": blocks.RichTextBlock().get_api_representation(value["text"], context),
        }


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=200)
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "warning"
        label = _("Highlighted box")
        template = "cms/blocks/callout.html"


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("step"), max_length=200)
    text = blocks.RichTextBlock(label=_("what to do"), features=["bold", "italic", "link", "ol", "ul"])
    image = ImageChooserBlock(label=_("screenshot"), required=False)

    class Meta:
        icon = "list-ol"
        label = _("Step")
        template = "cms/blocks/step.html"


RICH_FEATURES = ["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul", "hr"]


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("heading"), max_length=200, form_classname="title",
                               template="cms/blocks/heading.html")
    paragraph = blocks.RichTextBlock(label=_("paragraph"), features=RICH_FEATURES)
    image = CaptionedImageBlock()
    callout = CalloutBlock()
    step = StepBlock()
    video = VideoBlock()
    download = DownloadBlock(template="cms/blocks/download_single.html")
    link = ExternalLinkBlock()
    unit_facts = UnitFactsBlock()
    recruitment_progress = RecruitmentProgressBlock()

    class Meta:
        label = _("Body")


class HomeBodyBlock(BodyBlock):
    """The home page's body: everything of a page body plus the live venue map and the latest
    announcements, which editors place and order with the other blocks."""

    venue_map = VenueMapBlock()
    announcements = AnnouncementsBlock()

    class Meta:
        label = _("Home page body")
