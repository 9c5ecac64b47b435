"""Admin URLs that replace Wagtail views which would show pages outside the user's
scope (gk_pages.admin_scope). The integrator includes them under the admin's
prefix *before* Wagtail's admin URLs, so that they win:

    path("admin/", include("gk_pages.admin_urls")),
    path("admin/", include(wagtail.admin.urls)),

The system check gk_pages.E001 (gk_pages.checks) fails when they do not win.
"""

from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.utils.urlpatterns import decorate_urlpatterns

from .views.choosers import ScopedBrowseView, ScopedChosenMultipleView, ScopedSearchView
from .views.page_types_usage import ScopedPageTypesUsageReportView

urlpatterns = [
    path("choose-page/", ScopedBrowseView.as_view()),
    path("choose-page/<int:parent_page_id>/", ScopedBrowseView.as_view()),
    path("choose-page/search/", ScopedSearchView.as_view()),
    path("choose-page/chosen-multiple/", ScopedChosenMultipleView.as_view()),
    path("reports/page-types-usage/", ScopedPageTypesUsageReportView.as_view()),
    path("reports/page-types-usage/results/", ScopedPageTypesUsageReportView.as_view(results_only=True)),
]
urlpatterns = decorate_urlpatterns(decorate_urlpatterns(urlpatterns, require_admin_access), never_cache)

# (Wagtail name, view class that must answer it) — checked by gk_pages.checks.
REPLACED_VIEWS = (
    ("wagtailadmin_choose_page", ScopedBrowseView),
    ("wagtailadmin_choose_page_search", ScopedSearchView),
    ("wagtailadmin_choose_page_chosen_multiple", ScopedChosenMultipleView),
    ("wagtailadmin_reports:page_types_usage", ScopedPageTypesUsageReportView),
)
