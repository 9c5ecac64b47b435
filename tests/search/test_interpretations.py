"""政策解读 in the search index, against the real Elasticsearch node: indexed like
documents (type 政策解读, form in the 文种 slot, the policies' titles searchable),
kept in step with their own and their policies' publication, never indexed
when not public, and shown sensibly on the search page."""

import datetime

import pytest
from bs4 import BeautifulSoup
from wagtail.models import PageViewRestriction

from gk_pages.models import DocumentPage, InterpretationForm, InterpretationPage
from gkportal.demodata.interpretations import ensure_translation
from search import indices
from search.indexing import is_indexable, rebuild, why_not_indexable

from .builders import build_tree, publish_document

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def tree(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_tree()


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Run `change` and apply the index changes it records, as after a request."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def add_interpretation(column, title, policies, body="", live=True, **fields):
    page = InterpretationPage(title=title, body=body, live=False, published_date=D(2026, 10, 8), **fields)
    page.policies = policies
    column.add_child(instance=page)
    revision = page.save_revision()
    if live:
        revision.publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def policy(tree, publish):
    return publish(
        publish_document,
        tree.columns[0],
        "测试县校外培训机构管理办法",
        "<p>为规范校外培训机构办学行为，制定本办法。</p>",
        doc_number="测教规〔2026〕3号",
        is_normative=True,
        published_date=D(2026, 9, 30),
    )


def test_an_interpretation_is_indexed_like_a_document(tree, policy, index, publish):
    page = publish(
        add_interpretation,
        tree.columns[0],
        "校外培训机构管理办法政策问答",
        [policy],
        body="<p>问：哪些机构需要办理许可？</p><p>答：面向中小学生开展学科类培训的机构。</p>",
        form=InterpretationForm.QA,
        is_follow_up=True,
    )
    stored = index.get(page.pk)
    assert stored["page_type"] == "interpretation" and stored["page_type_label"] == "政策解读"
    assert stored["doc_type"] == "问答"
    assert stored["organisation"]["name"] == "测试县教育局"
    assert stored["column"]["title"] == tree.columns[0].title
    assert stored["index_number"] == page.index_number.lower()
    assert stored["published_date"] == "2026-10-08"
    assert stored["body"].startswith("问：哪些机构需要办理许可？ 答：面向中小学生开展学科类培训的机构。")
    assert stored["body"].endswith("解读的政策：《测试县校外培训机构管理办法》（测教规〔2026〕3号）")
    assert stored["interpretation"] == {
        "form": "问答",
        "is_follow_up": True,
        "media_url": "",
        "policies": [{"id": policy.pk, "title": "测试县校外培训机构管理办法", "doc_number": "测教规〔2026〕3号"}],
    }
    # Searching the policy's title finds the policy and its interpretation.
    assert set(index.phrase("body", "校外培训机构管理办法")) >= {page.pk}
    assert set(index.phrase("title", "校外培训机构管理办法")) == {policy.pk, page.pk}


def test_only_public_interpretations_reach_the_index(tree, policy, index, publish):
    unfinished = publish(add_interpretation, tree.columns[0], "校外培训机构管理办法解读（草稿）", [policy], live=False)
    assert index.get(unfinished.pk) is None

    page = publish(add_interpretation, tree.columns[0], "校外培训机构管理办法解读", [policy])
    assert index.get(page.pk) is not None
    publish(page.unpublish)
    assert index.get(page.pk) is None

    publish(page.get_latest_revision().publish)
    assert index.get(page.pk) is not None
    publish(PageViewRestriction.objects.create, page=page, restriction_type=PageViewRestriction.PASSWORD, password="x")
    assert index.get(page.pk) is None

    # 依申请公开 can never be live; even a row made live behind the rules' back stays out.
    withheld = InterpretationPage.objects.get(pk=unfinished.pk)
    withheld.live = True
    withheld.disclosure_attribute = "依申请公开"
    assert not is_indexable(withheld)
    assert why_not_indexable(withheld) == "公开属性为“依申请公开”"


def test_interpretations_follow_their_policies(tree, policy, index, publish):
    page = publish(add_interpretation, tree.columns[0], "校外培训机构管理办法解读", [policy])
    other = publish(
        publish_document, tree.columns[1], "测试县培训收费管理规定", "<p>收费规定。</p>", published_date=D(2026, 9, 29)
    )
    both = publish(add_interpretation, tree.columns[1], "两项培训政策一并解读", [policy, other], form=InterpretationForm.EXPERT)

    # The policy is renamed: its interpretations' text follows.
    renamed = DocumentPage.objects.get(pk=policy.pk)
    renamed.title = "测试县校外培训机构监督管理办法"
    publish(renamed.save_revision().publish)
    assert "《测试县校外培训机构监督管理办法》" in index.get(page.pk)["body"]
    assert "《测试县校外培训机构监督管理办法》" in index.get(both.pk)["body"]

    # Unpublished or restricted, a policy is no longer named; the interpretation stays.
    publish(renamed.unpublish)
    assert "解读的政策" not in index.get(page.pk)["body"]
    assert index.get(both.pk)["interpretation"]["policies"] == [
        {"id": other.pk, "title": "测试县培训收费管理规定", "doc_number": ""}
    ]
    publish(PageViewRestriction.objects.create, page=other, restriction_type=PageViewRestriction.PASSWORD, password="x")
    assert index.get(both.pk)["interpretation"]["policies"] == []

    # Deleted: the link goes with it, and the interpretation is reindexed without it.
    publish(renamed.get_latest_revision().publish)
    assert "《测试县校外培训机构监督管理办法》" in index.get(page.pk)["body"]
    publish(DocumentPage.objects.get(pk=policy.pk).delete)
    assert "解读的政策" not in index.get(page.pk)["body"]


def test_rebuild_indexes_interpretations(tree, policy, index, publish):
    page = publish(add_interpretation, tree.columns[0], "校外培训机构管理办法解读", [policy])
    index.clear()
    rebuild()
    assert page.pk in index.ids() and policy.pk in index.ids()
    assert index.get(page.pk)["page_type"] == "interpretation"


def test_search_page_shows_interpretation_hits_and_the_type_facet(client, tree, policy, index, publish):
    publish(
        add_interpretation,
        tree.columns[0],
        "一图读懂校外培训机构管理办法",
        [policy],
        body="<p>图解要点。</p>",
        form=InterpretationForm.GRAPHIC,
    )
    index.refresh()
    html = BeautifulSoup(client.get("/search/", {"q": "校外培训机构管理办法"}).content, "html.parser")
    hits = {
        h.select_one(".search-hit__title a").get_text(): {
            dt.get_text(): dt.find_next_sibling("dd").get_text() for dt in h.select(".search-hit__meta dt")
        }
        for h in html.select(".search-hit")
    }
    assert hits["一图读懂校外培训机构管理办法"]["类别"] == "政策解读（图表图解）"
    assert "类别" not in hits["测试县校外培训机构管理办法"] or hits["测试县校外培训机构管理办法"]["类别"] != "政策解读"

    data = client.get("/search/api/", {"q": "校外培训机构管理办法"}).json()
    types = {b["value"]: (b["label"], b["count"]) for b in data["facets"]["type"]}
    assert types["interpretation"] == ("政策解读", 1) and types["document"] == ("公开信息", 1)
    only = client.get("/search/api/", {"q": "校外培训机构管理办法", "type": "interpretation"}).json()
    assert [r["title"] for r in only["results"]] == ["一图读懂校外培训机构管理办法"]
    assert only["results"][0]["type"] == "政策解读" and only["results"][0]["doc_type"] == "图表图解"


def test_a_uyghur_translation_goes_to_the_uyghur_index(tree, policy, index, publish, es):
    page = publish(
        add_interpretation, tree.columns[0], "校外培训机构管理办法解读", [policy], body="<p>一、适用范围。</p>"
    )
    translation = publish(
        ensure_translation,
        page,
        "ug",
        ["校外培训机构管理办法解读", "一、适用范围。"],
        ["سىرتقى تەربىيلەش ئورگانلىرىنى باشقۇرۇش چارىسىنىڭ چۈشەندۈرۈشى", "بىرىنچى، قوللىنىش دائىرىسى."],
    )
    uyghur = es.get(index=indices.alias_name("ug"), id=str(translation.pk))["_source"]
    assert uyghur["locale"] == "ug" and uyghur["page_type"] == "interpretation"
    assert uyghur["title"] == "سىرتقى تەربىيلەش ئورگانلىرىنى باشقۇرۇش چارىسىنىڭ چۈشەندۈرۈشى"
    assert uyghur["url"].startswith("/ug/")
    assert uyghur["index_number"] == index.get(page.pk)["index_number"]
    # The Chinese index has the Chinese page only; the aliased ancestors are not indexed anywhere.
    assert translation.pk not in index.ids()
    es.indices.refresh(index=indices.alias_name("ug"))
    ug_ids = {int(h["_id"]) for h in es.search(index=indices.alias_name("ug"), query={"match_all": {}})["hits"]["hits"]}
    assert ug_ids == {translation.pk}
