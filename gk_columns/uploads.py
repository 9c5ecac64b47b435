"""Uploaded files kept between an import's preview and its confirmation.

Imports (标准目录 from Excel, 公开信息 from JSONL/ZIP) are checked in a preview
before anything is written, so the upload has to outlive the request that
brought it. It is kept in a private directory outside MEDIA_ROOT: media is
served to the public, and an upload may hold 不予公开 text or a catalogue not
yet published. The directory is settings.GK_PRIVATE_UPLOAD_DIR (default
DATA_DIR/private/imports), created when first needed.

Files get random names; the uploader's session remembers which file belongs to
which pending import (`PendingUploads`), and the file is deleted once the
import is confirmed or cancelled, or the next time the same user uploads after
it has gone stale. What is derived from an upload (the checked preview) can be
kept next to it (`write_sidecar`) and goes with it.
"""

import datetime
import hashlib
import json
import os
import re
import secrets
import shutil
from pathlib import Path

from django.conf import settings
from django.utils import timezone

# Names are ours (hex + a lower-case suffix), so a session can never point elsewhere.
_NAME_RE = re.compile(r"^[0-9a-f]{32}(\.[a-z0-9]{1,10})?$")


def upload_dir():
    """The private directory for pending uploads (created on demand)."""
    configured = getattr(settings, "GK_PRIVATE_UPLOAD_DIR", None)
    if configured:
        directory = Path(configured)
    else:
        # A site without DATA_DIR keeps its data next to where it runs, as the reference site does.
        directory = Path(getattr(settings, "DATA_DIR", Path.cwd() / "var")) / "private" / "imports"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def _path(name):
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(f"not a stored upload name: {name!r}")
    return upload_dir() / name


def save_upload(upload, suffix=""):
    """Store an uploaded file (a Django UploadedFile or any binary file object)
    under a new random name ending in `suffix` (e.g. ".xlsx"); returns the name."""
    suffix = suffix.lower()
    if not re.fullmatch(r"(\.[a-z0-9]{1,10})?", suffix):
        suffix = ""  # only a plain extension goes into the name
    while True:
        name = secrets.token_hex(16) + suffix
        path = _path(name)
        try:
            # "xb": never overwrite, however unlikely a repeated name is.
            with open(path, "xb") as out:
                if hasattr(upload, "chunks"):
                    for chunk in upload.chunks():
                        out.write(chunk)
                else:
                    shutil.copyfileobj(upload, out)
        except FileExistsError:
            continue
        path.chmod(0o600)
        return name


def upload_exists(name):
    try:
        return _path(name).is_file()
    except ValueError:
        return False


def open_upload(name):
    """The stored upload, opened for binary reading (seekable)."""
    return open(_path(name), "rb")


def upload_path(name):
    """Where the stored upload lies (for tests and diagnostics)."""
    return _path(name)


def upload_digest(name):
    """The SHA-256 (hex) of the stored upload's content."""
    digest = hashlib.sha256()
    with open_upload(name) as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sidecar_path(name):
    path = _path(name)
    return path.with_name(path.name + ".sidecar.json")


def read_sidecar(name):
    """What write_sidecar kept next to the stored upload, or None."""
    try:
        return json.loads(_sidecar_path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_sidecar(name, data):
    """Keep `data` (JSON) next to the stored upload — what was derived from it, such
    as the result of checking it, so that it need not be derived again. Private
    like the upload, replaced whole (never half-written), removed with the upload."""
    path = _sidecar_path(name)
    partial = path.with_name(f"{path.name}.{secrets.token_hex(8)}.part")
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(partial, path)
    except Exception:
        partial.unlink(missing_ok=True)
        raise


def discard_upload(name):
    """Delete the stored upload and what was kept next to it; a name already gone is no error."""
    try:
        _path(name).unlink(missing_ok=True)
        _sidecar_path(name).unlink(missing_ok=True)
    except ValueError:
        pass


class PendingUploads:
    """The imports a user has uploaded but not yet confirmed, remembered in the
    session under `session_key` as {token: details}; details carry the stored
    file's name under "upload" and when it came under "uploaded_at"."""

    def __init__(self, session_key, *, max_age_hours=24):
        self.session_key = session_key
        self.max_age = datetime.timedelta(hours=max_age_hours)

    def _entries(self, request):
        return request.session.setdefault(self.session_key, {})

    def add(self, request, upload, *, suffix="", **details):
        """Store `upload` and remember it with `details`; returns the token that
        names this pending import in the preview and confirm URLs. Stale
        uploads of the same user are cleared first."""
        self.discard_stale(request)
        name = save_upload(upload, suffix)
        token = secrets.token_hex(16)
        self._entries(request)[token] = {
            **details,
            "upload": name,
            "filename": upload.name,
            "uploaded_at": timezone.now().isoformat(),
        }
        request.session.modified = True
        return token

    def get(self, request, token):
        """The details of the pending import `token`, or None where it is unknown
        or its file is gone."""
        entry = self._entries(request).get(token)
        if entry is None or not upload_exists(entry.get("upload")):
            return None
        return entry

    def discard(self, request, token):
        entry = self._entries(request).pop(token, None)
        request.session.modified = True
        if entry:
            discard_upload(entry.get("upload"))

    def discard_stale(self, request):
        cutoff = timezone.now() - self.max_age
        for token, entry in list(self._entries(request).items()):
            if datetime.datetime.fromisoformat(entry["uploaded_at"]) < cutoff:
                self.discard(request, token)
