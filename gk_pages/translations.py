"""Translations follow their source (wagtail-localize: the Uyghur pages under /ug/ …).

A translation is the same information in another language: it shares its source's
索引号 and attachments, and its 公开属性 is the source's (源头认定 happens once, on
the source). So a translation is public only while its source — the page of the same
translation key in the default locale — is public:

* publishing a translation is refused while its source is not live, not disclosed,
  or of another 公开属性 (`gk_pages.disclosure.translation_source_problem`, part of
  `publication_problems`, so every publish path asks: the editor, the translation
  editor, workflows, bulk and scheduled publishing, `save()` itself);
* unpublishing the source by any path — the editor, bulk unpublish (with or without
  sub-pages), scheduled expiry, deletion, the column sync retiring its column —
  unpublishes its live translations (Wagtail sends page_unpublished for each), content
  kept, each with a history entry naming the source;
* publishing the source with another 公开属性 than a live translation's (主动公开 →
  删减后公开: the translation still renders the full text) unpublishes that
  translation the same way. An editor republishes it after updating it from the
  source, which brings the source's 公开属性 along;
* the translator cannot override the 公开属性: wagtail-localize copies it from the
  source on every update (`DisclosureMixin.override_translatable_fields`).

A live source cannot take a non-public 公开属性 (it must be unpublished first, see
`publication_problems`), so when a source's 公开属性 turns non-public its translations
have already gone offline with it; they take the new 公开属性 at their next update
and cannot be published while the source is not public.
"""

from django.dispatch import receiver
from wagtail.log_actions import log
from wagtail.signals import page_published, page_unpublished

from .disclosure import DisclosureMixin, default_language_code

# The history entry of a translation unpublished because of its source.
WITHDRAWN_WITH_SOURCE_ACTION = "gk.withdrawn_with_source"
SOURCE_UNPUBLISHED = "unpublished"
SOURCE_ATTRIBUTE_CHANGED = "attribute_changed"


def is_translation_source(page):
    """Whether `page` is in the default locale, where translations have their source."""
    return page.locale.language_code == default_language_code()


def live_translations(model, source):
    """The live translations of `source`, a page of `model` (aliases excluded)."""
    return list(
        model._default_manager.filter(translation_key=source.translation_key, live=True, alias_of__isnull=True)
        .exclude(pk=source.pk)
        .order_by("pk")
    )


def withdraw(translation, source, cause):
    """Unpublish `translation` because of `source` (content kept) and say so in its history."""
    translation.unpublish(log_action=False)
    log(
        instance=translation,
        action=WITHDRAWN_WITH_SOURCE_ACTION,
        data={
            "cause": cause,
            "source": source.pk,
            "source_title": source.title,
            "source_attribute": getattr(source, "disclosure_attribute", ""),
        },
    )


@receiver(page_unpublished, dispatch_uid="gk_withdraw_translations_with_source")
def withdraw_translations_of_unpublished_source(sender, instance, **kwargs):
    # `sender` is the specific class; `instance` may be a plain Page (a deletion
    # announces the page row it removes).
    if issubclass(sender, DisclosureMixin) and is_translation_source(instance):
        for translation in live_translations(sender, instance):
            withdraw(translation, instance, SOURCE_UNPUBLISHED)


@receiver(page_published, dispatch_uid="gk_withdraw_translations_of_another_attribute")
def withdraw_translations_of_another_attribute(sender, instance, **kwargs):
    if isinstance(instance, DisclosureMixin) and is_translation_source(instance):
        for translation in live_translations(type(instance), instance):
            if translation.disclosure_attribute != instance.disclosure_attribute:
                withdraw(translation, instance, SOURCE_ATTRIBUTE_CHANGED)
