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

