import uuid

import pytest
from django.conf import settings

from tests.factories import make_portal

# Every test session writes search indices under its own prefix, so a test that
# publishes (and so indexes on commit) never touches the demo's `gk-*` indices.
SESSION_PREFIX = f"gktest{uuid.uuid4().hex[:8]}"


def pytest_configure(config):
    config.addinivalue_line("markers", "es_outage: stops and restarts the real Elasticsearch node")
    settings.GK_SEARCH_INDEX_PREFIX = SESSION_PREFIX


def pytest_unconfigure(config):
    """Drop the session's indices, whichever test created them."""
    from search.client import get_client

    try:
        client = get_client()
        for name in list(client.indices.get_alias(index=f"{SESSION_PREFIX}*", expand_wildcards="all").body):
            client.indices.delete(index=name, ignore_unavailable=True)
    except Exception:  # noqa: BLE001 — the node may be down after an outage test; nothing to clean then
        pass


@pytest.fixture
def portal(db):
    """The 信息公开专栏 home page as the default site's root."""
    return make_portal()
