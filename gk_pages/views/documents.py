"""Public document downloads (/documents/…) and, for development, the media files.

Wagtail's serve view with the download rule of gk_pages.attachments (its
before_serve_document hook) and cache headers that make HTTP caches ask again on
every request, so that a document withdrawn from the public is not handed out
from a cache: ``no-cache`` (store, but revalidate), and ``private`` as well when
only staff may read it. An integrator includes these URLs in place of
``wagtail.documents.urls`` (same names).
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


def serve(request, document_id, document_filename):
    response = wagtail_serve.serve(request, document_id, document_filename)
    access = getattr(request, ACCESS_ATTRIBUTE, None)
    if access == STAFF:
        patch_cache_control(response, private=True, no_cache=True)
    elif access == PUBLIC:
        patch_cache_control(response, no_cache=True)
    return response


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


def serve_media(request, path):
    """MEDIA_ROOT for development (images, renditions), except the document files:
    those go out only through `serve`, which applies the download rule. The path is
    normalised as django.views.static.serve normalises it (``..``, doubled
    slashes) and links are resolved before it is compared."""
    root = Path(settings.MEDIA_ROOT).resolve()
    documents = document_files_dir().resolve()
    path = posixpath.normpath(path).lstrip("/")
    try:
        target = Path(safe_join(root, path)).resolve()
    except (SuspiciousFileOperation, ValueError) as exc:
        raise Http404("文件不存在。") from exc
    if target == documents or documents in target.parents:
        raise Http404("文件不存在。")
    return serve_file(request, path, document_root=root)
