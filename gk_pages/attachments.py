"""Who may download a document (附件): the rule behind every file of wagtail.documents.

Document ids are sequential and file names are printed on the pages, so the
download URL (/documents/<id>/<file name>) is no secret. A document is served

* to anyone, while a page the public is shown (gk_pages.shown) links it: a live
  page outside view restrictions and below live pages only, which — if it
  has the disclosure behaviour — is 主动公开 or 删减后公开 with the redaction
  confirmed (DisclosureMixin.is_disclosed). Other live pages (an organisation's
  guide linking a PDF) are public content of their own;
* to staff who work with it: superusers, users who may change or choose it
  (its collection's permissions, or its uploader), users who may edit a page
  linking it, and reviewers while an item linking it in the version under review
  is on their workflow task (保密审查 means reading the attachments);
* to nobody else: they get 404, never 403, which would confirm that the id exists.

Links are read from Wagtail's reference index (ReferenceIndex), which records
every document a page links — attachment blocks, rich-text links, foreign keys —
from the page's row; for a live page Wagtail keeps the row equal to the live
version, so the index holds what the public sees, not a draft. A publication
updates the index at once (`record_published_references`), whatever the task
backend that Wagtail otherwise updates it through.

The rule is applied on every download, from current data (nothing is cached), so
a changed 公开属性, an unpublished item or a retired column takes effect at once;
the response tells HTTP caches to ask again each time (gk_pages.views.documents).
Collection view restrictions (Wagtail's own before_serve_document hook, which runs
after this one) still apply to what this rule lets through.

The functions below take any object the reference index records links to:
gk_pages.images applies the same rule to images (their renditions).
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import receiver
from django.http import Http404
from wagtail.models import Page, ReferenceIndex, WorkflowState
from wagtail.permissions import policy_registry
from wagtail.signals import page_published

from .shown import shown_ids

PUBLIC = "public"
STAFF = "staff"
# Set on the request by the hook for the view that adds the cache headers.
ACCESS_ATTRIBUTE = "gk_document_access"


def linking_page_ids(document):
    """The ids of the pages whose stored row links `document`."""
    page_type = ContentType.objects.get_for_model(Page)
    ids = ReferenceIndex.get_references_to(document).filter(base_content_type=page_type)
    return {int(pk) for pk in ids.values_list("object_id", flat=True)}


def public_pages_linking(document):
    """The pages the public can see that link `document` (specific instances)."""
    ids = linking_page_ids(document)
    if not ids:
        return []
    pages = list(Page.objects.filter(pk__in=ids, live=True).defer_streamfields().specific())
    public = shown_ids(pages)
    return [page for page in pages if page.pk in public]


def is_public(document):
    return bool(public_pages_linking(document))


def staff_may_download(user, document):
    """Whether `user` works with `document` (see the module's docstring)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    policy = policy_registry.get_by_type(type(document))
    if policy.user_has_any_permission_for_instance(user, ["change", "choose"], document):
        return True
    for page in Page.objects.filter(pk__in=linking_page_ids(document)):
        if page.permissions_for_user(user).can_edit():
            return True
    return reviews_page_linking(user, document)


def reviews_page_linking(user, document):
    """Whether an item on one of `user`'s workflow tasks links `document` in the
    version under review (its latest revision: for a live item, the change under
    review is not in the row the reference index reads)."""
    states = (
        WorkflowState.objects.filter(
            status=WorkflowState.STATUS_IN_PROGRESS,
            base_content_type=ContentType.objects.get_for_model(Page),
            current_task_state__task__groupapprovaltask__groups__in=user.groups.all(),
        )
        .select_related("current_task_state__task")
        .distinct()
    )
    for state in states:
        page = Page.objects.filter(pk=state.object_id).first()
        if page is None:
            continue
        page = page.specific
        if not state.current_task_state.task.specific.user_can_access_editor(page, user):
            continue
        if document_linked_by(page.get_latest_revision_as_object(), document):
            return True
    return False


def document_linked_by(instance, document):
    """Whether `instance` (e.g. a page revision as an object) links `document`.

    Uses the reference index's own extraction, so that this and the index never
    disagree about what a link is (Wagtail names these methods private; they have
    been stable since the index arrived in Wagtail 4.1)."""
    document_type = ReferenceIndex._get_base_content_type(document).pk
    return any(
        content_type == document_type and object_id == str(document.pk)
        for content_type, object_id, *_ in ReferenceIndex._extract_references_from_object(instance)
    )


def check_document_access(document, request):
    """The before_serve_document hook: 404 unless the public or this user may
    download `document`; remembers which on the request."""
    if is_public(document):
        access = PUBLIC
    elif staff_may_download(request.user, document):
        access = STAFF
    else:
        raise Http404("文件不存在或未公开。")
    setattr(request, ACCESS_ATTRIBUTE, access)
    return None


@receiver(page_published, dispatch_uid="gk_record_published_references")
def record_published_references(sender, instance, **kwargs):
    """A publication's links count at once: attachments removed from the live
    version stop being public, new ones become so, even when Wagtail's own index
    update is a task that a worker runs later."""
    if ReferenceIndex.is_indexed(type(instance)):
        with transaction.atomic():
            ReferenceIndex.create_or_update_for_object(instance)
