"""Each organisation's review workflow (信息发布审核): 保密审查 → 审核.

Information is published only after a confidentiality review (保密审查, 先审后发)
and an approval (审核). The column sync gives every organisation

* a Wagtail Workflow "<机构>信息发布审核" with two GroupApprovalTasks, "保密审查"
  then "审核", assigned to the OrganisationPage, so every column and document
  below it goes through the workflow;
* two reviewer groups next to the editors group: "<机构>保密审查员" for the first
  task and "<机构>信息公开审核员" for the second.

What each role may do, and why it needs exactly that (Wagtail 8):

* 编辑 (editors) add and change pages in their subtree but do not hold
  publish_page: Wagtail lets a publish_page holder publish past a workflow, so
  with the workflow on, editors submit for review instead (gk_columns.sync).
* 保密审查员 hold no page permission at all. A GroupApprovalTask lets the members
  of its groups open the editor, preview, lock, approve and reject an item while
  it is on their task — that is all a confidentiality reviewer does — and the task
  of one organisation names only that organisation's group.
* 信息公开审核员 hold publish_page on the organisation's page and nothing else:
  approving the last task publishes the revision as the approving user, and
  Wagtail's publish action refuses users without publish permission. It also
  shows them their organisation's pages in the explorer and lets them withdraw
  (取消发布) an item. Publishing directly, past 保密审查, is refused by the admin
  hooks in gk_pages.wagtail_hooks for anyone but a superuser.

settings.GK_REVIEW_WORKFLOW (default True) turns the whole thing off for sites
that publish without review: the sync then creates no workflow and gives editors
publish_page back. Workflows created earlier are left as they are (deactivate
them in the admin (Settings → Workflows) if the site no longer wants them).

`ensure_review_workflow()` is idempotent, renames groups and workflow after the
organisation, and respects an administrator's choices: an active workflow the
administrator assigned to the organisation's page instead is not replaced, and a
deactivated review workflow is not reactivated.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction

from .sync import (
    APPROVER_GROUP_SUFFIX,
    CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX,
    REVIEW_WORKFLOW_SUFFIX,
    find_organisation_group,
    organisation_group,
    set_group_page_permissions,
)

CONFIDENTIALITY_TASK_NAME = "保密审查"
APPROVAL_TASK_NAME = "审核"


@dataclass(frozen=True)
class ReviewStep:
    task_name: str
    group_suffix: str
    page_permissions: tuple


REVIEW_STEPS = (
    ReviewStep(CONFIDENTIALITY_TASK_NAME, CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX, ()),
    ReviewStep(APPROVAL_TASK_NAME, APPROVER_GROUP_SUFFIX, ("publish_page",)),
)
# Page permissions this module manages on a reviewer group; others an administrator
# gives a reviewer group are left alone.
MANAGED_REVIEWER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def review_workflow_enabled():
    return getattr(settings, "GK_REVIEW_WORKFLOW", True)


def review_workflow_name(organisation):
    return f"{organisation.name}{REVIEW_WORKFLOW_SUFFIX}"


def is_review_workflow(workflow):
    """Whether `workflow` is an organisation's review workflow (as made here)."""
    return workflow is not None and workflow.name.endswith(REVIEW_WORKFLOW_SUFFIX)


def find_review_workflow(organisation, organisation_page):
    """The organisation's review workflow: the one on its page, else the one named
    after it. None if there is none yet."""
    from wagtail.models import Workflow, WorkflowPage

    assigned = WorkflowPage.objects.filter(page=organisation_page).select_related("workflow").first()
    if assigned is not None and is_review_workflow(assigned.workflow):
        return assigned.workflow
    return Workflow.objects.filter(name=review_workflow_name(organisation)).order_by("pk").first()


@transaction.atomic
def ensure_review_workflow(organisation, organisation_page):
    """Create or bring up to date the organisation's review workflow, its two tasks
    and reviewer groups, and assign it to `organisation_page`. Returns the workflow."""
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    workflow = find_review_workflow(organisation, organisation_page)
    if workflow is None:
        workflow = Workflow.objects.create(name=review_workflow_name(organisation))
    elif workflow.name != review_workflow_name(organisation):
        workflow.name = review_workflow_name(organisation)
        workflow.save(update_fields=["name"])

    # Steps are found by task name (names do not carry the organisation's, so they
    # survive renames). The review steps come first, in order; a task an
    # administrator added to the workflow stays, after them.
    links = list(WorkflowTask.objects.filter(workflow=workflow).select_related("task").order_by("sort_order", "pk"))
    step_links = {}
    for link in links:
        name = link.task.name
        if name not in step_links and any(step.task_name == name for step in REVIEW_STEPS):
            if isinstance(link.task.specific, GroupApprovalTask):
                step_links[name] = link
    for step in REVIEW_STEPS:
        group = organisation_group(organisation, organisation_page, step.group_suffix)
        group.permissions.add(access_admin)
        set_group_page_permissions(
            group, organisation_page, step.page_permissions, managed=MANAGED_REVIEWER_PAGE_PERMISSIONS
        )
        link = step_links.get(step.task_name)
        if link is None:
            task = GroupApprovalTask.objects.create(name=step.task_name)
            link = step_links[step.task_name] = WorkflowTask.objects.create(
                workflow=workflow, task=task, sort_order=len(links) + len(step_links)
            )
        link.task.specific.groups.add(group)
    ordered = [step_links[step.task_name] for step in REVIEW_STEPS]
    ordered += [link for link in links if link not in ordered]
    for position, link in enumerate(ordered):
        if link.sort_order != position:
            link.sort_order = position
            link.save(update_fields=["sort_order"])

    if workflow.active and not WorkflowPage.objects.filter(page=organisation_page).exists():
        WorkflowPage.objects.create(workflow=workflow, page=organisation_page)
    return workflow


def review_groups(organisation, organisation_page):
    """{task name: group} of the organisation's reviewers (None where missing)."""
    return {
        step.task_name: find_organisation_group(organisation, organisation_page, step.group_suffix)
        for step in REVIEW_STEPS
    }
