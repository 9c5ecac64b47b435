"""Wagtail's 页面类型使用情况 report, with the "last edited page" column kept to the
user's scope (gk_pages.admin_scope): the counts are totals of the whole site, but
the page named for each type is another organisation's draft as often as not.
Mounted on Wagtail's URL by gk_pages.admin_urls; its exports are written inertly
like every admin report's (gk_pages.views.wagtail_reports)."""

from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView

from gk_columns.views.exports import SpreadsheetExportSafetyMixin

from ..admin_scope import scope_for


class ScopedPageTypesUsageReportView(SpreadsheetExportSafetyMixin, PageTypesUsageReportView):
    def decorate_paginated_queryset(self, page_types):
        page_types = super().decorate_paginated_queryset(page_types)
        scope = scope_for(self.request)
        for item in page_types:
            if item.last_edited_page is not None and not scope.contains(item.last_edited_page):
                item.last_edited_page = None
        return page_types
