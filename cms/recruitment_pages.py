"""我要當志工 (volunteer recruitment): a Wagtail page listing open campaigns → positions → shifts with
filters and live free-seat counts (exact on every request, also from the anonymous page cache). The data comes from operations.selectors.browse (a fixed number of
queries per page, whatever the number of shifts); signing up happens in the volunteer zone."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from volunteer_site.params import parse_page
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page

from operations.selectors.browse import BrowseFilters, browse_filter_options, browse_shifts

__all__ = ["RecruitmentPage"]


class RecruitmentPage(Page):
    intro = RichTextField(_("introduction"), blank=True)
    campaign_code = models.SlugField(
        _("campaign code"), max_length=64, blank=True,
        help_text=_("Show only this campaign (for example wmg-2025); empty shows every open campaign."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("campaign_code")]
    api_fields = [APIField("intro"), APIField("campaign_code")]
    template = "cms/recruitment/recruitment_page.html"
    # Anonymous visitors may get a stored copy whose seat cells are filled with live counts on every
    # answer (cms/page_cache.py); the list itself follows the shift-list version.
    public_cache = True

    class Meta:
        verbose_name = _("recruitment page")
        verbose_name_plural = _("recruitment pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        filters = BrowseFilters.from_querydict(request.GET)
        if self.campaign_code:
            filters.campaign = self.campaign_code
        result = browse_shifts(filters, page_number=parse_page(request.GET.get("page")))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            filters=filters, result=result, options=browse_filter_options(), querystring=query.urlencode(),
            back=request.get_full_path(),
        )
        return context

    def get_cache_key_components(self):  # live seat counts: never cache the rendered page
        return None


def ensure_recruitment_page(*, slug: str = "recruitment", campaign_code: str = "") -> RecruitmentPage | None:
    """Create (once) the 我要當志工 page under the home page of each language; return the Chinese one.
    Used by the demo data and the tests; editors can move or retitle it afterwards."""
    from django.conf import settings
    from wagtail.models import Locale

    titles = {"zh-hant": "我要當志工", "en": "Volunteer with us"}
    result = None
    source = None
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        locale = Locale.objects.filter(language_code=code).first()
        if locale is None:
            continue
        home = Page.objects.filter(depth=2, locale=locale).first()
        if home is None:
            continue
        existing = RecruitmentPage.objects.filter(locale=locale).first()
        if existing is None:
            if source is not None:
                existing = source.copy_for_translation(locale, copy_parents=False, alias=False)
                existing.title = titles.get(code, existing.title)
                existing.save_revision().publish()
            else:
                existing = RecruitmentPage(title=titles.get(code, "Recruitment"), slug=slug,
                                           campaign_code=campaign_code, locale=locale)
                home.add_child(instance=existing)
                existing.save_revision().publish()
        source = source or existing
        if code == settings.LANGUAGE_CODE:
            result = existing
    return result
