"""Who may fetch an image file (图片): the rule behind wagtail.images' folders in MEDIA_ROOT.

Images reach the public embedded in pages (rich text), as renditions: ``<img>`` tags
point at ``MEDIA_URL/images/<name>.<filter>.<ext>``. File names derive from the
uploaded file's name, which editors give the way they title things, so a name is no
secret: whoever learns or guesses it must still not get the image of an item the
public may not see (a draft, 依申请公开 / 不予公开, an unpublished or retired item,
one under a view restriction). Hence

* ``original_images/`` (the uploads) is never served by URL, to anyone: pages show
  renditions only (even ``{% image … original %}`` makes one), and the admin shows
  staff renditions too;
* ``images/`` (renditions) is served by `gk_pages.views.documents.serve_rendition`,
  which asks of the rendition's image what gk_pages.attachments asks of a document:
  to anyone while a page the public can see shows it (Wagtail's reference index
  records image embeds like document links), to staff who work with it (its
  collection's permissions, pages linking it they may edit, reviewers on an item
  showing it), to nobody else — 404, as for a file that does not exist.

The rule reads current data on every request (nothing cached), so an item withdrawn
from the public takes its images with it at once; the view tells HTTP caches to ask
again each time. In production the web server must refuse ``original_images/`` and
pass ``images/`` to the application (README, production).
"""

from django.http import Http404
from wagtail.images import get_image_model

from .attachments import PUBLIC, STAFF, is_public, staff_may_download

# The folders wagtail.images stores files in under MEDIA_ROOT (AbstractImage and
# AbstractRendition.get_upload_to name them as constants).
ORIGINALS_DIR = "original_images"
RENDITIONS_DIR = "images"


def rendition_by_name(name):
    """The rendition stored as `name` (relative to MEDIA_ROOT), with its image; or None."""
    Rendition = get_image_model().get_rendition_model()
    return Rendition.objects.filter(file=name).select_related("image").first()


def image_access(image, user):
    """PUBLIC or STAFF when `user` may fetch renditions of `image`; None otherwise."""
    if is_public(image):
        return PUBLIC
    if staff_may_download(user, image):
        return STAFF
    return None


def check_rendition_access(name, request):
    """The access (PUBLIC or STAFF) by which `request` may fetch the rendition file
    `name`; Http404 for a file that is no rendition and for one the user may not see."""
    rendition = rendition_by_name(name)
    access = image_access(rendition.image, request.user) if rendition is not None else None
    if access is None:
        raise Http404("文件不存在或未公开。")
    return access
