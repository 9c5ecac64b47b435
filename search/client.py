"""The Elasticsearch connection, from settings.ELASTICSEARCH_URL."""

from functools import lru_cache

from django.conf import settings
from elasticsearch import Elasticsearch

# Indexing runs after a page is published, in the editor's request when the task
# backend is the immediate one: fail fast rather than hold the request.
REQUEST_TIMEOUT = 10
# Bulk loads and index creation on a busy node take longer.
BULK_TIMEOUT = 120


@lru_cache(maxsize=8)
def _client(url):
    return Elasticsearch(url, request_timeout=REQUEST_TIMEOUT, max_retries=1, retry_on_timeout=False)


def get_client():
    """The client for settings.ELASTICSEARCH_URL (one per URL and process).

    Note: the integ-test-zip node has no root endpoint, so `client.info()` and
    `client.ping()` fail there; use `is_available()` instead."""
    return _client(settings.ELASTICSEARCH_URL)


def is_available(timeout=2):
    """Whether the cluster answers and has at least yellow health."""
    try:
        health = get_client().options(request_timeout=timeout + 1).cluster.health(
            wait_for_status="yellow", timeout=f"{timeout}s"
        )
    except Exception:  # noqa: BLE001 — any failure means no
        return False
    return not health.get("timed_out") and health.get("status") in ("yellow", "green")
