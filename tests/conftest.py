import datetime
import io
import uuid

import pytest
from django.conf import settings
from django.test import override_settings

from tests.factories import ensure_wagtail_roots, make_portal

# Every test session writes search indices under its own prefix, so a test that
# publishes (and so indexes on commit) never touches the demo's `gk-*` indices.
SESSION_PREFIX = f"gktest{uuid.uuid4().hex[:8]}"


def pytest_configure(config):
    config.addinivalue_line("markers", "es_outage: stops and restarts the real Elasticsearch node")
    settings.GK_SEARCH_INDEX_PREFIX = SESSION_PREFIX
    # Tests read the index right after a change: apply changes in the test's own
    # thread (tests/search/test_resilience.py switches the background on).
    settings.GK_SEARCH_BACKGROUND_INDEXING = False
    # The test machine is shared and often slow: a search or an update that takes
    # longer than production's short timeouts must not turn into degraded mode
    # here. The tests of the timeouts and the breaker set their own.
    settings.GK_SEARCH_TIMEOUT = 15
    settings.GK_SEARCH_INDEX_TIMEOUT = 30


def pytest_unconfigure(config):
    """Drop the session's indices, whichever test created them."""
    from search.client import get_client

    try:
        client = get_client()
        for name in list(client.indices.get_alias(index=f"{SESSION_PREFIX}*", expand_wildcards="all").body):
            client.indices.delete(index=name, ignore_unavailable=True)
    except Exception:  # noqa: BLE001 — the node may be down after an outage test; nothing to clean then
        pass


def pytest_collection_modifyitems(session, config, items):
    """Run order by what a test does to shared state, not by file name: ordinary
    tests first, then the ones that stop the Elasticsearch node (`es_outage`),
    then the tests reading the demo county, whose committed data would otherwise
    be visible to every later test (and flushed by any transactional one)."""

    def rank(item):
        if "demo_county" in getattr(item, "fixturenames", ()):
            return 2
        if item.get_closest_marker("es_outage"):
            return 1
        return 0

    items.sort(key=rank)  # stable: the order within each group is kept


DEMO_TODAY = datetime.date(2026, 11, 21)


@pytest.fixture(scope="session")
def demo_county(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo county of `gk setup-demo` (as of DEMO_TODAY), built once per session
    and committed: it takes minutes, and five tests read it. Each test still runs
    in its own transaction, so what a test changes is rolled back. Tests using it
    run last (see pytest_collection_modifyitems)."""
    from django.core.management import call_command

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media")):
        ensure_wagtail_roots()  # an earlier transactional test may have flushed them
        call_command("setup_demo", today=DEMO_TODAY, stdout=io.StringIO())
    return DEMO_TODAY


@pytest.fixture
def portal(db):
    """The 信息公开专栏 home page as the default site's root."""
    return make_portal()
