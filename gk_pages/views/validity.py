"""报告 → 规范性文件有效性核查 (the findings are gk_pages.validity): filters,
sorting and CSV/XLSX export over the pages the user may edit.

Include `urlpatterns` under the admin with the namespace "gk_validity_report";
gk_pages.wagtail_hooks registers it and its menu item.
"""

import datetime

import django_filters
from django.urls import path
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.widgets import AdminDateInput

from gk_columns.models import Organisation

from ..validity import FINDING_COLUMNS, REASON_LABELS, validity_problems
from .reports import DATE_OR_BLANK, ComputedReportView, editable_pages, keep_rows


class ValidityFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label="发布机构", empty_label="全部", queryset=Organisation.objects.order_by("order", "pk"), method=keep_rows
    )
    reason = django_filters.ChoiceFilter(
        label="问题", choices=list(REASON_LABELS.items()), empty_label="全部", method=keep_rows
    )
    today = django_filters.DateFilter(label="核查日期", widget=AdminDateInput, method=keep_rows)

    class Meta:
        model = Organisation
        fields = []


class ValidityReportView(ComputedReportView):
    page_title = "规范性文件有效性核查"
    header_icon = "warning"
    results_template_name = "gk_pages/admin/validity_report_results.html"
    filterset_class = ValidityFilterSet
    index_url_name = "gk_validity_report:report"
    index_results_url_name = "gk_validity_report:report_results"
    export_filename = "规范性文件有效性核查"
    list_export = ["reason_labels", "title", "doc_number", "organisation", "expiry_date", "reason_text", "edit_url"]
    export_headings = dict(FINDING_COLUMNS)
    custom_field_preprocess = {"expiry_date": DATE_OR_BLANK}
    sort_keys = {
        "title": lambda row: row.title,
        "organisation": lambda row: (row.organisation_order, row.organisation_code),
        "expiry_date": lambda row: row.expiry_date or datetime.date.max,
    }

    @cached_property
    def columns(self):
        return [
            TitleColumn("title", label="文件名称", sort_key="title", get_url=lambda row: row.edit_url),
            Column("doc_number", label="文号"),
            Column("organisation", label="发布机构", sort_key="organisation"),
            Column("expiry_date", label="失效日期", sort_key="expiry_date"),
            Column("reason_labels", label="问题"),
            Column("reason_text", label="说明"),
        ]

    def compute_rows(self):
        cleaned = self.cleaned_filters
        rows = validity_problems(
            self.report_date, cleaned.get("organisation"), within=editable_pages(self.request.user)
        )
        if cleaned.get("reason"):
            rows = [row for row in rows if cleaned["reason"] in row.reason_codes]
        return rows


urlpatterns = [
    path("", ValidityReportView.as_view(), name="report"),
    path("results/", ValidityReportView.as_view(results_only=True), name="report_results"),
]
