"""The sitemap of the disclosure portal."""

from wagtail.contrib.sitemaps import Sitemap

from .visibility import reachable


class PortalSitemap(Sitemap):
    """Wagtail's sitemap (live pages outside view restrictions), without the pages
    below an unpublished page, which the public cannot reach (gk_pages.visibility)."""

    def items(self):
        return reachable(super().items())
