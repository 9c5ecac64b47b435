"""URLs for the import view tests: the admin with the import views included
the way gk_columns' register_admin_urls hook is meant to include them."""

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from gk_columns.views import importing

urlpatterns = [
    path("admin/catalogue/import/", include((importing.urlpatterns, "gk_columns_import"))),
    path("admin/", include(wagtailadmin_urls)),
    path("", include(wagtail_urls)),
]
