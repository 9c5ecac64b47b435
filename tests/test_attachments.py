"""Document downloads (附件): only what a page the public can see links, or staff
who work with it; everyone else gets 404 (gk_pages.attachments)."""

import importlib
import json
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import RequestFactory, override_settings
from django.urls import resolve, reverse
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction

from gk_columns.sync import CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX, EDITOR_GROUP_SUFFIX
from gk_pages.disclosure import DisclosureAttribute, NonDisclosureGround
from gk_pages.importing import FileSource, import_documents
from gk_pages.models import ColumnPage, DocumentPage, OrganisationPage
from gk_pages.views import documents as document_views
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

Document = get_document_model()
User = get_user_model()


# -- building blocks ------------------------------------------------------------------------


def publish_catalogue(name, code):
    org = make_org(name, code=code)
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    filed_catalogue(org, [entry_values(domain, "教育政策", "政策文件"), entry_values(domain, "招生入学", "招生政策")]).publish()
    org_page = OrganisationPage.objects.get(organisation=org)
    columns = list(ColumnPage.objects.filter(entry__catalogue__organisation=org).order_by("entry__order"))
    collection = Collection.get_first_root_node().get_children().get(name=org.name)
    return SimpleNamespace(org=org, org_page=org_page, columns=columns, collection=collection)


@pytest.fixture
def county(portal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return publish_catalogue("测试县教育局", "jyj")


@pytest.fixture
def township(county):
    return publish_catalogue("测试县甲镇人民政府", "jiazhen")


def upload(title, collection=None, text=None, name=None):
    document = Document(title=title, collection=collection or Collection.get_first_root_node())
    document.file.save(name or f"{title}.txt", ContentFile((text or f"{title}的内容").encode()), save=False)
    document.save()
    return document


WITHHELD = {
    "disclosure_attribute": DisclosureAttribute.WITHHELD,
    "non_disclosure_ground": NonDisclosureGround.PROCESS_INFORMATION,
    "non_disclosure_reason": "请示报告属于过程性信息",
}
REDACTED = {
    "disclosure_attribute": DisclosureAttribute.REDACTED,
    "non_disclosure_ground": NonDisclosureGround.PERSONAL_PRIVACY,
    "non_disclosure_reason": "名单中的身份证号码已删除",
    "redaction_confirmed": True,
}


def item(column, title, *, attachments=(), body="", publish=True, **fields):
    """A document in `column` linking `attachments`, published through a revision
    (as an editor's publish) unless `publish` is False."""
    page = DocumentPage(
        title=title,
        slug=f"doc-{DocumentPage.objects.count() + 1}",
        body=body,
        live=False,
        attachments=[("attachment", {"document": d, "title": ""}) for d in attachments],
        **fields,
    )
    column.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return DocumentPage.objects.get(pk=page.pk)


def document_link(document):
    return f'<p>见<a linktype="document" id="{document.pk}">{document.title}</a>。</p>'


def user_in(*groups, username="staff"):
    user = User.objects.create_user(username=username, password="x")
    user.groups.add(*groups)
    return user


def group(org, suffix):
    return Group.objects.get(name=f"{org.name}{suffix}")


# -- the public ----------------------------------------------------------------------------------


def test_attachment_of_a_withheld_item_is_not_served(county, client):
    secret = upload("请示原件", county.collection)
    withheld = item(county.columns[0], "关于招聘考试命题的请示", attachments=[secret], publish=False, **WITHHELD)
    assert not withheld.live

    response = client.get(secret.url)
    assert response.status_code == 404
    # Answered like an id that does not exist: nothing tells the two apart.
    assert client.get(f"/documents/{secret.pk + 1000}/{secret.filename}").status_code == 404


def test_attachment_of_a_public_item_is_served_and_revalidated(county, client):
    notice_file = upload("招生简章", county.collection)
    item(county.columns[1], "2026年招生简章", attachments=[notice_file])

    response = client.get(notice_file.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == "招生简章的内容"
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control and "private" not in cache_control


def test_redacted_item_with_confirmed_redaction_publishes_its_attachment(county, client):
    roll = upload("寄宿生补助名单（删减后）", county.collection)
    item(county.columns[1], "寄宿生生活补助公示", attachments=[roll], **REDACTED)
    assert client.get(roll.url).status_code == 200


def test_rich_text_links_count_like_attachments(county, client):
    linked_publicly = upload("学区划分图")
    linked_by_withheld_only = upload("命题组名单")
    item(county.columns[1], "学区划分方案", body=document_link(linked_publicly))
    item(county.columns[0], "命题工作请示", body=document_link(linked_by_withheld_only), publish=False, **WITHHELD)

    assert client.get(linked_publicly.url).status_code == 200
    assert client.get(linked_by_withheld_only.url).status_code == 404


def test_imported_attachments_follow_their_item(county, client, tmp_path):
    (tmp_path / "附件").mkdir()
    (tmp_path / "附件" / "资助名单.txt").write_text("张*　四年级　500元\n", encoding="utf-8")
    (tmp_path / "附件" / "评委名单.txt").write_text("评委：王某、李某\n", encoding="utf-8")
    lines = [
        {
            "title": "学生资助名单公示",
            "column": "招生政策",
            "published_date": "2024-05-22",
            "attachments": [{"path": "附件/资助名单.txt", "title": "资助名单"}],
        },
        {
            "title": "关于面试评委抽取工作的请示",
            "column": "政策文件",
            "published_date": "2025-03-20",
            "disclosure_attribute": "不予公开",
            "non_disclosure_ground": "过程性信息",
            "non_disclosure_reason": "请示报告属于过程性信息",
            "attachments": [{"path": "附件/评委名单.txt", "title": "评委名单"}],
        },
    ]
    source = tmp_path / "documents.jsonl"
    source.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    result = import_documents(county.org, FileSource(source))
    assert result.ok, result.errors
    public, withheld = (d.page for d in result.documents)
    [public_file] = [block.value["document"] for block in public.attachments]
    [withheld_file] = [block.value["document"] for block in withheld.attachments]

    assert client.get(public_file.url).status_code == 200
    assert client.get(withheld_file.url).status_code == 404


def test_unpublishing_or_withholding_takes_effect_at_once(county, client):
    plan = upload("招生计划表", county.collection)
    page = item(county.columns[1], "2026年招生计划", attachments=[plan])
    assert client.get(plan.url).status_code == 200

    page.unpublish()
    assert client.get(plan.url).status_code == 404

    # Re-evaluated as 不予公开 while unpublished: stays out when someone tries again.
    page = DocumentPage.objects.get(pk=page.pk)
    for field, value in WITHHELD.items():
        setattr(page, field, value)
    page.change_reason = "涉及考务安排"
    page.save_revision()
    assert client.get(plan.url).status_code == 404

    # Back to 主动公开 and published again: served again.
    page = DocumentPage.objects.get(pk=page.pk)
    page.disclosure_attribute = DisclosureAttribute.PROACTIVE
    page.change_reason = "考试结束，转为主动公开"
    page.save_revision().publish()
    assert client.get(plan.url).status_code == 200


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_removed_attachment_stops_at_publication_even_with_a_task_worker(county, client):
    """With a worker backend, Wagtail updates the reference index later; the
    publication itself must already count."""
    first, second = upload("第一版附件", county.collection), upload("第二版附件", county.collection)
    page = item(county.columns[1], "招生政策解答", attachments=[first])
    assert client.get(first.url).status_code == 200

    page.attachments = [("attachment", {"document": second, "title": ""})]
    page.save_revision().publish()
    assert client.get(first.url).status_code == 404
    assert client.get(second.url).status_code == 200


def test_items_the_public_cannot_reach_do_not_publish_their_attachments(county, client):
    restricted_file, hidden_file = upload("内部通讯录"), upload("旧栏目附件")
    restricted = item(county.columns[0], "内部通讯录", attachments=[restricted_file])
    PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.LOGIN)
    item(county.columns[1], "旧栏目信息", attachments=[hidden_file])
    # The column is taken offline by hand, its live item left as it was.
    Page.objects.filter(pk=county.columns[1].pk).update(live=False)

    assert client.get(restricted_file.url).status_code == 404
    assert client.get(hidden_file.url).status_code == 404


def test_collection_view_restrictions_still_apply(county, client):
    restricted = Collection.get_first_root_node().add_child(name="仅限登录")
    CollectionViewRestriction.objects.create(collection=restricted, restriction_type=CollectionViewRestriction.LOGIN)
    public_but_restricted = upload("登录后可见的附件", restricted)
    item(county.columns[1], "登录后可见", attachments=[public_but_restricted])
    nobodys = upload("未公开的附件", restricted)

    response = client.get(public_but_restricted.url)
    assert response.status_code == 302 and "login" in response["Location"]
    # Not a login form for a document nobody outside the staff may see: that would confirm it exists.
    assert client.get(nobodys.url).status_code == 404


def test_a_draft_attachment_of_a_live_item_is_not_public(county, client):
    page = item(county.columns[1], "招生咨询电话", attachments=[upload("旧电话表", county.collection)])
    added = upload("新电话表（待审）", county.collection)
    page.attachments = [("attachment", {"document": added, "title": ""})]
    page.save_revision()  # a draft: the live version still links the old table only
    assert client.get(added.url).status_code == 404


# -- staff -----------------------------------------------------------------------------------------


def test_editors_of_the_organisation_and_superusers_may_download(county, township, client):
    secret = upload("请示原件", county.collection)
    item(county.columns[0], "关于招聘考试命题的请示", attachments=[secret], publish=False, **WITHHELD)

    client.force_login(user_in(group(township.org, EDITOR_GROUP_SUFFIX), username="jiazhen_editor"))
    assert client.get(secret.url).status_code == 404

    client.force_login(user_in(group(county.org, EDITOR_GROUP_SUFFIX), username="jyj_editor"))
    response = client.get(secret.url)
    assert response.status_code == 200 and "private" in response["Cache-Control"]

    client.force_login(User.objects.create_superuser("admin", password="x"))
    assert client.get(secret.url).status_code == 200


def test_editors_of_a_page_linking_it_may_download_from_any_collection(county, township, client):
    secret = upload("请示附件（根目录）")  # not in the organisation's collection
    item(county.columns[0], "关于命题的请示", body=document_link(secret), publish=False, **WITHHELD)

    client.force_login(user_in(group(township.org, EDITOR_GROUP_SUFFIX), username="jiazhen_editor"))
    assert client.get(secret.url).status_code == 404
    client.force_login(user_in(group(county.org, EDITOR_GROUP_SUFFIX), username="jyj_editor"))
    assert client.get(secret.url).status_code == 200


def test_reviewers_read_the_attachments_of_what_they_review(county, township, client):
    editor = user_in(group(county.org, EDITOR_GROUP_SUFFIX), username="jyj_editor")
    reviewer = user_in(group(county.org, CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX), username="jyj_reviewer")
    other_reviewer = user_in(group(township.org, CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX), username="jiazhen_reviewer")
    # A change to a live item adds an attachment and goes to 保密审查.
    page = item(county.columns[1], "招生政策问答", attachments=[upload("问答（一）", county.collection)])
    added = upload("问答（二）", county.collection)
    page.attachments = [("attachment", {"document": added, "title": ""})]
    page.save_revision(user=editor)
    page.get_workflow().start(page, editor)

    client.force_login(other_reviewer)
    assert client.get(added.url).status_code == 404
    client.force_login(reviewer)
    assert client.get(added.url).status_code == 200
    client.logout()
    assert client.get(added.url).status_code == 404


# -- no raw files --------------------------------------------------------------------------------


def test_documents_are_linked_through_the_serve_view(county, settings):
    assert settings.WAGTAILDOCS_SERVE_METHOD == "serve_view"
    document = upload("附件")
    assert document.url == reverse("wagtaildocs_serve", args=[document.pk, document.filename])
    assert document.url.startswith(f"/documents/{document.pk}/")


@pytest.mark.parametrize(
    "path",
    ["documents/{name}", "images/../documents/{name}", "/documents/{name}", "./documents/{name}", "documents", "documents/"],
)
def test_development_media_server_refuses_document_files(county, path):
    document = upload("请示原件", county.collection)
    request = RequestFactory().get("/media/x")
    with pytest.raises(Http404):
        document_views.serve_media(request, path.format(name=document.file.name.split("/", 1)[1]))


def test_development_media_server_serves_other_media(county, settings):
    # Original images and renditions follow the image rule (tests/test_images.py).
    other = settings.MEDIA_ROOT / "theme" / "logo.png"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"png")
    response = document_views.serve_media(RequestFactory().get("/media/theme/logo.png"), "theme/logo.png")
    assert response.status_code == 200


def test_development_urls_send_media_through_the_guarded_view():
    import gkportal.urls

    try:
        with override_settings(DEBUG=True):
            urls = importlib.reload(gkportal.urls)
            assert resolve("/media/documents/a.pdf", urlconf=urls).func is document_views.serve_media
            assert resolve("/media/original_images/a.png", urlconf=urls).func is document_views.serve_media
    finally:
        importlib.reload(gkportal.urls)
