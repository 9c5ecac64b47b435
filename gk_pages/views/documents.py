"""Public document downloads (/documents/…), image renditions (/media/images/…) and,
for development, the other media files.

Wagtail's serve view with the download rule of gk_pages.attachments (its
before_serve_document hook), and the renditions' view with the same rule for images
(gk_pages.images), with cache headers that make HTTP caches ask again on every
request, so that a file withdrawn from the public is not handed out from a cache:
``no-cache`` (store, but revalidate), and ``private`` as well when only staff may
read it. An integrator includes these URLs in place of ``wagtail.documents.urls``
(same names), and `rendition_urlpatterns` at MEDIA_URL.
"""

import posixpath
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.urls import path, re_path
from django.utils._os import safe_join
from django.utils.cache import patch_cache_control
from django.views.static import serve as serve_file
from wagtail.documents import get_document_model
from wagtail.documents.views import serve as wagtail_serve

from ..attachments import ACCESS_ATTRIBUTE, PUBLIC, STAFF
from ..images import ORIGINALS_DIR, RENDITIONS_DIR, check_rendition_access


def _revalidated(response, access):
    if access == STAFF:
        patch_cache_control(response, private=True, no_cache=True)
    elif access == PUBLIC:
        patch_cache_control(response, no_cache=True)
    return response


def serve(request, document_id, document_filename):
    response = wagtail_serve.serve(request, document_id, document_filename)
    return _revalidated(response, getattr(request, ACCESS_ATTRIBUTE, None))


urlpatterns = [
    re_path(r"^(\d+)/(.*)$", serve, name="wagtaildocs_serve"),
    path(
        "authenticate_with_password/<int:restriction_id>/",
        wagtail_serve.authenticate_with_password,
        name="wagtaildocs_authenticate_with_password",
    ),
]


def document_files_dir():
    """Where wagtail.documents stores its files under MEDIA_ROOT."""
    upload_to = get_document_model()._meta.get_field("file").upload_to
    return Path(settings.MEDIA_ROOT, upload_to if isinstance(upload_to, str) and upload_to else "documents")


def _media_target(path):
    """(normalised path, resolved file) of `path` under MEDIA_ROOT: normalised as
    django.views.static.serve normalises it (``..``, doubled slashes), links resolved."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = posixpath.normpath(path).lstrip("/")
    try:
        return path, Path(safe_join(root, path)).resolve()
    except (SuspiciousFileOperation, ValueError) as exc:
        raise Http404("文件不存在。") from exc


def _within(target, folder):
    folder = Path(folder).resolve()
    return target == folder or folder in target.parents


def serve_rendition(request, path):
    """An image rendition (``MEDIA_URL/images/<path>``), to whoever gk_pages.images
    lets see its image; 404 otherwise. In production as in development."""
    root = Path(settings.MEDIA_ROOT).resolve()
    name, target = _media_target(f"{RENDITIONS_DIR}/{path}")
    if not _within(target, root / RENDITIONS_DIR) or name == RENDITIONS_DIR:
        raise Http404("文件不存在。")
    access = check_rendition_access(name, request)
    return _revalidated(serve_file(request, name, document_root=root), access)


# Included at MEDIA_URL by the integrator, in production too (README: the web server
# passes MEDIA_URL/images/ to the application).
rendition_urlpatterns = [path(f"{RENDITIONS_DIR}/<path:path>", serve_rendition, name="gk_image_rendition")]


def serve_media(request, path):
    """MEDIA_ROOT for development, except what goes out only by a rule: document
    files (through `serve`), original images (never: pages show renditions) and
    renditions (through `serve_rendition`)."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path, target = _media_target(path)
    if _within(target, document_files_dir()) or _within(target, root / ORIGINALS_DIR):
        raise Http404("文件不存在。")
    if _within(target, root / RENDITIONS_DIR):
        return serve_rendition(request, target.relative_to((root / RENDITIONS_DIR).resolve()).as_posix())
    return serve_file(request, path, document_root=root)
