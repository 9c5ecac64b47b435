"""Wagtail's own admin reports and listings export inertly (gk_pages.views.wagtail_reports,
mounted by gk_pages.admin_urls): a page titled =HYPERLINK(…) by any editor, or a
visitor's search term, is text in the auditor's Excel, never a formula — on the
report's URL and on its results-only URL, in CSV and in xlsx."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.contrib.search_promotions.models import Query

from gk_pages.models import DocumentPage
from tests.test_admin_isolation import build_world, draft
from tests.test_exports import assert_inert_xlsx, csv_rows, streamed, xlsx_cells

pytestmark = pytest.mark.django_db

TITLE = '=HYPERLINK("http://x","y")'
SEARCHED = TITLE.lower()  # Wagtail's Query keeps search terms lower-cased


@pytest.fixture
def hostile(portal):
    """A's editor titles a document TITLE; it is published, then in review and locked,
    and TITLE is also searched for by a visitor and the target of a redirect."""
    world = build_world()
    root = get_user_model().objects.create_superuser("root", password="pw")
    page = draft(world.col_a, TITLE, "hyperlink", owner=world.editor_a)
    page.get_latest_revision().publish(user=root)
    page = DocumentPage.objects.get(pk=page.pk)
    DocumentPage.objects.filter(pk=page.pk).update(last_published_at=timezone.now() - datetime.timedelta(days=400))
    page.save_revision(user=world.editor_a)
    page.get_workflow().start(page, world.editor_a)
    page.locked, page.locked_by, page.locked_at = True, world.editor_a, timezone.now()
    page.save()
    Query.get(SEARCHED).add_hit()
    # A redirect's target as an imported redirect file or a script may write it.
    Redirect.objects.create(old_path="/old-notice", redirect_link=TITLE)
    world.root = root
    return world


# (report URL, who may read it: A's editor or a superuser, the text it exports)
REPORTS = [
    ("/admin/reports/locked/", "root", TITLE),
    ("/admin/reports/aging-pages/", "root", TITLE),
    ("/admin/reports/site-history/", "editor_a", TITLE),
    ("/admin/reports/workflow/", "editor_a", TITLE),
    ("/admin/reports/workflow_tasks/", "editor_a", TITLE),
    ("/admin/searchpicks/reports/search-terms/", "root", SEARCHED),
    ("/admin/redirects/", "root", TITLE),
    ("/admin/search/terms/", "root", SEARCHED),  # 检索词统计 (search.admin_views)
]


@pytest.mark.parametrize("url, reader, text", REPORTS)
def test_wagtail_reports_export_titles_inertly(client, hostile, url, reader, text):
    client.force_login(getattr(hostile, reader))
    for address in (url, f"{url}results/"):
        rows = csv_rows(streamed(client.get(address, {"export": "csv"})).decode())
        cells = [cell for row in rows[1:] for cell in row if text in cell]
        assert cells and set(cells) == {"'" + text}, (address, rows)
        assert_inert_xlsx(xlsx_cells(streamed(client.get(address, {"export": "xlsx"}))), [text])
