"""sitemap.xml with the live pages of every language (Wagtail's own sitemap only walks the default
site's root page, i.e. the Chinese tree)."""
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class PublicSitemap(Sitemap):
    def items(self):
        root = self.get_wagtail_site().root_page
        paths = list(Page.objects.filter(translation_key=root.translation_key).values_list("path", flat=True))
        pages = Page.objects.none()
        for path in paths:
            pages = pages | Page.objects.filter(path__startswith=path)
        return pages.live().public().order_by("path").defer_streamfields().specific()
