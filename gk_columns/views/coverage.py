"""The coverage report (栏目覆盖率) in the Wagtail admin.

* ``coverage_report`` — one row per organisation, filterable by organisation,
  organisation kind, domain and problem status, exportable (XLSX: a summary
  sheet and a problem-item sheet; CSV: the summary, UTF-8 with BOM);
* ``coverage_detail`` — one organisation's figures and problem items, with
  links to each column's edit page, and its snapshot history;
* ``coverage_trend`` — the history of stored snapshots (all organisations, or
  one with ?organisation=);
* ``coverage_snapshot`` — POST: compute now and store one snapshot per organisation.

Permissions: viewing needs ``gk_columns.view_coveragesnapshot`` (查看覆盖率快照),
storing a snapshot ``gk_columns.add_coveragesnapshot`` (添加覆盖率快照);
superusers have both. Both are Django's default model permissions, assignable
to groups in 设置 → 用户组.

Include ``urlpatterns`` under the admin as ``reports/coverage/`` with the
namespace ``gk_coverage`` (see the app's wagtail_hooks).
"""

from decimal import Decimal

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView, View
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, NumberColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import HeaderButton

from ..coverage import (
    SCORE_NOTE,
    STATUS_LABELS,
    SUMMARY_COLUMNS,
    CoverageReport,
    compute_coverage,
    default_scope,
    snapshot_history,
    store_snapshots,
    write_xlsx,
)
from ..models import CoverageSnapshot, Domain, Organisation
from .exports import SpreadsheetExportSafetyMixin

VIEW_PERMISSION = "gk_columns.view_coveragesnapshot"
SNAPSHOT_PERMISSION = "gk_columns.add_coveragesnapshot"

STATUS_CHOICES = [(key, STATUS_LABELS[key]) for key in ("missing", "empty", "stale", "unparsed", "orphan", "fresh")]
EXPORT_HEADINGS = dict(SUMMARY_COLUMNS)


def can_view(user):
    return user.is_active and (user.is_superuser or user.has_perm(VIEW_PERMISSION))


def can_snapshot(user):
    return user.is_active and (user.is_superuser or user.has_perm(SNAPSHOT_PERMISSION))


class CoverageReportMenuItem(MenuItem):
    def __init__(self, **kwargs):
        kwargs.setdefault("name", "gk-coverage")
        kwargs.setdefault("icon_name", "tasks")
        kwargs.setdefault("order", 650)
        super().__init__("栏目覆盖率", reverse("gk_coverage:coverage_report"), **kwargs)

    def is_shown(self, request):
        return can_view(request.user)


class CoveragePermissionMixin:
    permission_check = staticmethod(can_view)

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_check(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _keep(queryset, name, value):
    # Domain and status cannot be answered by the organisation queryset: the
    # report applies them to the computed coverage.
    return queryset


class CoverageFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label="公开主体",
        empty_label="全部",
        queryset=lambda request: default_scope().order_by("order", "pk"),
        method=lambda queryset, name, value: queryset.filter(pk=value.pk),
    )
    kind = django_filters.ChoiceFilter(label="机构类型", choices=Organisation.Kind.choices, empty_label="全部")
    domain = django_filters.ModelChoiceFilter(label="领域", queryset=Domain.objects.all(), method=_keep, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=STATUS_CHOICES, method=_keep, empty_label="全部")

    class Meta:
        model = Organisation
        fields = ["organisation", "kind", "domain", "status"]


def _flag(value):
    return "是" if value else ""


class CoverageReportView(CoveragePermissionMixin, SpreadsheetExportSafetyMixin, ReportView):
    template_name = "gk_columns/coverage/report.html"
    results_template_name = "gk_columns/coverage/report_results.html"
    page_title = "栏目覆盖率"
    header_icon = "tasks"
    filterset_class = CoverageFilterSet
    index_url_name = "gk_coverage:coverage_report"
    index_results_url_name = "gk_coverage:coverage_report_results"
    export_filename = "栏目覆盖率"
    list_export = [name for name, _ in SUMMARY_COLUMNS]
    export_headings = EXPORT_HEADINGS
    custom_field_preprocess = {"provisional": {"csv": _flag, "xlsx": _flag}}
    custom_value_preprocess = {
        **ReportView.custom_value_preprocess,
        Decimal: {"csv": str, "xlsx": float},
        type(None): {"csv": lambda v: "", "xlsx": lambda v: ""},
    }
    no_results_message = "没有符合条件的公开主体。"

    @cached_property
    def columns(self):
        query = self._detail_query()

        def figure(name, label):
            return NumberColumn(name, label=label, sort_key=name)

        return [
            TitleColumn(
                "name",
                label="公开主体",
                get_url=lambda row: reverse("gk_coverage:coverage_detail", args=[row.organisation.pk]) + query,
            ),
            Column("kind_label", label="类型"),
            figure("required", "应设栏目"),
            figure("with_column", "已设栏目"),
            figure("live_column", "已发布"),
            figure("with_content", "有内容"),
            figure("fresh", "更新及时"),
            figure("stale", "更新不及时"),
            figure("unparsed_rule", "时限未解析"),
            figure("orphan_count", "孤立栏目"),
            Column("score_display", label="得分", sort_key="score"),
        ]

    def _detail_query(self):
        # The detail page keeps the report's domain and status filters.
        params = {key: self.request.GET[key] for key in ("domain", "status") if self.request.GET.get(key)}
        return ("?" + urlencode(params)) if params else ""

    @cached_property
    def header_buttons(self):
        return [HeaderButton("快照趋势", url=reverse("gk_coverage:coverage_trend"), icon_name="history")]

    def get_queryset(self):
        return default_scope()

    def get_filtered_queryset(self):
        organisations = self.filter_queryset(self.get_queryset())
        cleaned = self.filters.form.cleaned_data if self.filters and self.filters.is_valid() else {}
        report = compute_coverage(organisations, domain=cleaned.get("domain"))
        rows = report.organisations
        status = cleaned.get("status")
        if status:
            rows = [row for row in rows if row.items_with_status(status)]
        # The rows shown, as a report of their own: totals and exports cover exactly these.
        self.shown = CoverageReport(report.generated_at, report.today, rows)
        return self.order_queryset(rows)

    def order_queryset(self, rows):
        # The rows are computed objects, not a queryset: sort them in Python.
        if not self.ordering:
            return rows
        key = self.ordering.lstrip("-")
        return sorted(rows, key=lambda row: getattr(row, key), reverse=self.ordering.startswith("-"))

    def write_xlsx(self, rows, output):
        # The workbook the `gk coverage --format xlsx` command writes: summary and problem items.
        write_xlsx(CoverageReport(self.shown.generated_at, self.shown.today, list(rows)), output)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context.update(
            report=self.shown,
            totals=self.shown.totals(),
            score_note=SCORE_NOTE,
            can_snapshot=can_snapshot(self.request.user),
        )
        return context


class CoverageDetailView(CoveragePermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "gk_columns/coverage/detail.html"
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        self.organisation = get_object_or_404(Organisation, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"{self.organisation.name} 栏目覆盖率"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("gk_coverage:coverage_report"), "label": "栏目覆盖率"},
            {"url": "", "label": self.organisation.name},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        domain_id = self.request.GET.get("domain", "")
        domain = Domain.objects.filter(pk=domain_id).first() if domain_id.isdigit() else None
        status = self.request.GET.get("status")
        if status not in STATUS_LABELS:
            status = None
        report = compute_coverage(Organisation.objects.filter(pk=self.organisation.pk), domain=domain)
        coverage = report.organisations[0]
        items = coverage.items_with_status(status) if status else coverage.problems()
        history = snapshot_history(self.organisation)
        context.update(
            report=report,
            coverage=coverage,
            items=items,
            status=status,
            status_label=STATUS_LABELS.get(status),
            status_choices=STATUS_CHOICES,
            domain=domain,
            history=list(reversed(history)),
            sparkline=sparkline([run["score"] for run in history]),
            score_note=SCORE_NOTE,
        )
        return context


class CoverageTrendView(CoveragePermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "gk_columns/coverage/trend.html"
    header_icon = "history"
    page_title = "覆盖率快照趋势"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("gk_coverage:coverage_report"), "label": "栏目覆盖率"},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = None
        if self.request.GET.get("organisation", "").isdigit():
            organisation = Organisation.objects.filter(pk=self.request.GET["organisation"]).first()
        history = snapshot_history(organisation)
        context.update(
            organisation=organisation,
            organisations=Organisation.objects.filter(pk__in=CoverageSnapshot.objects.values("organisation_id")).order_by(
                "order", "pk"
            ),
            history=list(reversed(history)),
            sparkline=sparkline([run["score"] for run in history]),
            can_snapshot=can_snapshot(self.request.user),
        )
        return context


class CoverageSnapshotView(CoveragePermissionMixin, View):
    permission_check = staticmethod(can_snapshot)
    http_method_names = ["post"]

    def post(self, request):
        report = compute_coverage()
        stored = store_snapshots(report)
        messages.success(
            request,
            f"已生成覆盖率快照（{timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}），"
            f"共 {len(stored)} 个公开主体，总得分 {report.totals()['score']}。",
        )
        return redirect("gk_coverage:coverage_trend")


def sparkline(values, width=240, height=40, pad=3):
    """An inline SVG polyline of scores (0–100), oldest first, or "" for fewer than two points."""
    if len(values) < 2:
        return ""
    step = (width - 2 * pad) / (len(values) - 1)
    points = " ".join(
        f"{pad + i * step:.1f},{pad + (height - 2 * pad) * (1 - float(v) / 100):.1f}" for i, v in enumerate(values)
    )
    # Only numbers go into the markup, so it is safe as it is.
    return mark_safe(
        f'<svg class="gk-sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="得分走势：{"、".join(str(v) for v in values)}">'
        f'<polyline fill="none" stroke="currentColor" stroke-width="2" points="{points}"/></svg>'
    )


urlpatterns = [
    path("", CoverageReportView.as_view(), name="coverage_report"),
    path("results/", CoverageReportView.as_view(results_only=True), name="coverage_report_results"),
    path("organisation/<int:pk>/", CoverageDetailView.as_view(), name="coverage_detail"),
    path("trend/", CoverageTrendView.as_view(), name="coverage_trend"),
    path("snapshot/", CoverageSnapshotView.as_view(), name="coverage_snapshot"),
]
