from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from gk_pages.sitemaps import PortalSitemap
from gk_pages.views import documents as document_views

urlpatterns = [
    # First: gk_pages' scoped chooser and report views replace Wagtail's on the same URLs.
    path("admin/", include("gk_pages.admin_urls")),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's document URLs with the download rule's cache headers (gk_pages.attachments).
    path("documents/", include(document_views)),
    # Image renditions, in production too, with the same rule for images (gk_pages.images);
    # original images are served to nobody.
    path(settings.MEDIA_URL.lstrip("/"), include(document_views.rendition_urlpatterns)),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": PortalSitemap}}),
    path("search/", include("search.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Other uploads in development; document files never (only through /documents/),
    # original images never, renditions through the route above.
    urlpatterns += static(settings.MEDIA_URL, view=document_views.serve_media)

# Pages in the default language (简体中文) keep unprefixed URLs; translations
# (e.g. a Uyghur interpretation) live under /<language code>/.
urlpatterns += i18n_patterns(path("", include(wagtail_urls)), prefix_default_language=False)
