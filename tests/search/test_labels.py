"""Facet and filter labels (search.labels): only ever the name of something
public, never a non-public page's title nor the visitor's own text; kept in
Django's cache and forgotten only when what they are read from changes."""

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction

from gk_pages.models import DocumentPage, DomainPage, OrganisationPage
from search import labels
from search.query import UNKNOWN_VALUE, SearchParams, execute
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

from .builders import publish_document
from .corpus import build_corpus

pytestmark = pytest.mark.django_db

SEARCH = "/search/"
API = "/search/api/"
CLOSED_PORT = "http://127.0.0.1:9"
SPAM = "请访问赌博网站xx.com"


@pytest.fixture(autouse=True)
def empty_cache():
    # Ids come back after a rolled-back test (SQLite reuses them): no label an earlier test cached.
    cache.clear()


@pytest.fixture
def corpus(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        corpus = build_corpus(index)
    index.refresh()
    return corpus


def api_text(client, **params):
    response = client.get(API, params)
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode(), response.json()


def html(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


# -- what may not be named ---------------------------------------------------------------------------


def withheld_draft(corpus):
    page = DocumentPage(
        title="关于某绝密事项的内部请示（不予公开）",
        slug="withheld-draft",
        live=False,
        disclosure_attribute="不予公开",
        non_disclosure_ground="国家秘密",
        non_disclosure_reason="依法确定为国家秘密",
    )
    corpus.columns["政策文件"].add_child(instance=page)
    return page.pk, page.title


def retired_column(corpus):
    column = corpus.columns["特困人员救助供养"]
    column.unpublish()
    column.refresh_from_db()
    column.retired = True
    column.save(update_fields=["retired"], clean=False)
    return column.pk, column.title


def restricted_column(corpus):
    column = corpus.columns["招生政策"]
    PageViewRestriction.objects.create(page=column, restriction_type=PageViewRestriction.LOGIN)
    return column.pk, column.title


def column_under_a_restricted_organisation(corpus):
    PageViewRestriction.objects.create(
        page=corpus.org_pages["mz"], restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    column = corpus.columns["最低生活保障"]
    return column.pk, column.title


def column_under_an_unpublished_domain_page(corpus):
    column = corpus.columns["政策文件"]
    # The column itself stays live; only its parent is not.
    column.get_parent().specific.unpublish()
    column.refresh_from_db()
    assert column.live
    return column.pk, column.title


@pytest.mark.parametrize(
    "make",
    [
        withheld_draft,
        retired_column,
        restricted_column,
        column_under_a_restricted_organisation,
        column_under_an_unpublished_domain_page,
    ],
)
def test_a_column_filter_never_names_a_page_that_is_not_public(
    client, corpus, index, make, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page_id, title = make(corpus)
    index.refresh()
    for params in ({"column": page_id}, {"q": "通知", "column": page_id}):
        text, data = api_text(client, **params)
        assert title not in text
        selected = [v for v in data["facets"]["column"] if v["selected"]]
        assert selected == [{"value": str(page_id), "label": str(page_id), "count": 0, "selected": True}]
        assert f"栏目：{page_id}" in [d["label"] for d in data["drop"]]

        page = html(client, **params)
        assert title not in page.get_text()
        assert f"栏目：{page_id}" in [c.get_text() for c in page.select(".search-filters .search-chip__text")]
        assert f"栏目：{page_id}" in page.select_one(".search-drop").get_text()


def test_a_non_public_column_answers_exactly_like_one_that_does_not_exist(client, corpus):
    secret_id, _ = withheld_draft(corpus)
    missing_id = Page.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    secret, _ = api_text(client, q="通知", column=secret_id)
    missing, _ = api_text(client, q="通知", column=missing_id)
    assert secret.replace(str(secret_id), "ID") == missing.replace(str(missing_id), "ID")


def hidden_organisation():
    """An organisation whose page (and the domain page under it) exists but is not live."""
    domain = make_domain("内部保密事务", code="neibu-baomi", order=9)
    org = make_org("测试县某保密机构", code="secret-org")
    filed_catalogue(org, [entry_values(domain, "保密工作", "保密制度")]).publish()
    org_page = OrganisationPage.objects.get(organisation=org)
    Page.objects.filter(path__startswith=org_page.path).update(live=False)
    return org, domain


def test_organisations_and_domains_without_a_public_page_are_not_named(client, corpus):
    org, domain = hidden_organisation()
    text, data = api_text(client, q="通知", org=org.pk, domain=domain.code)
    assert org.name not in text and domain.name not in text
    assert [v["label"] for v in data["facets"]["org"] if v["selected"]] == [str(org.pk)]
    assert [v["label"] for v in data["facets"]["domain"] if v["selected"]] == [UNKNOWN_VALUE]
    page = html(client, q="通知", org=org.pk, domain=domain.code)
    chips = [c.get_text() for c in page.select(".search-filters .search-chip__text")]
    assert chips == [f"发布机构：{org.pk}", f"领域：{UNKNOWN_VALUE}"]
    assert org.name not in page.get_text() and domain.name not in page.get_text()

    # Published, they are named as usual (at once: publishing forgets the cached labels).
    for page in (OrganisationPage.objects.get(organisation=org), DomainPage.objects.get(domain=domain)):
        page.save_revision().publish()
    _, data = api_text(client, q="通知", org=org.pk, domain=domain.code)
    assert [v["label"] for v in data["facets"]["org"] if v["selected"]] == [org.name]
    assert [v["label"] for v in data["facets"]["domain"] if v["selected"]] == [domain.name]


def test_free_text_in_a_filter_is_never_echoed(client, corpus):
    params = {"q": "通知", "domain": SPAM, "doctype": SPAM, "topic": SPAM, "validity": SPAM, "type": SPAM}
    text, data = api_text(client, **params)
    for name in ("domain", "doctype", "topic", "validity", "type"):
        assert [v["label"] for v in data["facets"][name] if v["selected"]] == [UNKNOWN_VALUE], name
    assert all(SPAM not in d["label"] for d in data["drop"])
    page = html(client, **params)
    assert SPAM not in page.get_text()
    assert f"领域：{UNKNOWN_VALUE}" in [c.get_text() for c in page.select(".search-filters .search-chip__text")]
    # Known values of the vocabularies keep their names.
    _, data = api_text(client, q="通知", doctype="通知", validity="有效", type="document")
    assert [v["label"] for v in data["facets"]["doctype"] if v["selected"]] == ["通知"]
    assert [v["label"] for v in data["facets"]["validity"] if v["selected"]] == ["有效"]
    assert [v["label"] for v in data["facets"]["type"] if v["selected"]] == ["公开信息"]


def test_free_text_is_not_echoed_in_degraded_mode_either(client, corpus):
    with override_settings(ELASTICSEARCH_URL=CLOSED_PORT):
        page = html(client, q="通知", domain=SPAM, org=corpus.civil.pk)
    chips = [c.get_text() for c in page.select(".search-filters .search-chip__text")]
    assert chips == ["发布机构：测试县民政局", f"领域：{UNKNOWN_VALUE}"]
    assert SPAM not in page.get_text()


def test_an_indexed_value_that_is_no_longer_public_is_not_offered(corpus):
    column = corpus.columns["招生政策"]
    # Restricted without the index hearing of it yet (the change waits for its commit).
    PageViewRestriction.objects.create(page=column, restriction_type=PageViewRestriction.LOGIN)
    result = execute(SearchParams.build(q="义务教育"))
    labels = [v.label for f in result.facets if f.name == "column" for v in f.values]
    assert "招生政策" not in labels and "政策文件" in labels


# -- the cache -----------------------------------------------------------------------------------------


def count_queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        _, data = api_text(client, **params)
    return len(queries), data


def test_labels_live_in_djangos_cache_and_a_document_published_keeps_them(
    client, corpus, django_capture_on_commit_callbacks
):
    params = {"column": corpus.columns["招生政策"].pk, "org": corpus.education.pk}
    cold, data = count_queries(client, params)
    assert [v["label"] for v in data["facets"]["column"] if v["selected"]] == ["招生政策"]
    warm, _ = count_queries(client, params)
    assert warm < cold  # the labels came from the cache

    # Publishing, editing or deleting a document names nothing anew: the labels stay cached.
    with django_capture_on_commit_callbacks(execute=True):
        document = publish_document(corpus.columns["政策文件"], "关于某事项的通知")
        document.title = "关于某事项的补充通知"
        document.save_revision().publish()
        document.delete()
    assert count_queries(client, params)[0] == warm

    # Django's cache is where they are: emptied, they are read again.
    cache.clear()
    again, data = count_queries(client, params)
    assert again > warm
    assert [v["label"] for v in data["facets"]["org"] if v["selected"]] == ["测试县教育局"]


def test_a_renamed_organisation_and_a_retired_column_change_their_labels_at_once(client, corpus):
    column = corpus.columns["特困人员救助供养"]
    params = {"q": "救助", "column": column.pk, "org": corpus.civil.pk}
    _, data = api_text(client, **params)
    assert [v["label"] for v in data["facets"]["column"] if v["selected"]] == ["特困人员救助供养"]

    corpus.civil.name = "测试县民政局（社会救助局）"
    corpus.civil.save()
    retired_column(corpus)
    text, data = api_text(client, **params)
    assert [v["label"] for v in data["facets"]["org"] if v["selected"]] == ["测试县民政局（社会救助局）"]
    assert [v["label"] for v in data["facets"]["column"] if v["selected"]] == [str(column.pk)]


def test_a_view_restriction_on_an_ancestor_forgets_the_labels_below(client, corpus):
    params = {"q": "通知", "column": corpus.columns["最低生活保障"].pk}
    _, data = api_text(client, **params)
    assert [v["label"] for v in data["facets"]["column"] if v["selected"]] == ["最低生活保障"]
    column_under_a_restricted_organisation(corpus)
    text, data = api_text(client, **params)
    assert "最低生活保障" not in [v["label"] for v in data["facets"]["column"]]


class BrokenCache:
    """A cache server that does not answer."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache server down")

        return fail


def test_a_failing_cache_costs_queries_not_answers(client, corpus, monkeypatch):
    monkeypatch.setattr(labels, "label_cache", BrokenCache)
    _, data = api_text(client, q="通知", org=corpus.civil.pk)
    assert [v["label"] for v in data["facets"]["org"] if v["selected"]] == ["测试县民政局"]
    corpus.civil.name = "测试县民政局（改）"
    corpus.civil.save()  # forgetting the labels fails quietly; the save goes through
    _, data = api_text(client, q="通知", org=corpus.civil.pk)
    assert [v["label"] for v in data["facets"]["org"] if v["selected"]] == ["测试县民政局（改）"]
