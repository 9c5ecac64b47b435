"""The query side against the real Elasticsearch node: secondary search,
facets, 文号, pinyin, typos, non-public content; and the request bodies and
URL contract on their own."""

import datetime
import json

import pytest
from django.http import QueryDict
from wagtail.models import PageViewRestriction

from gk_pages.models import DocumentPage
from search.forms import MAX_QUERY_LENGTH, MAX_WITHIN, SearchForm, clean_text
from search.indexing import IndexContext, document_for
from search.query import (
    FACETS,
    MAX_PAGE,
    SearchParams,
    build_body,
    correction_candidates,
    drop_hints,
    execute,
    facet_aggregations,
    query_terms,
)

from .corpus import build_corpus

# -- request bodies (no node needed) --------------------------------------------------------------


def walk(node):
    """Every (key, value) pair of a nested request body."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_user_text_never_reaches_query_string_syntax():
    hostile = 'title:secret OR body:* AND (x) "y" \\ ~2 ^9 {!} [a TO z] <script>'
    body = build_body(SearchParams.build(q=hostile, within=["*:*"], filters={"org": [1]}))
    keys = {key for key, _ in walk(body)}
    assert not keys & {"query_string", "simple_query_string", "regexp", "wildcard", "script"}
    # The text only ever appears as a value of match/phrase/term/prefix clauses.
    carriers = {"multi_match", "match_phrase", "term", "prefix", "text"}
    for key, value in walk(body):
        if isinstance(value, str) and "secret" in value:
            assert key in {"query", "value", "text"}, key
    assert carriers & keys


def test_each_within_level_is_one_more_required_clause():
    one = build_body(SearchParams.build(q="教育"))
    two = build_body(SearchParams.build(q="招生", within=["教育"]))
    three = build_body(SearchParams.build(q="通知", within=["教育", "招生"]))
    assert [len(b["query"]["bool"]["must"]) for b in (one, two, three)] == [1, 2, 3]
    # A level of several words requires each of them.
    assert len(build_body(SearchParams.build(q="义务教育 招生"))["query"]["bool"]["must"]) == 2


def test_document_numbers_and_pinyin_stay_one_term():
    assert query_terms("聊政办发 〔2021〕 5 号") == ["聊政办发 〔2021〕 5 号"]
    assert query_terms("yiwu jiaoyu") == ["yiwu jiaoyu"]
    assert query_terms("  义务教育   招生 ") == ["义务教育", "招生"]
    assert len(query_terms(" ".join("词" * 2 for _ in range(30)))) == 10
    clause = build_body(SearchParams.build(q="聊政办发[2021]5号"))["query"]["bool"]["must"][0]
    exact = [c["term"]["doc_number"] for c in clause["bool"]["should"] if "doc_number" in c.get("term", {})]
    assert exact == [{"value": "聊政办发〔2021〕5号", "boost": 50.0}]


def test_facets_ignore_their_own_filter_only():
    params = SearchParams.build(
        q="教育", filters={"org": [3], "type": ["document"]}, date_from=datetime.date(2025, 1, 1)
    )
    aggs = facet_aggregations(params)
    org_filters = json.dumps(aggs["org"]["filter"])
    assert "organisation.id" not in org_filters and "page_type" in org_filters and "published_date" in org_filters
    year_filters = json.dumps(aggs["year"]["filter"])
    assert "published_date" not in year_filters and "organisation.id" in year_filters
    domain_filters = json.dumps(aggs["domain"]["filter"])
    assert all(f in domain_filters for f in ("organisation.id", "page_type", "published_date"))
    body = build_body(params)
    assert len(body["post_filter"]["bool"]["filter"]) == 3
    # The scored query carries no filter: hits are filtered after the aggregations.
    assert "filter" not in body["query"]["bool"]


def test_corrections_replace_one_character_of_a_missing_bigram():
    entries = [
        {"text": "义务", "offset": 0, "length": 2, "options": []},
        {"text": "务效", "offset": 1, "length": 2, "options": []},
        {
            "text": "效育",
            "offset": 2,
            "length": 2,
            "options": [{"text": "教育", "score": 0.5, "freq": 9}, {"text": "效率", "score": 0.5, "freq": 1}],
        },
        {"text": "育招", "offset": 3, "length": 2, "options": [{"text": "招生", "score": 0.1, "freq": 3}]},
    ]
    assert correction_candidates("义务效育招生", entries) == ["义务教育招生", "义务效率招生"]


# -- the URL contract -------------------------------------------------------------------------------


def form(query):
    return SearchForm(QueryDict(query))


def test_a_valid_query_string_becomes_params():
    f = form(
        "q=招生&within=义务教育&within=2026&org=3&org=4&domain=yiwu-jiaoyu&type=document"
        "&from=2025-01-01&to=2025-12-31&sort=date&page=2&care=1&utm_source=x"
    )
    assert f.is_valid(), f.errors
    params = f.params()
    assert params.q == "招生" and params.within == ("义务教育", "2026")
    assert params.values("org") == (3, 4) and params.values("domain") == ("yiwu-jiaoyu",)
    assert (params.date_from, params.date_to) == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert params.sort == "date" and params.page == 2
    assert SearchForm(QueryDict("&".join(f"{k}={v}" for k, v in params.query_items()))).params() == params


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("page=-1", "page", f"页码应为1至{MAX_PAGE}之间的整数"),
        ("page=99999", "page", f"页码应为1至{MAX_PAGE}之间的整数"),
        ("page=abc", "page", f"页码应为1至{MAX_PAGE}之间的整数"),
        ("from=2025-13-01", "from", "“2025-13-01”不是有效的日期"),
        ("from=20250101", "from", "日期应写作YYYY-MM-DD，如2025-01-31"),
        ("from=2025-02-01&to=2025-01-01", "to", "结束日期不能早于开始日期"),
        ("sort=hot", "sort", "只能按相关度（relevance）或发布日期（date）排序"),
        ("org=abc", "org", "“abc”不是有效的编号"),
        ("org=0", "org", "“0”不是有效的编号"),
        (f"q={'字' * (MAX_QUERY_LENGTH + 1)}", "q", f"不能超过{MAX_QUERY_LENGTH}个字（现有{MAX_QUERY_LENGTH + 1}个字）"),
        ("&".join(f"within=w{i}" for i in range(MAX_WITHIN + 1)), "within", f"最多可在结果中搜索{MAX_WITHIN}层"),
    ],
)
def test_the_strict_form_explains_each_bad_value(query, field, message):
    f = form(query)
    assert not f.is_valid()
    assert f.error_dict()[field] == [message]


def test_the_lenient_form_repairs_and_says_so():
    params, notices = form("q=招生&page=-1&from=bad&org=3&org=x&sort=hot").lenient()
    assert params.q == "招生" and params.page == 1 and params.date_from is None
    assert params.values("org") == (3,) and params.sort == "relevance"
    assert len(notices) == 4 and any(n.startswith("页码：") for n in notices)

    params, notices = form("page=99999").lenient()
    assert params.page == MAX_PAGE and notices == [f"页码：页码应为1至{MAX_PAGE}之间的整数，已显示第{MAX_PAGE}页"]

    params, notices = form("from=2025-12-31&to=2025-01-01").lenient()
    assert (params.date_from, params.date_to) == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert "已对调开始与结束日期" in notices[0]

    params, _ = form("q=" + "长" * 300 + "&" + "&".join(f"within=w{i}" for i in range(20))).lenient()
    assert len(params.q) == MAX_QUERY_LENGTH and len(params.within) == MAX_WITHIN


def test_text_is_cleaned_of_invisible_characters():
    assert clean_text("义务\x00教\u200b育\t\n 招生\u3000") == "义务教育 招生"
    params, notices = form("q=%00%01&within=%E2%80%8B&within=").lenient()
    assert params.is_empty() and notices == []


# -- against the node ----------------------------------------------------------------------------------

@pytest.fixture
def corpus(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        corpus = build_corpus(index)
    index.refresh()
    return corpus


def ids(result):
    return [hit.page_id for hit in result.hits]


def search(**kwargs):
    return execute(SearchParams.build(**kwargs))


@pytest.mark.django_db
def test_secondary_search_narrows_at_every_level(corpus):
    docs = corpus.docs
    levels = [
        SearchParams.build(q="教育"),
        SearchParams.build(q="义务教育", within=["教育"]),
        SearchParams.build(q="学校", within=["教育", "义务教育"]),
        SearchParams.build(q="招生", within=["教育", "义务教育", "学校"]),
    ]
    found = [set(ids(execute(p))) for p in levels]
    for wider, narrower in zip(found, found[1:], strict=False):
        assert narrower <= wider
    assert found[0] >= {docs["enrolment"].pk, docs["districts"].pk, docs["fees"].pk, docs["temporary_aid"].pk}
    assert corpus.org_pages["edu"].pk in found[0]  # 测试县教育局
    assert docs["temporary_aid"].pk not in found[1]  # 教育救助, but no 义务教育
    assert found[3] == {docs["enrolment"].pk}
    # The order of levels does not matter: each one is required.
    assert set(ids(search(q="教育", within=["招生", "学校", "义务教育"]))) == found[3]


@pytest.mark.django_db
def test_facet_counts_match_the_hits(corpus):
    result = search(q="通知")
    assert result.total == 4
    facets = {f.name: f for f in result.facets}
    # Every item has exactly one organisation, one type and one year.
    for name in ("org", "type", "year", "domain", "column"):
        assert sum(v.count for v in facets[name].values) == result.total, name
    for facet in result.facets:
        for value in facet.values:
            if facet.name == "year":
                start, end = datetime.date(int(value.value), 1, 1), datetime.date(int(value.value), 12, 31)
                narrowed = search(q="通知", date_from=start, date_to=end)
            else:
                typed = int(value.value) if facet.name in ("org", "column") else value.value
                narrowed = search(q="通知", filters={facet.name: [typed]})
            assert narrowed.total == value.count, (facet.name, value)
            assert len(narrowed.hits) == value.count


@pytest.mark.django_db
def test_facets_reflect_refinements_and_other_filters_but_not_their_own(corpus):
    edu = corpus.education.pk
    refined = search(q="通知", within=["乡镇"])
    assert {f.name: sum(v.count for v in f.values) for f in refined.facets}["org"] == refined.total == 2

    filtered = search(q="通知", filters={"org": [edu]})
    facets = {f.name: f for f in filtered.facets}
    # Its own facet still offers the other organisation, with what choosing it would give.
    org_counts = {v.value: (v.count, v.selected) for v in facets["org"].values}
    assert org_counts == {str(edu): (2, True), str(corpus.civil.pk): (2, False)}
    # The other facets count within the filter.
    assert sum(v.count for v in facets["year"].values) == filtered.total == 2
    assert {v.value for v in facets["domain"].values} == {"yiwu-jiaoyu"}

    both = search(q="通知", filters={"org": [edu, corpus.civil.pk]})
    assert both.total == 4  # values of one facet combine with OR


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        "示政办发〔2025〕12号",
        "示政办发[2025]12号",
        "示政办发【2025】12号",
        "示政办发（2025）12号",
        "示政办发(2025)12号",
        "示政办发（２０２５）１２号",
        "示政办发 〔2025〕 12 号",
        "示政办发〔2025〕第12号",
        "示政办发﹝2025﹞12号",
    ],
)
def test_document_number_finds_the_document_first_in_every_written_form(corpus, typed):
    result = search(q=typed)
    assert ids(result)[0] == corpus.docs["school_bus"].pk
    assert result.hits[0].doc_number == "示政办发〔2025〕12号"


@pytest.mark.django_db
def test_a_different_serial_is_not_ranked_first(corpus):
    result = search(q="示民发〔2025〕2号")
    assert ids(result)[0] == corpus.docs["temporary_aid"].pk
    assert corpus.docs["minimum_living"].pk not in ids(result)[:1]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["yiwujiaoyu", "yiwu jiaoyu", "YiWuJiaoYu", "ywjy"])
def test_pinyin_and_initials_find_yiwu_jiaoyu(corpus, typed):
    found = set(ids(search(q=typed)))
    assert {corpus.docs["enrolment"].pk, corpus.docs["districts"].pk} <= found
    assert corpus.docs["minimum_living"].pk not in found


@pytest.mark.django_db
def test_a_one_character_typo_gets_a_did_you_mean(corpus):
    result = search(q="义务效育")
    assert result.total == 0
    assert result.corrections and result.corrections[0][0] == "义务教育"
    assert result.corrections[0][1] == search(q="义务教育").total

    result = search(q="校车安全管里")
    assert [c for c, _ in result.corrections][:1] == ["校车安全管理"]


@pytest.mark.django_db
def test_drop_hints_count_what_each_removal_finds(corpus):
    edu = corpus.education.pk
    params = SearchParams.build(q="低保", within=["公示"], filters={"org": [edu]}, date_from=datetime.date(2024, 1, 1))
    assert execute(params).total == 0
    hints = {h.label: (h.count, h.params) for h in drop_hints(params, {("org", str(edu)): "测试县教育局"})}
    # Without 低保: 2024年教育收费标准公示; without the organisation: the 低保 公示 of 民政局.
    assert set(hints) == {"关键词“低保”", "发布机构：测试县教育局"}
    assert hints["关键词“低保”"][0] == 1 and hints["关键词“低保”"][1].q == "公示"
    assert hints["发布机构：测试县教育局"] == (1, params.with_filter("org", ()))
    assert execute(hints["关键词“低保”"][1]).total == 1


@pytest.mark.django_db
def test_sorting_by_date_and_by_relevance(corpus):
    by_date = search(q="通知", sort="date")
    dates = [hit.date for hit in by_date.hits]
    assert dates == sorted(dates, reverse=True)
    # Relevance: titles with the phrase come before a body-only match.
    relevant = ids(search(q="义务教育"))
    assert set(relevant[:2]) == {corpus.docs["enrolment"].pk, corpus.docs["districts"].pk}
    assert relevant.index(corpus.docs["fees"].pk) > 1


@pytest.mark.django_db
def test_highlight_is_escaped_html_with_em_tags(corpus, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        from .builders import publish_document

        risky = publish_document(
            corpus.columns["政策文件"], "<script>alert(1)</script>招生简章", "<p>&lt;img src=x onerror=alert(2)&gt; 报名须知</p>"
        )
    index.refresh()
    hit = next(h for h in search(q="招生简章").hits if h.page_id == risky.pk)
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<em>招生简章</em>" in hit.title_html
    # The body did not match: its beginning is shown, escaped all the same.
    assert "<img" not in hit.snippet_html and "&lt;img src=x" in hit.snippet_html
    hit = next(h for h in search(q="报名须知").hits if h.page_id == risky.pk)
    assert "<em>报名须知</em>" in hit.snippet_html and "<img" not in hit.snippet_html


@pytest.mark.django_db
def test_nothing_non_public_is_found(corpus, index, django_capture_on_commit_callbacks):
    column = corpus.columns["政策文件"]
    with django_capture_on_commit_callbacks(execute=True):
        from .builders import publish_document

        withdrawn = publish_document(column, "青龙湖撤回的通知")
        restricted_column = corpus.columns["特困人员救助供养"]
        hidden = publish_document(restricted_column, "青龙湖受限栏目的通知")
        PageViewRestriction.objects.create(page=restricted_column, restriction_type=PageViewRestriction.LOGIN)
        withdrawn.unpublish()
        draft = DocumentPage.objects.get(pk=corpus.docs["fees"].pk)
        draft.title = "青龙湖草稿标题"
        draft.save_revision()
    # Defence in depth: a document that should never have been written stays unseen.
    page = DocumentPage.objects.get(pk=corpus.docs["enrolment"].pk)
    page.title = "青龙湖依申请公开件"
    page.disclosure_attribute = "依申请公开"
    ctx = IndexContext()
    ctx.prepare([page])
    index.client.index(index=index.alias, id="999999", document={**document_for(page, ctx), "page_id": 999999})
    index.refresh()

    assert search(q="青龙湖").total == 0
    assert hidden.pk not in index.ids() and withdrawn.pk not in index.ids()
    assert search(q="依申请公开件").total == 0


def test_every_facet_has_a_parameter():
    form_fields = set(SearchForm().fields)
    assert {f.name for f in FACETS} <= form_fields
