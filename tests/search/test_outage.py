"""A real outage: the test stops the local Elasticsearch node, changes pages
while it is down, starts it again and replays. Named to run after the other
search tests; it leaves the node running."""

import io
import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from gk_pages.models import DocumentPage
from search.client import is_available
from search.indexing import index_status
from search.models import PendingIndexChange

from .builders import build_tree, publish_document

pytestmark = [pytest.mark.django_db, pytest.mark.es_outage]

NODE = Path(__file__).resolve().parents[2] / "search" / "es" / "node.sh"


def node(command):
    result = subprocess.run(["bash", str(NODE), command], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"node.sh {command} 失败：\n{result.stdout}\n{result.stderr}"


@pytest.mark.skipif(
    bool(os.environ.get("ELASTICSEARCH_URL")), reason="ELASTICSEARCH_URL 指向外部集群，本测试只停启本地节点"
)
def test_changes_made_while_the_node_is_down_are_replayed(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tree = build_tree()
        kept = publish_document(tree.columns[0], "停机前发布的通知")
        doomed = publish_document(tree.columns[1], "停机期间撤下的通知")
    assert {kept.pk, doomed.pk} <= index.ids()

    node("stop")
    try:
        assert not is_available(timeout=1)
        with django_capture_on_commit_callbacks(execute=True):
            added = [publish_document(tree.columns[i % 2], f"停机期间发布的公告{i}") for i in range(3)]
            DocumentPage.objects.get(pk=doomed.pk).unpublish()
            moved = DocumentPage.objects.get(pk=kept.pk)
            moved.title = "停机期间修改标题的通知"
            moved.save_revision().publish()
        rows = PendingIndexChange.objects.all()
        assert rows.count() == 5
        assert all(r.attempts >= 1 and r.last_error for r in rows)
    finally:
        node("start")

    assert is_available(timeout=5)
    out = io.StringIO()
    call_command("search_index", "update", stdout=out)
    assert "重放待同步变更 5 条，失败 0 条，剩余 0 条" in out.getvalue()
    assert PendingIndexChange.objects.count() == 0

    ids = index.ids()
    assert {a.pk for a in added} <= ids and doomed.pk not in ids
    assert index.get(kept.pk)["title"] == "停机期间修改标题的通知"
    report = index_status()
    assert report["in_sync"], report
