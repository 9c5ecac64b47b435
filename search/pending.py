"""Index changes as a durable queue (transactional outbox).

`schedule(page_id, action)` writes a PendingIndexChange row in the caller's
transaction and, once that transaction commits, enqueues the django-tasks task
search.tasks.apply_index_changes for the rows of the transaction. The task
syncs the pages with the index and deletes the rows. When Elasticsearch is
unreachable the rows stay, with attempts and the last error, and are replayed
by `gk search-index update`, by the next successful indexing (rows that failed
before, or are older than BACKLOG_AGE), and at the end of a rebuild.

While a rebuild is loading a new index, applied rows are kept too: the rebuild
replays them after the alias swap, so a change that raced the bulk load is not
overwritten by the older copy the load read.

The editor's request never waits for Elasticsearch. After the commit it only
hands the rows over (`hand_over`): to the django-tasks backend when that is a
queue with workers; when the backend runs tasks immediately (the embedded
default), to a background thread of this process
(GK_SEARCH_BACKGROUND_INDEXING, default on; off, the task runs in the
request, bounded by GK_SEARCH_INDEX_TIMEOUT and the breaker). Applying uses
the short index timeout and the circuit breaker of search.client: while the
breaker is open the rows are marked as failed without contacting the node.
If the process ends before the thread ran, the rows are still there for the
next replay.
"""

import contextlib
import datetime
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from .client import bulk_client, guard, index_client
from .models import PendingIndexChange

logger = logging.getLogger(__name__)

Action = PendingIndexChange.Action
BACKLOG_LIMIT = 500
BACKLOG_AGE = datetime.timedelta(minutes=5)
REBUILD_NOTE = "索引重建中：重建完成后重放"

_local = threading.local()


def _state():
    if not hasattr(_local, "batch"):
        _local.batch = []
        _local.paused = 0
    return _local


@contextlib.contextmanager
def paused():
    """Record no index changes in this thread (bulk loads that end with a rebuild)."""
    state = _state()
    state.paused += 1
    try:
        yield
    finally:
        state.paused -= 1


def schedule(page_id, action):
    """Record that a page's index entry must follow the database, and have it
    applied after the current transaction commits. Returns the row (or None
    when recording is paused)."""
    state = _state()
    if state.paused or page_id is None:
        return None
    row = PendingIndexChange.objects.create(page_id=page_id, action=action)
    # Ids of rows a rollback removed may stay in the batch: processing reads
    # the rows back and ignores missing ones.
    state.batch.append(row.pk)
    # One callback per change, each flushing everything queued so far: if a
    # savepoint rolls back a callback, a later one still carries the batch.
    transaction.on_commit(_flush)
    return row


def _flush():
    state = _state()
    ids, state.batch = state.batch, []
    if ids:
        hand_over(ids)


def _enqueue(ids):
    from .tasks import apply_index_changes

    try:
        apply_index_changes.enqueue(change_ids=ids)
    except Exception:
        # The rows are committed: a later replay applies them.
        logger.exception("无法提交索引任务，变更已保留待重放")


def runs_inline():
    """Whether the django-tasks backend runs the index task in the caller's thread."""
    from django_tasks.backends.immediate import ImmediateBackend

    from .tasks import apply_index_changes

    return isinstance(apply_index_changes.get_backend(), ImmediateBackend)


def background_indexing():
    return bool(getattr(settings, "GK_SEARCH_BACKGROUND_INDEXING", True))


_executor = None
_executor_lock = threading.Lock()


def _background():
    global _executor
    with _executor_lock:
        if _executor is None:
            # One thread: changes are applied in the order they were committed.
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gk-index")
        return _executor


def _run_in_background(ids):
    try:
        _enqueue(ids)
    finally:
        # This thread's own database connections (Django keeps one per thread).
        connections.close_all()


def hand_over(ids):
    """Have these committed rows applied without holding the caller: enqueue the
    task, in a background thread when the task backend would run it inline."""
    if background_indexing() and runs_inline():
        _background().submit(_run_in_background, ids)
    else:
        _enqueue(ids)


def wait_for_background():
    """Block until the changes handed to the background thread so far are applied
    (tests, and commands that read the index after publishing)."""
    with _executor_lock:
        executor = _executor
    if executor is not None:
        executor.submit(lambda: None).result()


@dataclass
class ProcessResult:
    applied: list = field(default_factory=list)  # change ids applied and deleted
    kept: list = field(default_factory=list)  # applied but kept for a running rebuild
    failed: list = field(default_factory=list)  # change ids left for a later replay
    error: str = ""
    indexed: list = field(default_factory=list)
    removed: list = field(default_factory=list)

    def as_dict(self):
        return {
            "applied": len(self.applied),
            "kept": len(self.kept),
            "failed": len(self.failed),
            "error": self.error,
            "indexed": self.indexed,
            "removed": self.removed,
        }


def _page_ids(rows):
    from .indexing import subtree_ids

    ids = []
    for row in rows:
        if row.action == Action.SUBTREE:
            ids.extend(subtree_ids(row.page_id))
        else:
            ids.append(row.page_id)
    return ids


def process_changes(change_ids, *, client=None, backlog=True, refuse=True):
    """Apply these pending rows (ids). Never raises for Elasticsearch trouble:
    failures stay recorded on the rows. With backlog=True, a successful run
    also replays up to BACKLOG_LIMIT older rows.

    Runs under the breaker (search.client.guard) with the index timeout; while
    the breaker is open the rows are marked failed without contacting the node.
    refuse=False (operators' replays) tries the node all the same."""
    from .indexing import sync_pages

    rows = list(PendingIndexChange.objects.filter(pk__in=change_ids).order_by("pk"))
    result = ProcessResult()
    if not rows:
        return result
    ids = [row.pk for row in rows]
    try:
        with guard(refuse=refuse):
            synced = sync_pages(_page_ids(rows), client=client or index_client())
    except Exception as exc:  # noqa: BLE001 — unreachable, timed out, refused, breaker open: keep the rows
        result.failed, result.error = ids, f"{type(exc).__name__}: {exc}"[:2000]
        PendingIndexChange.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1, last_attempt_at=timezone.now(), last_error=result.error
        )
        logger.warning("索引更新失败，%d 条变更已保留待重放：%s", len(ids), result.error)
        return result
    result.indexed, result.removed = synced.indexed, synced.removed
    if synced.rebuilding:
        result.kept = ids
        PendingIndexChange.objects.filter(pk__in=ids).update(last_attempt_at=timezone.now(), last_error=REBUILD_NOTE)
        return result
    PendingIndexChange.objects.filter(pk__in=ids).delete()
    result.applied = ids
    if backlog:
        older = list(
            PendingIndexChange.objects.filter(
                Q(attempts__gt=0) | Q(created_at__lt=timezone.now() - BACKLOG_AGE)
            )
            .exclude(last_error=REBUILD_NOTE)
            .order_by("pk")
            .values_list("pk", flat=True)[:BACKLOG_LIMIT]
        )
        if older:
            replayed = process_changes(older, client=client, backlog=False, refuse=refuse)
            result.applied += replayed.applied
            result.failed += replayed.failed
    return result


def replay_pending(*, client=None, batch_size=BACKLOG_LIMIT):
    """Apply every pending row, oldest first, until none is left or a batch fails.
    An operator's action (`gk search-index update`, the end of a rebuild): it
    contacts the node even while the breaker is open, with the bulk timeout.
    Returns {"applied", "failed", "remaining", "error"}."""
    client = client or bulk_client()
    applied = 0
    last = 0
    error = ""
    failed = 0
    while True:
        ids = list(
            PendingIndexChange.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        last = ids[-1]
        result = process_changes(ids, client=client, backlog=False, refuse=False)
        applied += len(result.applied)
        if result.failed:
            failed += len(result.failed)
            error = result.error
            break
    return {"applied": applied, "failed": failed, "remaining": PendingIndexChange.objects.count(), "error": error}
