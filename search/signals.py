"""Index changes follow page changes.

Every receiver only records the change (search.pending.schedule); the index is
touched after the transaction commits, by a django-tasks task. What is
recorded is "bring this page (and maybe its subtree) in line with the
database", never a copy of the data, so the order in which changes are applied
does not matter.

* published / unpublished: the page; its whole subtree when it has children,
  because descendants carry its title (column, organisation) and lose or
  regain public status with it (column retirement unpublishes the column);
* moved: the subtree (URLs, column, organisation change);
* deleted: the page (Django sends post_delete for each deleted descendant);
* view restriction added, changed or removed: the restricted subtree;
* a policy document published, unpublished, restricted or deleted: the
  interpretations that explain it, whose indexed text names their public
  policies (search.serializers.serialize_interpretation).
"""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from gk_pages.models import DocumentPage, InterpretationPage

from .models import PendingIndexChange
from .pending import schedule

Action = PendingIndexChange.Action


def _page_or_subtree(page):
    return Action.SUBTREE if page.numchild else Action.INDEX


@receiver(page_published)
def page_was_published(sender, instance, **kwargs):
    schedule(instance.pk, _page_or_subtree(instance))


@receiver(page_unpublished)
def page_was_unpublished(sender, instance, **kwargs):
    schedule(instance.pk, _page_or_subtree(instance))


@receiver(post_page_move)
def page_was_moved(sender, instance, **kwargs):
    schedule(instance.pk, Action.SUBTREE)


@receiver(post_delete)
def page_was_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        schedule(instance.pk, Action.DELETE)


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def view_restriction_changed(sender, instance, **kwargs):
    schedule(instance.page_id, Action.SUBTREE)


# -- interpretations follow their policies ----------------------------------------------------

_Links = InterpretationPage.policies.through


def _schedule_interpretations(links):
    for interpretation_id in links.values_list("interpretationpage_id", flat=True).distinct():
        schedule(interpretation_id, Action.INDEX)


@receiver(page_published)
@receiver(page_unpublished)
def policy_was_published_or_unpublished(sender, instance, **kwargs):
    if isinstance(instance, DocumentPage):
        _schedule_interpretations(_Links.objects.filter(documentpage_id=instance.pk))


@receiver(pre_delete, sender=DocumentPage)
def policy_will_be_deleted(sender, instance, **kwargs):
    # The links go with the document (without signals of their own): read them first.
    _schedule_interpretations(_Links.objects.filter(documentpage_id=instance.pk))


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def policies_restriction_changed(sender, instance, **kwargs):
    path = Page.objects.filter(pk=instance.page_id).values_list("path", flat=True).first()
    if path is not None:
        _schedule_interpretations(_Links.objects.filter(documentpage__path__startswith=path))
