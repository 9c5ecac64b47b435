"""Background work of the search app (django-tasks)."""

from django_tasks import task


@task()
def apply_index_changes(change_ids):
    """Apply pending index changes (PendingIndexChange ids) to Elasticsearch.
    Failures stay recorded on the rows for a later replay; this never raises
    for an unreachable cluster."""
    from .pending import process_changes

    return process_changes(change_ids).as_dict()
