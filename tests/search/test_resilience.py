"""Resilience against a hung Elasticsearch node (issue "Hardening", finding 12).

A hung node (tests/search/hung.py: a port that accepts and never answers)
costs one timeout; then the circuit breaker sends searches to the database and
keeps index changes pending without contacting it, until the cooldown lets
one request try again. Publishing never waits on the index.

Assertions count connections, never time.
"""

import threading
import uuid

import pytest
from bs4 import BeautifulSoup
from django.db import transaction
from django.test import override_settings
from elasticsearch import ApiError, ConnectionTimeout

from gk_pages.models import DocumentPage
from search import pending
from search.client import CircuitBreaker, NodeUnavailable, breaker, guard
from search.models import PendingIndexChange
from search.views import DEGRADED_NOTICE

from .builders import build_tree, publish_document
from .hung import HungNode

pytestmark = pytest.mark.django_db

SEARCH, API, SUGGEST = "/search/", "/search/api/", "/search/api/suggest/"


@pytest.fixture
def hung():
    node = HungNode()
    yield node
    node.close()


@pytest.fixture
def tree(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_tree()


class Clock:
    """A clock the test moves by hand (the breaker's cooldown without waiting)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def api_error(status):
    class Meta:
        pass

    meta = Meta()
    meta.status = status
    return ApiError(f"status {status}", meta, {})


# -- the breaker -----------------------------------------------------------------------------


def test_breaker_opens_on_a_node_failure_lets_one_probe_through_after_the_cooldown_and_closes_on_success():
    clock = Clock()
    b = CircuitBreaker("test", clock=clock)
    assert b.state == b.CLOSED and b.allow()

    b.failed("ConnectionTimeout", cooldown=30)
    assert b.state == b.OPEN
    assert [b.allow() for _ in range(5)] == [False] * 5 and b.refused == 5

    clock.now += 29.9
    assert not b.allow()
    clock.now += 0.2
    assert b.state == b.HALF_OPEN
    # One caller probes; the others keep answering from the database meanwhile.
    assert [b.allow() for _ in range(3)] == [True, False, False]
    b.failed("ConnectionTimeout", cooldown=30)
    assert b.state == b.OPEN and not b.allow()

    clock.now += 31
    assert b.allow()
    b.succeeded()
    assert b.state == b.CLOSED and all(b.allow() for _ in range(3))


def test_guard_trips_only_when_the_node_does_not_answer(settings):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:1/{uuid.uuid4().hex}"  # a breaker of its own
    current = breaker()
    with pytest.raises(ApiError), guard():
        raise api_error(404)  # an answer: the node is up
    assert current.state == current.CLOSED
    with pytest.raises(ValueError), guard():
        raise ValueError("our own mistake")
    assert current.state == current.CLOSED
    with pytest.raises(ApiError), guard():
        raise api_error(503)
    assert current.state == current.OPEN
    with pytest.raises(NodeUnavailable), guard():
        pytest.fail("the node must not be contacted while the breaker is open")
    # Operators' commands try anyway, and an answer closes the breaker.
    with guard(refuse=False):
        pass
    assert current.state == current.CLOSED
    with pytest.raises(ConnectionTimeout), guard():
        raise ConnectionTimeout("timed out")
    assert current.state == current.OPEN


# -- searching against a hung node ---------------------------------------------------------------


def test_a_hung_node_costs_one_timeout_then_searches_answer_from_the_database_without_contacting_it(
    tree, client, hung, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        publish_document(tree.columns[0], "关于义务教育招生的公告")
    with override_settings(ELASTICSEARCH_URL=hung.url, GK_SEARCH_TIMEOUT=0.2, GK_SEARCH_BREAKER_COOLDOWN=30):
        clock = Clock()
        monkeypatch.setattr(breaker(), "clock", clock)

        first = client.get(API, {"q": "招生"})
        assert first.status_code == 200 and first.json()["degraded"] is True
        assert hung.connections() == 1

        # While the breaker is open: N requests, no connection at all.
        for _ in range(4):
            data = client.get(API, {"q": "公告"}).json()
            assert data["degraded"] is True and [r["title"] for r in data["results"]] == ["关于义务教育招生的公告"]
            html = BeautifulSoup(client.get(SEARCH, {"q": "义务教育"}).content, "html.parser")
            assert html.select_one(".search-degraded").get_text() == DEGRADED_NOTICE
            assert client.get(SUGGEST, {"q": "义务"}).json() == {"suggestions": [], "degraded": True}
        assert hung.connections() == 1
        assert breaker().refused >= 12

        # After the cooldown one request tries the node again (half-open) ...
        clock.now += 31
        assert client.get(API, {"q": "招生"}).json()["degraded"] is True
        assert hung.connections() == 2
        # ... it did not answer: open again, nothing more is sent.
        for _ in range(3):
            assert client.get(API, {"q": "招生"}).json()["degraded"] is True
        assert hung.connections() == 2


def test_the_breaker_closes_when_the_node_answers_again(
    tree, client, index, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        publish_document(tree.columns[0], "关于义务教育招生的公告")
    index.refresh()
    clock = Clock()
    current = breaker()
    monkeypatch.setattr(current, "clock", clock)
    current.failed("ConnectionTimeout: (simulated)", cooldown=30)

    assert client.get(API, {"q": "公告"}).json()["degraded"] is True
    assert current.refused == 1

    clock.now += 31
    data = client.get(API, {"q": "公告"}).json()
    assert data["degraded"] is False and data["total"] == 1
    assert current.state == current.CLOSED
    assert client.get(API, {"q": "公告"}).json()["degraded"] is False


# -- publishing against a hung node ---------------------------------------------------------------


def test_publishing_with_a_hung_node_leaves_pending_rows_and_tries_the_node_once(
    tree, hung, django_capture_on_commit_callbacks
):
    """Inline hand-over (the tests' default): bounded by the index timeout once,
    then by the breaker."""
    with override_settings(ELASTICSEARCH_URL=hung.url, GK_SEARCH_INDEX_TIMEOUT=0.2):
        published = []
        for i in range(4):
            with django_capture_on_commit_callbacks(execute=True):
                published.append(publish_document(tree.columns[0], f"挂起期间发布的公告{i}"))
        assert hung.connections() == 1

    rows = list(PendingIndexChange.objects.order_by("pk"))
    assert [r.page_id for r in rows] == [p.pk for p in published]
    assert all(r.attempts == 1 for r in rows)
    assert rows[0].last_error.startswith("ConnectionTimeout")
    assert all("熔断" in r.last_error and "ConnectionTimeout" in r.last_error for r in rows[1:])


@pytest.mark.django_db(transaction=True)
def test_publishing_hands_the_index_change_to_a_background_thread(
    portal, index, hung, django_capture_on_commit_callbacks, monkeypatch
):
    """With the immediate task backend, the editor's request only records the
    change: the node is contacted by a background thread, after it returned."""
    tree = build_tree()
    gate = threading.Event()
    applied_in = []
    apply = pending.process_changes

    def gated(*args, **kwargs):
        applied_in.append(threading.current_thread())
        if threading.current_thread() is not threading.main_thread():
            assert gate.wait(timeout=60)
        return apply(*args, **kwargs)

    monkeypatch.setattr(pending, "process_changes", gated)
    with override_settings(
        ELASTICSEARCH_URL=hung.url, GK_SEARCH_BACKGROUND_INDEXING=True, GK_SEARCH_INDEX_TIMEOUT=0.2
    ):
        with transaction.atomic():
            doc = publish_document(tree.columns[0], "后台索引的公告")
        # Published and committed; nothing has touched the index yet.
        assert DocumentPage.objects.get(pk=doc.pk).live
        row = PendingIndexChange.objects.get(page_id=doc.pk)
        assert row.attempts == 0
        assert hung.connections() == 0
        assert threading.main_thread() not in applied_in

        gate.set()
        pending.wait_for_background()

    assert applied_in and all(t is not threading.main_thread() for t in applied_in)
    assert hung.connections() == 1
    row.refresh_from_db()
    assert row.attempts == 1 and row.last_error.startswith("ConnectionTimeout")
