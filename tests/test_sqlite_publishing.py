"""The embedded SQLite database under parallel publishing: eight editors press
"发布" at the same moment, each in its own server process (as gunicorn workers
would), against one database file. With WAL, a busy timeout and IMMEDIATE
transactions (gkportal.settings) the writers queue: every request publishes,
none answers 500 with "database is locked", and the 索引号 are consecutive.

The PostgreSQL counterpart with row locks is in tests/test_index_number.py."""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from gk_pages.disclosure import parse_index_number
from gk_pages.models import DocumentPage
from tests.conftest import SESSION_PREFIX
from tests.test_disclosure import build_org, draft, form_data

PUBLISHERS = 8
REPO = Path(__file__).resolve().parent.parent


def publish_in_this_process(page_id, ready_file, go_file):
    """Run by each publisher process (`gk shell`): log in, wait for the others, then
    submit the page editor's form with the publish button, as the admin does."""
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(get_user_model().objects.get(username="publisher"))
    page = DocumentPage.objects.get(pk=page_id)
    data = form_data(page, **{"action-publish": "1"})
    Path(ready_file).touch()
    deadline = time.monotonic() + 120
    while not Path(go_file).exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page_id]), data)
    page.refresh_from_db()
    print(json.dumps({"status": response.status_code, "live": page.live, "index_number": page.index_number}))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded database's own locking")
@pytest.mark.django_db(transaction=True)
def test_parallel_publishers_on_sqlite_queue_instead_of_failing(portal, tmp_path):
    county = build_org("测试县教育局", "jyj")
    get_user_model().objects.create_superuser("publisher", password="pw")
    pages = [draft(county.column if n % 2 else county.other_column, title=f"并发发布{n}") for n in range(PUBLISHERS)]
    # The test database lives in memory; the publishers share a file copy of it.
    database = tmp_path / "gk.sqlite3"
    with sqlite3.connect(database) as target:
        connection.ensure_connection()
        connection.connection.backup(target)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "GK_DATA_DIR": str(tmp_path),
        "GK_SEARCH_INDEX_PREFIX": SESSION_PREFIX,
        "DJANGO_SETTINGS_MODULE": "gkportal.settings",
    }
    go_file = tmp_path / "go"
    processes = []
    for page in pages:
        ready_file = tmp_path / f"ready-{page.pk}"
        code = (
            "from tests.test_sqlite_publishing import publish_in_this_process;"
            f"publish_in_this_process({page.pk}, {str(ready_file)!r}, {str(go_file)!r})"
        )
        processes.append(
            (
                ready_file,
                subprocess.Popen(
                    [sys.executable, "-m", "gkportal.cli", "shell", "-c", code],
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    deadline = time.monotonic() + 180
    while not all(ready.exists() for ready, _ in processes) and time.monotonic() < deadline:
        assert all(process.poll() is None for _, process in processes), [p.communicate() for _, p in processes]
        time.sleep(0.05)
    go_file.touch()  # all eight at once

    results = []
    for _, process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))

    assert [r["status"] for r in results] == [302] * PUBLISHERS, results  # the editor's redirect, no 500
    assert all(r["live"] for r in results)
    serials = sorted(parse_index_number(r["index_number"])[2] for r in results)
    assert serials == list(range(1, PUBLISHERS + 1))
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
