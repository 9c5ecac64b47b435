"""Whatever the public puts in the query string, the search page answers 200
and the API 200 or 400 — never 500 — with Elasticsearch up and down.
Property-based: hypothesis generates the query strings."""

from urllib.parse import urlencode

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .corpus import build_corpus

pytestmark = pytest.mark.django_db

PARAMETERS = ["q", "within", "org", "domain", "column", "type", "doctype", "topic", "validity", "from", "to", "sort", "page"]

# Text as a browser can send it: any code point but lone surrogates (which no
# URL encoding can carry), control characters and NUL included.
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
long_text = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=5), st.integers(50, 2000))
special = st.sampled_from(
    [
        "",
        " ",
        "-1",
        "0",
        "99999",
        "1e3",
        "１２",
        "9" * 40,
        "2025-02-30",
        "2025-13-01",
        "0000-00-00",
        "9999-12-31",
        "2025/01/01",
        "relevance",
        "date",
        "*:*",
        'title:"x" OR 1=1 --',
        "<script>alert(1)</script>",
        "%00",
        "\x00\x01\x7f",
        "示政办发〔2025〕12号",
        "[2025]",
        "yiwujiaoyu",
        "\u202e\u200b",
        "\\",
        "{\"query\": {\"match_all\": {}}}",
        "no-such-domain",
        "987654321",
    ]
)
values = st.one_of(special, any_text, long_text)
pairs = st.lists(st.tuples(st.one_of(st.sampled_from(PARAMETERS), any_text), values), max_size=12)
# Raw query strings, including broken percent-escapes and separators.
raw_query = st.lists(
    st.sampled_from(list("q=&%;+#?/ab09EF中") + ["%E4", "%ZZ", "%C0%80", "==", "page=", "within=", "from="]), max_size=40
).map("".join)


def check(client, query_string):
    page = client.get(f"/search/?{query_string}")
    assert page.status_code == 200, (query_string, page.status_code)
    assert "站内搜索" in page.content.decode()
    response = client.get(f"/search/api/?{query_string}")
    assert response.status_code in (200, 400), (query_string, response.status_code)
    data = response.json()
    if response.status_code == 200:
        assert isinstance(data["total"], int) and isinstance(data["results"], list)
    else:
        assert data["error"] == "搜索参数有误" and data["errors"]
    suggest = client.get(f"/search/api/suggest/?{query_string}")
    assert suggest.status_code == 200


@pytest.fixture
def corpus(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        corpus = build_corpus(index)
    index.refresh()
    return corpus


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(pairs=pairs)
@example(pairs=[("page", "-1")])
@example(pairs=[("page", "99999")])
@example(pairs=[("from", "2025-02-30"), ("to", "2024-01-01")])
@example(pairs=[("q", "通知"), ("q", "招生"), ("sort", "date"), ("sort", "x")])
@example(pairs=[("within", str(i)) for i in range(50)])
@example(pairs=[("org", "abc"), ("org", "1"), ("column", "-5"), ("type", "x" * 500)])
def test_any_parameters_never_fail(client, corpus, pairs):
    check(client, urlencode(pairs))


@FUZZ
@given(query_string=raw_query)
def test_any_raw_query_string_never_fails(client, corpus, query_string):
    check(client, query_string)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pairs=pairs)
@example(pairs=[("q", "%_\\'\""), ("within", "通知")])
def test_degraded_mode_never_fails_either(client, corpus, pairs):
    with override_settings(ELASTICSEARCH_URL="http://127.0.0.1:9"):
        check(client, urlencode(pairs))
