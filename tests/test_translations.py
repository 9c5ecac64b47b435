"""Translations follow their source (gk_pages.translations): a translation (wagtail-localize,
the Uyghur pages under /ug/) is public only while its source is. Unpublishing the source
by any path takes its translations offline, with a history entry and their content kept;
a translation cannot be published while its source is not public; the 公开属性 is the
source's. The database fallback search searches the current language only."""

import importlib
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Collection, Locale, PageLogEntry
from wagtail_localize.fields import SynchronizedField, get_translatable_fields
from wagtail_localize.models import StringTranslation, Translation, TranslationSource

from gk_columns.models import Catalogue
from gk_columns.sync import RETIRED_WITH_COLUMN_ACTION
from gk_pages.disclosure import DisclosureAttribute, NonDisclosureGround, PublicationRefused
from gk_pages.models import ColumnPage, DocumentPage, InterpretationPage, OrganisationPage
from gk_pages.translations import SOURCE_ATTRIBUTE_CHANGED, SOURCE_UNPUBLISHED, WITHDRAWN_WITH_SOURCE_ACTION
from search.query import SearchParams, database_search
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

UG = "ئۇيغۇرچە: "
REDACTED = {
    "disclosure_attribute": DisclosureAttribute.REDACTED,
    "non_disclosure_ground": NonDisclosureGround.PERSONAL_PRIVACY,
    "non_disclosure_reason": "名单中的身份证号码已删除",
    "redaction_confirmed": True,
}
ON_REQUEST = {
    "disclosure_attribute": DisclosureAttribute.ON_REQUEST,
    "non_disclosure_ground": NonDisclosureGround.NOT_PROACTIVE_SCOPE,
    "non_disclosure_reason": "不属于主动公开范围",
}


# -- building blocks ------------------------------------------------------------------------


@pytest.fixture
def county(portal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    org = make_org("测试县教育局", code="jyj")
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    catalogue = filed_catalogue(org, [entry_values(domain, "教育政策", "政策文件"), entry_values(domain, "招生入学", "招生政策")])
    catalogue.publish()
    columns = list(ColumnPage.objects.filter(entry__catalogue=catalogue).order_by("entry__order"))
    return SimpleNamespace(org=org, catalogue=catalogue, columns=columns, org_page=OrganisationPage.objects.get(organisation=org))


def item(column, title, *, model=DocumentPage, **fields):
    """A published item with an attachment (shared by its translations)."""
    document = get_document_model().objects.create(
        title=f"{title}附件", file=ContentFile(f"{title}附件内容".encode(), name=f"{title}.txt"),
        collection=Collection.get_first_root_node(),
    )
    page = model(
        title=title,
        slug=f"item-{model.objects.count() + 1}",
        body=f"<p>{title}正文</p>",
        attachments=[("attachment", {"document": document, "title": ""})],
        live=False,
        **fields,
    )
    column.add_child(instance=page)
    page.save_revision().publish()
    return model.objects.get(pk=page.pk)


def translate(page, *, publish=True):
    """The Uyghur translation of `page` with wagtail-localize, every segment translated
    from the source's current version (made, or updated when it exists)."""
    locale, _ = Locale.objects.get_or_create(language_code="ug")
    source, _ = TranslationSource.update_or_create_from_instance(page)
    for segment in source.stringsegment_set.select_related("string", "context"):
        StringTranslation.objects.update_or_create(
            translation_of=segment.string, locale=locale, context=segment.context, defaults={"data": UG + segment.string.data}
        )
    translation, _ = Translation.objects.get_or_create(source=source, target_locale=locale)
    translation.save_target(publish=False)
    target = type(page).objects.get(translation_key=page.translation_key, locale=locale)
    if publish:
        target.get_latest_revision().publish()
    return type(page).objects.get(pk=target.pk)


def fresh(page):
    return type(page).objects.get(pk=page.pk)


def withdrawals(page):
    return list(PageLogEntry.objects.filter(page=page, action=WITHDRAWN_WITH_SOURCE_ACTION).order_by("pk"))


@pytest.fixture
def translated(county, client):
    source = item(county.columns[0], "测试县义务教育招生办法")
    translation = translate(source)
    # Public together: the translation, its place in the Uyghur column, the shared attachment.
    assert translation.live and translation.url.startswith("/ug/")
    assert client.get(translation.url).status_code == 200
    assert translation.title in client.get(translation.get_parent().url).content.decode()
    attachment = source.attachments[0].value["document"]
    assert client.get(attachment.url).status_code == 200
    return SimpleNamespace(source=source, translation=translation, attachment=attachment)


def assert_offline_with_its_source(client, translated, cause=SOURCE_UNPUBLISHED):
    translation = fresh(translated.translation)
    assert not translation.live
    # Content kept: the translated text is still there for the editors.
    assert translation.title == UG + translated.source.title and UG in translation.body
    [entry] = withdrawals(translation)
    assert entry.data["cause"] == cause and entry.data["source"] == translated.source.pk
    assert client.get(translated.translation.url).status_code == 404
    column = translated.translation.get_parent()
    assert translation.title not in client.get(column.url).content.decode()
    assert translation.title not in client.get("/ug/").content.decode()


# -- unpublishing the source, by every path -----------------------------------------------------------


def test_the_editor_unpublishing_the_source_takes_the_translation_offline(translated, client, admin_client):
    response = admin_client.post(reverse("wagtailadmin_pages:unpublish", args=[translated.source.pk]))
    assert response.status_code == 302 and not fresh(translated.source).live
    assert_offline_with_its_source(client, translated)
    # The attachment they shared is no longer public either.
    assert client.get(translated.attachment.url).status_code == 404
    # The history says why, in Chinese.
    history = admin_client.get(reverse("wagtailadmin_pages:history", args=[translated.translation.pk])).content.decode()
    assert "随原文取消发布" in history and f"原文“{translated.source.title}”已取消发布" in history


def test_bulk_unpublish_takes_translations_offline(translated, client, admin_client):
    url = f"/admin/bulk/wagtailcore/page/unpublish/?id={translated.source.pk}&next=/admin/"
    assert admin_client.post(url, {}).status_code == 302
    assert not fresh(translated.source).live
    assert_offline_with_its_source(client, translated)


def test_bulk_unpublish_of_a_column_with_its_items_takes_translations_offline(translated, county, client, admin_client):
    url = f"/admin/bulk/wagtailcore/page/unpublish/?id={county.columns[0].pk}&next=/admin/"
    assert admin_client.post(url, {"include_descendants": "on"}).status_code == 302
    assert not fresh(translated.source).live
    assert not fresh(translated.translation).live
    assert client.get(translated.translation.url).status_code == 404


def test_scheduled_expiry_takes_translations_offline(translated, client):
    DocumentPage.objects.filter(pk=translated.source.pk).update(expire_at=timezone.now() - timezone.timedelta(minutes=1))
    call_command("publish_scheduled")
    assert not fresh(translated.source).live
    assert_offline_with_its_source(client, translated)


def test_a_retired_column_takes_the_translation_offline_for_the_column_s_reason(translated, county, client):
    draft = Catalogue.new_draft(county.org, copy_from=county.catalogue)
    draft.entries.filter(item_l2="政策文件").delete()
    draft.submit()
    draft.file()
    draft.publish()
    translation = fresh(translated.translation)
    assert not fresh(translated.source).live and not translation.live
    # One entry, the column's: the sync took the translation offline before its source.
    offline = PageLogEntry.objects.filter(page=translation, action__in=[RETIRED_WITH_COLUMN_ACTION, WITHDRAWN_WITH_SOURCE_ACTION])
    assert [entry.action for entry in offline] == [RETIRED_WITH_COLUMN_ACTION]
    assert client.get(translated.translation.url).status_code == 404


def test_unpublishing_a_translation_leaves_the_source_and_other_translations(translated, client):
    tibetan = Locale.objects.create(language_code="bo")
    other = DocumentPage.objects.get(pk=translated.source.pk).copy_for_translation(tibetan, copy_parents=True)
    other.save_revision().publish()
    translated.translation.unpublish()
    assert fresh(translated.source).live and fresh(other).live
    assert not withdrawals(other)


# -- publishing a translation: only while its source is public ---------------------------------------


def test_a_translation_cannot_be_published_while_its_source_is_not_live(
    translated, client, admin_client, django_capture_on_commit_callbacks
):
    translated.source.unpublish()
    translation = fresh(translated.translation)

    # Any path that publishes a revision (workflows, bulk, scheduled, the API).
    with pytest.raises(PublicationRefused) as refused:
        translation.get_latest_revision().publish()
    assert f"原文“{translated.source.title}”未发布" in " ".join(refused.value.messages)

    # The translation editor (wagtail-localize) reports it as a validation error.
    localize = Translation.objects.get(target_locale__language_code="ug")
    with pytest.raises(PublicationRefused), django_capture_on_commit_callbacks(execute=True):
        localize.save_target(publish=True)

    # The translation editor's publish button (wagtail-localize takes over a translation's
    # edit view): the reason is shown, nothing is published.
    response = admin_client.post(
        reverse("wagtailadmin_pages:edit", args=[translation.pk]), {"action": "publish"}, follow=True
    )
    assert response.status_code == 200
    assert any("译本只能随原文公开" in str(m.message) for m in response.context["messages"])
    assert not fresh(translation).live

    # Once the source is public again, the translation may follow it.
    translated.source.get_latest_revision().publish()
    fresh(translation).get_latest_revision().publish()
    assert fresh(translation).live
    assert client.get(translation.url).status_code == 200


def test_a_translation_cannot_be_saved_live_past_the_rule(translated):
    """The hard stop of DisclosureMixin.save: no path writes a live translation of an offline source."""
    translated.source.unpublish()
    translation = fresh(translated.translation)
    translation.live = True
    with pytest.raises(PublicationRefused):
        translation.save()
    assert not fresh(translation).live


# -- 公开属性: the source's -------------------------------------------------------------------------


def test_the_translator_cannot_override_the_disclosure_attribute():
    fields = {f.field_name: f for f in get_translatable_fields(DocumentPage)}
    for name in ("disclosure_attribute", "non_disclosure_ground", "redaction_confirmed"):
        assert isinstance(fields[name], SynchronizedField) and not fields[name].overridable, name
    assert not {f.field_name: f for f in get_translatable_fields(InterpretationPage)}["disclosure_attribute"].overridable


def test_a_source_republished_redacted_takes_the_full_text_translation_offline(translated, client):
    source = fresh(translated.source)
    for name, value in REDACTED.items():
        setattr(source, name, value)
    source.body = "<p>删减后的正文</p>"
    source.save_revision().publish()
    assert fresh(source).live and fresh(source).disclosure_attribute == DisclosureAttribute.REDACTED
    assert_offline_with_its_source(client, translated, cause=SOURCE_ATTRIBUTE_CHANGED)

    # Not again until the translation is made from the redacted source: then it carries its 公开属性.
    with pytest.raises(PublicationRefused) as refused:
        fresh(translated.translation).get_latest_revision().publish()
    assert "与原文“删减后公开”不一致" in " ".join(refused.value.messages)
    translation = translate(fresh(source))
    assert translation.live
    assert (translation.disclosure_attribute, translation.redaction_confirmed) == (DisclosureAttribute.REDACTED, True)
    assert "删减后的正文" in translation.body


def test_a_source_turning_non_public_keeps_its_translation_offline_and_passes_on_its_attribute(translated, client):
    # A live item cannot be made 依申请公开: it is unpublished first, and its translation with it.
    source = fresh(translated.source)
    for name, value in ON_REQUEST.items():
        setattr(source, name, value)
    with pytest.raises(PublicationRefused):
        source.save()
    source = fresh(translated.source)
    source.unpublish()
    assert_offline_with_its_source(client, translated)
    for name, value in ON_REQUEST.items():
        setattr(source, name, value)
    source.save_revision()
    source.save()

    # The translation stays offline and, updated from the source, is 依申请公开 too.
    translation = translate(fresh(source), publish=False)
    assert translation.disclosure_attribute == DisclosureAttribute.ON_REQUEST
    with pytest.raises(PublicationRefused) as refused:
        translation.get_latest_revision().publish()
    assert "未发布" in " ".join(refused.value.messages)
    assert not fresh(translation).live


# -- the database fallback search: the current language only ------------------------------------------


def test_database_search_finds_the_current_language_only(translated):
    found = database_search(SearchParams.build(q=translated.source.title))
    assert [hit.page_id for hit in found.hits] == [translated.source.pk]
    assert database_search(SearchParams.build(q=translated.translation.title)).total == 0
    assert database_search(SearchParams.build(q="ئۇيغۇرچە")).total == 0


# -- translations left live before the rule (data migration 0006) ----------------------------------------


def test_the_migration_takes_offline_translations_left_live_by_the_old_rule(county, client):
    from django.apps import apps

    migration = importlib.import_module("gk_pages.migrations.0006_withdraw_translations_of_non_public_sources")
    withdrawn = item(county.columns[0], "已撤回的招生办法")
    stranded = translate(withdrawn)
    public = item(county.columns[0], "现行招生办法")
    kept = translate(public)
    # What unpublishing did before gk_pages.translations: the source alone went offline.
    DocumentPage.objects.filter(pk=withdrawn.pk).update(live=False, live_revision=None)
    assert client.get(stranded.url).status_code == 200

    migration.withdraw_translations_of_non_public_sources(apps, None)
    assert not fresh(stranded).live and client.get(stranded.url).status_code == 404
    [entry] = withdrawals(stranded)
    assert entry.data["source"] == withdrawn.pk and entry.data["cause"] == SOURCE_UNPUBLISHED
    assert fresh(kept).live and not withdrawals(kept)
    # Content kept; running it again changes nothing.
    assert fresh(stranded).title == UG + withdrawn.title
    migration.withdraw_translations_of_non_public_sources(apps, None)
    assert len(withdrawals(stranded)) == 1
