"""The Elasticsearch connection (settings.ELASTICSEARCH_URL): one client per
URL, with the timeout of each kind of work, and a circuit breaker.

Timeouts, in seconds (Django settings; the reference site reads them from the
environment of the same name):

* GK_SEARCH_TIMEOUT (default 1.5): a public search. When it runs out the
  visitor gets the database search instead (search.query.run_search).
* GK_SEARCH_INDEX_TIMEOUT (default 5): keeping pages in step after a change
  (search.tasks.apply_index_changes, search.pending.process_changes).
* REQUEST_TIMEOUT, BULK_TIMEOUT: operators' commands (`gk search-index`),
  rebuilds and index creation, which may wait for a busy node.

The breaker (`breaker()`, `guard()`): after a request fails because the node
did not answer (connection refused or reset, timeout, 502/503/504), public
searches and index changes stop contacting it for
GK_SEARCH_BREAKER_COOLDOWN seconds (default 30): searches answer from the
database at once and index changes stay pending. After the cooldown one
request is let through (half-open); if it succeeds the breaker closes, if not
it opens for another cooldown. The state is per process and per URL. An
answer with an error (400, 404 …) proves the node is up and closes it.
"""

import contextlib
import logging
import threading
import time
from functools import lru_cache

from django.conf import settings
from elasticsearch import ApiError, ConnectionTimeout, Elasticsearch
from elasticsearch import ConnectionError as TransportConnectionError

logger = logging.getLogger(__name__)

# Commands' single requests (health, aliases, mappings).
REQUEST_TIMEOUT = 10
# Bulk loads and index creation on a busy node take longer.
BULK_TIMEOUT = 120

DEFAULT_SEARCH_TIMEOUT = 1.5
DEFAULT_INDEX_TIMEOUT = 5.0
DEFAULT_BREAKER_COOLDOWN = 30.0

# Status codes that mean the cluster cannot serve, not that the request was wrong.
UNAVAILABLE_STATUS = frozenset({502, 503, 504})


def search_timeout():
    return float(getattr(settings, "GK_SEARCH_TIMEOUT", DEFAULT_SEARCH_TIMEOUT))


def index_timeout():
    return float(getattr(settings, "GK_SEARCH_INDEX_TIMEOUT", DEFAULT_INDEX_TIMEOUT))


def breaker_cooldown():
    return float(getattr(settings, "GK_SEARCH_BREAKER_COOLDOWN", DEFAULT_BREAKER_COOLDOWN))


@lru_cache(maxsize=8)
def _client(url):
    return Elasticsearch(url, request_timeout=REQUEST_TIMEOUT, max_retries=1, retry_on_timeout=False)


def get_client():
    """The client for settings.ELASTICSEARCH_URL (one per URL and process),
    with the commands' timeout.

    Note: the integ-test-zip node has no root endpoint, so `client.info()` and
    `client.ping()` fail there; use `is_available()` instead."""
    return _client(settings.ELASTICSEARCH_URL)


@lru_cache(maxsize=32)
def _with_timeout(url, timeout):
    # No retries: a second attempt at a node that did not answer doubles the wait.
    return _client(url).options(request_timeout=timeout, max_retries=0)


def search_client():
    """The client for public searches: GK_SEARCH_TIMEOUT, no retries."""
    return _with_timeout(settings.ELASTICSEARCH_URL, search_timeout())


def index_client():
    """The client for index changes after a page change: GK_SEARCH_INDEX_TIMEOUT, no retries."""
    return _with_timeout(settings.ELASTICSEARCH_URL, index_timeout())


def bulk_client():
    """The client for operators' batch work (rebuild, replay): BULK_TIMEOUT."""
    return get_client().options(request_timeout=BULK_TIMEOUT)


def is_available(timeout=2):
    """Whether the cluster answers and has at least yellow health. An explicit
    check: it ignores the breaker (and closes it when the node answers)."""
    try:
        with guard(refuse=False):
            health = get_client().options(request_timeout=timeout + 1).cluster.health(
                wait_for_status="yellow", timeout=f"{timeout}s"
            )
    except Exception:  # noqa: BLE001 — any failure means no
        return False
    return not health.get("timed_out") and health.get("status") in ("yellow", "green")


# -- circuit breaker ------------------------------------------------------------------------


class NodeUnavailable(Exception):
    """The breaker is open: the node failed a moment ago and was not contacted."""


def is_node_failure(exc):
    """Whether `exc` means the node did not answer (as opposed to answering with an error)."""
    if isinstance(exc, (TransportConnectionError, ConnectionTimeout)):
        return True
    return isinstance(exc, ApiError) and exc.meta is not None and exc.meta.status in UNAVAILABLE_STATUS


class CircuitBreaker:
    """closed → (a node failure) → open for `cooldown` seconds → half-open: one
    caller may try; its success closes, its failure opens again."""

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

    def __init__(self, name="", clock=time.monotonic):
        self.name = name
        self.clock = clock
        self._lock = threading.Lock()
        self._open_until = None  # None: closed
        self._probing = False
        self.last_error = ""
        self.refused = 0  # calls answered without contacting the node (for monitoring and tests)
        self.trips = 0

    @property
    def state(self):
        with self._lock:
            if self._open_until is None:
                return self.CLOSED
            if self._probing or self.clock() >= self._open_until:
                return self.HALF_OPEN
            return self.OPEN

    def allow(self):
        """Whether a call may contact the node now; in half-open state only the
        first caller may, and the others are refused until it reports back."""
        with self._lock:
            if self._open_until is None:
                return True
            if not self._probing and self.clock() >= self._open_until:
                self._probing = True
                return True
            self.refused += 1
            return False

    def succeeded(self):
        with self._lock:
            was_open = self._open_until is not None
            self._open_until, self._probing = None, False
        if was_open:
            logger.warning("检索服务已恢复（%s），熔断解除", self.name)

    def failed(self, error, cooldown):
        with self._lock:
            self._open_until = self.clock() + cooldown
            self._probing = False
            self.last_error = error
            self.trips += 1
        logger.warning("检索服务无响应（%s），%g 秒内不再连接：%s", self.name, cooldown, error)

    def released(self):
        """The probe ended without telling whether the node answers (an error of our own)."""
        with self._lock:
            self._probing = False

    def reset(self):
        with self._lock:
            self._open_until, self._probing = None, False
            self.last_error, self.refused, self.trips = "", 0, 0


_breakers = {}
_breakers_lock = threading.Lock()


def breaker(url=None):
    """The breaker of a cluster URL (default settings.ELASTICSEARCH_URL)."""
    url = url or settings.ELASTICSEARCH_URL
    with _breakers_lock:
        if url not in _breakers:
            _breakers[url] = CircuitBreaker(url)
        return _breakers[url]


def reset_breakers():
    with _breakers_lock:
        for item in _breakers.values():
            item.reset()


@contextlib.contextmanager
def guard(*, refuse=True):
    """Run Elasticsearch calls under the breaker: raise NodeUnavailable without
    contacting the node while it is open (unless refuse=False, for operators'
    commands), open it when the node does not answer, close it when it does."""
    current = breaker()
    if not current.allow() and refuse:
        raise NodeUnavailable(f"检索服务暂停连接（熔断中），上次错误：{current.last_error}")
    try:
        yield current
    except Exception as exc:
        if is_node_failure(exc):
            current.failed(f"{type(exc).__name__}: {exc}"[:500], breaker_cooldown())
        elif isinstance(exc, ApiError):
            current.succeeded()
        else:
            current.released()
        raise
    except BaseException:
        current.released()
        raise
    current.succeeded()
