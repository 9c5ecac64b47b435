"""Admin registrations of the disclosure pages app: hooks, menu items, admin
URLs, buttons and log actions, grouped by feature. The views they register live
in gk_pages.views; the rules behind them in the modules named at each group.

The disclosure rules themselves live on the model; the hooks turn a refusal
into a message and a way back where a view would otherwise fail, and make the
audit entries readable in the page history.
"""

from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.html import format_html, format_html_join
from modelcluster.fields import ParentalManyToManyField
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.widgets import Button
from wagtail.log_actions import LogFormatter
from wagtail.models import Page
from wagtail.signals import init_new_page

from gk_columns.workflows import is_review_workflow

from .attachments import check_document_access
from .bulk_actions import PAGE_BULK_ACTIONS
from .disclosure import (
    DisclosureMixin,
    DisclosurePublishPageRevisionAction,
    publication_problems,
    translation_source_problem,
)
from .review import LOG_ACTION as REVIEW_LOG_ACTION
from .review import NON_PUBLIC, needs_review
from .review import Outcome as ReviewOutcome
from .rich_text import PublicPageLinkHandler
from .translations import SOURCE_ATTRIBUTE_CHANGED, WITHDRAWN_WITH_SOURCE_ACTION
from .validity import CLEANUP_LOG_ACTION, latest_cleanup_outcome
from .views import importing as importing_views
from .views import interpretations as interpretation_views
from .views import review as review_views
from .views import validity as validity_views
from .views.admin_api import ScopedDocumentsAdminAPIViewSet, ScopedImagesAdminAPIViewSet
from .views.reports import ReportMenuItem
from .views.scope import choosable_pages, refuse_move_outside_scope
from .views.workflows import DisclosurePageViewSet

# -- disclosure rules (gk_pages.disclosure): publish guards, readable audit entries ----------------


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


@hooks.register("before_edit_page", order=-1)
def refuse_publishing_translation_of_non_public_source(request, page):
    """wagtail-localize's translation editor (which takes over the edit view of a
    translation) publishes without before_publish_page, and reports a refusal
    without its reason: say here why the translation cannot be published."""
    if request.method != "POST" or request.POST.get("action") != "publish":
        return None
    page = page.specific
    if not isinstance(page, DisclosureMixin):
        return None
    problem = translation_source_problem(page, same_attribute=False)
    if problem is None:
        return None
    messages.error(request, format_html("“{}”未发布：{}", page.get_admin_display_title(), problem))
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

    @actions.register_action(WITHDRAWN_WITH_SOURCE_ACTION)
    class WithdrawnWithSource(LogFormatter):
        label = "随原文取消发布"

        def format_message(self, log_entry):
            data = log_entry.data or {}
            source = data.get("source_title") or "原文"
            if data.get("cause") == SOURCE_ATTRIBUTE_CHANGED:
                return f"原文“{source}”以公开属性“{data.get('source_attribute')}”发布，译本随之取消发布，内容保留，待按原文更新后再发布"
            return f"原文“{source}”已取消发布，译本随之取消发布，内容保留"


# -- rich text (gk_pages.rich_text): page links only to pages the public is shown ------------------


@hooks.register("register_rich_text_features", order=1)
def register_public_page_links(features):
    # After Wagtail's own registration (order 0): the later handler for a link type wins.
    features.register_link_type(PublicPageLinkHandler)


# -- review workflow (保密审查 → 审核, gk_columns.workflows): action view, no publishing past it -----


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
    (approvers at the 审核 step, who hold publish_page): approve instead.

    Approvers hold publish_page only because Wagtail publishes the approved
    revision as the approver; publishing past the review is for superusers."""
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


# -- document import (导入公开信息, gk_pages.importing): URLs, menu item, header button, history ---


@hooks.register("register_admin_urls")
def register_document_import_urls():
    return [path("documents/import/", include((importing_views.urlpatterns, importing_views.app_name)))]


@hooks.register("register_admin_menu_item")
def register_document_import_menu_item():
    return importing_views.DocumentImportMenuItem(
        "导入公开信息", reverse("gk_pages_import:upload"), name="gk-document-import", icon_name="upload", order=255
    )


@hooks.register("register_page_header_buttons")
def document_import_header_button(page, user, view_name, next_url=None):
    url = importing_views.upload_url_for(page, user)
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


# -- 政策解读 (gk_pages.interpretations): report, policies chooser, 添加解读 with the policy chosen ---

# InterpretationPage.policies (to DocumentPage) gets the chooser; other relations keep Django's widget.
register_form_field_override(
    ParentalManyToManyField, override=interpretation_views.policy_field_override, exact_class=True
)


@hooks.register("register_admin_urls")
def register_interpretation_admin_urls():
    return [path("reports/interpretations/", include((interpretation_views.urlpatterns, "gk_interpretations")))]


@hooks.register("register_reports_menu_item")
def register_interpretation_report_menu_item():
    return interpretation_views.InterpretationReportMenuItem()


@hooks.register("register_page_header_buttons")
def interpretation_header_button(page, user, view_name, next_url=None):
    yield interpretation_views.AddInterpretationMenuItem(page=page, next_url=next_url)


@hooks.register("register_page_listing_more_buttons")
def interpretation_listing_button(page, user, next_url=None):
    yield interpretation_views.AddInterpretationMenuItem(page=page, next_url=next_url)


hooks.register("before_create_page", interpretation_views.remember_requested_policy)
init_new_page.connect(interpretation_views.preselect_requested_policy, dispatch_uid="gk_preselect_requested_policy")


# -- 有效性与年度评估 (gk_pages.validity, gk_pages.review): reports, re-evaluation, cleanup results --


@hooks.register("register_admin_urls")
def register_validity_and_review_urls():
    return [
        path("reports/validity/", include((validity_views.urlpatterns, "gk_validity_report"))),
        path("reports/disclosure-review/", include((review_views.urlpatterns, "gk_disclosure_review"))),
    ]


@hooks.register("register_reports_menu_item")
def register_validity_report_menu_item():
    return ReportMenuItem(
        "规范性文件有效性核查", reverse("gk_validity_report:report"), name="gk-validity", icon_name="warning", order=660
    )


@hooks.register("register_reports_menu_item")
def register_review_report_menu_item():
    return ReportMenuItem(
        "公开属性年度评估",
        reverse("gk_disclosure_review:report"),
        name="gk-disclosure-review",
        icon_name="calendar-check",
        order=670,
    )


@hooks.register("register_page_header_buttons")
def disclosure_review_header_button(page, user, view_name, next_url=None):
    # The header reads the latest version: that is what the editor is looking at.
    if view_name == "edit" and issubclass(page.specific_class or Page, DisclosureMixin) and needs_review(page):
        yield review_views.ReviewPageMenuItem(
            page=page, next_url=reverse("wagtailadmin_pages:edit", args=[page.pk]), priority=80
        )


@hooks.register("register_page_listing_more_buttons")
def disclosure_review_listing_button(page, user, next_url=None):
    # Listings load specific rows; a page that is not live is edited in place, so its
    # row holds the latest 公开属性 (no query per row).
    if isinstance(page, DisclosureMixin) and not page.live and page.disclosure_attribute in NON_PUBLIC:
        yield review_views.ReviewPageMenuItem(page=page, next_url=next_url, priority=45)


@hooks.register("after_publish_page")
def report_applied_cleanup(request, page):
    """After a 清理结果 is published: what it did to the documents (see the page history)."""
    if page.specific_class is None or page.specific_class._meta.label != "gk_pages.CleanupResultPage":
        return
    entry = latest_cleanup_outcome(page)
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
    @actions.register_action(REVIEW_LOG_ACTION)
    class DisclosureReviewed(LogFormatter):
        label = "公开属性年度评估"

        def format_message(self, log_entry):
            data = log_entry.data or {}
            before, after = data.get("attribute_before"), data.get("attribute_after")
            if data.get("outcome") == ReviewOutcome.CONVERTED:
                return f"年度评估：由“{before}”转为“{after}”（待发布）"
            return f"年度评估：维持“{before}”"

        def format_comment(self, log_entry):
            reason = (log_entry.data or {}).get("reason")
            return f"理由：{reason}" if reason else ""

    @actions.register_action(CLEANUP_LOG_ACTION)
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


# -- admin scope (gk_pages.admin_scope): no titles from outside the user's organisation -------------

# Registered after Wagtail's own (order=1): a later registration of an action type wins.
for _bulk_action in PAGE_BULK_ACTIONS:
    hooks.register("register_bulk_action", _bulk_action, order=1)

hooks.register("construct_page_chooser_queryset", choosable_pages)
# Before the other move hooks (order=-1), which name the destination.
hooks.register("before_move_page", refuse_move_outside_scope, order=-1)


@hooks.register("construct_admin_api", order=1)
def register_scoped_admin_api_endpoints(router):
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)


# -- 附件 (gk_pages.attachments): who may download a document ---------------------------------------

# Before Wagtail's collection view restrictions (order 0): a document nobody outside
# the staff may see answers 404, not a login or password form that confirms it exists.
hooks.register("before_serve_document", check_document_access, order=-1)
