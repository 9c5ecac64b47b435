"""公开属性 and the publishing rules (gk_pages.disclosure): every path Wagtail 8
publishes through allows 主动公开 and confirmed 删减后公开 and refuses the rest;
non-public items never reach a URL, a listing or the sitemap; changes of 公开属性
and 有效性 are kept in the page history; the metadata block; 文号; 主题分类."""

import datetime
import json
from io import StringIO
from itertools import count
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.actions.copy_page import CopyPageAction
from wagtail.actions.create_alias import CreatePageAliasAction
from wagtail.models import (
    APIToken,
    GroupApprovalTask,
    PageLogEntry,
    Revision,
    TaskState,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)
from wagtail.test.utils.form_data import rich_text

from gk_pages.disclosure import (
    DisclosureAttribute,
    PublicationRefused,
    Topic,
    format_doc_number,
    normalise_doc_number,
    parse_doc_number,
    validate_doc_number,
)
from gk_pages.models import ColumnPage, DocumentPage
from gk_pages.wagtail_hooks import refuse_unpublishable_page
from gkportal.benchdata import add_documents
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

_serial = count(1)

# -- building blocks ----------------------------------------------------------------

CASES = {
    "主动公开": {"disclosure_attribute": "主动公开"},
    "删减后公开（已确认）": {
        "disclosure_attribute": "删减后公开",
        "non_disclosure_ground": "个人隐私",
        "non_disclosure_reason": "附件名单中的身份证号码和住址已删除",
        "redaction_confirmed": True,
    },
    "删减后公开（未确认）": {
        "disclosure_attribute": "删减后公开",
        "non_disclosure_ground": "个人隐私",
        "non_disclosure_reason": "附件名单中的身份证号码和住址已删除",
        "redaction_confirmed": False,
    },
    "依申请公开": {
        "disclosure_attribute": "依申请公开",
        "non_disclosure_ground": "不属于主动公开范围",
        "non_disclosure_reason": "仅涉及申请人本人的审批结果",
    },
    "不予公开": {
        "disclosure_attribute": "不予公开",
        "non_disclosure_ground": "过程性信息",
        "non_disclosure_reason": "征求意见稿，尚未形成决定",
    },
}
ALLOWED = {"主动公开", "删减后公开（已确认）"}
REFUSAL = {
    "删减后公开（未确认）": "勾选“已确认为删减后的版本”后再发布",
    "依申请公开": "依申请公开的信息不能主动发布：请将公开属性改为主动公开或删减后公开，或不发布。",
    "不予公开": "不予公开的信息不能主动发布：请将公开属性改为主动公开或删减后公开，或不发布。",
}
every_case = pytest.mark.parametrize("case", list(CASES))


def build_org(name, code):
    """An organisation with a published catalogue of two proactive entries; the
    column sync makes its organisation, domain and column pages."""
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    org = make_org(name, code=code)
    catalogue = filed_catalogue(
        org, [entry_values(domain, "教育政策", "政策文件"), entry_values(domain, "招生入学", "招生政策")]
    )
    catalogue.publish()
    columns = list(ColumnPage.objects.filter(entry__catalogue=catalogue).order_by("entry__order"))
    return SimpleNamespace(org=org, column=columns[0], other_column=columns[1])


@pytest.fixture
def county(portal):
    return build_org("测试县教育局", "jyj")


@pytest.fixture
def township(portal):
    return build_org("测试县甲镇人民政府", "jiazhen")


def draft(column, case="主动公开", title=None, **fields):
    """A document saved as a draft with one revision, the way an editor leaves it."""
    n = next(_serial)
    values = {"published_date": datetime.date(2026, 3, 2), **CASES[case], **fields}
    page = DocumentPage(title=title or f"关于测试事项的通知（{n}）", slug=f"doc-{n}", body="<p>正文。</p>", live=False, **values)
    column.add_child(instance=page)
    page.save_revision()
    return DocumentPage.objects.get(pk=page.pk)


def published(column, case="主动公开", **fields):
    page = draft(column, case, **fields)
    page.get_latest_revision().publish()
    return DocumentPage.objects.get(pk=page.pk)


def force(page, **values):
    """Change a row behind Wagtail's back, as raw SQL or an old import could."""
    DocumentPage.objects.filter(pk=page.pk).update(**values)
    return DocumentPage.objects.get(pk=page.pk)


def form_data(page, **changes):
    """The editor's form as submitted for `page`, with `changes`."""
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
    if page.redaction_confirmed:
        data["redaction_confirmed"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def text(response):
    return response.content.decode()


def message_texts(response):
    return [str(m.message) for m in get_messages(response.wsgi_request)]


# -- each publishing path × each attribute --------------------------------------------


@every_case
def test_publishing_a_revision(county, case):
    """Revision.publish(): what workflows, bulk actions and scripts call."""
    page = draft(county.column, case)
    if case in ALLOWED:
        page.get_latest_revision().publish()
        page.refresh_from_db()
        assert page.live and page.index_number == "jyj/2026-00001"
    else:
        with pytest.raises(PublicationRefused) as refused:
            page.get_latest_revision().publish()
        assert REFUSAL[case] in " ".join(refused.value.messages)
        page.refresh_from_db()
        assert not page.live and page.index_number is None and page.first_published_at is None


@every_case
def test_editor_publishes_from_the_edit_view(county, admin_client, case):
    page = draft(county.column, case)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = admin_client.post(url, form_data(page, **{"action-publish": "action-publish"}))
    page.refresh_from_db()
    if case in ALLOWED:
        assert response.status_code == 302
        assert page.live and page.index_number
    else:
        assert response.status_code == 200  # the form comes back with the reason next to the field
        assert REFUSAL[case] in text(response)
        assert not page.live and page.index_number is None


@every_case
def test_editor_creates_and_publishes_in_one_step(county, admin_client, case):
    url = reverse("wagtailadmin_pages:add", args=["gk_pages", "documentpage", county.column.pk])
    values = CASES[case]
    data = {
        "title": f"新建并发布：{case}",
        "slug": f"xinjian-{next(_serial)}",
        "body": rich_text("<p>正文。</p>"),
        "published_date": "2026-03-02",
        "validity": "有效",
        "tags": "",
        "action-publish": "action-publish",
        **{k: ("on" if v is True else v) for k, v in values.items() if v is not False},
    }
    response = admin_client.post(url, data)
    created = DocumentPage.objects.filter(slug=data["slug"]).first()
    if case in ALLOWED:
        assert response.status_code == 302
        assert created.live and created.index_number == "jyj/2026-00001"
        assert created.issuing_org == county.org
    else:
        assert response.status_code == 200 and REFUSAL[case] in text(response)
        assert created is None  # nothing saved, not even a draft


@every_case
def test_scheduled_publishing(county, case, monkeypatch):
    # Revisions keep milliseconds, not microseconds.
    later = (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
    page = draft(county.column, case, go_live_at=later)
    revision = page.get_latest_revision()
    if case in ALLOWED:
        revision.publish()  # schedules
        revision.refresh_from_db()
        assert revision.approved_go_live_at == later
        assert not DocumentPage.objects.get(pk=page.pk).live
        # Two days later, the cron job runs.
        real_now = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(days=3))
        call_command("publish_scheduled", stdout=StringIO())
        page.refresh_from_db()
        assert page.live and page.index_number == "jyj/2026-00001"
    else:
        with pytest.raises(PublicationRefused):
            revision.publish()  # refused when scheduling, not days later
        revision.refresh_from_db()
        assert revision.approved_go_live_at is None
        assert not DocumentPage.objects.get(pk=page.pk).live


def test_publish_scheduled_skips_a_schedule_that_slipped_through_and_publishes_the_rest(county, monkeypatch):
    """A schedule set before the rules applied (or by a tool that bypassed them) is
    cancelled and recorded when it falls due; the other due pages still go out."""
    later = (timezone.now() + datetime.timedelta(hours=1)).replace(microsecond=0)
    withheld = draft(county.column, "不予公开", go_live_at=later)
    Revision.objects.filter(pk=withheld.latest_revision_id).update(approved_go_live_at=later)
    good = draft(county.column, "主动公开", go_live_at=later)
    good.get_latest_revision().publish()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(hours=2))

    call_command("publish_scheduled", stdout=StringIO())

    withheld.refresh_from_db()
    good.refresh_from_db()
    assert good.live and not withheld.live and withheld.index_number is None
    assert Revision.objects.get(pk=withheld.latest_revision_id).approved_go_live_at is None
    entry = PageLogEntry.objects.get(page=withheld, action="gk.publish_refused")
    assert REFUSAL["不予公开"] in entry.data["reasons"][0]


@pytest.fixture
def review_workflow(county, django_user_model):
    """A one-step workflow on the county's column: 审核 by the 审核人 group."""
    group = Group.objects.create(name="测试县教育局审核人")
    task = GroupApprovalTask.objects.create(name="审核")
    task.groups.set([group])
    workflow = Workflow.objects.create(name="信息发布审核")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=county.column)
    reviewer = django_user_model.objects.create_superuser("reviewer", "reviewer@example.com", "pw")
    return SimpleNamespace(workflow=workflow, task=task, reviewer=reviewer)


@every_case
def test_workflow_approval(county, review_workflow, admin_client, case):
    page = draft(county.column, case)
    if case in ALLOWED:
        # Submitted by the editor, approved by the reviewer in the admin.
        response = admin_client.post(
            reverse("wagtailadmin_pages:edit", args=[page.pk]), form_data(page, **{"action-submit": "1"})
        )
        assert response.status_code == 302
        task_state = TaskState.objects.get(workflow_state__object_id=str(page.pk), status="in_progress")
        admin_client.force_login(review_workflow.reviewer)
        response = admin_client.post(
            reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]), {"comment": ""}
        )
        assert response.status_code == 302
        page.refresh_from_db()
        assert page.live and page.index_number
    else:
        # The editor cannot submit it for a review that ends in publication ...
        response = admin_client.post(
            reverse("wagtailadmin_pages:edit", args=[page.pk]), form_data(page, **{"action-submit": "1"})
        )
        assert response.status_code == 200 and REFUSAL[case] in text(response)
        assert not TaskState.objects.filter(workflow_state__object_id=str(page.pk)).exists()
        # ... and a workflow started another way cannot approve it into publication.
        state = review_workflow.workflow.start(page, review_workflow.reviewer)
        task_state = state.current_task_state
        with pytest.raises(PublicationRefused):
            task_state.task.specific.on_action(task_state, review_workflow.reviewer, "approve")
        task_state.refresh_from_db()
        page.refresh_from_db()
        assert task_state.status == TaskState.STATUS_IN_PROGRESS  # the approval was rolled back
        assert not page.live


def test_editor_cannot_save_an_unpublishable_draft_while_it_is_in_review(county, review_workflow, admin_client):
    page = draft(county.column)
    review_workflow.workflow.start(page, review_workflow.reviewer)
    response = admin_client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        form_data(page, change_reason="改为依申请公开", **CASES["依申请公开"]),
    )
    assert response.status_code == 200
    assert "该信息正在审核流程中，审核通过即发布" in text(response)
    assert DocumentPage.objects.get(pk=page.pk).get_latest_revision_as_object().disclosure_attribute == "主动公开"


@every_case
def test_bulk_publish(county, admin_client, case):
    good = draft(county.column, "主动公开")
    page = draft(county.column, case)
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])
    response = admin_client.post(f"{url}?id={good.pk}&id={page.pk}&next=/admin/", {})
    good.refresh_from_db()
    page.refresh_from_db()
    assert response.status_code == 302
    if case in ALLOWED:
        assert good.live and page.live
    else:
        # All or nothing, and the message names what to fix.
        assert not good.live and not page.live
        [message] = message_texts(response)
        assert page.title in message and REFUSAL[case] in message


@every_case
def test_copy_keeping_it_live(county, case):
    source = published(county.column, "主动公开")
    if case in ALLOWED:
        source = force(source, **CASES[case])
        copy = CopyPageAction(
            source, to=county.other_column, update_attrs={"slug": "fuben"}, keep_live=True
        ).execute()
        copy = DocumentPage.objects.get(pk=copy.pk)
        assert copy.live and copy.index_number == "jyj/2026-00002" != source.index_number
    else:
        # A live row that is not publishable (changed behind Wagtail's back) cannot spread by copying.
        source = force(source, **CASES[case])
        before = DocumentPage.objects.count()
        with pytest.raises(ValidationError) as refused:
            CopyPageAction(source, to=county.other_column, update_attrs={"slug": "fuben"}, keep_live=True).execute()
        assert REFUSAL[case] in " ".join(refused.value.messages)
        assert DocumentPage.objects.count() == before


@every_case
def test_moving_a_live_document(county, case):
    page = force(published(county.column, "主动公开"), **CASES[case])
    if case in ALLOWED:
        page.move(county.other_column, pos="last-child")
        assert DocumentPage.objects.get(pk=page.pk).get_parent().pk == county.other_column.pk
    else:
        with pytest.raises(PublicationRefused):
            page.move(county.other_column, pos="last-child")
        assert DocumentPage.objects.get(pk=page.pk).get_parent().pk == county.column.pk


def _api_urls():
    from wagtail.api.v3.urls import api

    from gkportal.urls import urlpatterns as site_urls

    return [path("api/v3/", api.urls), *site_urls]


@every_case
@pytest.mark.urls("tests.test_disclosure")
def test_publishing_through_the_v3_api(county, admin_user, client, case):
    """Wagtail 8's write API (not mounted by the reference site; an integrator may)."""
    _, token = APIToken.create_token(user=admin_user, name="测试")
    page = draft(county.column, case)
    response = client.post(
        f"/api/v3/pages/{page.pk}/actions/publish/",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    page.refresh_from_db()
    if case in ALLOWED:
        assert response.status_code == 200, response.content
        assert page.live
    else:
        assert response.status_code == 422
        assert REFUSAL[case] in json.dumps(response.json(), ensure_ascii=False)
        assert not page.live


def __getattr__(name):
    # The v3 API test mounts the API with this module as its URLconf; building the
    # patterns lazily keeps the API's router imports out of the other tests.
    if name == "urlpatterns":
        return _api_urls()
    raise AttributeError(name)


# -- the editor's view of the rules -------------------------------------------------


def test_publish_hook_refuses_for_forms_that_did_not(county, rf, admin_user):
    """before_publish_page: the backstop for a page form without the disclosure checks."""
    assert refuse_unpublishable_page in hooks.get_hooks("before_publish_page")
    page = draft(county.column, "不予公开")
    request = rf.post("/")
    request.user = admin_user
    request.session = {}
    request._messages = FallbackStorage(request)
    response = refuse_unpublishable_page(request, page)
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert REFUSAL["不予公开"] in str(list(request._messages)[0])
    assert refuse_unpublishable_page(request, draft(county.column)) is None


def test_admin_copy_form_refuses_a_live_copy_in_another_organisations_column(county, township, admin_client):
    source = published(county.column)
    url = reverse("wagtailadmin_pages:copy", args=[source.pk])
    data = {
        "new_title": "抄送甲镇",
        "new_slug": "chaosong",
        "new_parent_page": township.column.pk,
        "publish_copies": "on",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "不能在“测试县甲镇人民政府”的栏目中发布信息" in text(response)
    assert not DocumentPage.objects.filter(slug="chaosong").exists()
    # As a draft it may go there (and waits for someone to fix its 发布机构).
    del data["publish_copies"]
    assert admin_client.post(url, data).status_code == 302
    assert not DocumentPage.objects.get(slug="chaosong").live


def test_admin_move_of_a_live_document_to_another_organisation_is_refused(county, township, admin_client):
    page = published(county.column)
    url = reverse("wagtailadmin_pages:move_confirm", args=[page.pk, township.column.pk])
    response = admin_client.post(url)
    assert response.status_code == 302
    assert "不能移动到" in message_texts(response)[0]
    assert DocumentPage.objects.get(pk=page.pk).get_parent().pk == county.column.pk


# -- organisations ------------------------------------------------------------------


def test_a_document_is_published_only_in_its_own_organisations_columns(county, township):
    page = draft(county.column, issuing_org=township.org)
    with pytest.raises(PublicationRefused) as refused:
        page.get_latest_revision().publish()
    [message] = refused.value.messages
    assert "“测试县甲镇人民政府”不能在“测试县教育局”的栏目中发布信息" in message
    assert "或将发布机构改为“测试县教育局”" in message

    own = draft(township.column)
    assert own.issuing_org == township.org  # defaulted from the column
    own.get_latest_revision().publish()
    assert DocumentPage.objects.get(pk=own.pk).index_number == "jiazhen/2026-00001"


def test_live_documents_cannot_be_moved_or_aliased_into_another_organisation(county, township):
    page = published(county.column)
    with pytest.raises(PublicationRefused):
        page.move(township.column, pos="last-child")
    with pytest.raises(ValidationError):
        CreatePageAliasAction(page, parent=township.column, update_slug="bieming").execute()
    assert not DocumentPage.objects.filter(slug="bieming").exists()
    # Drafts may move; the rule applies when they are published.
    moved = draft(county.column)
    # A fresh column: treebeard counted the failed alias as a child of the one in memory.
    moved.move(ColumnPage.objects.get(pk=township.column.pk), pos="last-child")
    with pytest.raises(PublicationRefused):
        DocumentPage.objects.get(pk=moved.pk).get_latest_revision().publish()


def test_an_organisation_may_be_allowed_to_publish_into_another(county, township):
    county.org.may_publish_to.add(township.org)
    page = draft(township.column, issuing_org=county.org)
    page.get_latest_revision().publish()
    assert DocumentPage.objects.get(pk=page.pk).index_number == "jyj/2026-00001"


# -- never leaked ---------------------------------------------------------------------


def test_non_public_documents_are_not_reachable_listed_or_in_the_sitemap(county, client):
    public = published(county.column, title="公开的通知")
    redacted = published(county.column, "删减后公开（已确认）", title="删减后公开的名单")
    hidden = {case: draft(county.column, case, title=f"不应出现：{case}") for case in ("依申请公开", "不予公开")}
    for page in hidden.values():
        with pytest.raises(PublicationRefused):
            page.get_latest_revision().publish()

    assert client.get(public.url).status_code == 200
    assert client.get(redacted.url).status_code == 200
    for page in hidden.values():
        assert page.url is not None
        assert client.get(page.url).status_code == 404

    for url in (county.column.url, "/"):
        body = text(client.get(url))
        assert "公开的通知" in body and "删减后公开的名单" in body
        assert "不应出现" not in body

    sitemap = text(client.get("/sitemap.xml"))
    assert public.url in sitemap and redacted.url in sitemap
    for page in hidden.values():
        assert page.url not in sitemap


def test_a_published_document_cannot_be_withdrawn_by_a_new_revision(county, client, admin_client):
    """Decision: a live item changes to 依申请公开/不予公开 only after it is unpublished.
    Until then its public version stays exactly as it was."""
    page = published(county.column, title="原先主动公开的通知")
    live_revision = page.live_revision_id
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])

    # The editor saving a draft that says 不予公开 is told to unpublish first.
    response = admin_client.post(edit_url, form_data(page, change_reason="涉及过程性信息", **CASES["不予公开"]))
    assert response.status_code == 200
    assert "已发布的信息如需改为不予公开，请先取消发布，再修改公开属性。" in text(response)
    assert page.revisions.count() == 1

    # A revision made another way cannot be published; the public version stays.
    for field, value in CASES["不予公开"].items():
        setattr(page, field, value)
    revision = page.save_revision(clean=False)
    with pytest.raises(PublicationRefused):
        revision.publish()
    current = DocumentPage.objects.get(pk=page.pk)
    assert current.live and current.disclosure_attribute == "主动公开"
    assert current.live_revision_id == live_revision
    assert "原先主动公开的通知" in text(client.get(page.url))

    # The way that works: unpublish, then change it.
    current.unpublish()
    current = DocumentPage.objects.get(pk=page.pk)
    response = admin_client.post(edit_url, form_data(current, change_reason="涉及过程性信息", **CASES["不予公开"]))
    assert response.status_code == 302
    assert DocumentPage.objects.get(pk=page.pk).get_latest_revision_as_object().disclosure_attribute == "不予公开"
    assert client.get(page.url).status_code == 404


# -- validation -------------------------------------------------------------------------


def validate(column, **fields):
    page = DocumentPage(title="校验", slug=f"jiaoyan-{next(_serial)}", live=False, **fields)
    column.add_child(instance=page)
    try:
        page.full_clean()
    except ValidationError as exc:
        return exc.message_dict
    return {}


def test_non_proactive_items_need_a_legal_ground_and_a_reason(county):
    errors = validate(county.column, disclosure_attribute="不予公开")
    assert set(errors) == {"non_disclosure_ground", "non_disclosure_reason"}
    errors = validate(
        county.column, disclosure_attribute="不予公开", non_disclosure_ground="不属于主动公开范围", non_disclosure_reason="x"
    )
    assert "须依据条例第十四条至第十六条" in errors["non_disclosure_ground"][0]
    assert validate(county.column, **CASES["依申请公开"]) == {}
    assert validate(county.column, **CASES["删减后公开（未确认）"]) == {}  # a draft may wait for the confirmation


def test_proactive_items_drop_a_stale_ground(county):
    page = DocumentPage(title="x", disclosure_attribute="主动公开", non_disclosure_ground="个人隐私", non_disclosure_reason="旧")
    county.column.add_child(instance=page)
    page.full_clean()
    assert (page.non_disclosure_ground, page.non_disclosure_reason) == ("", "")


def test_validity_and_normative_rules(county):
    replacement = published(county.column)
    assert "expiry_date" in validate(
        county.column, effective_date=datetime.date(2026, 1, 1), expiry_date=datetime.date(2025, 1, 1)
    )
    assert "validity" in validate(county.column, replaced_by=replacement)
    assert validate(county.column, replaced_by=replacement, validity="废止") == {}
    assert validate(county.column, is_normative=True)["doc_number"] == ["行政规范性文件须填写文号。"]
    assert validate(county.column, is_normative=True, doc_number="测教发〔2026〕3号") == {}
    page = DocumentPage.objects.get(pk=replacement.pk)
    page.replaced_by = page
    page.validity = "废止"
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert error.value.message_dict["replaced_by"] == ["替代文件不能是本文件。"]


# -- the audit trail -------------------------------------------------------------------


def test_the_attribute_a_document_is_created_with_is_recorded(county):
    page = draft(county.column, "依申请公开")
    [entry] = PageLogEntry.objects.filter(page=page, action="gk.disclosure_attribute_change")
    assert entry.data["old"] is None and entry.data["new"] == "依申请公开"
    assert entry.data["ground"] == "不属于主动公开范围"


def test_changes_of_attribute_and_validity_are_kept_with_who_when_and_why(county, admin_client, admin_user):
    page = draft(county.column)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])

    # A change without a reason is not accepted.
    response = admin_client.post(url, form_data(page, **CASES["依申请公开"]))
    assert response.status_code == 200 and "须填写变更理由" in text(response)
    assert not PageLogEntry.objects.filter(page=page, action="gk.disclosure_attribute_change", user=admin_user).exists()

    before = timezone.now()
    response = admin_client.post(url, form_data(page, change_reason="经保密审查，仅涉及申请人本人", **CASES["依申请公开"]))
    assert response.status_code == 302
    entry = PageLogEntry.objects.get(page=page, action="gk.disclosure_attribute_change", user=admin_user)
    assert (entry.data["old"], entry.data["new"]) == ("主动公开", "依申请公开")
    assert entry.data["reason"] == "经保密审查，仅涉及申请人本人"
    assert entry.timestamp >= before and entry.revision_id == DocumentPage.objects.get(pk=page.pk).latest_revision_id

    page = DocumentPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    response = admin_client.post(url, form_data(page, validity="废止", change_reason="已被新办法取代"))
    assert response.status_code == 302
    validity = PageLogEntry.objects.get(page=page, action="gk.validity_change")
    assert (validity.data["old"], validity.data["new"], validity.user) == ("有效", "废止", admin_user)

    history = text(admin_client.get(reverse("wagtailadmin_pages:history", args=[page.pk])))
    assert "公开属性由“主动公开”改为“依申请公开”" in history
    assert "经保密审查，仅涉及申请人本人" in history
    assert "有效性由“有效”改为“废止”" in history and "已被新办法取代" in history


def test_code_that_changes_the_attribute_leaves_the_same_trail(county):
    page = published(county.column)
    page.unpublish()
    page = DocumentPage.objects.get(pk=page.pk)
    for field, value in CASES["不予公开"].items():
        setattr(page, field, value)
    page.change_reason = "年度评估：继续不予公开"
    page.save_revision()
    entry = PageLogEntry.objects.filter(page=page, action="gk.disclosure_attribute_change").latest("timestamp")
    assert (entry.data["old"], entry.data["new"], entry.data["reason"]) == ("主动公开", "不予公开", "年度评估：继续不予公开")


# -- the public page -----------------------------------------------------------------


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def test_metadata_block_reads_like_a_government_portal(county, client):
    call_command("load_topics", stdout=StringIO())
    replacement = published(county.column, title="测试县义务教育招生入学办法（2026年修订）")
    page = published(
        county.column,
        title="测试县义务教育招生入学办法",
        doc_number="测教发[2021]05号",
        written_date=datetime.date(2021, 3, 1),
        published_date=datetime.date(2021, 3, 5),
        topic=Topic.objects.get(parent__name="科技、教育", name="教育"),
        genre="办法",
        is_normative=True,
        effective_date=datetime.date(2021, 4, 1),
    )
    page.validity = "废止"
    page.replaced_by = replacement
    page.change_reason = "新办法施行"
    page.save_revision().publish()

    html = soup(client.get(page.url))
    meta = {div.dt.get_text(strip=True): div.dd.get_text(strip=True) for div in html.select(".doc-meta dl > div")}
    assert meta == {
        "索引号": "jyj/2021-00001",
        "主题分类": "科技、教育\\教育",
        "发布机构": "测试县教育局",
        "成文日期": "2021年03月01日",
        "文号": "测教发〔2021〕5号",
        "发布日期": "2021年03月05日",
        "文种": "办法",
        "有效性": "废止",
        "施行日期": "2021年04月01日",
        "文件类型": "行政规范性文件",
    }
    assert html.select_one(".document__disclosure-note").get_text(strip=True) == "（此件公开发布）"
    notice = html.select_one(".document__validity")
    assert notice.get_text(strip=True) == "本文件已废止，现行文件见测试县义务教育招生入学办法（2026年修订）。"
    assert notice.a["href"] == replacement.url


def test_redacted_documents_say_so(county, client):
    page = published(county.column, "删减后公开（已确认）")
    html = soup(client.get(page.url))
    assert html.select_one(".document__disclosure-note").get_text(strip=True) == "（此件删减后公开）"
    assert "有效性" not in html.select_one(".doc-meta").get_text()  # not normative, still valid: not shown


# -- 文号 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "聊政办发〔2021〕5号",
        "聊政办发[2021]5号",
        "聊政办发【2021】5号",
        "聊政办发(2021)5号",
        "聊政办发（２０２１）５号",
        "聊政办发 〔2021〕 5 号",
        "聊政办发〔2021〕第5号",
        "聊政办发〔2021〕05号",
        "聊政办发﹝2021﹞5号",
    ],
)
def test_document_number_variants_normalise_alike(written):
    assert normalise_doc_number(written) == "聊政办发〔2021〕5号"
    assert format_doc_number(written) == "聊政办发〔2021〕5号"
    validate_doc_number(written)


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("中华人民共和国国务院令 第732号", "中华人民共和国国务院令第732号"),
        ("聊城市人民政府令第35号", "聊城市人民政府令第35号"),
        ("国家税务总局公告2021年第5号", "国家税务总局公告2021年第5号"),
        ("国家税务总局公告2021年第05号", "国家税务总局公告2021年第5号"),
        ("国办函〔2019〕120号", "国办函〔2019〕120号"),
    ],
)
def test_orders_and_announcements_are_document_numbers_too(written, canonical):
    assert format_doc_number(written) == canonical
    assert normalise_doc_number(written) == canonical


@pytest.mark.parametrize("bad", ["5号", "〔2021〕5号", "聊政办发2021年5号", "聊政办发〔21〕5号", "聊政办发〔1890〕5号", "abc[2021]5号"])
def test_malformed_document_numbers_are_refused(bad):
    assert parse_doc_number(bad) is None
    with pytest.raises(ValidationError):
        validate_doc_number(bad)


def test_normaliser_never_fails_on_search_queries():
    assert normalise_doc_number("") == ""
    assert normalise_doc_number("〔2021〕第05号") == "〔2021〕5号"
    assert normalise_doc_number("聊政办发") == "聊政办发"


def test_document_number_is_stored_canonical_with_a_search_key(county):
    page = draft(county.column, doc_number="聊政办发[2021]05号")
    page.full_clean()
    page.save()
    page.refresh_from_db()
    assert (page.doc_number, page.doc_number_normalised) == ("聊政办发〔2021〕5号", "聊政办发〔2021〕5号")
    assert DocumentPage.objects.filter(doc_number_normalised=normalise_doc_number("聊政办发(2021)第5号")).get() == page


# -- 主题分类 ------------------------------------------------------------------------------


def test_topics_load_from_the_fixture_and_reload_without_change():
    out = StringIO()
    call_command("load_topics", "--format", "json", stdout=out)
    first = json.loads(out.getvalue())
    assert first["created"] == Topic.objects.count() == 22 + 121
    top = list(Topic.objects.filter(parent=None).values_list("name", flat=True))
    assert top[:4] == ["国务院组织机构", "综合政务", "国民经济管理、国有资产监管", "财政、金融、审计"]
    assert len(top) == 22 and top[-1] == "其他"
    assert str(Topic.objects.get(parent__name="综合政务", name="政务公开")) == "综合政务\\政务公开"
    leaves = Topic.objects.leaves()
    assert leaves.filter(name="其他", parent=None).exists()  # a first-level topic without children
    assert not leaves.filter(name="综合政务").exists()

    out = StringIO()
    call_command("load_topics", "--format", "json", stdout=out)
    again = json.loads(out.getvalue())
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 22 + 121)


def test_a_document_is_filed_under_a_second_level_topic(county, admin_user):
    call_command("load_topics", stdout=StringIO())
    page = draft(county.column)
    form_class = DocumentPage.get_edit_handler().get_form_class()
    form = form_class(instance=page, for_user=admin_user, parent_page=county.column)
    names = {str(t) for t in form.fields["topic"].queryset}
    assert "综合政务\\政务公开" in names and "其他" in names and "综合政务" not in names


def test_defaults_keep_plain_documents_working(county):
    """Code that knows nothing of the behaviour (the demo, older tests) still makes
    publishable, numbered documents."""
    page = county.column.add_child(instance=DocumentPage(title="简单的通知", body="<p>正文</p>"))
    page.refresh_from_db()
    assert page.disclosure_attribute == DisclosureAttribute.PROACTIVE and page.validity == "有效"
    assert page.live and page.issuing_org == county.org
    assert page.index_number == f"jyj/{timezone.localdate().year}-00001"


def test_rows_written_by_plain_sql_get_the_same_defaults(county):
    """The benchmark loader inserts page rows with plain SQL, naming only the columns it knows."""
    column = ColumnPage.objects.get(pk=county.column.pk)
    add_documents(column, 3)
    rows = list(DocumentPage.objects.child_of(column))
    assert len(rows) == 3
    for page in rows:
        assert (page.disclosure_attribute, page.validity, page.doc_number) == ("主动公开", "有效", "")
        assert not page.is_normative
        assert len(page.attachments) == 0 and not page.redaction_confirmed
