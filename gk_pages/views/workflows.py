"""Admin views of the review workflow (保密审查 → 审核, gk_columns.workflows).

Approving the last task publishes; where the model refuses (a revision that
reached the workflow by a path outside the admin forms), the approval is rolled
back by the task's transaction and the reviewer gets the reasons instead of a
server error. The page viewset puts that action view in place for every page
type with the disclosure behaviour; gk_pages.wagtail_hooks registers it.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.html import format_html, format_html_join
from wagtail.actions.publish_revision import PublishPermissionError
from wagtail.admin import messages
from wagtail.admin.views.pages.workflow import WorkflowActionView
from wagtail.admin.viewsets.pages import PageViewSet, page_viewset_registry

from ..disclosure import DisclosureMixin


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
