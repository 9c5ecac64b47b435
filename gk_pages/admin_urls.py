"""Admin URLs that replace Wagtail views which would show pages outside the user's
scope (gk_pages.admin_scope), or write spreadsheet exports that Excel would run
as formulas (gk_pages.views.wagtail_reports). The integrator includes them under
the admin's prefix *before* Wagtail's admin URLs, so that they win:

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
from .views.wagtail_reports import REPORTS as INERT_EXPORT_REPORTS

# (URL, Wagtail's URL name, view). A report answers on two URLs, the page and its
# results-only part (filters, sorting), and both export with ?export=csv / xlsx.
REPORTS = [
    ("reports/page-types-usage/", "wagtailadmin_reports:page_types_usage", ScopedPageTypesUsageReportView),
    *INERT_EXPORT_REPORTS,
]

urlpatterns = [
    path("choose-page/", ScopedBrowseView.as_view()),
    path("choose-page/<int:parent_page_id>/", ScopedBrowseView.as_view()),
    path("choose-page/search/", ScopedSearchView.as_view()),
    path("choose-page/chosen-multiple/", ScopedChosenMultipleView.as_view()),
]
for prefix, _name, view_class in REPORTS:
    urlpatterns += [
        path(prefix, view_class.as_view()),
        path(f"{prefix}results/", view_class.as_view(results_only=True)),
    ]
urlpatterns = decorate_urlpatterns(decorate_urlpatterns(urlpatterns, require_admin_access), never_cache)

# (Wagtail name, view class that must answer it) — checked by gk_pages.checks.
REPLACED_VIEWS = (
    ("wagtailadmin_choose_page", ScopedBrowseView),
    ("wagtailadmin_choose_page_search", ScopedSearchView),
    ("wagtailadmin_choose_page_chosen_multiple", ScopedChosenMultipleView),
    *((f"{name}{suffix}", view_class) for _prefix, name, view_class in REPORTS for suffix in ("", "_results")),
)
