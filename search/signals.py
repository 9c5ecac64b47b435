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

The facet labels (search.labels) are forgotten when what they are read from
changes: an organisation, domain or topic, an organisation, domain or column
page, a page with children published, unpublished or moved (its subtree may
have become public or not), a view restriction. Nothing else: a document
saved or published leaves them be.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from gk_columns.models import Domain, Organisation
from gk_pages.disclosure import Topic
from gk_pages.models import ColumnPage, DocumentPage, DomainPage, InterpretationPage, OrganisationPage

from . import labels
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


# -- facet labels -------------------------------------------------------------------------------

# What search.labels reads a label from (or checks it against).
LABEL_MODELS = (Organisation, Domain, Topic, OrganisationPage, DomainPage, ColumnPage)


def forget_labels():
    labels.invalidate()
    # Again after the commit: a search between the save and the commit read the old rows.
    transaction.on_commit(labels.invalidate)


def label_source_changed(sender, instance, **kwargs):
    forget_labels()


for _model in LABEL_MODELS:
    post_save.connect(label_source_changed, sender=_model, dispatch_uid=f"search-labels-save-{_model._meta.label}")
    post_delete.connect(label_source_changed, sender=_model, dispatch_uid=f"search-labels-delete-{_model._meta.label}")


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def label_ancestry_changed(sender, instance, **kwargs):
    # A leaf (a document) is the source of no label and the ancestor of none.
    if instance.numchild or isinstance(instance, LABEL_MODELS):
        forget_labels()


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def label_restriction_changed(sender, instance, **kwargs):
    forget_labels()
