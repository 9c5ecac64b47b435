"""Index lifecycle against the real node: rebuild with alias swap, status,
update, pending changes, synonyms, pinyin, completion and 文号 matching."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import override_settings

from gk_pages.models import DocumentPage
from search import indices
from search.analysis import completion_key, normalise_doc_number, normalise_index_number, normalise_pinyin_query
from search.indexing import IndexContext, document_for, index_status, rebuild
from search.models import PendingIndexChange, Synonym, SynonymSet

from .builders import build_tree, publish_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_tree()


@pytest.fixture
def documents(tree, django_capture_on_commit_callbacks):
    titles = ["关于做好义务教育招生工作的通知", "学区划分方案公示", "教育收费标准", "校车安全管理办法", "招生咨询电话"]
    with django_capture_on_commit_callbacks(execute=True):
        return [
            publish_document(tree.columns[i % 2], title, f"<p>{title}的正文。</p>") for i, title in enumerate(titles)
        ]


def expected_ids(tree, documents):
    return {tree.org_page.pk, *(c.pk for c in tree.columns), *(d.pk for d in documents)}


# -- rebuild -------------------------------------------------------------------------


def test_rebuild_swaps_the_alias_once_and_keeps_answering(tree, documents, index, django_capture_on_commit_callbacks):
    before = index.alias_targets()
    assert len(before) == 1
    changed = documents[0]
    observed = []

    def progress(locale, done, total, indexed):
        # While the new index loads, the alias still points at the old one and answers.
        observed.append((done, index.alias_targets(), index.phrase("title", "学区划分")))
        if done and not any(o[0] for o in observed[:-1]):
            # An editor publishes a change mid-rebuild, after its page was loaded.
            page = DocumentPage.objects.get(pk=changed.pk)
            page.title = "关于做好义务教育招生工作的补充通知"
            with django_capture_on_commit_callbacks(execute=True):
                page.save_revision().publish()

    results = rebuild(chunk_size=2, progress=progress)

    assert len(observed) > 2
    assert all(targets == before for _, targets, _ in observed)
    assert all(hits == [documents[1].pk] for _, _, hits in observed)
    (result,) = results
    assert result.documents == len(expected_ids(tree, documents)) and result.skipped == 0
    assert result.replaced == before
    # Exactly one concrete index is left, behind the alias.
    assert index.concrete_indices() == [result.index] == index.alias_targets()
    assert index.ids() == expected_ids(tree, documents)
    # The mid-rebuild change is in the new index, and nothing is left pending.
    assert index.get(changed.pk)["title"] == "关于做好义务教育招生工作的补充通知"
    assert PendingIndexChange.objects.count() == 0


def test_rebuild_removes_what_is_no_longer_public(tree, documents, index):
    # Unpublish directly in the database, bypassing signals: only a rebuild notices.
    DocumentPage.objects.filter(pk=documents[2].pk).update(live=False)
    rebuild()
    assert index.ids() == expected_ids(tree, documents) - {documents[2].pk}


def test_rebuild_command_prints_progress_and_rate(tree, documents, index):
    out = io.StringIO()
    call_command("search_index", "rebuild", "--chunk-size", "3", stdout=out)
    text = out.getvalue()
    assert "100.0%" in text and "[" in text and "条/秒" in text
    assert f"别名 {index.alias} → {index.alias_targets()[0]}" in text

    out = io.StringIO()
    call_command("search_index", "rebuild", "--format", "json", stdout=out)
    (report,) = json.loads(out.getvalue())
    assert report["documents"] == len(expected_ids(tree, documents))
    assert report["documents_per_second"] > 0
    assert index.concrete_indices() == [report["index"]]


# -- status and update -------------------------------------------------------------------


def test_status_reports_missing_and_extra_ids_and_update_repairs(tree, documents, index):
    status = index_status()
    (zh,) = status["locales"]
    assert zh["in_sync"] and status["in_sync"], status
    assert zh["database"] == zh["indexed"] == len(expected_ids(tree, documents))

    missing = documents[1].pk
    index.client.delete(index=index.alias, id=str(missing), refresh=True)
    index.client.index(index=index.alias, id="987654", document={"title": "已删除页面的残留"}, refresh=True)

    (zh,) = index_status()["locales"]
    assert zh["missing"] == [missing] and zh["extra"] == [987654]
    assert zh["missing_count"] == zh["extra_count"] == 1 and not zh["in_sync"]

    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("search_index", "status", stdout=out)
    assert exit_info.value.code == 1
    assert f"缺失页面ID：{missing}" in out.getvalue() and "多余页面ID：987654" in out.getvalue()

    out = io.StringIO()
    call_command("search_index", "update", stdout=out)
    assert "补索引 1 页，移除 1 页" in out.getvalue()
    out = io.StringIO()
    call_command("search_index", "status", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["in_sync"] is True
    assert index.ids() == expected_ids(tree, documents)


def test_unreachable_cluster_records_pending_changes_and_update_replays_them(
    tree, documents, index, django_capture_on_commit_callbacks
):
    """A quick outage: the cluster URL points at a closed port. (test_outage.py
    stops the real node.)"""
    with override_settings(ELASTICSEARCH_URL="http://127.0.0.1:9"):
        with django_capture_on_commit_callbacks(execute=True):
            new = publish_document(tree.columns[0], "停电期间发布的公告")
            DocumentPage.objects.get(pk=documents[0].pk).unpublish()
    rows = list(PendingIndexChange.objects.order_by("pk"))
    assert {r.page_id for r in rows} == {new.pk, documents[0].pk}
    assert all(r.attempts == 1 and "Connection" in r.last_error for r in rows)
    assert new.pk not in index.ids() and documents[0].pk in index.ids()

    (zh,) = index_status()["locales"]
    assert zh["missing"] == [new.pk] and zh["extra"] == [documents[0].pk]
    assert index_status()["pending"] == 2

    out = io.StringIO()
    call_command("search_index", "update", "--pending-only", stdout=out)
    assert "重放待同步变更 2 条" in out.getvalue()
    assert PendingIndexChange.objects.count() == 0
    assert index.ids() == expected_ids(tree, documents) - {documents[0].pk} | {new.pk}


def test_next_successful_indexing_replays_earlier_failures(tree, documents, index, django_capture_on_commit_callbacks):
    with override_settings(ELASTICSEARCH_URL="http://127.0.0.1:9"):
        with django_capture_on_commit_callbacks(execute=True):
            failed = publish_document(tree.columns[0], "第一次未能索引的文件")
    assert PendingIndexChange.objects.filter(page_id=failed.pk, attempts=1).exists()

    with django_capture_on_commit_callbacks(execute=True):
        later = publish_document(tree.columns[0], "恢复后发布的文件")
    assert {failed.pk, later.pk} <= index.ids()
    assert PendingIndexChange.objects.count() == 0


def test_changes_during_a_build_are_kept_until_the_swap(tree, documents, index, django_capture_on_commit_callbacks):
    building = indices.create_index(index.language_code, bulk_loading=True)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            doc = publish_document(tree.columns[0], "重建期间发布的文件")
        # Written to the live alias and to the index being built ...
        assert doc.pk in index.ids()
        assert index.client.get(index=building, id=str(doc.pk))["found"]
        # ... and kept, so that the rebuild can replay it after its swap.
        row = PendingIndexChange.objects.get(page_id=doc.pk)
        assert row.attempts == 0 and "重建" in row.last_error
    finally:
        indices.delete_indices([building])


# -- what the fields make possible -------------------------------------------------------------


def test_synonyms_apply_at_rebuild(tree, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        full = publish_document(tree.columns[0], "关于提高最低生活保障标准的通知")
        short = publish_document(tree.columns[0], "低保资金发放情况")
        care = publish_document(tree.columns[0], "特困人员供养名单")
    synonyms = SynonymSet.objects.create(name="社会救助简称")
    Synonym.objects.create(synonym_set=synonyms, terms="低保，最低生活保障")
    Synonym.objects.create(synonym_set=synonyms, terms="五保 => 特困人员供养")
    assert index.phrase("synonyms", "低保") == []
    assert index_status()["locales"][0]["synonyms_current"] is False

    rebuild()

    assert index_status()["locales"][0]["synonyms_current"] is True
    assert index.phrase("synonyms", "低保") == [full.pk]
    assert index.phrase("synonyms", "最低生活保障") == [short.pk]
    assert index.phrase("synonyms", "五保") == [care.pk]
    assert index.phrase("synonyms", "特困人员供养") == []

    synonyms.enabled = False
    synonyms.save()
    rebuild()
    assert index.phrase("synonyms", "低保") == []


def test_pinyin_and_initials_find_the_title(tree, documents, index):
    target = documents[0].pk  # 关于做好义务教育招生工作的通知

    def pinyin(field, typed):
        return index.search({"prefix": {field: normalise_pinyin_query(typed)}})

    assert pinyin("title_pinyin", "yiwujiaoyu") == [target]
    assert pinyin("title_pinyin", "yiwu jiaoyu") == [target]
    assert pinyin("title_initials", "ywjy") == [target]
    assert pinyin("title_pinyin", "xiaoche") == [documents[3].pk]
    assert pinyin("title_pinyin", "yiwujiaoyuzs") == []


def test_completion_suggests_by_title_pinyin_and_initials(tree, documents, index):
    def suggest(prefix):
        index.refresh()
        response = index.client.search(
            index=index.alias,
            suggest={"s": {"prefix": completion_key(prefix), "completion": {"field": "suggest", "size": 10}}},
            source=["title"],
        )
        return {int(o["_id"]) for o in response["suggest"]["s"][0]["options"]}

    target = documents[0].pk
    assert target in suggest("关于做好义务")
    assert target in suggest("义务教育")  # after the leading 关于做好
    assert target in suggest("guanyuzuohao")
    assert target in suggest("gyzh")
    assert suggest("校车") == {documents[3].pk}


def test_document_number_variants_find_the_document(tree, documents, index):
    page = DocumentPage.objects.get(pk=documents[0].pk)
    page.doc_number = "聊政办发〔2021〕5号"  # the lifecycle work adds the field
    ctx = IndexContext()
    ctx.prepare([page])
    index.client.index(index=index.alias, id=str(page.pk), document=document_for(page, ctx), refresh=True)

    variants = ("聊政办发[2021]5号", "聊政办发【2021】5号", "聊政办发(2021)5号", "聊政办发 〔2021〕 5 号", "聊政办发（２０２１）５号")
    for typed in variants:
        assert index.search({"term": {"doc_number": normalise_doc_number(typed)}}) == [page.pk], typed
    assert index.search({"term": {"doc_number": normalise_doc_number("聊政办发〔2021〕6号")}}) == []
    assert index.search({"match_phrase": {"doc_number.text": "聊政办发"}}) == [page.pk]
    assert index.get(page.pk)["doc_number_display"] == "聊政办发〔2021〕5号"


def test_index_number_is_shown_as_assigned_and_found_in_any_case(tree, documents, index):
    page = DocumentPage.objects.get(pk=documents[0].pk)
    page.index_number = "11371500MB1234567X/2026-00007"  # a credit-code prefix keeps its capitals
    ctx = IndexContext()
    ctx.prepare([page])
    index.client.index(index=index.alias, id=str(page.pk), document=document_for(page, ctx), refresh=True)

    assert index.get(page.pk)["index_number"] == "11371500MB1234567X/2026-00007"
    for typed in ("11371500MB1234567X/2026-00007", "11371500mb1234567x/2026-00007", " １１３７１５００ＭＢ１２３４５６７Ｘ／２０２６－０００07 "):
        assert index.search({"term": {"index_number": normalise_index_number(typed)}}) == [page.pk], typed
