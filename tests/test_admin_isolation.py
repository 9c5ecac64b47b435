"""An editor never learns another organisation's unpublished titles in the admin
(gk_pages.admin_scope): bulk-action confirmations, choosers, searches, reports,
history and workflow views, the admin API, copy and move destinations.

Organisation B has a draft document (two revisions, in its review workflow,
locked), a document and an image in its collection, each titled with a marker;
A's editor walks the admin with B's ids."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection

from gk_columns.sync import EDITOR_GROUP_SUFFIX
from gk_pages.models import ColumnPage, DocumentPage, OrganisationPage
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

SECRET = "SECRETDRAFT"  # in every title of B's that A's editor must not see
OWN = "OWNDRAFT"  # in A's own draft, which A's editor does see


def member(org, username):
    user = get_user_model().objects.create_user(username, password="pw")
    user.groups.add(Group.objects.get(name=f"{org.name}{EDITOR_GROUP_SUFFIX}"))
    return user


def draft(column, title, slug, owner=None):
    page = DocumentPage(
        title=title, slug=slug, body="<p>正文</p>", published_date=datetime.date(2026, 3, 2), live=False, owner=owner
    )
    column.add_child(instance=page)
    page.save_revision(user=owner)
    return DocumentPage.objects.get(pk=page.pk)


@pytest.fixture
def world(portal):
    return build_world()


def build_world():
    """Two organisations, 甲镇 (A) and 乙镇 (B), each with an editor; B's titled things
    carry SECRET. Needs the portal."""
    edu = make_domain("义务教育", code="edu")
    a, b = make_org("甲镇人民政府", code="jiazhen"), make_org("乙镇人民政府", code="yizhen")
    for org in (a, b):
        filed_catalogue(org, [entry_values(edu, "招生", "招生政策")]).publish()
    w = type("World", (), {})()
    w.editor_a, w.editor_b = member(a, "ed_a"), member(b, "ed_b")
    w.col_a = ColumnPage.objects.get(entry__catalogue__organisation=a)
    w.col_b = ColumnPage.objects.get(entry__catalogue__organisation=b)
    w.org_b = OrganisationPage.objects.get(organisation=b)
    w.own = draft(w.col_a, f"甲镇草稿{OWN}", "own", owner=w.editor_a)
    w.doc = draft(w.col_b, f"乙镇草稿{SECRET}1", "secret", owner=w.editor_b)
    w.rev1 = w.doc.latest_revision
    w.doc.title = f"乙镇修改稿{SECRET}2"
    w.rev2 = w.doc.save_revision(user=w.editor_b, log_action=True)
    w.doc = DocumentPage.objects.get(pk=w.doc.pk)
    w.workflow_state = w.doc.get_workflow().start(w.doc, w.editor_b)
    w.doc.locked, w.doc.locked_by, w.doc.locked_at = True, w.editor_b, datetime.datetime.now(datetime.UTC)
    w.doc.save()
    collection_b = Collection.objects.get(name=b.name)
    w.document = get_document_model().objects.create(
        title=f"乙镇附件{SECRET}3", collection=collection_b, file=ContentFile(b"x", name="x.txt")
    )
    w.image = get_image_model().objects.create(
        title=f"乙镇图片{SECRET}4", collection=collection_b, file=get_test_image_file()
    )
    return w


def body(response):
    return b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content


def admin_urls(w):
    doc, col_b, org_b, own = w.doc, w.col_b, w.org_b, w.own
    task_state = w.workflow_state.current_task_state
    return [
        # bulk actions, ids walked and "all children of"
        *(f"/admin/bulk/wagtailcore/page/{action}/?id={doc.pk}" for action in ("delete", "publish", "unpublish", "move")),
        f"/admin/bulk/wagtailcore/page/delete/?id={doc.pk}&id={own.pk}",
        f"/admin/bulk/wagtailcore/page/publish/?id=all&childOf={col_b.pk}",
        f"/admin/bulk/wagtailcore/page/unpublish/?id=all&childOf={org_b.pk}&q=乙镇",
        # dashboard, page chooser (browse, search, chosen, with each permission filter)
        "/admin/",
        "/admin/choose-page/",
        f"/admin/choose-page/{col_b.pk}/",
        f"/admin/choose-page/{doc.pk}/",
        *(f"/admin/choose-page/{col_b.pk}/?user_perms={p}" for p in ("copy_to", "move_to", "bulk_move_to")),
        f"/admin/choose-page/{col_b.pk}/?page_type=gk_pages.documentpage&multiple=1",
        "/admin/choose-page/search/?q=乙镇",
        "/admin/choose-page/search/?q=乙镇&page_type=gk_pages.documentpage",
        f"/admin/choose-page/chosen-multiple/?id={doc.pk}",
        # explorer, search, page views
        "/admin/pages/search/?q=乙镇",
        "/admin/pages/search/results/?q=乙镇",
        f"/admin/pages/{col_b.pk}/",
        f"/admin/pages/{col_b.pk}/results/",
        f"/admin/pages/{org_b.pk}/?q=乙镇",
        *(
            f"/admin/pages/{doc.pk}/{view}"
            for view in (
                "", "edit/", "edit/preview/", "view_draft/", "usage/", "delete/", "unpublish/", "move/", "copy/",
                "privacy/", "revisions/", f"revisions/{w.rev1.pk}/view/", f"revisions/{w.rev1.pk}/revert/",
                f"revisions/compare/{w.rev1.pk}...{w.rev2.pk}/", "revisions/compare/earliest...latest/",
                "workflow_history/", f"workflow_history/detail/{w.workflow_state.pk}/", "history/", "history/results/",
            )
        ),
        f"/admin/pages/{own.pk}/move/{doc.pk}/confirm/",
        f"/admin/pages/{own.pk}/copy/",
        f"/admin/pages/workflow/action/{doc.pk}/approve/{task_state.pk}/",
        f"/admin/pages/workflow/collect_action_data/{doc.pk}/approve/{task_state.pk}/",
        f"/admin/pages/workflow/confirm_cancellation/{doc.pk}/",
        f"/admin/pages/workflow/preview/{doc.pk}/{task_state.task_id}/",
        "/admin/pages/usage/gk_pages/documentpage/",
        # reports, Wagtail's and ours
        *(
            f"/admin/reports/{report}/"
            for report in (
                "locked", "workflow", "workflow_tasks", "site-history", "aging-pages", "page-types-usage",
                "interpretations", "validity", "disclosure-review", f"disclosure-review/{doc.pk}",
                f"interpretations/add/{doc.pk}", "coverage",
            )
        ),
        # documents and images: listings, choosers, views by id
        "/admin/documents/?q=乙镇",
        f"/admin/documents/edit/{w.document.pk}/",
        f"/admin/documents/usage/{w.document.pk}/",
        "/admin/documents/chooser/results/?q=乙镇",
        f"/admin/documents/chooser/chosen/{w.document.pk}/",
        "/admin/images/",
        f"/admin/images/{w.image.pk}/",
        "/admin/images/chooser/results/?q=乙镇",
        f"/admin/images/chooser/chosen/{w.image.pk}/",
        # the admin API
        "/admin/api/main/pages/?search=乙镇",
        f"/admin/api/main/pages/?child_of={col_b.pk}",
        f"/admin/api/main/pages/?descendant_of={org_b.pk}",
        f"/admin/api/main/pages/{doc.pk}/",
        "/admin/api/main/documents/",
        f"/admin/api/main/documents/{w.document.pk}/",
        "/admin/api/main/images/",
        f"/admin/api/main/images/{w.image.pk}/",
        # translations, imports
        f"/admin/localize/submit/page/{doc.pk}/",
        "/admin/localize/reports/translations/",
        f"/admin/documents/import/?column={col_b.pk}",
    ]


def test_editor_never_sees_another_organisations_unpublished_titles(client, world):
    client.force_login(world.editor_a)
    leaks = []
    for url in admin_urls(world):
        response = client.get(url)
        assert response.status_code < 500, url
        if SECRET.encode() in body(response):
            leaks.append(url)
    posts = [
        # a destination outside the scope, for the bulk move and for copying
        (f"/admin/bulk/wagtailcore/page/move/?id={world.own.pk}", {"chooser": world.doc.pk}),
        (f"/admin/bulk/wagtailcore/page/move/?id={world.own.pk}&id={world.doc.pk}", {"chooser": world.col_b.pk}),
        (f"/admin/pages/{world.own.pk}/copy/", {"new_title": "副本", "new_slug": "copy", "new_parent_page": world.doc.pk}),
        (f"/admin/pages/{world.own.pk}/move/", {"new_parent_page": world.doc.pk}),
    ]
    for url, data in posts:
        response = client.post(url, data, follow=True)
        assert response.status_code < 500, url
        if SECRET.encode() in body(response):
            leaks.append(f"POST {url}")
    assert leaks == []


def test_bulk_actions_name_pages_in_scope_and_count_the_others(client, world):
    client.force_login(world.editor_a)
    # Editors under review may not publish: their own draft is refused by name, B's is counted.
    response = client.get(f"/admin/bulk/wagtailcore/page/publish/?id={world.own.pk}&id={world.doc.pk}")
    text = response.content.decode()
    assert OWN in text and SECRET not in text
    assert "无权操作的页面 1 个" in text

    response = client.get(f"/admin/bulk/wagtailcore/page/delete/?id=all&childOf={world.col_b.pk}")
    assert "无权操作的页面 1 个" in response.content.decode()

    # A superuser's scope is the whole tree.
    client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    response = client.get(f"/admin/bulk/wagtailcore/page/delete/?id={world.doc.pk}")
    assert SECRET.encode() in response.content and "无权操作的页面".encode() not in response.content


def test_chooser_offers_own_pages_and_public_pages_by_their_published_title(client, world):
    client.force_login(world.editor_a)
    assert OWN in client.get("/admin/choose-page/search/?q=甲镇").content.decode("unicode_escape")

    # B's live column is public: it can be linked to, by its published title even
    # while B's editor drafts a new one.
    column = world.col_b
    published_title = column.title
    column.title = f"乙镇栏目新名称{SECRET}5"
    column.save_revision(user=world.editor_b)
    listing = client.get(f"/admin/choose-page/{column.get_parent().pk}/").json()["html"]
    assert published_title in listing and SECRET not in listing
    chosen = client.get(f"/admin/choose-page/chosen-multiple/?id={column.pk}&id={world.doc.pk}").json()["result"]
    assert [(row["id"], row["adminTitle"]) for row in chosen] == [(column.pk, published_title)]


def test_scoped_views_must_win_over_wagtails(settings):
    call_command("check", tags=["urls"])  # the reference site includes them first

    class WagtailOnly:
        urlpatterns = [path("admin/", include(wagtailadmin_urls))]

    with override_settings(ROOT_URLCONF=WagtailOnly), pytest.raises(SystemCheckError, match="gk_pages.E001"):
        call_command("check", tags=["urls"])
