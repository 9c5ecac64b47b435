"""Wagtail's own admin reports and listings with a spreadsheet export, writing it
inertly (gk_columns.views.exports.SpreadsheetExportSafetyMixin): 锁定的页面,
长期未更新的页面, 网站历史, 工作流 and 工作流任务, Wagtail's search-terms report
and the redirects listing.

Their CSV carries page titles, log labels and visitors' search terms as they are,
and any editor may title a page ``=HYPERLINK(…)``: in the auditor's Excel that
would be a live formula. The views are Wagtail's, with the mixin first; they
answer Wagtail's URLs (index and results-only, both export) through
gk_pages.admin_urls, and gk_pages.checks (E001) fails when they do not.

The contrib apps' views are defined only where the app is installed: an
integrator without redirects or search promotions has nothing to replace there.
"""

from django.apps import apps
from wagtail.admin.views.reports.aging_pages import AgingPagesView
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.admin.views.reports.locked_pages import LockedPagesView
from wagtail.admin.views.reports.workflows import WorkflowTasksView, WorkflowView

from gk_columns.views.exports import SpreadsheetExportSafetyMixin


class InertLockedPagesView(SpreadsheetExportSafetyMixin, LockedPagesView):
    pass


class InertAgingPagesView(SpreadsheetExportSafetyMixin, AgingPagesView):
    pass


class InertLogEntriesView(SpreadsheetExportSafetyMixin, LogEntriesView):
    pass


class InertWorkflowView(SpreadsheetExportSafetyMixin, WorkflowView):
    pass


class InertWorkflowTasksView(SpreadsheetExportSafetyMixin, WorkflowTasksView):
    pass


# (URL under the admin, Wagtail's URL name, view class) for each view above and the
# contrib views below; gk_pages.admin_urls mounts them, index and results-only.
REPORTS = [
    ("reports/locked/", "wagtailadmin_reports:locked_pages", InertLockedPagesView),
    ("reports/aging-pages/", "wagtailadmin_reports:aging_pages", InertAgingPagesView),
    ("reports/site-history/", "wagtailadmin_reports:site_history", InertLogEntriesView),
    ("reports/workflow/", "wagtailadmin_reports:workflow", InertWorkflowView),
    ("reports/workflow_tasks/", "wagtailadmin_reports:workflow_tasks", InertWorkflowTasksView),
]

if apps.is_installed("wagtail.contrib.search_promotions"):
    from wagtail.contrib.search_promotions.views.reports import SearchTermsReportView

    class InertSearchTermsReportView(SpreadsheetExportSafetyMixin, SearchTermsReportView):
        """搜索词 (Wagtail's): what visitors typed, as it was typed."""

    REPORTS.append(
        ("searchpicks/reports/search-terms/", "wagtailsearchpromotions:search_terms", InertSearchTermsReportView)
    )

if apps.is_installed("wagtail.contrib.redirects"):
    from wagtail.contrib.redirects.views import IndexView as RedirectsIndexView

    class InertRedirectsIndexView(SpreadsheetExportSafetyMixin, RedirectsIndexView):
        """重定向: paths and targets, also from imported redirect files."""

    REPORTS.append(("redirects/", "wagtailredirects:index", InertRedirectsIndexView))
