"""The search page and the JSON API, through Django's test client, against
the real Elasticsearch node (and, for degraded mode, a closed port)."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.test import override_settings
from django.urls import reverse
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import PageViewRestriction

from search.models import HotWord
from search.query import MAX_PAGE, PAGE_SIZE
from search.views import DEGRADED_NOTICE

from .builders import publish_document
from .corpus import build_corpus

pytestmark = pytest.mark.django_db

SEARCH = "/search/"
API = "/search/api/"
CLOSED_PORT = "http://127.0.0.1:9"


@pytest.fixture
def corpus(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        corpus = build_corpus(index)
    index.refresh()
    return corpus


def page(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def hit_titles(html):
    return [a.get_text() for a in html.select(".search-hit__title a")]


def total(html):
    return int(html.select_one(".search-total strong").get_text())


def api(client, **params):
    response = client.get(API, params)
    assert response.status_code == 200, response.content.decode()
    return response.json()


def test_urls_are_named():
    assert reverse("search:search") == SEARCH
    assert reverse("search:search_api") == API


def test_the_header_box_sends_to_the_search_page(client, corpus):
    html = page(client, corpus.org_pages["edu"].url)
    assert html.select_one("header form[role=search]")["action"] == SEARCH


def test_results_page_shows_highlighted_hits_total_facets_and_sorting(client, corpus):
    html = page(client, SEARCH, {"q": "义务教育"})
    assert total(html) == 3
    titles = html.select(".search-hit__title a")
    assert "关于做好2026年义务教育招生工作的通知" in [t.get_text() for t in titles]
    assert any(t.find("em") and t.find("em").get_text() == "义务教育" for t in titles)
    assert html.select_one(".search-hit__snippet em")
    facet_names = [h.get_text() for h in html.select(".search-facet h3")]
    assert facet_names == ["发布机构", "领域", "栏目", "信息类别", "年份", "有效性"] or facet_names[:5] == [
        "发布机构",
        "领域",
        "栏目",
        "信息类别",
        "年份",
    ]
    sort_link = html.select_one(".search-sort a")
    assert sort_link.get_text() == "发布日期" and "sort=date" in sort_link["href"]
    assert "“义务教育”的搜索结果" in html.title.get_text()


def test_search_within_results_adds_the_query_to_within_and_narrows(client, corpus):
    html = page(client, SEARCH, {"q": "教育"})
    first = set(hit_titles(html))
    form = html.select_one("form.search-within")
    assert form.select_one("label").get_text() == "在结果中搜索"
    hidden = [(i["name"], i["value"]) for i in form.select("input[type=hidden]")]
    assert hidden == [("within", "教育")]

    html = page(client, form["action"], {**dict(hidden), "q": "义务教育"})
    second = set(hit_titles(html))
    assert second < first
    hidden = [(i["name"], i["value"]) for i in html.select("form.search-within input[type=hidden]")]
    assert hidden == [("within", "教育"), ("within", "义务教育")]

    response = client.get(SEARCH, {"within": ["教育", "义务教育"], "q": "招生"})
    html = BeautifulSoup(response.content, "html.parser")
    third = set(hit_titles(html))
    assert third < second and third == {"关于做好2026年义务教育招生工作的通知"}
    chain = [li.select_one(".search-chip__text").get_text() for li in html.select(".search-chain li")]
    assert chain == ["教育", "义务教育", "招生"]

    # Removing the middle level widens the result again, keeping the others.
    remove_middle = html.select(".search-chain li")[1].select_one("a")["href"]
    assert parse_qs(urlsplit(remove_middle).query) == {"q": ["招生"], "within": ["教育"]}
    assert set(hit_titles(page(client, remove_middle))) >= third


def test_clicking_a_facet_filters_and_shows_a_removable_chip(client, corpus):
    html = page(client, SEARCH, {"q": "通知"})
    assert total(html) == 4
    org_items = html.select("#facet-org ~ ul li")
    counts = {li.a.get_text(): int(li.select_one(".search-facet__count").contents[0]) for li in org_items}
    assert counts == {"测试县教育局": 2, "测试县民政局": 2}
    link = next(li.a["href"] for li in org_items if li.a.get_text() == "测试县民政局")

    html = page(client, link)
    assert total(html) == 2
    assert set(hit_titles(html)) == {"关于提高城乡最低生活保障标准的通知", "关于开展2025年度临时救助工作的通知"}
    chip = html.select_one(".search-filters .search-chip")
    assert chip.select_one(".search-chip__text").get_text() == "发布机构：测试县民政局"
    selected = html.select_one("#facet-org ~ ul li.is-selected a")
    assert "测试县民政局" in selected.get_text() and selected["aria-current"] == "true"
    # The year facet adds a date range; its chip removes it.
    year = next(li.a["href"] for li in html.select("#facet-year ~ ul li") if li.a.get_text() == "2025年")
    html = page(client, year)
    assert total(html) == 2
    assert "发布日期：2025年" in [c.get_text() for c in html.select(".search-filters .search-chip__text")]
    assert total(page(client, chip.a["href"])) == 4


def test_no_results_page_offers_corrections_drops_and_hot_words(client, corpus):
    HotWord.objects.create(text="低保")  # hot words are staff-approved, never visitors' queries
    html = page(client, SEARCH, {"q": "义务效育"})
    assert "没有找到与“义务效育”相符的结果" in html.select_one(".search-empty__lead").get_text()
    correction = html.select_one(".search-corrections a")
    assert correction.get_text() == "义务教育" and parse_qs(urlsplit(correction["href"]).query) == {"q": ["义务教育"]}
    assert [a.get_text() for a in html.select(".search-hot a")] == ["低保"]

    html = page(client, SEARCH, {"q": "低保", "org": corpus.education.pk})
    drops = html.select(".search-drop li")
    assert len(drops) == 1 and "发布机构：测试县教育局" in drops[0].get_text() and "可找到 2 条" in drops[0].get_text()
    assert total(page(client, drops[0].a["href"])) == 2


def test_queries_are_logged_for_hot_words_on_the_first_page_only(client, corpus):
    for n in range(3):  # three visitors (one visitor counts once a day)
        client.get(SEARCH, {"q": "  Xiaoche  "}, REMOTE_ADDR=f"198.51.100.{n}")
    client.get(SEARCH, {"q": "xiaoche", "page": 2})
    client.get(SEARCH, {"org": corpus.education.pk})
    client.get(API, {"q": "xiaoche"})
    assert {q.query_string: q.hits for q in Query.objects.all()} == {"xiaoche": 3}
    html = page(client, SEARCH)
    # Counted for staff (检索词统计), not shown: the public sees staff-approved hot words only.
    assert [a.get_text() for a in html.select(".search-hot a")] == []
    assert html.select_one(".search-tips")


def test_editors_picks_show_above_the_hits_public_pages_only(client, corpus, index, django_capture_on_commit_callbacks):
    query = Query.get("招生")
    SearchPromotion.objects.create(query=query, page=corpus.docs["districts"], sort_order=0, description="学区一览")
    SearchPromotion.objects.create(
        query=query, external_link_url="https://www.moe.gov.cn/", external_link_text="教育部", sort_order=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        hidden = publish_document(corpus.columns["政策文件"], "内部招生材料")
        PageViewRestriction.objects.create(page=hidden, restriction_type=PageViewRestriction.LOGIN)
    SearchPromotion.objects.create(query=query, page=hidden, sort_order=2)

    html = page(client, SEARCH, {"q": "招生"})
    picks = html.select(".search-promotions li a")
    assert [a.get_text() for a in picks] == ["示例县义务教育学校学区划分方案", "教育部"]
    assert picks[0]["href"] == corpus.docs["districts"].url
    assert "内部招生材料" not in html.get_text()


def test_pagination_and_pages_past_the_end(client, corpus, index, django_capture_on_commit_callbacks):
    column = corpus.columns["政策文件"]
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(PAGE_SIZE + 3):
            publish_document(column, f"安全生产检查情况通报第{n + 1}期", published_date=datetime.date(2025, 1, 1 + n))
    index.refresh()
    html = page(client, SEARCH, {"q": "安全生产检查", "sort": "date"})
    assert total(html) == PAGE_SIZE + 3 and len(hit_titles(html)) == PAGE_SIZE
    assert hit_titles(html)[0] == f"安全生产检查情况通报第{PAGE_SIZE + 3}期"
    second = html.select_one(".pagination a[rel=next]")["href"]
    html = page(client, second)
    assert len(hit_titles(html)) == 3 and html.select_one(".search-hits")["start"] == str(PAGE_SIZE + 1)

    html = page(client, SEARCH, {"q": "安全生产检查", "page": 7})
    assert len(hit_titles(html)) == 3  # the last page
    html = page(client, SEARCH, {"q": "安全生产检查", "page": 99999})
    assert len(hit_titles(html)) == 3
    assert f"已显示第{MAX_PAGE}页" in html.select_one(".search-notice").get_text()
    html = page(client, SEARCH, {"q": "安全生产检查", "page": -1, "from": "2025-02-30"})
    notices = [li.get_text() for li in html.select(".search-notice li")]
    assert len(notices) == 2 and len(hit_titles(html)) == PAGE_SIZE


def test_care_mode_is_kept_in_every_link(client, corpus):
    html = page(client, SEARCH, {"q": "通知", "care": "1"})
    assert "care" in html.body["class"]
    links = [a["href"] for a in html.select(".search-facet a, .search-sort a, .search-chip__remove")]
    assert links and all("care=1" in link for link in links)
    assert html.select_one("form.search-within input[name=care]")["value"] == "1"


def test_api_answers_the_documented_shape(client, corpus):
    data = api(client, q="通知", within="乡镇")
    assert set(data) >= {"total", "results", "facets", "within", "suggestions", "degraded"}
    assert data["total"] == 2 and data["within"] == ["乡镇"] and data["degraded"] is False
    first = data["results"][0]
    assert set(first) >= {"title", "url", "highlight", "date", "doc_number", "index_number", "org", "column", "type"}
    by_title = {r["title"]: r for r in data["results"]}
    enrolment = by_title["关于做好2026年义务教育招生工作的通知"]
    assert enrolment["doc_number"] == "示教发〔2026〕3号" and enrolment["date"] == "2026-03-02"
    assert enrolment["org"] == "测试县教育局" and enrolment["column"] == "招生政策" and enrolment["type"] == "公开信息"
    assert "<em>" in enrolment["highlight"]["title"] and enrolment["url"] == corpus.docs["enrolment"].url
    assert {b["label"]: b["count"] for b in data["facets"]["org"]} == {"测试县教育局": 1, "测试县民政局": 1}
    for name, buckets in data["facets"].items():
        assert all(set(b) >= {"value", "label", "count"} for b in buckets), name

    typo = api(client, q="义务效育")
    assert typo["total"] == 0 and typo["suggestions"][0]["text"] == "义务教育"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"page": "-1"}, "page"),
        ({"page": "99999"}, "page"),
        ({"from": "2025-1-1"}, "from"),
        ({"sort": "random"}, "sort"),
        ({"org": "<script>"}, "org"),
        ({"q": "长" * 500}, "q"),
        ({"within": [f"层{i}" for i in range(20)]}, "within"),
    ],
)
def test_api_rejects_bad_parameters_with_chinese_messages(client, corpus, params, field):
    response = client.get(API, params)
    assert response.status_code == 400
    data = response.json()
    assert data["error"] == "搜索参数有误" and list(data["errors"]) == [field]
    message = data["errors"][field][0]
    assert any("\u4e00" <= c <= "\u9fff" for c in message)


def test_unknown_facet_values_give_an_empty_result_not_an_error(client, corpus):
    data = api(client, q="通知", org="987654", domain="no-such-domain")
    assert data["total"] == 0
    # Either filter alone empties the result: only dropping both helps.
    assert [(d["label"], d["count"]) for d in data["drop"]] == [("全部筛选条件", 4)]
    html = page(client, SEARCH, {"q": "通知", "org": "987654"})
    assert "发布机构：987654" in html.select_one(".search-drop").get_text()
    assert "可找到 4 条" in html.select_one(".search-drop").get_text()


def test_suggest_api_completes_titles_by_prefix_and_pinyin(client, corpus):
    def suggest(text):
        response = client.get(reverse("search:search_suggest"), {"q": text})
        return [s["text"] for s in response.json()["suggestions"]]

    # The column and the document whose titles start so.
    assert suggest("特困") == ["特困人员救助供养", "特困人员救助供养工作实施细则"]
    assert suggest("tekun") == suggest("特困")
    assert suggest("低保") == []
    # After a leading 关于…, and by initials.
    assert "关于提高城乡最低生活保障标准的通知" in suggest("提高城乡")
    assert "关于提高城乡最低生活保障标准的通知" in suggest("gytgcx")


# -- degraded mode --------------------------------------------------------------------------------


def test_degraded_mode_answers_from_the_database_and_within_still_narrows(
    client, corpus, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = publish_document(corpus.columns["政策文件"], "义务教育撤回件")
        restricted = publish_document(corpus.columns["招生政策"], "义务教育内部件")
        PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.PASSWORD, password="x")
        withdrawn.unpublish()

    with override_settings(ELASTICSEARCH_URL=CLOSED_PORT):
        html = page(client, SEARCH, {"q": "义务教育"})
        assert html.select_one(".search-degraded").get_text() == DEGRADED_NOTICE
        wide = set(hit_titles(html))
        assert wide >= {"关于做好2026年义务教育招生工作的通知", "示例县义务教育学校学区划分方案", "2024年教育收费标准公示"}
        assert not wide & {"义务教育撤回件", "义务教育内部件"}
        assert not html.select(".search-facets")
        assert "Traceback" not in html.get_text()

        narrow = set(hit_titles(page(client, SEARCH, {"within": "义务教育", "q": "招生"})))
        assert narrow == {"关于做好2026年义务教育招生工作的通知"}
        narrower = set(hit_titles(page(client, SEARCH, {"within": ["义务教育", "招生"], "q": "青龙湖"})))
        assert narrower == set()

        filtered = set(hit_titles(page(client, SEARCH, {"q": "通知", "org": corpus.civil.pk})))
        assert filtered == {"关于提高城乡最低生活保障标准的通知", "关于开展2025年度临时救助工作的通知"}
        by_date = hit_titles(page(client, SEARCH, {"q": "通知", "sort": "date"}))
        assert by_date[0] == "关于做好2026年义务教育招生工作的通知"

        data = api(client, q="招生", within="义务教育")
        assert data["degraded"] is True and data["facets"] == {} and data["notice"] == DEGRADED_NOTICE
        assert [r["title"] for r in data["results"]] == ["关于做好2026年义务教育招生工作的通知"]
        assert "<em>招生</em>" in data["results"][0]["highlight"]["title"]
        assert client.get(reverse("search:search_suggest"), {"q": "特困"}).json() == {
            "suggestions": [],
            "degraded": True,
        }
    # Back to Elasticsearch once it answers.
    assert api(client, q="义务教育")["degraded"] is False


def test_degraded_mode_finds_document_numbers(client, corpus):
    with override_settings(ELASTICSEARCH_URL=CLOSED_PORT):
        titles = hit_titles(page(client, SEARCH, {"q": "示政办发〔2025〕12号"}))
    from .corpus import doc_number_is_a_field

    if doc_number_is_a_field():
        assert titles == ["关于印发《示例县校车安全管理办法》的通知"]
    else:  # only the index knew the number
        assert titles == []
