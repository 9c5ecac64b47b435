"""Admin integration of the disclosure rules (gk_pages.disclosure).

The rules themselves live on the model; these hooks turn a refusal into a
message and a way back where a view would otherwise fail, and make the audit
entries readable in the page history.
"""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from wagtail import hooks
from wagtail.admin import messages
from wagtail.log_actions import LogFormatter
from wagtail.models import Page

from .disclosure import DisclosureMixin, DisclosurePublishPageRevisionAction, publication_problems


def _problem_list(problems):
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((m,) for m in problems.values())))


@hooks.register("register_actions")
def register_disclosure_publish_action(registry):
    # The v3 API publishes through the action registered for Page; the subclass
    # behaves exactly like Wagtail's for pages without the disclosure behaviour.
    registry.register(Page, DisclosurePublishPageRevisionAction)


@hooks.register("before_publish_page")
def refuse_unpublishable_page(request, page):
    """The editor's publish button, for any form that did not already refuse (the
    draft has been saved by now; only publication is refused)."""
    if not isinstance(page, DisclosureMixin):
        return None
    problems = publication_problems(page, was_live=False)
    if not problems:
        return None
    messages.error(
        request,
        format_html("草稿已保存，但“{}”未发布：{}", page.get_admin_display_title(), _problem_list(problems)),
    )
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("before_bulk_action")
def refuse_unpublishable_bulk_publish(request, action_type, objects, action_class_instance):
    """Bulk publishing is all or nothing: name every item that may not be published."""
    if action_type != "publish":
        return None
    candidates = [page.specific for page in objects]
    form = getattr(action_class_instance, "cleaned_form", None)
    if form is not None and form.cleaned_data.get("include_descendants"):
        for page in objects:
            candidates.extend(page.get_descendants().not_live().specific())
    refused = []
    for page in candidates:
        if not isinstance(page, DisclosureMixin):
            continue
        content = page.get_latest_revision_as_object()
        problems = publication_problems(content, was_live=False)
        if problems:
            refused.append((page.get_admin_display_title(), "；".join(problems.values())))
    if not refused:
        return None
    messages.error(
        request,
        format_html(
            "以下信息不能发布，本次批量发布未执行：<ul>{}</ul>请修改后重试，或取消选择这些信息。",
            format_html_join("", "<li>{}：{}</li>", refused),
        ),
    )
    return redirect(action_class_instance.next_url)


@hooks.register("before_move_page")
def refuse_unpublishable_admin_move(request, page, destination):
    if not isinstance(page, DisclosureMixin) or not page.live:
        return None
    problems = publication_problems(page, destination, was_live=False)
    if not problems:
        return None
    messages.error(
        request,
        format_html("“{}”不能移动到“{}”：{}", page.get_admin_display_title(), destination.title, _problem_list(problems)),
    )
    return redirect(reverse("wagtailadmin_pages:move", args=[page.pk]))


@hooks.register("register_log_actions")
def register_disclosure_log_actions(actions):
    class ChangeFormatter(LogFormatter):
        subject = ""

        def format_message(self, log_entry):
            data = log_entry.data or {}
            old, new = data.get("old"), data.get("new")
            if old is None:
                return f"{self.subject}认定为“{new}”"
            return f"{self.subject}由“{old}”改为“{new}”"

        def format_comment(self, log_entry):
            data = log_entry.data or {}
            parts = []
            if data.get("reason"):
                parts.append(f"理由：{data['reason']}")
            if data.get("ground"):
                parts.append(f"依据：{data['ground']}")
            if data.get("ground_reason") and data.get("ground_reason") != data.get("reason"):
                parts.append(f"说明：{data['ground_reason']}")
            return "；".join(parts)

    @actions.register_action("gk.disclosure_attribute_change")
    class DisclosureAttributeChange(ChangeFormatter):
        label = "修改公开属性"
        subject = "公开属性"

    @actions.register_action("gk.validity_change")
    class ValidityChange(ChangeFormatter):
        label = "修改有效性"
        subject = "有效性"

    @actions.register_action("gk.publish_refused")
    class PublishRefused(LogFormatter):
        label = "拒绝发布"

        def format_message(self, log_entry):
            return "定时发布未执行：该版本不符合发布规则"

        def format_comment(self, log_entry):
            return "；".join((log_entry.data or {}).get("reasons", []))


# -- review workflow (保密审查 → 审核, gk_columns.workflows) -----------------------------------
# Approving the last task publishes; where the model refuses (a revision that reached
# the workflow by a path outside the admin forms), the approval is rolled back by the
# task's transaction and the reviewer gets the reasons instead of a server error.
# Publishing past the review is refused to everyone but superusers: approvers hold
# publish_page only because Wagtail publishes the approved revision as the approver.

from django.core.exceptions import ValidationError  # noqa: E402
from wagtail.actions.publish_revision import PublishPermissionError  # noqa: E402
from wagtail.admin.views.pages.workflow import WorkflowActionView  # noqa: E402
from wagtail.admin.viewsets.pages import PageViewSet, page_viewset_registry  # noqa: E402

from gk_columns.workflows import is_review_workflow  # noqa: E402


def _refusal_messages(error):
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error)]


class DisclosureWorkflowActionView(WorkflowActionView):
    """The workflow action modal (dashboard, page listing, editor) and its plain POST:
    a refused publication becomes a message and a way back, the task stays where it was."""

    def post(self, request, *args, **kwargs):
        task_name = self.task.name
        try:
            return super().post(request, *args, **kwargs)
        except PublishPermissionError:
            messages.error(
                request,
                format_html(
                    "您没有发布“{}”的权限，本次审核操作未生效，信息仍在“{}”环节、未发布。"
                    "请联系管理员确认您所在的审核组在本机构页面上有“发布”权限。",
                    self.object.get_admin_display_title(),
                    task_name,
                ),
            )
        except ValidationError as refusal:
            messages.error(
                request,
                format_html(
                    "“{}”不符合发布规则，审核通过即发布的操作已撤销，信息仍在“{}”环节、未发布：<ul>{}</ul>"
                    "请选择“要求修改”退回编辑，修改后重新提交审核。",
                    self.object.get_admin_display_title(),
                    task_name,
                    format_html_join("", "<li>{}</li>", ((m,) for m in _refusal_messages(refusal))),
                ),
            )
        if request.headers.get("x-requested-with") == "XMLHttpRequest":
            # The modal follows the redirect; the message is shown there.
            return self.render_modal_json(request, {"step": "success", "redirect": self.redirect_url})
        return redirect(self.redirect_url)


class DisclosurePageViewSet(PageViewSet):
    """Wagtail's page views with the workflow action above, for every page type with
    the disclosure behaviour. Registered for DisclosureMixin rather than Page, so
    other page types keep Wagtail's views, and a viewset registered later for one
    concrete type should subclass this one to keep the behaviour."""

    workflow_action_view_class = DisclosureWorkflowActionView
    # Explorer listings stay as they are.
    parent_models = ()

    def on_register(self):
        self.register_menu_item()
        page_viewset_registry.register(DisclosureMixin, self)


@hooks.register("register_admin_viewset")
def register_disclosure_page_viewset():
    return DisclosurePageViewSet("gk_disclosure_pages")


def _under_review(page):
    """The active review workflow governing `page`, or None."""
    workflow = page.get_workflow()
    return workflow if is_review_workflow(workflow) else None


def _steps(workflow):
    return "→".join(workflow.tasks.filter(active=True).values_list("name", flat=True))


@hooks.register("before_publish_page")
def require_review_before_publishing(request, page):
    """The editor's publish button, for non-superusers whose pages are under review
    (approvers at the 审核 step, who hold publish_page): approve instead."""
    if request.user.is_superuser:
        return None
    workflow = _under_review(page)
    if workflow is None:
        return None
    messages.error(
        request,
        format_html(
            "草稿已保存，但“{}”须经{}（{}）后发布，不能直接发布。"
            "正在审核的信息请在相应环节选择“审核通过”；未提交的信息请由编辑“提交审核”。",
            page.get_admin_display_title(),
            workflow.name,
            _steps(workflow),
        ),
    )
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("before_bulk_action")
def require_review_before_bulk_publishing(request, action_type, objects, action_class_instance):
    if action_type != "publish" or request.user.is_superuser:
        return None
    candidates = list(objects)
    form = getattr(action_class_instance, "cleaned_form", None)
    if form is not None and form.cleaned_data.get("include_descendants"):
        for page in objects:
            candidates.extend(page.get_descendants().not_live())
    refused = []
    for page in candidates:
        workflow = _under_review(page)
        if workflow is not None:
            refused.append((page.get_admin_display_title(), workflow.name, _steps(workflow)))
    if not refused:
        return None
    messages.error(
        request,
        format_html(
            "以下信息须经本机构的信息发布审核流程后发布，不能直接发布，本次批量发布未执行：<ul>{}</ul>"
            "请由编辑“提交审核”，或在审核环节选择“审核通过”。",
            format_html_join("", "<li>{}（{}：{}）</li>", refused),
        ),
    )
    return redirect(action_class_instance.next_url)


# -- document import (导入公开信息, gk_pages.importing) ----------------------------------------
# Upload → preview → confirm under the admin, a menu item for whoever may add documents
# to some organisation's columns, a header button on organisation and column pages that
# opens the upload with them chosen, and the history entry an imported page carries.

from django.urls import include, path  # noqa: E402
from wagtail.admin.menu import MenuItem  # noqa: E402
from wagtail.admin.widgets import Button  # noqa: E402


class DocumentImportMenuItem(MenuItem):
    def is_shown(self, request):
        from .views.importing import may_import

        return may_import(request.user)


@hooks.register("register_admin_urls")
def register_document_import_urls():
    from .views import importing

    return [path("documents/import/", include((importing.urlpatterns, importing.app_name)))]


@hooks.register("register_admin_menu_item")
def register_document_import_menu_item():
    return DocumentImportMenuItem(
        "导入公开信息", reverse("gk_pages_import:upload"), name="gk-document-import", icon_name="upload", order=255
    )


@hooks.register("register_page_header_buttons")
def document_import_header_button(page, user, view_name, next_url=None):
    from .views.importing import upload_url_for

    url = upload_url_for(page, user)
    if url:
        yield Button("导入公开信息", url, icon_name="upload", priority=90)


@hooks.register("register_log_actions")
def register_document_import_log_actions(actions):
    @actions.register_action("gk.document_import")
    class DocumentImported(LogFormatter):
        label = "批量导入"

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return f"由文件“{data.get('source', '')}”第{data.get('line', '?')}行导入"


# -- 政策解读 (policy interpretations): report, policies chooser, 添加解读 ---------------------------

from django.urls import include as _include, path as _path  # noqa: E402
from modelcluster.fields import ParentalManyToManyField  # noqa: E402
from wagtail.admin.forms.models import register_form_field_override  # noqa: E402

from . import interpretations as _interpretations  # noqa: E402

# InterpretationPage.policies (to DocumentPage) gets the chooser; other relations keep Django's widget.
register_form_field_override(
    ParentalManyToManyField, override=_interpretations.policy_field_override, exact_class=True
)


@hooks.register("register_admin_urls")
def register_interpretation_admin_urls():
    return [_path("reports/interpretations/", _include((_interpretations.urlpatterns, "gk_interpretations")))]


@hooks.register("register_reports_menu_item")
def register_interpretation_report_menu_item():
    return _interpretations.InterpretationReportMenuItem()


@hooks.register("register_page_header_buttons")
def interpretation_header_button(page, user, view_name, next_url=None):
    yield _interpretations.AddInterpretationMenuItem(page=page, next_url=next_url)


@hooks.register("register_page_listing_more_buttons")
def interpretation_listing_button(page, user, next_url=None):
    yield _interpretations.AddInterpretationMenuItem(page=page, next_url=next_url)


hooks.register("before_create_page", _interpretations.remember_requested_policy)


# -- 有效性与年度评估 (validity, cleanup results, yearly re-evaluation) ---------------------------
# Two reports in the Reports menu — 规范性文件有效性核查 (gk_pages.validity) and
# 公开属性年度评估 (gk_pages.review) — with filters and CSV/XLSX export, the per-item
# re-evaluation view, buttons to it on non-public items, the message after a 清理结果
# is published, and the history entries these write. Reports are open to users who
# may edit some page and list only the pages they may edit (superusers: all).

import datetime  # noqa: E402

import django_filters  # noqa: E402
from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402
from django.shortcuts import get_object_or_404  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.functional import cached_property  # noqa: E402
from django.utils.http import url_has_allowed_host_and_scheme  # noqa: E402
from django.views.generic import FormView  # noqa: E402
from wagtail.admin.filters import WagtailFilterSet  # noqa: E402
from wagtail.admin.menu import MenuItem  # noqa: E402
from wagtail.admin.ui.tables import Column, TitleColumn  # noqa: E402
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin  # noqa: E402
from wagtail.admin.views.reports import ReportView  # noqa: E402
from wagtail.admin.ui.menus.pages import PageMenuItem  # noqa: E402
from wagtail.admin.widgets import AdminDateInput  # noqa: E402
from wagtail.permission_policies.pages import PagePermissionPolicy  # noqa: E402

from gk_columns.models import Organisation  # noqa: E402

from . import review as _review  # noqa: E402
from . import validity as _validity  # noqa: E402

_page_policy = PagePermissionPolicy()


def may_use_disclosure_reports(user):
    return user.is_active and _page_policy.user_has_any_permission(user, {"change", "publish"})


def _editable_pages(user):
    """The pages `user` may edit, or None for no restriction (superusers)."""
    if user.is_superuser:
        return None
    return _page_policy.instances_user_has_permission_for(user, "change")


def _keep_rows(queryset, name, value):
    # The rows are computed, not a queryset: the views apply these filters themselves.
    return queryset


class _ComputedReportView(ReportView):
    """A report over computed rows (a list), filtered and sorted in Python."""

    paginate_by = 50
    filterset_class = None
    sort_keys = {}

    def dispatch(self, request, *args, **kwargs):
        if not may_use_disclosure_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def cleaned_filters(self):
        return self.filters.form.cleaned_data if self.filters and self.filters.is_valid() else {}

    @property
    def report_date(self):
        return self.cleaned_filters.get("today") or timezone.localdate()

    def get_queryset(self):
        return Organisation.objects.none()  # only the filter form needs a queryset

    def get_filtered_queryset(self):
        return self.order_queryset(self.compute_rows())

    def order_queryset(self, rows):
        if not self.ordering or self.ordering.lstrip("-") not in self.sort_keys:
            return rows
        key = self.sort_keys[self.ordering.lstrip("-")]
        return sorted(rows, key=key, reverse=self.ordering.startswith("-"))

    def stream_csv(self, rows):
        yield "\ufeff"  # Excel needs the BOM to read UTF-8 Chinese.
        yield from super().stream_csv(rows)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["report_date"] = self.report_date
        return context


_DATE_OR_BLANK = {"csv": lambda v: v.isoformat() if v else "", "xlsx": lambda v: v.isoformat() if v else ""}


class ValidityFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label="发布机构", empty_label="全部", queryset=Organisation.objects.order_by("order", "pk"), method=_keep_rows
    )
    reason = django_filters.ChoiceFilter(
        label="问题", choices=list(_validity.REASON_LABELS.items()), empty_label="全部", method=_keep_rows
    )
    today = django_filters.DateFilter(label="核查日期", widget=AdminDateInput, method=_keep_rows)

    class Meta:
        model = Organisation
        fields = []


class ValidityReportView(_ComputedReportView):
    page_title = "规范性文件有效性核查"
    header_icon = "warning"
    results_template_name = "gk_pages/admin/validity_report_results.html"
    filterset_class = ValidityFilterSet
    index_url_name = "gk_validity_report:report"
    index_results_url_name = "gk_validity_report:report_results"
    export_filename = "规范性文件有效性核查"
    list_export = ["reason_labels", "title", "doc_number", "organisation", "expiry_date", "reason_text", "edit_url"]
    export_headings = dict(_validity.FINDING_COLUMNS)
    custom_field_preprocess = {"expiry_date": _DATE_OR_BLANK}
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
        rows = _validity.validity_problems(
            self.report_date, cleaned.get("organisation"), within=_editable_pages(self.request.user)
        )
        if cleaned.get("reason"):
            rows = [row for row in rows if cleaned["reason"] in row.reason_codes]
        return rows


class ReviewFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label="发布机构", empty_label="全部", queryset=Organisation.objects.order_by("order", "pk"), method=_keep_rows
    )
    attribute = django_filters.ChoiceFilter(
        label="公开属性", choices=[(a.value, a.label) for a in _review.NON_PUBLIC], empty_label="全部", method=_keep_rows
    )
    today = django_filters.DateFilter(label="核查日期", widget=AdminDateInput, method=_keep_rows)

    class Meta:
        model = Organisation
        fields = []


class ReviewReportView(_ComputedReportView):
    page_title = "公开属性年度评估"
    header_icon = "calendar-check"
    results_template_name = "gk_pages/admin/review_report_results.html"
    filterset_class = ReviewFilterSet
    index_url_name = "gk_disclosure_review:report"
    index_results_url_name = "gk_disclosure_review:report_results"
    export_filename = "公开属性年度评估"
    list_export = [
        "title",
        "organisation",
        "attribute",
        "ground_label",
        "ground_reason",
        "last_reviewed_display",
        "last_reviewed_source",
        "due_on",
        "days_overdue",
        "review_url",
    ]
    export_headings = {**dict(_review.REVIEW_COLUMNS), "ground_reason": "理由说明", "days_overdue": "逾期天数"}
    custom_field_preprocess = {
        "due_on": _DATE_OR_BLANK,
        "days_overdue": {"csv": lambda v: "" if v is None else v, "xlsx": lambda v: v},
    }
    sort_keys = {
        "title": lambda row: row.title,
        "organisation": lambda row: (row.organisation_order, row.organisation_code),
        "days_overdue": lambda row: 10**9 if row.days_overdue is None else row.days_overdue,
    }

    @cached_property
    def columns(self):
        return [
            TitleColumn("title", label="信息名称", sort_key="title", get_url=lambda row: row.review_url),
            Column("organisation", label="发布机构", sort_key="organisation"),
            Column("attribute", label="公开属性"),
            Column("ground_label", label="依据"),
            Column("last_reviewed_display", label="上次认定（评估）"),
            Column("due_on", label="应评估日期"),
            Column("overdue_display", label="逾期天数", sort_key="days_overdue"),
        ]

    def compute_rows(self):
        cleaned = self.cleaned_filters
        rows = _review.due_for_review(
            self.report_date, cleaned.get("organisation"), within=_editable_pages(self.request.user)
        )
        if cleaned.get("attribute"):
            rows = [row for row in rows if row.attribute == cleaned["attribute"]]
        return rows


class ReviewActionView(WagtailAdminTemplateMixin, FormView):
    """年度评估 of one item: the form (结论, 理由), the item's current decision and
    the history of its evaluations. Open to whoever may edit the page."""

    template_name = "gk_pages/admin/review_action.html"
    form_class = _review.ReviewForm
    header_icon = "calendar-check"

    def dispatch(self, request, *args, **kwargs):
        page = get_object_or_404(Page, pk=kwargs["pk"]).specific
        if not isinstance(page, DisclosureMixin):
            raise PermissionDenied
        if not page.permissions_for_user(request.user).can_edit():
            raise PermissionDenied
        self.page = page
        self.content = _review.current_version(page)
        self.applicable = not page.live and self.content.disclosure_attribute in _review.NON_PUBLIC
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return "公开属性年度评估"

    def get_page_subtitle(self):
        return self.content.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("gk_disclosure_review:report"), "label": "公开属性年度评估"},
            {"url": "", "label": self.content.title},
        ]

    def next_url(self):
        target = self.request.POST.get("next") or self.request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(target, {self.request.get_host()}):
            return target
        return reverse("gk_disclosure_review:report")

    def form_valid(self, form):
        if not self.applicable:
            raise PermissionDenied
        try:
            review = _review.record_review(
                self.page,
                user=self.request.user,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, messages_ in error.message_dict.items():
                    for message in messages_:
                        form.add_error(name if name in form.fields else None, message)
            else:
                for message in error.messages:
                    form.add_error(None, message)
            return self.form_invalid(form)
        if review.outcome == review.Outcome.CONVERTED:
            text = "“{}”已转为主动公开（已保存为草稿，尚未发布）：请核对正文后按发布流程提交发布。"
        else:
            text = "已记录对“{}”的年度评估：维持{}。"
        messages.success(self.request, format_html(text, self.content.title, review.attribute_before))
        return redirect(self.next_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reviewed = self.page.attribute_reviewed_on
        context.update(
            page=self.page,
            content=self.content,
            applicable=self.applicable,
            reviewed_on=reviewed,
            due_on=_review.anniversary(reviewed) if reviewed else None,
            today=timezone.localdate(),
            reviews=self.page.disclosure_reviews.select_related("reviewed_by"),
            next=self.next_url(),
            edit_url=reverse("wagtailadmin_pages:edit", args=[self.page.pk]),
            history_url=reverse("wagtailadmin_pages:history", args=[self.page.pk]),
        )
        return context


class _ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_use_disclosure_reports(request.user)


@hooks.register("register_admin_urls")
def register_validity_and_review_urls():
    validity_urls = [
        path("", ValidityReportView.as_view(), name="report"),
        path("results/", ValidityReportView.as_view(results_only=True), name="report_results"),
    ]
    review_urls = [
        path("", ReviewReportView.as_view(), name="report"),
        path("results/", ReviewReportView.as_view(results_only=True), name="report_results"),
        path("<int:pk>/", ReviewActionView.as_view(), name="review"),
    ]
    return [
        path("reports/validity/", include((validity_urls, "gk_validity_report"))),
        path("reports/disclosure-review/", include((review_urls, "gk_disclosure_review"))),
    ]


@hooks.register("register_reports_menu_item")
def register_validity_report_menu_item():
    return _ReportMenuItem(
        "规范性文件有效性核查", reverse("gk_validity_report:report"), name="gk-validity", icon_name="warning", order=660
    )


@hooks.register("register_reports_menu_item")
def register_review_report_menu_item():
    return _ReportMenuItem(
        "公开属性年度评估",
        reverse("gk_disclosure_review:report"),
        name="gk-disclosure-review",
        icon_name="calendar-check",
        order=670,
    )


class ReviewPageMenuItem(PageMenuItem):
    """年度评估 in a page's header and in the listing's “more” menu, for whoever may edit it."""

    label = "年度评估"
    icon_name = "calendar-check"
    url_name = "gk_disclosure_review:review"

    def is_shown(self, user):
        return self.page.permissions_for_user(user).can_edit()


@hooks.register("register_page_header_buttons")
def disclosure_review_header_button(page, user, view_name, next_url=None):
    # The header reads the latest version: that is what the editor is looking at.
    if view_name == "edit" and issubclass(page.specific_class or Page, DisclosureMixin) and _review.needs_review(page):
        yield ReviewPageMenuItem(page=page, next_url=reverse("wagtailadmin_pages:edit", args=[page.pk]), priority=80)


@hooks.register("register_page_listing_more_buttons")
def disclosure_review_listing_button(page, user, next_url=None):
    # Listings load specific rows; a page that is not live is edited in place, so its
    # row holds the latest 公开属性 (no query per row).
    if isinstance(page, DisclosureMixin) and not page.live and page.disclosure_attribute in _review.NON_PUBLIC:
        yield ReviewPageMenuItem(page=page, next_url=next_url, priority=45)


@hooks.register("after_publish_page")
def report_applied_cleanup(request, page):
    """After a 清理结果 is published: what it did to the documents (see the page history)."""
    if page.specific_class is None or page.specific_class._meta.label != "gk_pages.CleanupResultPage":
        return
    entry = _validity.latest_cleanup_outcome(page)
    if entry is None:
        return
    data = entry.data or {}
    applied, unchanged, failed = data.get("applied", []), data.get("unchanged", []), data.get("failed", [])
    if applied or unchanged:
        messages.success(
            request,
            f"清理结果已执行：{len(applied)} 件文件的有效性已更新并发布，{len(unchanged)} 件原已一致。"
            "编辑尚未发布的草稿已保留。",
        )
    if failed:
        messages.error(
            request,
            format_html(
                "以下文件的清理结论未能执行，请修正后重新发布本清理结果：<ul>{}</ul>",
                format_html_join("", "<li>{}：{}</li>", ((row["title"] or "（文件已删除）", row["reason"]) for row in failed)),
            ),
        )


@hooks.register("register_log_actions")
def register_validity_and_review_log_actions(actions):
    @actions.register_action(_review.LOG_ACTION)
    class DisclosureReviewed(LogFormatter):
        label = "公开属性年度评估"

        def format_message(self, log_entry):
            data = log_entry.data or {}
            before, after = data.get("attribute_before"), data.get("attribute_after")
            if data.get("outcome") == _review.Outcome.CONVERTED:
                return f"年度评估：由“{before}”转为“{after}”（待发布）"
            return f"年度评估：维持“{before}”"

        def format_comment(self, log_entry):
            reason = (log_entry.data or {}).get("reason")
            return f"理由：{reason}" if reason else ""

    @actions.register_action(_validity.CLEANUP_LOG_ACTION)
    class CleanupApplied(LogFormatter):
        label = "执行清理结果"

        def format_message(self, log_entry):
            data = log_entry.data or {}
            parts = [f"更新 {len(data.get('applied', []))} 件", f"原已一致 {len(data.get('unchanged', []))} 件"]
            if data.get("failed"):
                parts.append(f"未能执行 {len(data['failed'])} 件")
            return "执行清理结论：" + "，".join(parts)

        def format_comment(self, log_entry):
            data = log_entry.data or {}
            lines = [f"《{row['title']}》{row['old']}→{row['new']}" for row in data.get("applied", [])]
            lines += [f"《{row['title'] or '（文件已删除）'}》未执行：{row['reason']}" for row in data.get("failed", [])]
            return "；".join(lines)
