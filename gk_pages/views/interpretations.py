"""Admin views of 政策解读 (policy interpretations; the rule and the report's
rows are gk_pages.interpretations).

* 报告 → 政策解读及时性: InterpretationReportView (filters, CSV/XLSX export) and
  its menu item;
* 解读的政策 in the interpretation editor: PolicyChooserWidget, put on
  InterpretationPage.policies by `policy_field_override`;
* 添加解读 from a policy (header and listing menus): AddInterpretationMenuItem
  opens `add_interpretation_for_policy`, which sends the editor to the create
  view with ?policy=<id>; `remember_requested_policy` (before_create_page) and
  `preselect_requested_policy` (init_new_page) choose that policy there.

Include `urlpatterns` under the admin with the namespace "gk_interpretations";
gk_pages.wagtail_hooks registers all of it.
"""

import contextvars

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.staticfiles import versioned_static
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import AdminDateInput

from gk_columns.models import Organisation
from gk_columns.views.exports import SpreadsheetExportSafetyMixin

from ..admin_scope import HIDDEN_PAGE_TITLE, scope_for
from ..interpretations import LIMIT_WORKING_DAYS, FindingKind, filter_rows, interpretation_timeliness, summarise
from ..models import DocumentPage, InterpretationPage


class PolicyChooserWidget(forms.SelectMultiple):
    """解读的政策: the chosen policy documents as a list, added through Wagtail's page
    chooser modal (search and browse, several at once, 公开信息 only) and removed one
    by one. Submits the same values as a multiple select (one `name=id` per policy),
    so the form field is Django's ModelMultipleChoiceField unchanged; unlike a
    select it never lists the thousands of documents a portal holds."""

    template_name = "gk_pages/admin/interpretation_policy_chooser.html"
    model_name = "gk_pages.documentpage"
    # The editor's PageScope, set by gk_pages.admin_scope.limit_page_choices: a policy
    # outside it is named by its published title, or not at all.
    scope = None

    def get_context(self, name, value, attrs):
        # Not SelectMultiple's: that one renders an <option> per document in the portal.
        context = forms.Widget.get_context(self, name, value, attrs)
        ids = [int(v) for v in (value or []) if str(v).isdigit()]
        # Only what the field offers: an id it refused (typed into the request) is not shown.
        offered = getattr(self.choices, "queryset", None)
        offered = DocumentPage.objects.all() if offered is None else offered
        found = offered.filter(pk__in=ids).only("path", "title", "draft_title", "doc_number", "live")
        found = {p.pk: p for p in found}
        pages = [found[pk] for pk in ids if pk in found]
        titles = self.scope.display_titles(pages) if self.scope else {p.pk: p.get_admin_display_title() for p in pages}
        context["chosen"] = [
            {"pk": p.pk, "title": titles[p.pk], "doc_number": p.doc_number, "draft": not p.live}
            if titles[p.pk] != HIDDEN_PAGE_TITLE
            else {"pk": p.pk, "title": HIDDEN_PAGE_TITLE, "doc_number": "", "draft": False}
            for p in pages
        ]
        context["chooser_url"] = reverse("wagtailadmin_choose_page")
        context["model_name"] = self.model_name
        return context

    def format_value(self, value):
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        return [str(v.pk if hasattr(v, "pk") else v) for v in value]

    @property
    def media(self):
        return forms.Media(js=[versioned_static("wagtailadmin/js/page-chooser-modal.js")])


def policy_field_override(db_field):
    """Form field options for ParentalManyToManyFields (register_form_field_override):
    the policy chooser for relations to DocumentPage, Django's default for the others."""
    if issubclass(db_field.related_model, DocumentPage):
        return {"widget": PolicyChooserWidget}
    return None


# The add view is told which policy to interpret with ?policy=<id>. Wagtail's create
# view hands the request to `before_create_page` and the new page to `init_new_page`
# (in that order, in the same thread), so the id travels between the two here.
_requested_policy = contextvars.ContextVar("gk_requested_policy", default=None)


def remember_requested_policy(request, parent_page, page_class):
    """before_create_page hook: note ?policy= for the interpretation being created,
    if the editor may choose that policy (its title becomes the new page's)."""
    wanted = request.GET.get("policy", "") if issubclass(page_class, InterpretationPage) else ""
    if wanted.isdigit() and not scope_for(request).choosable().filter(pk=wanted).exists():
        wanted = ""
    _requested_policy.set(wanted if wanted.isdigit() else None)


def preselect_requested_policy(sender, page, parent, **kwargs):
    """init_new_page receiver: choose the policy noted by remember_requested_policy."""
    wanted = _requested_policy.get()
    _requested_policy.set(None)
    if wanted is None or not isinstance(page, InterpretationPage):
        return
    policy = DocumentPage.objects.filter(pk=wanted).first()
    if policy is None:
        return
    page.policies = [policy]
    if not page.title:
        page.title = f"《{policy.title}》政策解读"


def add_interpretation_url(policy_id):
    return reverse("gk_interpretations:add_for_policy", args=[policy_id])


def add_interpretation_for_policy(request, policy_id):
    """Open the interpretation editor in the policy's column with the policy chosen."""
    policy = get_object_or_404(DocumentPage, pk=policy_id)
    column = policy.get_parent().specific
    tester = column.permissions_for_user(request.user)
    if InterpretationPage not in column.creatable_subpage_models() or not tester.can_add_subpage():
        raise PermissionDenied
    url = reverse("wagtailadmin_pages:add", args=("gk_pages", "interpretationpage", column.pk))
    return redirect(f"{url}?{urlencode({'policy': policy.pk})}")


class AddInterpretationMenuItem(PageMenuItem):
    """添加解读 on a policy document's header and listing menus."""

    label = "添加解读"
    icon_name = "doc-full"
    priority = 16

    @cached_property
    def url(self):
        return add_interpretation_url(self.page.pk)

    def is_shown(self, user):
        if not user.is_active or self.page.specific_class is not DocumentPage:
            return False
        # The interpretation goes into the policy's column: adding there is what counts,
        # and page permissions are inherited down the tree, so the policy's own answer it.
        return user.is_superuser or "add" in self.page.permissions_for_user(user).permissions


def _keep(queryset, name, value):
    # These filters act on the computed rows, not on a queryset.
    return queryset


class InterpretationReportFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label="发布机构",
        empty_label="全部",
        queryset=lambda request: Organisation.objects.order_by("order", "pk"),
        method=_keep,
    )
    kind = django_filters.ChoiceFilter(label="类型", choices=FindingKind.choices, empty_label="全部", method=_keep)
    status = django_filters.ChoiceFilter(
        label="状态", choices=[("overdue", "已超期或超时"), ("pending", "未超期")], empty_label="全部", method=_keep
    )
    today = django_filters.DateFilter(label="评估日期", method=_keep, widget=AdminDateInput, help_text="默认今天")

    class Meta:
        model = Organisation
        fields = ["organisation", "kind", "status", "today"]


class InterpretationCellColumn(Column):
    """The interpretation: a link to its editor, or 添加解读 where there is none."""

    cell_template_name = "gk_pages/admin/interpretation_report_cell.html"


class InterpretationReportMenuItem(MenuItem):
    def __init__(self, **kwargs):
        kwargs.setdefault("name", "gk-interpretations")
        kwargs.setdefault("icon_name", "doc-full")
        kwargs.setdefault("order", 660)
        super().__init__("政策解读及时性", reverse("gk_interpretations:report"), **kwargs)


def _flag(value):
    return "是" if value else ""


def _date_text(value):
    return value.isoformat() if value else ""


class InterpretationReportView(SpreadsheetExportSafetyMixin, ReportView):
    """报告 → 政策解读及时性. It lists live public pages only, so any admin user may
    read it (Wagtail's admin access is checked by the admin URLs)."""

    results_template_name = "gk_pages/admin/interpretation_report_results.html"
    page_title = "政策解读及时性"
    header_icon = "doc-full"
    filterset_class = InterpretationReportFilterSet
    index_url_name = "gk_interpretations:report"
    index_results_url_name = "gk_interpretations:report_results"
    export_filename = "政策解读及时性"
    paginate_by = 50
    list_export = [
        "kind_label",
        "policy_title",
        "doc_number",
        "organisation_name",
        "reason_label",
        "policy_date",
        "deadline",
        "interpretation_title",
        "interpretation_form",
        "interpretation_date",
        "working_days",
        "status_label",
        "provisional",
    ]
    export_headings = {
        "kind_label": "类型",
        "policy_title": "政策文件",
        "doc_number": "文号",
        "organisation_name": "发布机构",
        "reason_label": "解读要求",
        "policy_date": "政策发布日期",
        "deadline": "解读期限",
        "interpretation_title": "解读",
        "interpretation_form": "解读形式",
        "interpretation_date": "解读发布日期",
        "working_days": "工作日数",
        "status_label": "状态",
        "provisional": "暂定",
    }
    custom_field_preprocess = {
        "provisional": {"csv": _flag, "xlsx": _flag},
        "policy_date": {"csv": _date_text},
        "deadline": {"csv": _date_text},
        "interpretation_date": {"csv": _date_text, "xlsx": _date_text},
    }
    no_results_message = "没有需要关注的政策解读。"

    @cached_property
    def columns(self):
        return [
            Column("kind_label", label="类型"),
            TitleColumn(
                "policy_title",
                label="政策文件",
                get_url=lambda row: reverse("wagtailadmin_pages:edit", args=[row.policy_id]),
            ),
            Column("doc_number", label="文号"),
            Column("organisation_name", label="发布机构"),
            Column("policy_date", label="政策发布日期"),
            Column("deadline", label="解读期限"),
            InterpretationCellColumn("interpretation_title", label="解读"),
            Column("working_days", label="工作日数"),
            Column("status_display", label="状态"),
        ]

    def get_queryset(self):
        return Organisation.objects.all()

    def get_filtered_queryset(self):
        self.filter_queryset(self.get_queryset())
        cleaned = self.filters.form.cleaned_data if self.filters and self.filters.is_valid() else {}
        self.today = cleaned.get("today") or timezone.localdate()
        rows = interpretation_timeliness(self.today, cleaned.get("organisation"))
        rows = filter_rows(rows, kind=cleaned.get("kind"), overdue_only=cleaned.get("status") == "overdue")
        if cleaned.get("status") == "pending":
            rows = [row for row in rows if not row.overdue]
        for row in rows:
            row.status_display = row.status_label + ("（暂定）" if row.provisional else "")
            row.interpretation_url = (
                reverse("wagtailadmin_pages:edit", args=[row.interpretation_id]) if row.interpretation_id else ""
            )
            row.add_url = add_interpretation_url(row.policy_id) if not row.interpretation_id else ""
        self.summary = summarise(rows)
        return rows

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context.update(summary=self.summary, today=self.today, limit=LIMIT_WORKING_DAYS)
        return context


urlpatterns = [
    path("", InterpretationReportView.as_view(), name="report"),
    path("results/", InterpretationReportView.as_view(results_only=True), name="report_results"),
    path("add/<int:policy_id>/", add_interpretation_for_policy, name="add_for_policy"),
]
