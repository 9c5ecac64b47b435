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
