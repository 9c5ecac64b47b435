"""URLs for the coverage report tests: the Wagtail admin plus the report under
the path and namespace the app's admin hook registers it with."""

from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls

from gk_columns.views import coverage

urlpatterns = [
    path("admin/reports/coverage/", include((coverage.urlpatterns, "gk_coverage"), namespace="gk_coverage")),
    path("admin/", include(wagtailadmin_urls)),
]
