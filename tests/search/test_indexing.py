"""Indexing follows the page tree, against the real Elasticsearch node.

Each test reads the index contents directly (tests/search/conftest.py).
"""

import datetime

import pytest
from wagtail.models import PageViewRestriction

from gk_columns.models import Catalogue
from gk_pages.models import ColumnPage, DocumentPage
from search.indexing import IndexContext, document_for, is_indexable, sync_pages, why_not_indexable
from search.models import PendingIndexChange

from .builders import build_tree, publish_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_tree()


def test_publishing_indexes_the_document_with_its_metadata(tree, index, django_capture_on_commit_callbacks):
    column = tree.columns[0]
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(
            column,
            "关于做好2026年义务教育招生工作的通知",
            "<p>各乡镇中心学校：</p><p>现将<b>招生</b>工作安排如下。</p>",
            published_date=datetime.date(2026, 3, 2),
            written_date=datetime.date(2026, 2, 27),
        )

    stored = index.get(doc.pk)
    assert stored["title"] == "关于做好2026年义务教育招生工作的通知"
    assert stored["body"] == "各乡镇中心学校： 现将招生工作安排如下。"
    assert stored["page_type"] == "document" and stored["page_type_label"] == "公开信息"
    assert stored["organisation"] == {"id": tree.org.pk, "name": "测试县教育局", "code": tree.org.code}
    assert stored["domain"]["name"] == "义务教育"
    assert stored["column"] == {"id": column.pk, "title": "政策文件"}
    assert stored["published_date"] == "2026-03-02" and stored["year"] == 2026
    assert stored["written_date"] == "2026-02-27"
    assert stored["url"] == doc.get_url()
    assert stored["locale"] == "zh-hans"
    assert set(stored["ancestor_ids"]) >= {tree.org_page.pk, column.pk}
    # The structure pages the sync published are in the index too.
    assert {tree.org_page.pk, column.pk, tree.columns[1].pk, doc.pk} <= index.ids()
    # Applied changes leave no pending rows.
    assert PendingIndexChange.objects.count() == 0


def test_chinese_title_and_body_match_as_phrases(tree, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(tree.columns[0], "县教育局关于义务教育阶段学校招生的公告", "<p>学区划分和报名时间。</p>")
        other = publish_document(tree.columns[0], "教育局年度工作总结", "<p>义务劳动与教育宣传。</p>")

    assert index.phrase("title", "义务教育") == [doc.pk]
    assert index.phrase("body", "报名时间") == [doc.pk]
    # Bigrams: 义务…教育 apart in the other body does not match the phrase.
    assert other.pk not in index.phrase("body", "义务教育")
    # A one-character query still matches (characters are indexed too).
    assert doc.pk in index.phrase("title", "县")
    # smartcn word segmentation, present on this node through search/es/plugin.
    smart = index.search({"match": {"title.smart": "招生"}})
    assert doc.pk in smart and tree.columns[1].pk in smart and other.pk not in smart


def test_drafts_never_reach_the_index(tree, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(tree.columns[0], "招生计划公示", "<p>第一版内容。</p>")
    # v2 is only saved as a draft: its words must not become searchable, even
    # when the page is re-indexed for some other reason.
    draft = DocumentPage.objects.get(pk=doc.pk)
    draft.title = "招生计划公示（草稿标题）"
    draft.body = "<p>未公开的机密词青龙湖。</p>"
    with django_capture_on_commit_callbacks(execute=True):
        draft.save_revision()
    sync_pages([doc.pk])

    assert index.phrase("body", "青龙湖") == []
    assert index.phrase("title", "草稿标题") == []
    assert index.get(doc.pk)["body"] == "第一版内容。"

    # Publishing v2 makes it searchable.
    with django_capture_on_commit_callbacks(execute=True):
        DocumentPage.objects.get(pk=doc.pk).get_latest_revision().publish()
    assert index.phrase("body", "青龙湖") == [doc.pk]


def test_a_page_created_as_draft_is_not_indexed(tree, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft = DocumentPage(title="尚未发布的草稿", slug="caogao", live=False)
        tree.columns[0].add_child(instance=draft)
        draft.save_revision()
    sync_pages([draft.pk])
    assert draft.pk not in index.ids()
    assert why_not_indexable(DocumentPage.objects.get(pk=draft.pk)) == "页面未发布"


def test_unpublishing_removes_the_document(tree, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(tree.columns[0], "临时通知")
    assert doc.pk in index.ids()
    with django_capture_on_commit_callbacks(execute=True):
        doc.unpublish()
    assert doc.pk not in index.ids()


def test_deleting_removes_the_page_and_its_descendants(tree, index, django_capture_on_commit_callbacks):
    column = tree.columns[1]
    with django_capture_on_commit_callbacks(execute=True):
        first = publish_document(column, "招生政策解读一")
        second = publish_document(column, "招生政策解读二")
    assert {column.pk, first.pk, second.pk} <= index.ids()

    with django_capture_on_commit_callbacks(execute=True):
        ColumnPage.objects.get(pk=column.pk).delete()
    assert not {column.pk, first.pk, second.pk} & index.ids()
    assert tree.columns[0].pk in index.ids()


def test_moving_updates_column_and_url(tree, index, django_capture_on_commit_callbacks):
    source, target = tree.columns
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(source, "学区划分方案")
    before = index.get(doc.pk)
    assert before["column"]["id"] == source.pk

    with django_capture_on_commit_callbacks(execute=True):
        DocumentPage.objects.get(pk=doc.pk).move(ColumnPage.objects.get(pk=target.pk), pos="last-child")

    after = index.get(doc.pk)
    assert after["column"] == {"id": target.pk, "title": "招生政策"}
    assert after["url"] == DocumentPage.objects.get(pk=doc.pk).get_url() != before["url"]
    assert target.pk in after["ancestor_ids"] and source.pk not in after["ancestor_ids"]


def test_view_restriction_removes_the_subtree_and_lifting_it_restores(
    tree, index, django_capture_on_commit_callbacks
):
    column = tree.columns[0]
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(column, "内部资料汇编")
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=column, restriction_type=PageViewRestriction.PASSWORD, password="secret"
        )
    assert not {column.pk, doc.pk} & index.ids()
    assert why_not_indexable(DocumentPage.objects.get(pk=doc.pk)) == "页面或其上级设置了访问限制"

    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert {column.pk, doc.pk} <= index.ids()


def test_unpublished_ancestor_takes_descendants_out(tree, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(tree.columns[0], "资金分配结果公示")
    with django_capture_on_commit_callbacks(execute=True):
        tree.org_page.unpublish()
    assert not {tree.org_page.pk, tree.columns[0].pk, doc.pk} & index.ids()

    with django_capture_on_commit_callbacks(execute=True):
        tree.org_page.refresh_from_db()
        tree.org_page.save_revision().publish()
    assert {tree.org_page.pk, tree.columns[0].pk, doc.pk} <= index.ids()


def test_retired_column_leaves_the_index_with_its_documents(tree, index, django_capture_on_commit_callbacks):
    kept, retired = tree.columns
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(retired, "招生政策问答")
    assert {retired.pk, doc.pk} <= index.ids()

    # A new catalogue version without the 招生入学 entry: the sync retires its column.
    draft = Catalogue.new_draft(tree.org)
    draft.entries.filter(item_l1="招生入学").delete()
    draft.submit()
    draft.file()
    with django_capture_on_commit_callbacks(execute=True):
        draft.publish()
    retired.refresh_from_db()
    assert retired.retired and not retired.live

    ids = index.ids()
    assert retired.pk not in ids and doc.pk not in ids
    assert kept.pk in ids


def test_non_public_disclosure_attributes_are_never_indexable(tree, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(tree.columns[0], "依申请公开的文件")
    page = DocumentPage.objects.get(pk=doc.pk)
    assert is_indexable(page)
    for value in ("依申请公开", "不予公开"):
        page.disclosure_attribute = value
        assert not is_indexable(page)
        assert why_not_indexable(page) == f"公开属性为“{value}”"
    for value in ("主动公开", "删减后公开"):
        page.disclosure_attribute = value
        assert is_indexable(page)


def test_document_numbers_and_later_fields_are_read_when_present(tree, index, django_capture_on_commit_callbacks):
    """The lifecycle work adds 文号/索引号 to DocumentPage; the serializer reads them."""
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(tree.columns[0], "关于印发实施方案的通知")
    page = DocumentPage.objects.get(pk=doc.pk)
    page.doc_number = "聊政办发[2021]5号"
    page.index_number = "11371500MB1234567X/2021-00005"
    ctx = IndexContext()
    ctx.prepare([page])
    document = document_for(page, ctx)
    assert document["doc_number"] == "聊政办发〔2021〕5号"
    assert document["doc_number_display"] == "聊政办发[2021]5号"
    # Shown as assigned; the keyword normalizer folds case when matching.
    assert document["index_number"] == "11371500MB1234567X/2021-00005"
    assert "聊政办发〔2021〕5号" in document["suggest"]["input"]


def test_syncing_a_batch_costs_a_fixed_number_of_queries(
    tree, index, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    def publish(n):
        with django_capture_on_commit_callbacks(execute=True):
            return [publish_document(tree.columns[n % 2], f"批量文件{n}-{i}").pk for i in range(n)]

    few, many = publish(3), publish(30)
    ctx = IndexContext()  # synonym rules, restrictions and locales are per context
    with django_assert_max_num_queries(12) as few_queries:
        sync_pages(few, ctx=ctx)
    ctx = IndexContext()
    with django_assert_max_num_queries(12) as many_queries:
        sync_pages(many, ctx=ctx)
    assert len(many_queries.captured_queries) == len(few_queries.captured_queries)
