"""有效性: the normative-document library page, cleanup results and what publishing
them does to the documents, `gk validity-review` and the admin report
规范性文件有效性核查 (gk_pages.validity)."""

import csv
import datetime
import io
import json
from itertools import count
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import (
    GroupApprovalTask,
    PageLogEntry,
    PageViewRestriction,
    Revision,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from gk_pages import validity
from gk_pages.disclosure import DisclosureReview
from gk_pages.models import CleanupResultItem, CleanupResultPage, ColumnPage, DocumentPage, NormativeLibraryPage
from gk_pages.validity import apply_cleanup, validity_problems
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)
_serial = count(1)

ON_REQUEST = {
    "disclosure_attribute": "依申请公开",
    "non_disclosure_ground": "不属于主动公开范围",
    "non_disclosure_reason": "仅涉及申请人本人的审批结果",
}


# -- building blocks ------------------------------------------------------------------


def build_org(name, code):
    """An organisation whose published catalogue has two proactive entries; the
    column sync makes its organisation, domain and column pages."""
    domain = make_domain("政务公开", code="zhengwu-gongkai", order=1)
    org = make_org(name, code=code)
    catalogue = filed_catalogue(
        org, [entry_values(domain, "政策文件", "行政规范性文件"), entry_values(domain, "政策解读", "文字解读")]
    )
    catalogue.publish()
    columns = list(ColumnPage.objects.filter(entry__catalogue=catalogue).order_by("entry__order"))
    return SimpleNamespace(org=org, column=columns[0], other_column=columns[1])


@pytest.fixture
def county(portal):
    return build_org("测试县人民政府办公室", "xzf")


@pytest.fixture
def bureau(portal):
    return build_org("测试县人力资源和社会保障局", "rsj")


@pytest.fixture
def library(portal):
    page = NormativeLibraryPage(title="行政规范性文件库", slug="gfxwj", live=False)
    portal.add_child(instance=page)
    page.save_revision().publish()
    return NormativeLibraryPage.objects.get(pk=page.pk)


def document(column, title=None, *, normative=True, written=datetime.date(2024, 3, 1), publish=True, **fields):
    """A document drafted and (by default) published through a revision, as an editor would."""
    n = next(_serial)
    values = {
        "is_normative": normative,
        "doc_number": f"测政办规〔{written.year}〕{n}号" if normative else "",
        "written_date": written,
        "published_date": written + datetime.timedelta(days=3),
        **fields,
    }
    page = DocumentPage(
        title=title or f"测试县关于规范管理有关事项的办法（第{n}号）", slug=f"wenjian-{n}", body="<p>正文。</p>", live=False, **values
    )
    column.add_child(instance=page)
    page.save_revision()
    if publish:
        page.get_latest_revision().publish()
    return DocumentPage.objects.get(pk=page.pk)


def cleanup(library, items, *, title="测试县人民政府关于公布规范性文件清理结果的决定", cleanup_date=datetime.date(2026, 6, 30), publish=True, user=None):
    """A cleanup result with `items` — (document, decision[, replaced_by[, note]]) — saved
    through a revision and (by default) published."""
    page = CleanupResultPage(title=title, slug=f"qingli-{next(_serial)}", cleanup_date=cleanup_date, live=False)
    for order, (doc, decision, *rest) in enumerate(items):
        replaced_by = rest[0] if rest else None
        note = rest[1] if len(rest) > 1 else ""
        page.items.add(
            CleanupResultItem(document=doc, decision=decision, replaced_by=replaced_by, note=note, sort_order=order)
        )
    library.add_child(instance=page)
    revision = page.save_revision(user=user)
    if publish:
        revision.publish(user=user)
    return CleanupResultPage.objects.get(pk=page.pk)


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def listed_titles(response):
    table = soup(response).select_one("table.library-table")
    return [] if table is None else [th.get_text(strip=True) for th in table.select("tbody th[scope=row]")]


def text(response):
    return response.content.decode()


# -- the library page -------------------------------------------------------------------


def test_library_lists_the_current_valid_normative_documents_by_default(county, bureau, library, client):
    valid = document(county.column, "测试县行政规范性文件管理办法", written=datetime.date(2025, 3, 1))
    other = document(bureau.column, "测试县就业创业补贴资金管理办法", written=datetime.date(2024, 5, 6))
    repealed = document(county.column, "测试县房屋征收补偿暂行办法", validity="废止", replaced_by=valid)
    document(county.column, "测试县关于开展安全生产检查的通知", normative=False)

    response = client.get(library.url)
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#library-list-heading").get_text(strip=True) == "现行有效规范性文件目录"
    assert listed_titles(response) == [valid.title, other.title]  # newest 成文日期 first
    headings = [th.get_text(strip=True) for th in page.select("table.library-table thead th")]
    assert headings == ["序号", "文件名称", "文号", "发布机构", "成文日期", "施行日期", "有效性"]
    first_row = [cell.get_text(strip=True) for cell in page.select("table.library-table tbody tr")[0].find_all(["th", "td"])]
    assert first_row == ["1", valid.title, valid.doc_number, "测试县人民政府办公室", "2025-03-01", "", "有效"]

    everything = client.get(library.url, {"validity": "全部"})
    assert set(listed_titles(everything)) == {valid.title, other.title, repealed.title}
    row = next(tr for tr in soup(everything).select("tbody tr") if repealed.title in tr.get_text())
    assert "废止" in row.get_text() and row.find("a", string=valid.title)  # links the replacing document
    assert listed_titles(client.get(library.url, {"validity": "废止"})) == [repealed.title]
    assert soup(client.get(library.url, {"validity": "废止"})).select_one("#library-list-heading").get_text(strip=True) == "废止的规范性文件"


def test_library_never_lists_drafts_private_or_non_public_items(county, library, client):
    public = document(county.column, "公开的规范性文件")
    draft = document(county.column, "不应出现：草稿", publish=False)
    on_request = document(county.column, "不应出现：依申请公开", publish=False, **ON_REQUEST)
    restricted = document(county.column, "不应出现：受限访问")
    PageViewRestriction.objects.create(page=restricted, restriction_type="password", password="mima")
    restricted_column = build_org("测试县财政局", "czj")
    hidden_below = document(restricted_column.column, "不应出现：栏目受限访问")
    PageViewRestriction.objects.create(page=restricted_column.column, restriction_type="login")
    unpublished = document(county.column, "不应出现：已取消发布")
    unpublished.unpublish()

    for query in ({}, {"validity": "全部"}, {"q": "不应出现"}, {"org": "xzf", "validity": "全部"}):
        response = client.get(library.url, query)
        assert response.status_code == 200
        assert "不应出现" not in " ".join(listed_titles(response))
    assert listed_titles(client.get(library.url)) == [public.title]
    # Not only absent from the table: nowhere on the page (not even as filter choices).
    assert "不应出现" not in text(client.get(library.url, {"validity": "全部"}))
    assert "czj" not in text(client.get(library.url))  # an organisation with only hidden documents is no filter choice
    for page in (draft, on_request):
        assert client.get(page.url).status_code == 404
    assert hidden_below.live and restricted.live  # live, but not public


def test_library_filters_by_organisation_year_and_keyword(county, bureau, library, client):
    a = document(county.column, "测试县政府投资项目管理办法", written=datetime.date(2023, 5, 1), doc_number="测政办规〔2023〕4号")
    b = document(county.column, "测试县县级储备粮管理办法", written=datetime.date(2025, 2, 1))
    c = document(bureau.column, "测试县就业创业补贴资金管理办法", written=datetime.date(2023, 8, 1))
    no_written = document(bureau.column, "测试县临时救助实施办法", written_date=None, published_date=datetime.date(2022, 7, 1))

    assert listed_titles(client.get(library.url, {"org": "rsj"})) == [c.title, no_written.title]
    assert listed_titles(client.get(library.url, {"year": "2023"})) == [c.title, a.title]
    assert listed_titles(client.get(library.url, {"year": "2022"})) == [no_written.title]  # 发布日期 when no 成文日期
    assert listed_titles(client.get(library.url, {"year": "2023", "org": "xzf"})) == [a.title]
    assert listed_titles(client.get(library.url, {"q": "储备粮"})) == [b.title]
    # 文号 in any of its usual spellings.
    for spelling in ("测政办规〔2023〕4号", "测政办规[2023]4号", "测政办规（2023）04号", "政办规〔2023〕4"):
        assert listed_titles(client.get(library.url, {"q": spelling})) == [a.title], spelling

    page = soup(client.get(library.url, {"org": "rsj", "year": "2023"}))
    assert page.select_one("#library-org option[selected]")["value"] == "rsj"
    assert page.select_one("#library-year option[selected]")["value"] == "2023"
    assert [o["value"] for o in page.select("#library-year option")] == ["", "2025", "2023", "2022"]
    assert page.select_one("#library-list-heading").get_text(strip=True) == "现行有效规范性文件目录"
    assert page.find("a", string="返回现行有效目录")  # narrowed: no longer the whole list


@pytest.mark.parametrize(
    "query",
    [
        {"validity": "无效的值"},
        {"year": "abc"},
        {"year": "1800"},
        {"year": "99999999999999999999999"},
        {"org": "<script>alert(1)</script>"},
        {"q": "x" * 500},
        {"q": "空\x00字符"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "99999"},
        {"validity": ["有效", "全部"], "org": ["", "xzf"]},
        {"q": "%' OR 1=1 --"},
    ],
)
def test_junk_query_strings_never_fail(county, library, client, query):
    valid = document(county.column, "测试县行政规范性文件管理办法")
    response = client.get(library.url, query)
    assert response.status_code == 200
    if query.get("q") == "%' OR 1=1 --":
        assert listed_titles(response) == []  # a keyword like any other: nothing matches
    else:
        assert listed_titles(response) == [valid.title]  # the bad value is ignored, the list stays
    if query in ({"validity": "无效的值"}, {"year": "abc"}, {"org": "<script>alert(1)</script>"}):
        assert "已忽略" in soup(response).select_one(".library-notice").get_text()
    assert "<script>alert(1)</script>" not in text(response)


def test_library_paginates_with_continuous_numbers_and_a_fixed_number_of_queries(county, library, client, monkeypatch):
    monkeypatch.setattr(validity, "LIBRARY_PAGE_SIZE", 2)
    docs = [document(county.column, f"测试县第{i}号管理办法", written=datetime.date(2024, 1, i + 1)) for i in range(5)]
    client.get(library.url)  # warm caches (site, content types)
    with CaptureQueriesContext(connection) as few:
        first = client.get(library.url)
    assert listed_titles(first) == [docs[4].title, docs[3].title]
    last = client.get(library.url, {"page": "3"})
    assert listed_titles(last) == [docs[0].title]
    assert soup(last).select_one("tbody td.num").get_text(strip=True) == "5"

    for i in range(5, 9):
        document(county.column, f"测试县第{i}号管理办法", written=datetime.date(2024, 1, i + 1))
    with CaptureQueriesContext(connection) as many:
        client.get(library.url)
    assert len(many) == len(few)


def test_library_links_its_published_cleanup_results(county, library, client):
    doc = document(county.column)
    published = cleanup(library, [(doc, "有效")], title="2025年度规范性文件清理结果")
    cleanup(library, [(doc, "有效")], title="尚未发布的清理结果", publish=False)
    page = soup(client.get(library.url))
    links = [a.get_text(strip=True) for a in page.select(".library-cleanups a")]
    assert links == ["2025年度规范性文件清理结果"]
    assert page.select_one(".library-cleanups a")["href"] == published.url


# -- cleanup results: validation ----------------------------------------------------------


def test_a_cleanup_lists_only_normative_documents_each_once(county, library):
    normative = document(county.column)
    plain = document(county.column, normative=False)
    with pytest.raises(ValidationError) as error:
        cleanup(library, [(plain, "失效")], publish=False)
    assert "不是行政规范性文件" in str(error.value)
    with pytest.raises(ValidationError) as error:
        cleanup(library, [(normative, "失效"), (normative, "废止")], publish=False)
    assert "已列为本清理结果第1项，同一文件只能列一次" in str(error.value)
    with pytest.raises(ValidationError) as error:
        cleanup(library, [(normative, "废止", normative)], publish=False)
    assert "替代文件不能是被清理的文件本身" in str(error.value)
    with pytest.raises(ValidationError) as error:
        cleanup(library, [(normative, "有效", document(county.column))], publish=False)
    assert "继续有效的文件不填写替代文件" in str(error.value)

    alias = normative.create_alias(parent=county.other_column, update_slug=f"bieming-{next(_serial)}")
    with pytest.raises(ValidationError) as error:
        cleanup(library, [(alias, "失效")], publish=False)
    assert "别名页面，请选择原文件" in str(error.value)

    # Checked again when the result is published: a document may have changed meanwhile.
    page = cleanup(library, [(normative, "失效")], publish=False)
    DocumentPage.objects.filter(pk=normative.pk).update(is_normative=False)
    with pytest.raises(ValidationError):
        page.get_latest_revision().publish()
    assert not CleanupResultPage.objects.get(pk=page.pk).live
    assert DocumentPage.objects.get(pk=normative.pk).validity == "有效"


def _cleanup_form(library, items, **extra):
    return nested_form_data(
        {
            "title": "测试县人民政府关于公布规范性文件清理结果的决定",
            "slug": f"qingli-form-{next(_serial)}",
            "cleanup_date": "2026-06-30",
            "intro": rich_text("<p>经清理，现将结果公布如下。</p>"),
            "items": inline_formset(items),
            **extra,
        }
    )


def test_the_editor_is_told_about_every_bad_item_next_to_it(county, library, admin_client):
    normative = document(county.column)
    plain = document(county.column, "测试县关于开展安全生产检查的通知", normative=False)
    url = reverse("wagtailadmin_pages:add", args=["gk_pages", "cleanupresultpage", library.pk])
    data = _cleanup_form(
        library,
        [
            {"document": normative.pk, "decision": "失效", "replaced_by": "", "note": ""},
            {"document": plain.pk, "decision": "废止", "replaced_by": "", "note": ""},
            {"document": normative.pk, "decision": "废止", "replaced_by": "", "note": ""},
        ],
        **{"action-publish": "action-publish"},
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    body = text(response)
    assert "《测试县关于开展安全生产检查的通知》不是行政规范性文件" in body
    assert "已列为本清理结果第1项，同一文件只能列一次" in body
    assert not CleanupResultPage.objects.exists()
    assert DocumentPage.objects.get(pk=normative.pk).validity == "有效"


def test_publishing_from_the_editor_applies_the_cleanup_and_says_so(county, library, admin_client, admin_user):
    old = document(county.column, "测试县行政许可事项清单（2022年版）")
    new = document(county.column, "测试县行政许可事项清单（2025年版）")
    url = reverse("wagtailadmin_pages:add", args=["gk_pages", "cleanupresultpage", library.pk])
    data = _cleanup_form(
        library,
        [{"document": old.pk, "decision": "失效", "replaced_by": new.pk, "note": "已被新版清单取代"}],
        **{"action-publish": "action-publish"},
    )
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    messages = [str(m.message) for m in get_messages(response.wsgi_request)]
    assert any("1 件文件的有效性已更新并发布" in m for m in messages), messages
    old = DocumentPage.objects.get(pk=old.pk)
    assert (old.validity, old.replaced_by_id, old.expiry_date) == ("失效", new.pk, datetime.date(2026, 6, 30))
    entry = PageLogEntry.objects.get(page=old, action="gk.validity_change")
    assert entry.user == admin_user


# -- cleanup results: applying them -----------------------------------------------------------


def test_publishing_a_cleanup_applies_each_decision_once_through_a_published_revision(county, library, client, admin_user):
    keep = document(county.column, "测试县县级储备粮管理办法")
    expire = document(county.column, "测试县行政许可事项清单（2022年版）")
    repeal = document(county.column, "测试县国有土地上房屋征收与补偿暂行办法", expiry_date=datetime.date(2027, 1, 1))
    amend = document(county.column, "测试县政府投资项目管理办法")
    successor = document(county.column, "测试县国有土地上房屋征收与补偿办法")
    amending = document(county.column, "关于修改《测试县政府投资项目管理办法》的决定")
    revisions_before = {d.pk: d.revisions.count() for d in (keep, expire, repeal, amend)}

    page = cleanup(
        library,
        [(keep, "有效"), (expire, "失效"), (repeal, "废止", successor, "已被新办法取代"), (amend, "已修改", amending)],
        user=admin_user,
    )

    keep, expire, repeal, amend = (DocumentPage.objects.get(pk=d.pk) for d in (keep, expire, repeal, amend))
    assert (keep.validity, keep.expiry_date) == ("有效", None)
    assert (expire.validity, expire.expiry_date, expire.replaced_by_id) == ("失效", datetime.date(2026, 6, 30), None)
    # An end date of its own is kept; the replacement is recorded.
    assert (repeal.validity, repeal.expiry_date, repeal.replaced_by_id) == ("废止", datetime.date(2027, 1, 1), successor.pk)
    assert (amend.validity, amend.expiry_date, amend.replaced_by_id) == ("已修改", None, amending.pk)

    # Each changed document got one new revision, published, with the audit entry and its reason.
    for doc in (expire, repeal, amend):
        assert doc.revisions.count() == revisions_before[doc.pk] + 1
        assert doc.live and doc.live_revision_id == doc.latest_revision_id and not doc.has_unpublished_changes
        assert Revision.objects.get(pk=doc.live_revision_id).content["validity"] == doc.validity
        entry = PageLogEntry.objects.get(page=doc, action="gk.validity_change")
        assert entry.data["old"] == "有效" and entry.data["new"] == doc.validity
        assert entry.data["reason"] == "规范性文件清理：测试县人民政府关于公布规范性文件清理结果的决定"
        assert entry.user == admin_user and entry.revision_id == doc.live_revision_id
    assert keep.revisions.count() == revisions_before[keep.pk]
    assert not PageLogEntry.objects.filter(page=keep, action="gk.validity_change").exists()
    assert all(item.applied_at for item in page.items.all())

    # The public document says so.
    assert "本文件已废止" in text(client.get(repeal.url))
    # The cleanup page's history records what it did.
    entry = PageLogEntry.objects.get(page=page, action="gk.cleanup_applied")
    assert len(entry.data["applied"]) == 3 and len(entry.data["unchanged"]) == 1 and entry.user == admin_user

    # Publishing again, or an older version of the page, changes nothing more.
    page.save_revision(user=admin_user).publish(user=admin_user)
    first_revision = page.revisions.order_by("created_at", "pk").first()
    first_revision.publish(user=admin_user)
    assert PageLogEntry.objects.filter(page=page, action="gk.cleanup_applied").count() == 1
    for doc in (expire, repeal, amend):
        assert DocumentPage.objects.get(pk=doc.pk).revisions.count() == revisions_before[doc.pk] + 1
        assert PageLogEntry.objects.filter(page=doc, action="gk.validity_change").count() == 1
    assert all(item.applied_at for item in CleanupResultPage.objects.get(pk=page.pk).items.all())
    assert apply_cleanup(page).applied == []


def test_an_editors_pending_draft_is_kept_and_not_published(county, library, admin_user, django_user_model):
    doc = document(county.column, "测试县县级储备粮管理办法")
    editor = django_user_model.objects.create_user("bianji", password="pw")
    draft = doc.get_latest_revision_as_object()
    draft.title = "测试县县级储备粮管理办法（修订草稿）"
    draft.body = "<p>尚未定稿的修订内容。</p>"
    draft.save_revision(user=editor)

    cleanup(library, [(doc, "废止")], user=admin_user)

    doc = DocumentPage.objects.get(pk=doc.pk)
    assert doc.live and doc.title == "测试县县级储备粮管理办法" and doc.validity == "废止"
    assert "尚未定稿" not in doc.body
    # The draft is still the newest version, with the decision applied to it too.
    assert doc.has_unpublished_changes
    latest = doc.get_latest_revision_as_object()
    assert latest.title == "测试县县级储备粮管理办法（修订草稿）" and "尚未定稿" in latest.body
    assert latest.validity == "废止"
    assert doc.live_revision_id != doc.latest_revision_id
    # One audit entry for the decision, not one per version.
    assert PageLogEntry.objects.filter(page=doc, action="gk.validity_change").count() == 1


def test_a_review_in_progress_goes_on(county, library, admin_user, django_user_model):
    doc = document(county.column, "测试县县级储备粮管理办法")
    workflow = doc.get_workflow()
    if workflow is None:  # sites without the organisations' review workflow
        task = GroupApprovalTask.objects.create(name="审核")
        task.groups.set([Group.objects.create(name="审核人")])
        workflow = Workflow.objects.create(name="信息发布审核")
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(workflow=workflow, page=county.column)
    editor = django_user_model.objects.create_user("bianji", password="pw")
    draft = doc.get_latest_revision_as_object()
    draft.title = "测试县县级储备粮管理办法（送审稿）"
    draft.save_revision(user=editor)
    state = workflow.start(DocumentPage.objects.get(pk=doc.pk), editor)

    cleanup(library, [(doc, "失效")], user=admin_user)

    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    doc = DocumentPage.objects.get(pk=doc.pk)
    assert doc.validity == "失效" and doc.title == "测试县县级储备粮管理办法"
    # Approval publishes the editor's version, which carries the decision.
    while state.status == WorkflowState.STATUS_IN_PROGRESS:
        state.current_task_state.approve(user=admin_user)
        state.refresh_from_db()
    doc = DocumentPage.objects.get(pk=doc.pk)
    assert doc.title == "测试县县级储备粮管理办法（送审稿）" and doc.validity == "失效"


def test_an_item_that_cannot_be_applied_waits_and_is_reported(county, library, admin_user):
    doc = document(county.column, "测试县农村土地经营权流转管理办法实施细则（试行）")
    page = cleanup(library, [(doc, "废止")], publish=False)
    # Between drafting and publishing, the document lost its 文号 (say, a faulty import).
    DocumentPage.objects.filter(pk=doc.pk).update(doc_number="")
    page.get_latest_revision().publish(user=admin_user)

    item = CleanupResultPage.objects.get(pk=page.pk).items.get()
    assert item.applied_at is None
    assert DocumentPage.objects.get(pk=doc.pk).validity == "有效"
    entry = PageLogEntry.objects.get(page=page, action="gk.cleanup_applied")
    assert "行政规范性文件须填写文号" in entry.data["failed"][0]["reason"]
    [finding] = validity_problems(TODAY)
    assert finding.page_id == doc.pk and finding.reason_codes == ["cleanup"]
    assert "宣布废止，尚未执行" in finding.reason_text

    # Fixed and published again, it is applied.
    DocumentPage.objects.filter(pk=doc.pk).update(doc_number="测政办规〔2024〕99号")
    page.save_revision(user=admin_user).publish(user=admin_user)
    assert DocumentPage.objects.get(pk=doc.pk).validity == "废止"
    assert validity_problems(TODAY) == []


def test_an_applied_item_cannot_be_changed_afterwards(county, library):
    doc = document(county.column)
    page = cleanup(library, [(doc, "失效")])
    content = page.get_latest_revision_as_object()
    items = list(content.items.all())
    assert items[0].applied_at is not None  # kept in every version
    items[0].decision = "废止"
    content.items.set(items)
    with pytest.raises(ValidationError) as error:
        content.save_revision()
    assert "不能再修改文件、结论或替代文件" in str(error.value)


def test_the_cleanup_page_groups_its_items_and_links_only_public_documents(county, library, client):
    keep = document(county.column, "测试县县级储备粮管理办法")
    expire = document(county.column, "测试县行政许可事项清单（2022年版）")
    new = document(county.column, "测试县行政许可事项清单（2025年版）")
    repeal = document(county.column, "测试县房屋征收补偿暂行办法")
    page = cleanup(library, [(keep, "有效"), (expire, "失效", new), (repeal, "废止", None, "调整对象已消失")])
    PageViewRestriction.objects.create(page=DocumentPage.objects.get(pk=keep.pk), restriction_type="login")

    html = soup(client.get(page.url))
    headings = [h.get_text(strip=True) for h in html.select("section.cleanup-result__group h2")]
    assert headings == ["继续有效的规范性文件（1件）", "宣布失效的规范性文件（1件）", "废止的规范性文件（1件）"]
    assert html.find("a", string=expire.title)["href"] == expire.url
    assert html.find("a", string=new.title) is not None
    assert keep.title in html.get_text() and html.find("a", string=keep.title) is None
    assert "调整对象已消失" in html.get_text()


# -- the validity check -------------------------------------------------------------------------


def test_expiry_is_due_the_day_after_the_expiry_date(county):
    yesterday = document(county.column, "昨日到期", expiry_date=TODAY - datetime.timedelta(days=1))
    document(county.column, "今日到期", expiry_date=TODAY)
    document(county.column, "明日到期", expiry_date=TODAY + datetime.timedelta(days=1))
    document(county.column, "已标失效", expiry_date=TODAY - datetime.timedelta(days=9), validity="失效")
    document(county.column, "草稿到期", expiry_date=TODAY - datetime.timedelta(days=9), publish=False)
    plain = document(county.column, "到期的普通文件", normative=False, expiry_date=TODAY - datetime.timedelta(days=30))

    findings = validity_problems(TODAY)
    assert sorted(f.title for f in findings) == sorted([yesterday.title, plain.title])
    finding = next(f for f in findings if f.page_id == yesterday.pk)
    assert finding.reason_codes == ["expired"]
    assert finding.reason_text == "失效日期 2026-11-20 已过，仍标为有效"
    assert finding.edit_url == reverse("wagtailadmin_pages:edit", args=[yesterday.pk])


def test_superseded_documents_still_marked_valid_are_found(county, bureau):
    new = document(bureau.column, "测试县就业创业补贴资金管理办法")
    old = document(bureau.column, "测试县就业创业补贴资金管理暂行办法")
    # As an import of an old library may leave it (the editor's form refuses it).
    DocumentPage.objects.filter(pk=old.pk).update(replaced_by=new)
    document(county.column, "已正确标为已修改", validity="已修改", replaced_by=new)

    [finding] = validity_problems(TODAY)
    assert finding.page_id == old.pk and finding.reason_codes == ["superseded"]
    assert finding.reason_text == "已被《测试县就业创业补贴资金管理办法》替代，仍标为有效"
    assert finding.organisation == "测试县人力资源和社会保障局"
    assert validity_problems(TODAY, organisation=county.org) == []
    assert [f.page_id for f in validity_problems(TODAY, organisation=bureau.org)] == [old.pk]


def test_a_cleanup_declaration_undone_later_is_found(county, library):
    doc = document(county.column)
    cleanup(library, [(doc, "废止")])
    DocumentPage.objects.filter(pk=doc.pk).update(validity="有效")  # e.g. an old version published again
    [finding] = validity_problems(TODAY)
    # The decision had also ended it on the cleanup date.
    assert finding.reason_codes == ["expired", "cleanup"] and "执行后又被改回有效" in finding.reason_text
    assert validity_problems(TODAY, within=DocumentPage.objects.none()) == []


@pytest.fixture
def findings(county, bureau):
    expired = document(county.column, "测试县农村土地经营权流转管理办法实施细则（试行）", expiry_date=datetime.date(2025, 3, 31))
    new = document(bureau.column, "测试县就业创业补贴资金管理办法")
    old = document(bureau.column, "测试县就业创业补贴资金管理暂行办法")
    DocumentPage.objects.filter(pk=old.pk).update(replaced_by=new)
    return SimpleNamespace(expired=expired, superseded=old)


def test_command_formats(findings, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://gk.example.gov.cn"
    out = io.StringIO()
    call_command("validity_review", "--today", "2026-11-21", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "规范性文件有效性核查：核查日期 2026-11-21，发现 2 件需处理。"
    assert lines[2].split() == ["问题", "文件名称", "文号", "发布机构", "失效日期", "说明", "编辑地址"]
    assert any("测试县农村土地经营权流转管理办法实施细则（试行）" in line and "已过失效日期" in line for line in lines)

    out = io.StringIO()
    call_command("validity_review", "--today", "2026-11-21", "--format", "json", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["count"] == 2 and payload["today"] == "2026-11-21"
    by_id = {f["page_id"]: f for f in payload["findings"]}
    assert by_id[findings.expired.pk]["reasons"][0]["code"] == "expired"
    assert by_id[findings.superseded.pk]["reasons"][0]["code"] == "superseded"
    assert by_id[findings.expired.pk]["edit_url"] == f"https://gk.example.gov.cn/admin/pages/{findings.expired.pk}/edit/"

    out = io.StringIO()
    call_command("validity_review", "--today", "2026-11-21", "--format", "csv", "--org", "rsj", stdout=out)
    assert out.getvalue().startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert rows[0] == ["问题", "文件名称", "文号", "发布机构", "失效日期", "说明", "编辑地址"]
    assert [row[1] for row in rows[1:]] == ["测试县就业创业补贴资金管理暂行办法"]

    # Before the expiry date, only the superseded one.
    out = io.StringIO()
    call_command("validity_review", "--today", "2025-03-31", "--format", "json", stdout=out)
    assert [f["page_id"] for f in json.loads(out.getvalue())["findings"]] == [findings.superseded.pk]


def test_command_with_nothing_to_report_and_bad_input(db):
    out = io.StringIO()
    call_command("validity_review", "--today", "2026-11-21", stdout=out)
    assert "发现 0 件需处理" in out.getvalue() and "没有" in out.getvalue()
    with pytest.raises(CommandError, match="未找到公开主体：nope"):
        call_command("validity_review", "--org", "nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        call_command("validity_review", "--today", "2026-13-45", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("validity_review", "--format", "xml", stdout=io.StringIO())


# -- the admin report ---------------------------------------------------------------------------


def test_admin_report_lists_filters_and_exports(findings, admin_client):
    url = reverse("gk_validity_report:report")
    response = admin_client.get(url, {"today": "2026-11-21"})
    assert response.status_code == 200
    body = text(response)
    assert "规范性文件有效性核查" in body
    assert "测试县农村土地经营权流转管理办法实施细则（试行）" in body and "测试县就业创业补贴资金管理暂行办法" in body
    assert reverse("wagtailadmin_pages:edit", args=[findings.expired.pk]) in body

    only_expired = text(admin_client.get(url, {"today": "2026-11-21", "reason": "expired"}))
    assert "实施细则（试行）" in only_expired and "暂行办法" not in only_expired
    early = text(admin_client.get(url, {"today": "2025-01-01"}))
    assert "实施细则（试行）" not in early and "暂行办法" in early

    export = admin_client.get(url, {"today": "2026-11-21", "export": "csv"})
    content = b"".join(export.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0] == ["问题", "文件名称", "文号", "发布机构", "失效日期", "说明", "编辑地址"]
    assert len(rows) == 3
    xlsx = admin_client.get(url, {"today": "2026-11-21", "export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")

    menu = text(admin_client.get(reverse("wagtailadmin_home")))  # the sidebar's menu data
    assert url in menu


def test_admin_report_is_refused_to_users_without_page_rights(findings, client, django_user_model):
    url = reverse("gk_validity_report:report")
    assert client.get(url).status_code == 302  # to the login page
    user = django_user_model.objects.create_user("kanke", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get(url)
    # Wagtail answers a refusal in the admin with a redirect to the dashboard and a message.
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert "暂行办法" not in text(client.get(url, follow=True))
    assert url not in text(client.get(reverse("wagtailadmin_home")))  # no menu item either


def test_an_editor_sees_only_the_documents_they_may_edit(findings, client, django_user_model, bureau):
    from wagtail.models import GroupPagePermission

    group = Group.objects.create(name="人社局编辑")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=group, page=bureau.column, permission=Permission.objects.get(codename="change_page")
    )
    user = django_user_model.objects.create_user("rsj_bianji", password="pw")
    user.groups.add(group)
    client.force_login(user)
    body = text(client.get(reverse("gk_validity_report:report"), {"today": "2026-11-21"}))
    assert "暂行办法" in body and "实施细则（试行）" not in body


# -- the demo -------------------------------------------------------------------------------------


def test_demo_library_and_non_public_items_are_realistic_and_idempotent(client, demo_county):
    import random

    from gk_columns.models import Organisation
    from gk_pages.models import PortalHomePage
    from gk_pages.review import due_for_review
    from gkportal.demodata.validity import ensure_non_public_items, ensure_normative_library

    portal = PortalHomePage.objects.order_by("path").first()
    organisations = {org.code: org for org in Organisation.objects.all()}

    def run():
        kwargs = {"portal": portal, "organisations": organisations, "today": TODAY, "rng": random.Random(1), "log": lambda message: None}
        return ensure_normative_library(**kwargs), ensure_non_public_items(**kwargs)

    library, items = run()  # setup-demo may have run these already: nothing is added twice
    counts = (DocumentPage.objects.count(), CleanupResultPage.objects.count(), Revision.objects.count(), PageLogEntry.objects.count())

    normative = DocumentPage.objects.filter(is_normative=True, slug__startswith="gfxwj-")
    assert normative.count() == 14
    assert set(normative.values_list("issuing_org__code", flat=True)) == {"xzf", "czj", "zjj", "mzj", "jyj"}
    assert set(normative.values_list("validity", flat=True)) == {"有效", "失效", "废止", "已修改"}
    assert all(doc.doc_number and doc.live for doc in normative)
    # The cleanup was applied through the publishing path.
    [result] = CleanupResultPage.objects.child_of(library).live()
    assert all(item.applied_at for item in result.items.all()) and result.items.count() == 4
    assert PageLogEntry.objects.filter(action="gk.validity_change", data__reason__startswith="规范性文件清理").count() == 3
    # `gk validity-review` finds one expired and one superseded document among them.
    ours = set(normative.values_list("pk", flat=True))
    findings = [f for f in validity_problems(TODAY) if f.page_id in ours]
    assert sorted(code for f in findings for code in f.reason_codes) == ["expired", "superseded"]
    # The library page shows the current list and the cleanup result.
    response = client.get(library.url)
    assert response.status_code == 200
    assert set(normative.filter(validity="有效").values_list("title", flat=True)) <= set(listed_titles(response))
    assert not set(normative.exclude(validity="有效").values_list("title", flat=True)) & set(listed_titles(response))
    assert result.title in text(response)
    assert client.get(result.url).status_code == 200

    assert len(items) == 6 and not any(page.live for page in items)
    assert {page.disclosure_attribute for page in items} == {"依申请公开", "不予公开"}
    due = [row for row in due_for_review(TODAY) if row.page_id in {page.pk for page in items}]
    assert len(due) == 3 and all(row.days_overdue >= 0 for row in due)
    assert DisclosureReview.objects.filter(page__in=items).count() == 1

    run()
    assert (
        DocumentPage.objects.count(),
        CleanupResultPage.objects.count(),
        Revision.objects.count(),
        PageLogEntry.objects.count(),
    ) == counts
