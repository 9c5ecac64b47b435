"""Take offline the translations left live while their source is not public.

Before gk_pages.translations, unpublishing an item (or retiring its column through
an older path) left its translations (the Uyghur pages under /ug/) live, with the
attachments they share with the source downloadable. From now on a translation goes
offline with its source; this does the same for those already left behind: each live
translation whose source (the page of its translation key in the default locale) is
not live or not disclosed is unpublished as Wagtail unpublishes (content kept, aliases
with it, pending schedules cancelled), with the same history entry as
gk_pages.translations writes. Run `gk search-index update` afterwards to drop them
from the index at once (searches already show only pages live in the database)."""

import uuid

from django.conf import settings
from django.db import migrations
from django.db.models import Q
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant

ACTION = "gk.withdrawn_with_source"  # gk_pages.translations.WITHDRAWN_WITH_SOURCE_ACTION
PAGE_MODELS = ("DocumentPage", "InterpretationPage")


def withdraw_translations_of_non_public_sources(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Revision = apps.get_model("wagtailcore", "Revision")
    PageLogEntry = apps.get_model("wagtailcore", "PageLogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    default = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    page_type = ContentType.objects.filter(app_label="wagtailcore", model="page").first()
    # One action: one time and one UUID for all its history entries, as Wagtail groups them.
    now, action_uuid = timezone.now(), uuid.uuid4()

    for name in PAGE_MODELS:
        model = apps.get_model("gk_pages", name)
        sources = model.objects.filter(locale__language_code=default, alias_of__isnull=True)
        public = sources.filter(live=True).filter(
            Q(disclosure_attribute="主动公开") | Q(disclosure_attribute="删减后公开", redaction_confirmed=True)
        )
        stranded = (
            model.objects.filter(live=True, alias_of__isnull=True)
            .exclude(locale__language_code=default)
            .filter(translation_key__in=sources.values("translation_key"))
            .exclude(translation_key__in=public.values("translation_key"))
        )
        content_type = ContentType.objects.filter(app_label="gk_pages", model=name.lower()).first()
        for page in stranded:
            source = sources.filter(translation_key=page.translation_key).values("pk", "title", "disclosure_attribute").first()
            Page.objects.filter(Q(pk=page.pk) | Q(alias_of_id=page.pk)).update(
                live=False, has_unpublished_changes=True, live_revision=None
            )
            if page_type is not None:
                Revision.objects.filter(base_content_type=page_type, object_id=str(page.pk)).update(approved_go_live_at=None)
            PageLogEntry.objects.create(
                page_id=page.pk,
                content_type=content_type,
                label=page.title,
                action=ACTION,
                data={
                    "cause": "unpublished",
                    "source": source["pk"],
                    "source_title": source["title"],
                    "source_attribute": source["disclosure_attribute"],
                },
                timestamp=now,
                uuid=action_uuid,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("gk_pages", "0005_lifecycle_pages"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(withdraw_translations_of_non_public_sources, migrations.RunPython.noop)]
