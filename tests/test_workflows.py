"""Each organisation's review workflow (gk_columns.workflows): 保密审查 → 审核,
set up by the column sync with its reviewer groups, kept to the organisation,
driven through the Wagtail admin as editors and reviewers use it; refusals of
the disclosure rules answer with a message; the demo region's review roles."""

import datetime
import json
import random
from itertools import count
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.urls import reverse
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    PageLogEntry,
    Task,
    TaskState,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)
from wagtail.test.utils.form_data import rich_text

from gk_columns.models import Organisation
from gk_columns.sync import (
    APPROVER_GROUP_SUFFIX,
    CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX,
    EDITOR_GROUP_SUFFIX,
    ColumnSync,
)
from gk_columns.workflows import ensure_review_workflow
from gk_pages.models import ColumnPage, DocumentPage, OrganisationPage
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

_serial = count(1)

ON_REQUEST = {
    "disclosure_attribute": "依申请公开",
    "non_disclosure_ground": "不属于主动公开范围",
    "non_disclosure_reason": "仅涉及申请人本人的审批结果",
}
ON_REQUEST_REFUSAL = "依申请公开的信息不能主动发布：请将公开属性改为主动公开或删减后公开，或不发布。"
CONFIDENTIALITY_COMMENT = "附件二含有学生身份证号码和家庭住址，属于个人隐私，请删除后重新提交。"


# -- building blocks ---------------------------------------------------------------------


def build_org(name, code):
    """An organisation with a published catalogue; the column sync makes its pages,
    its editors group and its review workflow."""
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    org = make_org(name, code=code)
    filed_catalogue(org, [entry_values(domain, "招生入学", "招生政策")]).publish()
    return SimpleNamespace(
        org=org,
        page=OrganisationPage.objects.get(organisation=org),
        column=ColumnPage.objects.get(entry__catalogue__organisation=org),
    )


def member(org, suffix, username):
    user = get_user_model().objects.create_user(username, password="pw")
    user.groups.add(Group.objects.get(name=f"{org.name}{suffix}"))
    return user


def people(org, code):
    return SimpleNamespace(
        editor=member(org, EDITOR_GROUP_SUFFIX, f"{code}_editor"),
        reviewer=member(org, CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX, f"{code}_reviewer"),
        approver=member(org, APPROVER_GROUP_SUFFIX, f"{code}_approver"),
    )


@pytest.fixture
def county(portal):
    unit = build_org("测试县教育局", "jyj")
    unit.people = people(unit.org, "jyj")
    return unit


@pytest.fixture
def township(portal):
    unit = build_org("测试县甲镇人民政府", "jiazhen")
    unit.people = people(unit.org, "jiazhen")
    return unit


def draft(column, user=None, title=None, **fields):
    """A document an editor left as a draft (one revision)."""
    n = next(_serial)
    page = DocumentPage(
        title=title or f"关于做好2026年义务教育招生入学工作的通知（{n}）",
        slug=f"doc-{n}",
        body="<p>正文。</p>",
        published_date=datetime.date(2026, 3, 2),
        live=False,
        owner=user,
        **fields,
    )
    column.add_child(instance=page)
    page.save_revision(user=user)
    return DocumentPage.objects.get(pk=page.pk)


def form_data(page, **changes):
    data = {
        "title": page.title,
        "slug": page.slug,
        "body": rich_text("<p>正文。</p>"),
        "published_date": page.published_date.isoformat(),
        "disclosure_attribute": page.disclosure_attribute,
        "non_disclosure_ground": page.non_disclosure_ground,
        "non_disclosure_reason": page.non_disclosure_reason,
        "validity": page.validity,
        "tags": "",
    }
    data.update(changes)
    return data


def edit(client, page, action):
    """Submit the page's editor form with the button `action` (action-publish, action-submit)."""
    return client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), form_data(page, **{action: "1"}))


def in_progress(page):
    return TaskState.objects.get(workflow_state__object_id=str(page.pk), status=TaskState.STATUS_IN_PROGRESS)


def act(client, page, action, *, comment="", modal=True):
    """Approve or reject the page's current task the way the admin's workflow modal
    (dashboard, page listing, editor) does."""
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, in_progress(page).pk])
    headers = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"} if modal else {}
    return client.post(url, {"comment": comment}, **headers)


def message_texts(response):
    return [str(m.message) for m in get_messages(response.wsgi_request)]


def text(response):
    return response.content.decode()


# -- setup by the column sync -------------------------------------------------------------


def test_sync_gives_each_organisation_its_review_workflow_and_groups(county):
    org, org_page = county.org, county.page
    workflow = Workflow.objects.get(name="测试县教育局信息发布审核")
    assert WorkflowPage.objects.get(page=org_page).workflow == workflow
    tasks = [link.task.specific for link in WorkflowTask.objects.filter(workflow=workflow).order_by("sort_order")]
    assert [task.name for task in tasks] == ["保密审查", "审核"]
    assert all(isinstance(task, GroupApprovalTask) for task in tasks)
    assert [list(task.groups.values_list("name", flat=True)) for task in tasks] == [
        ["测试县教育局保密审查员"],
        ["测试县教育局信息公开审核员"],
    ]
    # Every column and document below the organisation's page goes through it.
    document = draft(county.column)
    assert county.column.get_workflow() == workflow and document.get_workflow() == workflow

    def page_permissions(suffix):
        return set(
            GroupPagePermission.objects.filter(group__name=f"{org.name}{suffix}").values_list(
                "page_id", "permission__codename"
            )
        )

    # Least privilege: reviewers act through their task, approvers publish when they
    # approve, editors submit (publish_page would let them publish past the workflow).
    assert page_permissions(CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX) == set()
    assert page_permissions(APPROVER_GROUP_SUFFIX) == {(org_page.pk, "publish_page")}
    assert page_permissions(EDITOR_GROUP_SUFFIX) == {(org_page.pk, "add_page"), (org_page.pk, "change_page")}
    for suffix in (CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX, APPROVER_GROUP_SUFFIX, EDITOR_GROUP_SUFFIX):
        group = Group.objects.get(name=f"{org.name}{suffix}")
        assert group.permissions.filter(codename="access_admin").exists()
    for suffix in (CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX, APPROVER_GROUP_SUFFIX):
        assert not GroupCollectionPermission.objects.filter(group__name=f"{org.name}{suffix}").exists()


def footprint():
    return {
        model.__name__: model.objects.count()
        for model in (
            Group,
            Workflow,
            Task,
            WorkflowTask,
            WorkflowPage,
            GroupPagePermission,
            GroupCollectionPermission,
            Collection,
        )
    } | {
        "group permissions": Group.permissions.through.objects.count(),
        "task groups": GroupApprovalTask.groups.through.objects.count(),
    }


def test_second_sync_creates_nothing(county, township):
    before = footprint()
    ColumnSync().apply()
    ensure_review_workflow(county.org, county.page)
    assert footprint() == before


def test_renaming_an_organisation_renames_its_groups_workflow_and_collection(county):
    groups = {suffix: Group.objects.get(name=f"测试县教育局{suffix}").pk for suffix in (
        EDITOR_GROUP_SUFFIX, CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX, APPROVER_GROUP_SUFFIX
    )}
    workflow = Workflow.objects.get(name="测试县教育局信息发布审核")
    before = footprint()

    Organisation.objects.filter(pk=county.org.pk).update(name="测试县教育和体育局")
    ColumnSync().apply()

    for suffix, pk in groups.items():
        assert Group.objects.get(pk=pk).name == f"测试县教育和体育局{suffix}"
    workflow.refresh_from_db()
    assert workflow.name == "测试县教育和体育局信息发布审核"
    assert Collection.objects.filter(name="测试县教育和体育局").exists()
    assert not Collection.objects.filter(name="测试县教育局").exists()
    assert footprint() == before  # renamed, nothing new
    ColumnSync().apply()
    assert footprint() == before


def test_sites_without_review_keep_editors_publishing(portal, settings):
    settings.GK_REVIEW_WORKFLOW = False
    unit = build_org("测试县教育局", "jyj")
    assert not Workflow.objects.filter(name__endswith="信息发布审核").exists()
    editors = Group.objects.get(name=f"测试县教育局{EDITOR_GROUP_SUFFIX}")
    assert unit.column.permissions_for_user(member(unit.org, EDITOR_GROUP_SUFFIX, "ed")).can_publish()

    # Turning review on takes publish_page from the editors.
    settings.GK_REVIEW_WORKFLOW = True
    ColumnSync().apply()
    assert WorkflowPage.objects.get(page=unit.page).workflow.name == "测试县教育局信息发布审核"
    assert not editors.page_permissions.filter(permission__codename="publish_page").exists()


def test_the_sync_respects_what_administrators_changed(county):
    workflow = WorkflowPage.objects.get(page=county.page).workflow
    # An extra step added in the admin stays, after the review steps.
    signing = GroupApprovalTask.objects.create(name="分管领导签发")
    WorkflowTask.objects.create(workflow=workflow, task=signing, sort_order=0)
    ColumnSync().apply()
    links = WorkflowTask.objects.filter(workflow=workflow).order_by("sort_order")
    names = list(links.values_list("task__name", flat=True))
    assert names == ["保密审查", "审核", "分管领导签发"]

    # A deactivated review workflow is not reassigned; another workflow chosen for the
    # organisation's page is not replaced.
    workflow.deactivate()
    ColumnSync().apply()
    assert not WorkflowPage.objects.filter(page=county.page).exists()
    other = Workflow.objects.create(name="县政府办统一审核")
    WorkflowPage.objects.create(page=county.page, workflow=other)
    ColumnSync().apply()
    assert WorkflowPage.objects.get(page=county.page).workflow == other
    assert Workflow.objects.filter(name="测试县教育局信息发布审核").count() == 1


# -- the review in the admin -----------------------------------------------------------------


def test_editor_submits_reviewers_approve_and_the_document_goes_live(county, client):
    people = county.people
    client.force_login(people.editor)
    url = reverse("wagtailadmin_pages:add", args=["gk_pages", "documentpage", county.column.pk])
    response = client.post(
        url,
        {
            "title": "关于做好2026年义务教育招生入学工作的通知",
            "slug": "zhaosheng-2026",
            "body": rich_text("<p>现将2026年义务教育招生入学工作有关事项通知如下。</p>"),
            "published_date": "2026-03-02",
            "disclosure_attribute": "主动公开",
            "validity": "有效",
            "tags": "",
            "action-submit": "action-submit",
        },
    )
    assert response.status_code == 302
    page = DocumentPage.objects.get(slug="zhaosheng-2026")
    assert not page.live and in_progress(page).task.name == "保密审查"

    # The editor has no publish button to go around the review.
    response = edit(client, page, "action-publish")
    page.refresh_from_db()
    assert not page.live and in_progress(page).task.name == "保密审查"

    # 保密审查: the task is on the reviewer's dashboard, with the editor and a preview.
    client.force_login(people.reviewer)
    dashboard = text(client.get(reverse("wagtailadmin_home")))
    assert page.title in dashboard
    assert client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).status_code == 200
    preview = client.get(reverse("wagtailadmin_pages:workflow_preview", args=[page.pk, in_progress(page).task_id]))
    assert preview.status_code == 200 and "现将2026年义务教育招生入学工作有关事项通知如下" in text(preview)
    # The approver has nothing to do yet.
    client.force_login(people.approver)
    assert page.title not in text(client.get(reverse("wagtailadmin_home")))

    client.force_login(people.reviewer)
    response = act(client, page, "approve", comment="不涉及国家秘密、工作秘密和个人隐私，同意公开。")
    assert response.status_code == 200 and json.loads(response.content)["step"] == "success"
    page.refresh_from_db()
    assert not page.live and in_progress(page).task.name == "审核"

    # 审核: the approver approves, and the document is published with its 索引号.
    client.force_login(people.approver)
    assert page.title in text(client.get(reverse("wagtailadmin_home")))
    response = act(client, page, "approve")
    assert response.status_code == 200 and json.loads(response.content)["step"] == "success"
    page.refresh_from_db()
    assert page.live and page.index_number == "jyj/2026-00001"
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_APPROVED and state.requested_by == people.editor
    assert list(
        TaskState.objects.filter(workflow_state=state).order_by("started_at").values_list("task__name", "finished_by")
    ) == [("保密审查", people.reviewer.pk), ("审核", people.approver.pk)]
    assert client.get(page.url).status_code == 200


def test_rejection_sends_it_back_unpublished_with_the_comment(county, client):
    people = county.people
    page = draft(county.column, people.editor)
    WorkflowPage.objects.get(page=county.page).workflow.start(page, people.editor)

    client.force_login(people.reviewer)
    response = act(client, page, "reject", comment=CONFIDENTIALITY_COMMENT, modal=False)
    assert response.status_code == 302
    page.refresh_from_db()
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert not page.live and page.index_number is None
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    rejected = TaskState.objects.get(workflow_state=state)
    assert rejected.status == TaskState.STATUS_REJECTED and rejected.comment == CONFIDENTIALITY_COMMENT
    # Nothing waits for the approver, who cannot act on it either.
    assert not TaskState.objects.filter(workflow_state=state, status=TaskState.STATUS_IN_PROGRESS).exists()
    client.force_login(people.approver)
    assert page.title not in text(client.get(reverse("wagtailadmin_home")))
    # The editor sees the request for changes on the page's history of the workflow.
    client.force_login(people.editor)
    history = client.get(reverse("wagtailadmin_pages:workflow_history_detail", args=[page.pk, state.pk]))
    assert history.status_code == 200 and CONFIDENTIALITY_COMMENT in text(history)


def test_reviewers_of_one_organisation_cannot_act_on_or_see_anothers(county, township, client):
    theirs = draft(township.column, township.people.editor, title="甲镇2026年低保对象名单公示")
    WorkflowPage.objects.get(page=township.page).workflow.start(theirs, township.people.editor)
    ours = draft(county.column, county.people.editor)
    WorkflowPage.objects.get(page=county.page).workflow.start(ours, county.people.editor)

    for user in (county.people.reviewer, county.people.approver):
        client.force_login(user)
        assert theirs.title not in text(client.get(reverse("wagtailadmin_home")))
        assert act(client, theirs, "approve").status_code == 403
        assert act(client, theirs, "reject", comment="越权退回").status_code == 403
        assert client.get(reverse("wagtailadmin_pages:edit", args=[theirs.pk])).status_code in (302, 403)
        preview_url = reverse("wagtailadmin_pages:workflow_preview", args=[theirs.pk, in_progress(theirs).task_id])
        preview = client.get(preview_url)
        assert preview.status_code in (302, 403)
        explorer = client.get(reverse("wagtailadmin_explore", args=[township.column.pk]))
        assert explorer.status_code in (302, 403) or theirs.title not in text(explorer)
        assert not township.page.permissions_for_user(user).can_publish()
    assert in_progress(theirs).task.name == "保密审查"
    # The approver sees their own organisation's pages, nobody else's.
    client.force_login(county.people.approver)
    assert ours.title in text(client.get(reverse("wagtailadmin_explore", args=[county.column.pk])))


def test_submitting_what_can_never_be_published_is_refused_with_the_reasons(county, client):
    people = county.people
    client.force_login(people.editor)
    page = draft(county.column, people.editor, **ON_REQUEST)
    response = edit(client, page, "action-submit")
    assert response.status_code == 200 and ON_REQUEST_REFUSAL in text(response)
    assert not WorkflowState.objects.filter(object_id=str(page.pk)).exists()

    url = reverse("wagtailadmin_pages:add", args=["gk_pages", "documentpage", county.column.pk])
    data = form_data(page, slug="yishenqing", title="某申请人不动产登记资料查询答复", **{"action-submit": "1"})
    response = client.post(url, data)
    assert response.status_code == 200 and ON_REQUEST_REFUSAL in text(response)
    assert not DocumentPage.objects.filter(slug="yishenqing").exists()


@pytest.mark.parametrize("modal", [True, False], ids=["modal", "form"])
def test_approving_an_unpublishable_revision_answers_with_a_message_not_an_error(county, client, modal):
    """A revision that may not be published can still reach a workflow by a path
    outside the admin forms (here: code that starts it); approving it into
    publication is rolled back and said so, instead of a server error."""
    people = county.people
    page = draft(county.column, people.editor, **ON_REQUEST)
    WorkflowPage.objects.get(page=county.page).workflow.start(page, people.editor)
    client.force_login(people.reviewer)
    act(client, page, "approve")
    task_state = in_progress(page)
    assert task_state.task.name == "审核"

    client.force_login(people.approver)
    client.raise_request_exception = False
    response = act(client, page, "approve", modal=modal)
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    if modal:
        assert response.status_code == 200
        assert json.loads(response.content) == {"step": "success", "redirect": edit_url}
    else:
        assert response.status_code == 302 and response["Location"] == edit_url
    [message] = message_texts(response)
    assert page.title in message and ON_REQUEST_REFUSAL in message and "信息仍在“审核”环节" in message

    page.refresh_from_db()
    task_state.refresh_from_db()
    assert not page.live and page.index_number is None
    assert task_state.status == TaskState.STATUS_IN_PROGRESS  # the approval was rolled back
    assert WorkflowState.objects.get(object_id=str(page.pk)).status == WorkflowState.STATUS_IN_PROGRESS
    assert not PageLogEntry.objects.filter(page=page, action="wagtail.workflow.approve").exclude(
        user=people.reviewer
    ).exists()
    # The reviewer can still send it back.
    assert act(client, page, "reject", comment="依申请公开的信息不应提交发布。").status_code == 200
    assert WorkflowState.objects.get(object_id=str(page.pk)).status == WorkflowState.STATUS_NEEDS_CHANGES


def test_an_approver_group_without_publish_permission_gets_a_message(county, client):
    """Wagtail publishes the approved revision as the approver; if an administrator
    took publish_page from the approvers' group, approving says so and changes nothing."""
    people = county.people
    page = draft(county.column, people.editor)
    WorkflowPage.objects.get(page=county.page).workflow.start(page, people.editor)
    client.force_login(people.reviewer)
    act(client, page, "approve")
    GroupPagePermission.objects.filter(group__name=f"{county.org.name}{APPROVER_GROUP_SUFFIX}").delete()

    client.force_login(people.approver)
    response = act(client, page, "approve", modal=False)
    assert response.status_code == 302
    [message] = message_texts(response)
    assert "您没有发布" in message and page.title in message
    page.refresh_from_db()
    assert not page.live and in_progress(page).task.name == "审核"


def test_approvers_cannot_publish_past_the_confidentiality_review(county, client):
    people = county.people
    page = draft(county.column, people.editor)
    WorkflowPage.objects.get(page=county.page).workflow.start(page, people.editor)
    client.force_login(people.approver)

    # Bulk publishing from the page listing ...
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])
    response = client.post(f"{url}?id={page.pk}&next=/admin/", {})
    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.live and in_progress(page).task.name == "保密审查"
    [message] = message_texts(response)
    assert page.title in message and "保密审查" in message

    # ... or the editor's publish button at the 审核 step instead of approving.
    client.force_login(people.reviewer)
    act(client, page, "approve")
    client.force_login(people.approver)
    response = edit(client, page, "action-publish")
    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.live and in_progress(page).task.name == "审核"
    assert any("审核通过" in m for m in message_texts(response))
    # The attempt saved a new revision at the 审核 step; with
    # WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT (the site's setting) approving it
    # sends it back to 保密审查, which must see every revision that goes live.
    act(client, page, "approve")
    page.refresh_from_db()
    assert not page.live and in_progress(page).task.name == "保密审查"
    client.force_login(people.reviewer)
    act(client, page, "approve")
    client.force_login(people.approver)
    act(client, page, "approve")
    page.refresh_from_db()
    assert page.live


def test_content_changed_after_the_confidentiality_review_is_reviewed_again(county, client, settings):
    """With WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT (the setting the review needs),
    an approver who edits at the 审核 step sends the new text back to 保密审查
    instead of publishing what the confidentiality reviewer never saw."""
    settings.WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
    people = county.people
    page = draft(county.column, people.editor)
    WorkflowPage.objects.get(page=county.page).workflow.start(page, people.editor)
    client.force_login(people.reviewer)
    act(client, page, "approve")

    client.force_login(people.approver)
    data = form_data(page, title="补充了附件说明的通知", **{"action-workflow-action": "1", "workflow-action-name": "approve"})
    assert client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data).status_code == 302
    page.refresh_from_db()
    assert not page.live and in_progress(page).task.name == "保密审查"
    assert page.get_latest_revision_as_object().title == "补充了附件说明的通知"


def test_superusers_still_publish_directly(county, admin_client):
    page = draft(county.column)
    response = edit(admin_client, page, "action-publish")
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live


# -- the demo region ------------------------------------------------------------------------

DEMO_TODAY = datetime.date(2026, 11, 21)


def test_demo_review_roles(client, demo_county):
    from gk_pages.models import PortalHomePage
    from gkportal.demodata.workflows import DEMO_PASSWORD, ensure_review_roles

    organisations = {org.code: org for org in Organisation.objects.all()}
    portal = PortalHomePage.objects.order_by("path").first()

    def run():
        logged = []
        ensure_review_roles(
            portal=portal, organisations=organisations, today=DEMO_TODAY, rng=random.Random(7), log=logged.append
        )
        return logged

    run()
    before = footprint() | {
        "documents": DocumentPage.objects.count(),
        "workflow states": WorkflowState.objects.count(),
        "task states": TaskState.objects.count(),
        "users": get_user_model().objects.count(),
    }
    assert run() == []  # idempotent: nothing to add, nothing to say
    assert before == footprint() | {
        "documents": DocumentPage.objects.count(),
        "workflow states": WorkflowState.objects.count(),
        "task states": TaskState.objects.count(),
        "users": get_user_model().objects.count(),
    }

    for code in ("jyj", "cgz"):
        org = organisations[code]
        org_page = OrganisationPage.objects.get(organisation=org)
        assert WorkflowPage.objects.get(page=org_page).workflow.name == f"{org.name}信息发布审核"
        states = {
            page.slug: WorkflowState.objects.get(object_id=str(page.pk))
            for page in DocumentPage.objects.descendant_of(org_page).filter(slug__startswith="shenhe-yanshi-")
        }
        waiting_confidentiality = states[f"shenhe-yanshi-{code}-1"]
        waiting_approval = states[f"shenhe-yanshi-{code}-2"]
        rejected = states[f"shenhe-yanshi-{code}-3"]
        assert waiting_confidentiality.current_task_state.task.name == "保密审查"
        assert waiting_approval.current_task_state.task.name == "审核"
        assert waiting_approval.current_task_state.status == TaskState.STATUS_IN_PROGRESS
        assert rejected.status == WorkflowState.STATUS_NEEDS_CHANGES and rejected.current_task_state.comment
        for state in states.values():
            assert state.requested_by.username == f"{code}_editor"
            assert not state.content_object.live

        # Each role logs in with the demo password and finds its task on the dashboard.
        for role, mine, not_yet in (
            ("reviewer", waiting_confidentiality, waiting_approval),
            ("approver", waiting_approval, waiting_confidentiality),
        ):
            assert client.login(request=HttpRequest(), username=f"{code}_{role}", password=DEMO_PASSWORD)
            dashboard = text(client.get(reverse("wagtailadmin_home")))
            assert mine.content_object.title in dashboard and not_yet.content_object.title not in dashboard
            client.logout()
        # The 审核员 approves, and the document goes live with its 索引号.
        client.login(request=HttpRequest(), username=f"{code}_approver", password=DEMO_PASSWORD)
        page = waiting_approval.content_object.specific
        assert act(client, page, "approve").status_code == 200
        page.refresh_from_db()
        assert page.live and page.index_number.startswith(f"{code}/{DEMO_TODAY.year}-")
        client.logout()
