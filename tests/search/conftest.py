"""Fixtures for tests against the real Elasticsearch node.

* `es` (session): the client; FAILS the test when the node does not answer
  (start it with `make es`), never skips.
* `search_index` (module): a fresh alias for the default locale under a prefix
  unique to the module (GK_SEARCH_INDEX_PREFIX is overridden while the module
  runs), deleted afterwards. Returns an IndexProbe.
* `index` (function): the module's IndexProbe, emptied before the test, for
  tests that read what indexing wrote.
* every test starts with the circuit breakers closed (search.client), so that a
  test that made a node fail does not send the next one to degraded mode.

The whole session writes under its own prefix (set at configure time), so
tests never touch the demo's `gk-*` indices.

Indexing runs on transaction commit; inside pytest-django's test transaction
use `django_capture_on_commit_callbacks(execute=True)` around the change.
"""

import itertools

import pytest
from django.conf import settings
from django.test import override_settings
from elasticsearch import helpers

from search import indices
from search.client import get_client, is_available, reset_breakers
from tests.conftest import SESSION_PREFIX

_module_numbers = itertools.count(1)


class IndexProbe:
    """Reads what is in the index, straight from Elasticsearch."""

    def __init__(self, client, prefix, language_code):
        self.client = client
        self.prefix = prefix
        self.language_code = language_code

    @property
    def alias(self):
        return indices.alias_name(self.language_code)

    def refresh(self):
        self.client.indices.refresh(index=self.alias)

    def concrete_indices(self):
        return sorted(self.client.indices.get_alias(index=f"{self.prefix}-*").body)

    def alias_targets(self):
        return sorted(self.client.indices.get_alias(name=self.alias).body)

    def ids(self):
        self.refresh()
        return {
            int(hit["_id"])
            for hit in helpers.scan(self.client, index=self.alias, query={"query": {"match_all": {}}}, _source=False)
        }

    def get(self, page_id):
        """The stored document of a page, or None."""
        response = self.client.options(ignore_status=404).get(index=self.alias, id=str(page_id))
        return response.body.get("_source") if response.body.get("found") else None

    def search(self, query, size=50):
        """Page ids matching an Elasticsearch query dict, best first."""
        self.refresh()
        response = self.client.search(index=self.alias, query=query, size=size, source=False)
        return [int(hit["_id"]) for hit in response["hits"]["hits"]]

    def phrase(self, field, text):
        return self.search({"match_phrase": {field: text}})

    def clear(self):
        self.refresh()
        actions = [
            {"_op_type": "delete", "_index": self.alias, "_id": hit["_id"]}
            for hit in helpers.scan(self.client, index=self.alias, query={"query": {"match_all": {}}}, _source=False)
        ]
        if actions:
            helpers.bulk(self.client, actions, refresh=True)


@pytest.fixture(scope="session")
def es():
    if not is_available(timeout=5):
        pytest.fail(
            f"Elasticsearch 不可用：{settings.ELASTICSEARCH_URL}。搜索测试需要真实节点："
            "先运行 make es（或 bash search/es/node.sh start）。",
            pytrace=False,
        )
    client = get_client()
    yield client
    names = list(client.indices.get_alias(index=f"{SESSION_PREFIX}*", expand_wildcards="all").body)
    for name in names:
        client.indices.delete(index=name, ignore_unavailable=True)


@pytest.fixture(scope="module")
def search_index(es):
    prefix = f"{SESSION_PREFIX}m{next(_module_numbers)}"
    with override_settings(GK_SEARCH_INDEX_PREFIX=prefix):
        probe = IndexProbe(es, prefix, settings.LANGUAGE_CODE)
        indices.ensure_alias(probe.language_code, es)
        yield probe
        indices.drop_prefix(es)


@pytest.fixture
def index(search_index):
    # Page ids come back after a rolled-back test (SQLite reuses them): start empty.
    search_index.clear()
    return search_index


@pytest.fixture(autouse=True)
def closed_breakers():
    reset_breakers()
    yield
    reset_breakers()
