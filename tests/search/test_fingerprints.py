"""Index fingerprints and hits checked against the database (issue
"Hardening", finding 14): every document carries the live revision it was made
from and the database that wrote it; `gk search-index status` compares both,
and the search shows only hits whose page is live and public in this
database. Query counts are asserted, never time."""

import io
import json
import uuid

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from wagtail.models import Page, PageViewRestriction

from gk_pages.models import ColumnPage, DocumentPage
from search import pending
from search.indexing import database_origin, index_status
from search.query import SearchParams, execute

from .builders import build_tree, publish_document

pytestmark = pytest.mark.django_db

SEARCH, API, SUGGEST = "/search/", "/search/api/", "/search/api/suggest/"


@pytest.fixture
def tree(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_tree()


# -- fingerprints -----------------------------------------------------------------------------------


def test_documents_carry_their_live_revision_and_this_databases_origin(tree, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(tree.columns[0], "带指纹的公告")
    doc.refresh_from_db()
    stored = index.get(doc.pk)
    assert stored["revision_id"] == doc.live_revision_id is not None
    root_key = str(Page.get_first_root_node().translation_key)
    assert stored["origin"] == database_origin() == root_key


def test_status_reports_documents_made_from_another_revision_and_update_repairs_them(
    tree, index, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        doc = publish_document(tree.columns[0], "第一版标题")
    assert index_status()["in_sync"]

    # A new version published while changes are not recorded (as a lost update):
    # the same ids on both sides, another revision in the database.
    page = DocumentPage.objects.get(pk=doc.pk)
    page.title = "第二版标题"
    with pending.paused(), django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()

    report = index_status()
    (zh,) = report["locales"]
    assert zh["missing"] == zh["extra"] == [] and zh["foreign"] == []
    assert zh["stale"] == [doc.pk] and zh["stale_count"] == 1
    assert not zh["in_sync"] and not report["in_sync"]

    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("search_index", "status", stdout=out)
    assert exit_info.value.code == 1
    assert f"与已发布版本不一致 1 条（索引中的版本不是数据库当前发布的版本）：{doc.pk}" in out.getvalue()

    call_command("search_index", "update", stdout=io.StringIO())
    assert index.get(doc.pk)["title"] == "第二版标题"
    assert index_status()["in_sync"]


def test_status_reports_documents_another_database_wrote(tree, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ours = publish_document(tree.columns[0], "本站的公告")
    other_origin = str(uuid.uuid4())
    # Another site's database writes under the same prefix: one of its pages has
    # the id of one of ours, another an id we do not have.
    theirs = {**index.get(ours.pk), "title": "另一站点的公告", "origin": other_origin}
    index.client.index(index=index.alias, id=str(ours.pk), document=theirs, refresh=True)
    index.client.index(index=index.alias, id="987654", document={**theirs, "page_id": 987654}, refresh=True)

    report = index_status()
    (zh,) = report["locales"]
    assert report["origin"] == database_origin()
    assert zh["foreign"] == [ours.pk, 987654] and zh["foreign_count"] == 2
    assert zh["extra"] == [987654] and zh["stale"] == [] and not zh["in_sync"]

    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("search_index", "status", stdout=out)
    assert f"由其他数据库写入 2 条：{ours.pk}, 987654" in out.getvalue()
    assert "GK_SEARCH_INDEX_PREFIX" in out.getvalue()
    data = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("search_index", "status", "--format", "json", stdout=data)
    assert json.loads(data.getvalue())["locales"][0]["foreign_count"] == 2


# -- hits are checked against the database ---------------------------------------------------------


def test_search_shows_only_hits_live_and_public_in_this_database(tree, client, index, django_capture_on_commit_callbacks):
    titles = ["公告甲（公开）", "公告乙（撤下）", "公告丙（限制访问）", "公告丁（栏目撤下）", "公告戊（被覆盖）"]
    with django_capture_on_commit_callbacks(execute=True):
        kept, withdrawn, restricted, in_closed_column, overwritten = (
            publish_document(tree.columns[0 if i < 3 or i == 4 else 1], title) for i, title in enumerate(titles)
        )
    # The database changes and the index does not hear of it (lost updates).
    with pending.paused():
        DocumentPage.objects.get(pk=withdrawn.pk).unpublish()
        PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.PASSWORD, password="x")
        ColumnPage.objects.get(pk=tree.columns[1].pk).unpublish()
    # Another database's page with the id of one of ours.
    foreign = {**index.get(overwritten.pk), "title": "公告己（另一站点）", "origin": str(uuid.uuid4())}
    index.client.index(index=index.alias, id=str(overwritten.pk), document=foreign, refresh=True)
    assert len(index.phrase("title", "公告")) == 5

    data = client.get(API, {"q": "公告"}).json()
    assert data["degraded"] is False
    assert [r["title"] for r in data["results"]] == ["公告甲（公开）"]
    html = BeautifulSoup(client.get(SEARCH, {"q": "公告"}).content, "html.parser")
    assert [a.get_text() for a in html.select(".search-hit__title a")] == ["公告甲（公开）"]
    suggested = client.get(SUGGEST, {"q": "公告"}).json()["suggestions"]
    assert [s["text"] for s in suggested] == ["公告甲（公开）"]


def test_hits_are_checked_with_one_query_whatever_their_number(
    tree, index, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(10):
            publish_document(tree.columns[i % 2], f"通知第{i}号")
        publish_document(tree.columns[0], "唯一的公示")
    index.refresh()

    with django_assert_num_queries(1):
        many = execute(SearchParams.build(q="通知"), facets=False, spelling=False)
    assert len(many.hits) == 10
    with django_assert_num_queries(1):
        one = execute(SearchParams.build(q="公示"), facets=False, spelling=False)
    assert [h.title for h in one.hits] == ["唯一的公示"]
