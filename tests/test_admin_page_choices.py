"""The page editor's page fields — 替代文件, 解读的政策, the 清理结果 items, StreamField
page choosers — accept only pages the user may choose (gk_pages.admin_scope:
ScopedPageChoicesMixin, limit_page_choices), refuse any other id with 请选择有效的页面
without naming it, and show a value saved earlier outside the user's scope by its
published title or as （无权查看的页面）.

The world is tests.test_admin_isolation's: A's editor works in 甲镇; 乙镇 has a
draft document whose titles carry SECRET."""

import json

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.widgets import AdminPageChooser
from wagtail.blocks import BlockField
from wagtail.blocks.base import get_error_json_data
from wagtail.models import GroupPagePermission
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from gk_pages.admin_scope import HIDDEN_PAGE_TITLE, INVALID_PAGE_MESSAGE, PageScope, limit_page_choices
from gk_pages.models import CleanupResultItem, CleanupResultPage, DocumentPage, InterpretationPage, NormativeLibraryPage
from tests.test_admin_isolation import OWN, SECRET, build_world, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(portal):
    return build_world()


def text(response):
    return response.content.decode()


def refused(response):
    """The form came back with the field's error, and without B's titles."""
    assert response.status_code == 200
    body = text(response)
    assert SECRET not in body
    assert INVALID_PAGE_MESSAGE in body
    return body


def document_data(**values):
    if values.get("replaced_by"):
        # A document with a replacement is no longer valid as it stands (DisclosureMixin.clean).
        values = {"validity": "已修改", "change_reason": "已被新文件修改", **values}
    return {
        "title": "甲镇关于调整招生范围的通知",
        "slug": "tongzhi",
        "body": rich_text("<p>正文。</p>"),
        "published_date": "2026-03-02",
        "disclosure_attribute": "主动公开",
        "validity": "有效",
        "tags": "",
        **values,
    }


def interpretation_data(**values):
    return {**document_data(title="甲镇招生政策解读", slug="jiedu"), "form": "文字解读", **values}


def latest(page):
    """The page as its newest revision has it (drafts included)."""
    return type(page).objects.get(pk=page.pk).get_latest_revision_as_object()


def publish(page):
    page.get_latest_revision().publish()
    return type(page).objects.get(pk=page.pk)


@pytest.fixture
def public_b(world):
    """A live document of 乙镇 (public, choosable by anyone) whose next version, a
    draft, has a title nobody outside 乙镇 may read."""
    page = publish(draft(world.col_b, "乙镇公开文件", "public-b", owner=world.editor_b))
    page.title = f"乙镇公开文件修改稿{SECRET}6"
    page.save_revision(user=world.editor_b)
    return DocumentPage.objects.get(pk=page.pk)


# -- 替代文件 (DisclosureMixin.replaced_by) ---------------------------------------------------------


def test_replaced_by_refuses_another_organisations_draft_on_create_and_edit(client, world):
    client.force_login(world.editor_a)
    add_url = reverse("wagtailadmin_pages:add", args=("gk_pages", "documentpage", world.col_a.pk))
    refused(client.post(add_url, document_data(replaced_by=world.doc.pk)))
    assert not DocumentPage.objects.filter(slug="tongzhi").exists()

    edit_url = reverse("wagtailadmin_pages:edit", args=(world.own.pk,))
    data = document_data(title=world.own.title, slug=world.own.slug, replaced_by=world.doc.pk)
    refused(client.post(edit_url, data))
    assert latest(world.own).replaced_by_id is None

    # A non-numeric or unknown id is refused alike (never a 500).
    refused(client.post(edit_url, {**data, "replaced_by": "999999"}))
    assert client.post(edit_url, {**data, "replaced_by": "x"}).status_code == 200


def test_replaced_by_saves_an_own_or_a_public_document(client, world, public_b):
    client.force_login(world.editor_a)
    edit_url = reverse("wagtailadmin_pages:edit", args=(world.own.pk,))
    own_other = draft(world.col_a, f"甲镇另一草稿{OWN}", "own-2", owner=world.editor_a)
    for choice in (own_other.pk, public_b.pk):
        response = client.post(edit_url, document_data(title=world.own.title, slug=world.own.slug, replaced_by=choice))
        assert response.status_code == 302, text(response)
        assert latest(world.own).replaced_by_id == choice

    # The public document is shown by its published title, not by 乙镇's draft.
    body = text(client.get(edit_url))
    assert "乙镇公开文件" in body and SECRET not in body


def test_a_saved_value_outside_the_scope_is_shown_without_its_title_and_kept(client, world):
    # Set by someone who may (a superuser, an import): A's editor does not learn the title.
    page = world.own
    page.replaced_by, page.validity = world.doc, "已修改"
    page.save_revision()
    client.force_login(world.editor_a)
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    body = text(client.get(edit_url))
    assert HIDDEN_PAGE_TITLE in body and SECRET not in body

    # Saving the page again keeps it; choosing another page outside the scope is refused.
    data = document_data(title=page.title, slug=page.slug, replaced_by=world.doc.pk, body=rich_text("<p>改</p>"))
    assert client.post(edit_url, data).status_code == 302
    assert latest(page).replaced_by_id == world.doc.pk
    other = draft(world.col_b, f"乙镇另一草稿{SECRET}7", "secret-2", owner=world.editor_b)
    refused(client.post(edit_url, {**data, "replaced_by": other.pk}))


# -- 解读的政策 (InterpretationPage.policies) ----------------------------------------------------------


def test_policies_refuse_another_organisations_draft(client, world, public_b):
    client.force_login(world.editor_a)
    add_url = reverse("wagtailadmin_pages:add", args=("gk_pages", "interpretationpage", world.col_a.pk))
    refused(client.post(add_url, interpretation_data(policies=[str(public_b.pk), str(world.doc.pk)])))
    assert not InterpretationPage.objects.exists()

    # The preview is refused too, and shows nothing of B's draft.
    preview_url = reverse("wagtailadmin_pages:preview_on_add", args=("gk_pages", "interpretationpage", world.col_a.pk))
    assert client.post(preview_url, interpretation_data(policies=[str(world.doc.pk)])).json()["is_valid"] is False
    assert SECRET not in text(client.get(preview_url))

    # 添加解读 with B's draft named in the query string chooses nothing and names nothing.
    body = text(client.get(f"{add_url}?policy={world.doc.pk}"))
    assert SECRET not in body and f'name="policies" value="{world.doc.pk}"' not in body

    # A public policy of B's and A's own draft are fine, each shown by the title A may read.
    response = client.post(add_url, interpretation_data(policies=[str(public_b.pk), str(world.own.pk)]))
    assert response.status_code == 302, text(response)
    page = InterpretationPage.objects.get(slug="jiedu")
    assert {policy.pk for policy in latest(page).policies.all()} == {public_b.pk, world.own.pk}
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    refused(client.post(edit_url, interpretation_data(policies=[str(world.doc.pk)])))
    body = text(client.get(edit_url))
    assert "乙镇公开文件" in body and OWN in body and SECRET not in body


# -- 清理结果 (CleanupResultItem.document / replaced_by, an inline panel) ------------------------------


@pytest.fixture
def cleaner(world, portal):
    """Someone who keeps the 规范性文件库 (its cleanup results) and nothing else."""
    library = NormativeLibraryPage(title="行政规范性文件库", slug="gfxwj", live=False)
    portal.add_child(instance=library)
    library.save_revision().publish()
    group = Group.objects.create(name="规范性文件清理")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for permission in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(group=group, page=library, permission=Permission.objects.get(codename=permission))
    user = get_user_model().objects.create_user("cleaner", password="pw")
    user.groups.add(group)
    return type("Cleaner", (), {"user": user, "library": NormativeLibraryPage.objects.get(pk=library.pk)})


def cleanup_data(items):
    return nested_form_data(
        {
            "title": "关于公布规范性文件清理结果的决定",
            "slug": "qingli",
            "cleanup_date": "2026-06-30",
            "intro": rich_text("<p>经清理，现将结果公布如下。</p>"),
            "items": inline_formset(items),
        }
    )


def test_cleanup_items_refuse_another_organisations_draft(client, world, cleaner):
    normative = publish(draft(world.col_b, "乙镇规范性文件", "normative-b", owner=world.editor_b))
    DocumentPage.objects.filter(pk=normative.pk).update(is_normative=True, doc_number="乙政规〔2026〕1号")
    client.force_login(cleaner.user)
    add_url = reverse("wagtailadmin_pages:add", args=("gk_pages", "cleanupresultpage", cleaner.library.pk))
    for item in (
        {"document": world.doc.pk, "decision": "失效", "replaced_by": "", "note": ""},
        {"document": normative.pk, "decision": "失效", "replaced_by": world.doc.pk, "note": ""},
    ):
        refused(client.post(add_url, cleanup_data([item])))
    assert not CleanupResultPage.objects.exists()

    response = client.post(add_url, cleanup_data([{"document": normative.pk, "decision": "失效", "replaced_by": "", "note": ""}]))
    assert response.status_code == 302, text(response)
    page = CleanupResultPage.objects.get()
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    item_pk = latest(page).items.get().pk
    data = cleanup_data([{"id": item_pk, "document": normative.pk, "decision": "失效", "replaced_by": world.doc.pk, "note": ""}])
    refused(client.post(edit_url, data))

    # Saved earlier by someone who may (here without the checks, as a script could):
    # shown without its title to the cleaner.
    revision = latest(page)
    revision.items.add(CleanupResultItem(document=world.doc, decision="废止", sort_order=1))
    revision.save_revision(clean=False)
    body = text(client.get(edit_url))
    assert HIDDEN_PAGE_TITLE in body and "乙镇规范性文件" in body and SECRET not in body


# -- any page field: a select, a chooser of another kind -----------------------------------------


class LinkedChooser(AdminPageChooser):
    """A panel's own page chooser (a subclass of Wagtail's)."""


class RelatedForm(forms.Form):
    listed = forms.ModelChoiceField(queryset=DocumentPage.objects.all(), required=False)
    chosen = forms.ModelChoiceField(queryset=DocumentPage.objects.all(), required=False, widget=LinkedChooser())


def test_selects_and_other_page_choosers_are_kept_to_the_scope(world, public_b):
    scope = PageScope(world.editor_a)
    form = RelatedForm({"listed": world.doc.pk, "chosen": world.doc.pk})
    limit_page_choices(form, scope)
    assert set(form.errors) == {"listed", "chosen"}
    assert all(errors == [INVALID_PAGE_MESSAGE] for errors in form.errors.values())
    html = form.as_div()
    assert SECRET not in html and "乙镇公开文件" in html and OWN in html  # the select offers public and own pages
    assert isinstance(form.fields["chosen"].widget, LinkedChooser)

    form = RelatedForm(initial={"listed": world.doc.pk, "chosen": world.doc.pk})
    limit_page_choices(form, scope, keep_initial=True)
    html = form.as_div()
    assert SECRET not in html and html.count(HIDDEN_PAGE_TITLE) == 2


# -- StreamField page choosers ----------------------------------------------------------------------


class LinksForm(forms.Form):
    links = BlockField(
        block=blocks.StreamBlock(
            [
                ("page", blocks.PageChooserBlock(page_type="gk_pages.DocumentPage")),
                ("card", blocks.StructBlock([("target", blocks.PageChooserBlock()), ("label", blocks.CharBlock())])),
                ("list", blocks.ListBlock(blocks.PageChooserBlock(required=False))),
            ]
        )
    )


def in_stream(text, html):
    """Whether `text` is in a StreamField's rendering (its values travel as JSON, \\u-escaped)."""
    return json.dumps(text)[1:-1] in html


def stream_data(block_type, value):
    return nested_form_data({"links": streamfield([(block_type, value)])})


@pytest.mark.parametrize(
    "block_type, posted, stored",
    [
        ("page", lambda pk: pk, lambda pk: pk),
        ("card", lambda pk: {"target": pk, "label": "链接"}, lambda pk: {"target": pk, "label": "链接"}),
        ("list", lambda pk: {"count": 1, "0": {"value": pk, "deleted": "", "order": 0, "id": ""}}, lambda pk: [pk]),
    ],
)
def test_stream_page_choosers_refuse_pages_outside_the_scope(world, public_b, block_type, posted, stored):
    scope = PageScope(world.editor_a)
    form = LinksForm(stream_data(block_type, posted(world.doc.pk)))
    limit_page_choices(form, scope)
    assert not form.is_valid()
    errors = json.dumps(get_error_json_data(form.errors.as_data()["links"][0]), ensure_ascii=False)
    assert INVALID_PAGE_MESSAGE in errors and SECRET not in str(form["links"])

    form = LinksForm(stream_data(block_type, posted(public_b.pk)))
    limit_page_choices(form, scope)
    assert form.is_valid(), form.errors
    html = str(form["links"])
    assert in_stream("乙镇公开文件", html) and SECRET not in html

    # A value saved earlier stays valid and is shown without its title.
    block = LinksForm.base_fields["links"].block
    initial = block.to_python([{"type": block_type, "value": stored(world.doc.pk)}])
    form = LinksForm(initial={"links": initial})
    limit_page_choices(form, scope, keep_initial=True)
    html = str(form["links"])
    assert in_stream(HIDDEN_PAGE_TITLE, html) and SECRET not in html
    form = LinksForm(stream_data(block_type, posted(world.doc.pk)), initial={"links": initial})
    limit_page_choices(form, scope, keep_initial=True)
    assert form.is_valid(), form.errors
    # The block definition every form shares is left as it was.
    assert block.child_blocks["page"].field.queryset.filter(pk=world.doc.pk).exists()


# -- the guard ----------------------------------------------------------------------------------------


def test_page_types_with_page_fields_must_use_the_scoped_form(monkeypatch):
    call_command("check")
    monkeypatch.setattr(DocumentPage, "base_form_class", WagtailAdminPageForm)
    with pytest.raises(SystemCheckError, match="gk_pages.E002"):
        call_command("check")


def test_superusers_choose_anything(client, world):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    edit_url = reverse("wagtailadmin_pages:edit", args=(world.own.pk,))
    data = document_data(title=world.own.title, slug=world.own.slug, replaced_by=world.doc.pk)
    assert client.post(edit_url, data).status_code == 302
    assert SECRET in text(client.get(edit_url))
