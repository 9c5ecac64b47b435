"""Bulk import of existing documents (迁移存量公开信息) from JSON Lines.

Old disclosure systems export their items as records with the metadata every
portal shows (索引号, 发布机构, 文号, 成文日期, 发布日期, 主题分类, 文种, 有效性,
公开属性 …). This module brings such a file into the page tree of one
organisation, in two phases:

1. `DocumentImporter.parse()` reads every line and checks it completely —
   JSON, fields, vocabularies, the column it names, attachments, 索引号, the
   model's own validation and the publishing rules — and collects every
   problem with its line number. It writes nothing.
2. `DocumentImporter.write()` creates the documents inside one transaction:
   each is saved as a revision and, when its 公开属性 allows, published
   through `revision.publish()`, so every rule on the model applies exactly as
   for an editor's publish. Any failure rolls the whole file back and is
   reported against its line.

Lines that match a document already present (by 索引号, else 文号 + 发布机构,
else title + 发布日期 within the organisation) are skipped, so importing the
same file twice adds nothing.

A file is read through an `ImportSource`: a JSONL file on disk (attachments
relative to it) or a ZIP package holding one JSONL file and its attachments
(what the admin upload takes). docs/import-documents.md describes the format.
"""

import datetime
import difflib
import functools
import html
import io
import json
import logging
import posixpath
import re
import unicodedata
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter
from wagtail.documents import get_document_model
from wagtail.log_actions import log
from wagtail.models import Collection, Locale
from wagtail.utils.file import hash_filelike

from gk_columns import uploads
from gk_columns.importing import normalise_label
from gk_columns.models import Organisation
from gk_columns.sync import ensure_editors_group
from gk_columns.workflows import is_review_workflow

from .disclosure import (
    PUBLISHABLE,
    DisclosureAttribute,
    Genre,
    IndexNumberCounter,
    NonDisclosureGround,
    Topic,
    Validity,
    format_doc_number,
    index_number_problem,
    normalise_doc_number,
    numbered_models,
    parse_index_number,
    publication_problems,
    validate_doc_number,
)
from .models import ColumnPage, DocumentPage, OrganisationPage

logger = logging.getLogger(__name__)

# -- the format ---------------------------------------------------------------------

# Field → what it is called on the portal, for messages.
FIELD_LABELS = {
    "title": "标题",
    "body": "正文",
    "column": "栏目",
    "index_number": "索引号",
    "doc_number": "文号",
    "issuing_org": "发布机构",
    "written_date": "成文日期",
    "published_date": "发布日期",
    "topic": "主题分类",
    "genre": "文种",
    "validity": "有效性",
    "disclosure_attribute": "公开属性",
    "non_disclosure_ground": "不公开（删减）依据",
    "non_disclosure_reason": "理由说明",
    "is_normative": "行政规范性文件",
    "redaction_confirmed": "已确认为删减后的版本",
    "effective_date": "施行日期",
    "expiry_date": "失效日期",
    "tags": "标签",
    "attachments": "附件",
}
FIELDS = tuple(FIELD_LABELS)
# Keys starting with "_" carry whatever the old system had (its id, its URL …) and are ignored.
IGNORED_PREFIX = "_"

ATTRIBUTE_ALIASES = {
    "主动": DisclosureAttribute.PROACTIVE,
    "公开": DisclosureAttribute.PROACTIVE,
    "此件公开发布": DisclosureAttribute.PROACTIVE,
    "删减": DisclosureAttribute.REDACTED,
    "此件删减后公开": DisclosureAttribute.REDACTED,
    "依申请": DisclosureAttribute.ON_REQUEST,
    "不公开": DisclosureAttribute.WITHHELD,
    "免予公开": DisclosureAttribute.WITHHELD,
}

MAX_FILE_BYTES = 200 * 1024 * 1024
# One import at a time stays within what a check (and the admin preview) can go
# through; a larger migration is split into several files.
MAX_LINES = 50_000
# A line is one document: a long HTML body fits many times over.
MAX_LINE_CHARS = 5_000_000
# The format nests three deep (a line, its attachments, one attachment); parsers
# and the HTML cleaner recurse, so deeper input is refused before it can exhaust
# the stack.
MAX_JSON_DEPTH = 20
MAX_HTML_DEPTH = 100
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
TITLE_MAX = 255
TAG_MAX = 100
SLUG_MAX = 80
PREVIEW_ROWS = 50  # rows per page of the admin preview

# Tags whose content is not text a reader should see, dropped before whitelisting
# (which would otherwise keep a script's source as text).
_DROPPED_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "template", "head", "title", "meta", "link")
_TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_SEPARATOR_RE = re.compile(r"\s*[/｜|>›»\\＼]\s*")
_DATE_RES = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_TRUE = {"true", "1", "yes", "y", "是", "√"}
_FALSE = {"false", "0", "no", "n", "否", "", "×"}


def _nfkc(text):
    return unicodedata.normalize("NFKC", str(text)).strip()


@functools.lru_cache(maxsize=8192)
def _key(text):
    """How names are compared: NFKC, simplified characters, no whitespace. Cached:
    every line compares against the same few hundred names."""
    return normalise_label(text)


def _path_key(text):
    """A name that may be qualified ("招生管理/学校介绍"), compared part by part."""
    return "/".join(_key(part) for part in _SEPARATOR_RE.split(_nfkc(text)) if _key(part))


# -- results ---------------------------------------------------------------------------


@dataclass
class ImportIssue:
    """One problem (or notice) with the line it is on and the field it concerns."""

    line: int | None
    field: str | None
    message: str

    def as_dict(self):
        return {"line": self.line, "field": self.field, "message": self.message}

    def __str__(self):
        where = f"第{self.line}行" if self.line else "文件"
        if self.field:
            where += f" {self.field}（{FIELD_LABELS.get(self.field, self.field)}）"
        return f"{where}：{self.message}"


@dataclass
class AttachmentSpec:
    path: str
    title: str = ""


class Action:
    PUBLISH = "publish"
    SUBMIT = "submit"  # created and submitted to the column's review workflow
    DRAFT = "draft"
    SKIP = "skip"

    LABELS = {PUBLISH: "新建并发布", SUBMIT: "新建并提交审核", DRAFT: "新建草稿（不发布）", SKIP: "已存在，跳过"}


@dataclass
class PlannedDocument:
    """One line as it will be written (or skipped)."""

    line: int
    title: str
    column: ColumnPage | None = None
    values: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    action: str = Action.PUBLISH
    note: str = ""  # why a publishable line stays a draft
    existing_id: int | None = None
    existing_title: str = ""
    matched_by: str = ""
    page: DocumentPage | None = None

    @property
    def index_number(self):
        if self.page is not None:
            return self.page.index_number
        return self.values.get("index_number")

    @property
    def column_label(self):
        return self.column.title if self.column else ""

    def as_dict(self):
        return {
            "line": self.line,
            "title": self.title,
            "column": self.column_label,
            "action": self.action,
            "note": self.note,
            "index_number": self.index_number,
            "doc_number": self.values.get("doc_number", ""),
            "published_date": _iso(self.values.get("published_date")),
            "disclosure_attribute": self.values.get("disclosure_attribute", ""),
            "page_id": self.page.pk if self.page is not None else self.existing_id,
            "matched_by": self.matched_by,
        }


MATCH_LABELS = {"index_number": "索引号相同", "doc_number": "文号和发布机构相同", "title_date": "标题和发布日期相同"}


@dataclass
class ImportResult:
    source: str
    organisation: Organisation
    dry_run: bool = False
    lines: int = 0
    documents: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    written: bool = False

    @property
    def ok(self):
        return not self.errors

    def _count(self, action):
        return sum(1 for d in self.documents if d.action == action)

    @property
    def counts(self):
        published, submitted, drafts = (self._count(a) for a in (Action.PUBLISH, Action.SUBMIT, Action.DRAFT))
        return {
            "lines": self.lines,
            "created": published + submitted + drafts,
            "published": published,
            "submitted": submitted,
            "drafts": drafts,
            "skipped": self._count(Action.SKIP),
            "errors": len(self.errors),
        }

    def summary(self):
        c = self.counts
        parts = [f"发布 {c['published']} 条"]
        if c["submitted"]:
            parts.append(f"提交审核 {c['submitted']} 条")
        parts.append(f"草稿 {c['drafts']} 条")
        return f"新建 {c['created']} 条（{'、'.join(parts)}），已存在跳过 {c['skipped']} 条"

    def as_dict(self):
        return {
            "source": self.source,
            "organisation": self.organisation.code,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "written": self.written,
            "counts": self.counts,
            "errors": [e.as_dict() for e in self.errors],
            "notices": [n.as_dict() for n in self.notices],
            "documents": [d.as_dict() for d in self.documents],
        }


def _iso(value):
    return value.isoformat() if value else None


@dataclass
class ImportPreview:
    """What checking a file found, as the admin preview shows it: the counts, every
    error and notice, and one row per document (PlannedDocument.as_dict()), or why
    the file could not be read at all (`file_problem`). Plain data, so that it can
    be kept next to the upload and shown again, page by page, without reading the
    file again."""

    source: str
    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    file_problem: str = ""
    checked_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def ok(self):
        return not self.errors and not self.file_problem

    @classmethod
    def of(cls, result):
        return cls(
            source=result.source,
            counts=result.counts,
            errors=list(result.errors),
            notices=list(result.notices),
            rows=[d.as_dict() for d in result.documents],
        )

    @classmethod
    def unreadable(cls, source, problem):
        return cls(source=source, file_problem=problem)

    def as_dict(self):
        return {
            "source": self.source,
            "counts": self.counts,
            "errors": [e.as_dict() for e in self.errors],
            "notices": [n.as_dict() for n in self.notices],
            "rows": self.rows,
            "file_problem": self.file_problem,
            "checked_at": self.checked_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data):
        return cls(
            source=data["source"],
            counts=data["counts"],
            errors=[ImportIssue(**e) for e in data["errors"]],
            notices=[ImportIssue(**n) for n in data["notices"]],
            rows=data["rows"],
            file_problem=data["file_problem"],
            checked_at=datetime.datetime.fromisoformat(data["checked_at"]),
        )


# -- sources ------------------------------------------------------------------------------


class ImportSourceError(Exception):
    """The file as a whole cannot be read."""


def decode_text(data):
    """(text, encoding): UTF-8 (with or without BOM), else GB18030 as older Chinese
    systems export."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ImportSourceError("文件编码无法识别：请另存为 UTF-8 编码的文本文件。") from exc


class ImportSource:
    """Where the lines and their attachments come from."""

    name = ""
    encoding = "utf-8"

    def numbered_lines(self):
        """[(line number, text)] of the JSONL file."""
        raise NotImplementedError

    def attachment_problem(self, path):
        """Why `path` cannot be attached, or None."""
        raise NotImplementedError

    @contextmanager
    def open_attachment(self, path):
        raise NotImplementedError
        yield

    @staticmethod
    def split_lines(text):
        # Only "\n" ends a JSON line: str.splitlines() would also split on U+2028
        # and friends, which JSON strings may contain unescaped.
        lines = [(n, line.rstrip("\r")) for n, line in enumerate(text.split("\n"), start=1)]
        count = sum(1 for _, line in lines if line.strip())
        if count > MAX_LINES:
            raise ImportSourceError(f"文件共有 {count} 行信息，超过一次导入的上限 {MAX_LINES} 行：请拆分为多个文件分别导入。")
        return lines


class LinesSource(ImportSource):
    """Lines already in memory (the demo loader filters the fixture this way);
    attachments relative to `base_dir`, if any."""

    def __init__(self, numbered_lines, name="", base_dir=None):
        self._lines = list(numbered_lines)
        self.name = name
        self.base_dir = Path(base_dir) if base_dir else None

    def numbered_lines(self):
        return self._lines

    def _resolve(self, path):
        candidate = Path(path)
        if not candidate.is_absolute():
            if self.base_dir is None:
                return None
            candidate = self.base_dir / candidate
        return candidate

    def attachment_problem(self, path):
        resolved = self._resolve(path)
        if resolved is None:
            return "单独上传的 JSONL 文件不能带附件：请把 JSONL 文件和附件一起打包为 ZIP 上传。"
        if not resolved.is_file():
            return f"附件文件不存在：{path}"
        if resolved.stat().st_size > MAX_ATTACHMENT_BYTES:
            return f"附件超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024}MB：{path}"
        return None

    @contextmanager
    def open_attachment(self, path):
        with open(self._resolve(path), "rb") as handle:
            yield handle


class FileSource(LinesSource):
    """A JSONL file on disk; attachment paths are relative to its folder
    (absolute paths are taken as they are: the command line is trusted)."""

    def __init__(self, path):
        path = Path(path)
        if not path.is_file():
            raise ImportSourceError(f"文件不存在：{path}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportSourceError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024}MB，请拆分后分别导入。")
        text, self.encoding = decode_text(path.read_bytes())
        super().__init__(self.split_lines(text), name=path.name, base_dir=path.parent)


class UploadedTextSource(LinesSource):
    """A JSONL file without a folder around it (an upload): no attachments."""

    def __init__(self, data, name):
        text, self.encoding = decode_text(data)
        super().__init__(self.split_lines(text), name=name, base_dir=None)


class ArchiveSource(ImportSource):
    """A ZIP package: one JSONL file and the attachments it names, relative to it.
    Paths cannot leave the package."""

    def __init__(self, fileobj, name):
        self.name = name
        try:
            self.archive = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ImportSourceError("ZIP 压缩包已损坏或不是 ZIP 格式。") from exc
        self.members = {}
        total = 0
        for info in self.archive.infolist():
            if info.is_dir():
                continue
            total += info.file_size
            self.members[posixpath.normpath(self._member_name(info))] = info
        if total > MAX_ARCHIVE_BYTES:
            raise ImportSourceError(f"压缩包解压后超过 {MAX_ARCHIVE_BYTES // 1024 // 1024}MB，请拆分后分别导入。")
        listings = sorted(
            (n for n in self.members if n.lower().endswith(JSONL_SUFFIXES) and not n.startswith("__MACOSX/")),
            key=lambda n: (n.count("/"), n),
        )
        if not listings:
            raise ImportSourceError("压缩包中没有 .jsonl 文件。")
        if len(listings) > 1 and listings[0].count("/") == listings[1].count("/"):
            raise ImportSourceError(f"压缩包中有多个 JSONL 文件（{'、'.join(listings[:5])}），每个压缩包只能包含一个。")
        self.listing = listings[0]
        self.base = posixpath.dirname(self.listing)
        info = self.members[self.listing]
        if info.file_size > MAX_FILE_BYTES:
            raise ImportSourceError(f"JSONL 文件超过 {MAX_FILE_BYTES // 1024 // 1024}MB，请拆分后分别导入。")
        text, self.encoding = decode_text(self.archive.read(info))
        self._lines = self.split_lines(text)
        self.name = f"{name}：{self.listing}"

    @staticmethod
    def _member_name(info):
        # Archives made on Chinese Windows store GBK names without the UTF-8 flag;
        # zipfile then decodes them as cp437.
        if info.flag_bits & 0x800:
            return info.filename
        raw = info.filename.encode("cp437")
        for encoding in ("utf-8", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        return info.filename

    def numbered_lines(self):
        return self._lines

    def _member(self, path):
        path = str(path).replace("\\", "/")
        if path.startswith("/") or re.match(r"^[a-zA-Z]:", path):
            return None, "压缩包中的附件须写相对路径。"
        name = posixpath.normpath(posixpath.join(self.base, path))
        if name == ".." or name.startswith("../"):
            return None, "附件路径不能指向压缩包之外。"
        info = self.members.get(name)
        if info is None:
            return None, f"压缩包中没有附件文件：{path}"
        return info, None

    def attachment_problem(self, path):
        info, problem = self._member(path)
        if problem:
            return problem
        if info.file_size > MAX_ATTACHMENT_BYTES:
            return f"附件超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024}MB：{path}"
        return None

    @contextmanager
    def open_attachment(self, path):
        info, _ = self._member(path)
        # Django's storage wants a seekable file; ZIP members are streams.
        yield io.BytesIO(self.archive.read(info))


def open_source(path):
    """The source for a path given on the command line (.jsonl or .zip)."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        if not path.is_file():
            raise ImportSourceError(f"文件不存在：{path}")
        return ArchiveSource(open(path, "rb"), path.name)  # noqa: SIM115 - kept open while importing
    return FileSource(path)


def open_upload(fileobj, name):
    """The source for an uploaded file (.jsonl or .zip)."""
    if name.lower().endswith(".zip"):
        return ArchiveSource(fileobj, name)
    data = fileobj.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ImportSourceError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024}MB，请拆分后分别导入。")
    return UploadedTextSource(data, name)


# -- reading values --------------------------------------------------------------------------


class LineError(Exception):
    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def parse_date(value, name):
    """A date written as 2021-05-03, 2021/5/3, 2021.5.3 or 2021年5月3日 (a time after it is ignored)."""
    if isinstance(value, (int, float)) or not isinstance(value, str):
        raise LineError(name, f"{FIELD_LABELS[name]}应为文本日期，如“2021-05-03”。")
    text = _nfkc(value)
    for pattern in _DATE_RES:
        match = pattern.match(text)
        if match:
            try:
                return datetime.date(*(int(g) for g in match.groups()))
            except ValueError:
                raise LineError(name, f"{FIELD_LABELS[name]}“{value}”不是有效的日期。") from None
    raise LineError(
        name, f"{FIELD_LABELS[name]}“{value}”无法识别：请写成 2021-05-03（也可写 2021年5月3日 或 2021/5/3）。"
    )


def parse_bool(value, name):
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = _nfkc(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise LineError(name, f"{FIELD_LABELS[name]}应为 true 或 false（也可写 是/否），而不是“{value}”。")


def parse_text(value, name, *, max_length=None):
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise LineError(name, f"{FIELD_LABELS[name]}应为文本。")
    text = str(value).strip()
    if max_length and len(text) > max_length:
        raise LineError(name, f"{FIELD_LABELS[name]}超过 {max_length} 个字符。")
    return text


def _choice(value, name, choices, aliases=None):
    """A TextChoices value given as its value or label, full- or half-width."""
    text = parse_text(value, name)
    if not text:
        return ""
    key = _key(text)
    for choice in choices:
        if key in (_key(choice.value), _key(choice.label)):
            return choice.value
    if aliases and key in {_key(k) for k in aliases}:
        return next(v.value for k, v in aliases.items() if _key(k) == key)
    allowed = "、".join(c.value for c in choices)
    raise LineError(name, f"{FIELD_LABELS[name]}“{text}”不在可选值中（{allowed}）。")


def parse_tags(value):
    if value in (None, ""):
        return []
    if isinstance(value, str):
        items = re.split(r"[,，、;；]", value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = value
    else:
        raise LineError("tags", "标签应为文本列表，如 [\"招生\", \"义务教育\"]。")
    tags = []
    for item in items:
        tag = _nfkc(item)
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise LineError("tags", f"标签“{tag[:20]}…”超过 {TAG_MAX} 个字符。")
        if tag not in tags:
            tags.append(tag)
    return tags


def parse_attachments(value):
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else [value]
    specs = []
    for item in items:
        if isinstance(item, str) and item.strip():
            specs.append(AttachmentSpec(item.strip()))
        elif isinstance(item, dict) and isinstance(item.get("path"), str) and item["path"].strip():
            title = item.get("title") or ""
            if not isinstance(title, str):
                raise LineError("attachments", "附件的 title 应为文本。")
            specs.append(AttachmentSpec(item["path"].strip(), title.strip()[:255]))
        else:
            raise LineError("attachments", "附件应为路径列表，每项为文本路径或 {\"path\": …, \"title\": …}。")
    return specs


def json_depth(value, limit):
    """How deeply parsed JSON nests lists and objects, counted up to just past
    `limit`. Iterative: the value may nest as deep as the parser got."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= limit:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _html_depth(soup, limit):
    """How deeply the parsed HTML nests its elements, counted up to just past `limit`."""
    deepest, stack = 0, [(soup, 0)]
    while stack and deepest <= limit:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.contents if isinstance(child, Tag))
    return deepest


def body_to_rich_text(text):
    """(rich text for DocumentPage.body, notices). HTML is cleaned to what the
    editor allows (the way Wagtail cleans what editors paste); plain text becomes
    paragraphs. Raises LineError for HTML nested deeper than MAX_HTML_DEPTH
    (Wagtail's cleaner recurses per element)."""
    text = str(text or "")
    if not text.strip():
        return "", []
    if not _TAG_RE.search(text):
        paragraphs = [p.strip() for p in re.split(r"\r?\n", text) if p.strip()]
        return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs), []
    notices = []
    soup = BeautifulSoup(text, "html.parser")
    too_deep = LineError("body", f"正文 HTML 嵌套过深（超过 {MAX_HTML_DEPTH} 层）：请精简正文的格式后重新导入。")
    if _html_depth(soup, MAX_HTML_DEPTH) > MAX_HTML_DEPTH:
        raise too_deep
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()
    images = soup.find_all("img")
    if images:
        notices.append(f"正文中的 {len(images)} 张图片未导入：请作为附件导入，或在编辑器中重新插入。")
    # Tables have no place in the editor; keep each row as a paragraph rather than
    # letting the cells run together.
    for row in soup.find_all("tr"):
        cells = [c.get_text(" ", strip=True) for c in row.find_all(["td", "th"])]
        paragraph = soup.new_tag("p")
        paragraph.string = "　".join(c for c in cells if c)
        row.replace_with(paragraph)
    if soup.find("table") is not None:
        notices.append("正文中的表格已按行转为段落，请核对。")
    body = soup.body or soup
    features = DocumentPage._meta.get_field("body").features
    try:
        cleaned = EditorHTMLConverter(features=features).to_database_format(body.decode_contents())
    except RecursionError:
        raise too_deep from None
    return cleaned.strip(), notices


# -- lookups ---------------------------------------------------------------------------------


def organisation_page(organisation):
    """The organisation's disclosure page in the default language (else any)."""
    pages = OrganisationPage.objects.filter(organisation=organisation)
    return pages.filter(locale=Locale.get_default()).first() or pages.order_by("pk").first()


def column_label(column):
    entry = column.entry
    parts = [entry.domain.name, entry.item_l1, entry.item_l2]
    return "/".join(p for p in parts if p)


class ColumnIndex:
    """The organisation's columns by the names a file may use for them: the
    column title, the entry's 二级事项, or a qualified "一级事项/二级事项" or
    "领域/一级事项/二级事项" (to tell apart columns of the same name)."""

    def __init__(self, organisation):
        self.organisation = organisation
        self.org_page = organisation_page(organisation)
        self.columns = []
        if self.org_page is not None:
            self.columns = list(
                ColumnPage.objects.descendant_of(self.org_page)
                .select_related("entry__domain")
                .order_by("path")
            )
        self.by_key = {}
        for column in self.columns:
            entry = column.entry
            names = {column.title, entry.item_l2, f"{entry.item_l1}/{entry.item_l2}", f"{entry.domain.name}/{column.title}"}
            names.add(f"{entry.domain.name}/{entry.item_l1}/{entry.item_l2}")
            for name in names:
                key = _path_key(name)
                if key and column not in self.by_key.setdefault(key, []):
                    self.by_key[key].append(column)

    def resolve(self, name):
        """(column, None) or (None, message)."""
        if self.org_page is None:
            return None, f"公开主体“{self.organisation.name}”还没有信息公开页面和栏目（公开目录尚未发布或同步）。"
        candidates = self.by_key.get(_path_key(name), [])
        active = [c for c in candidates if not c.retired]
        if len(active) == 1:
            return active[0], None
        if len(active) > 1:
            listed = "、".join(f"“{column_label(c)}”" for c in active)
            return None, f"栏目“{name}”不唯一，可能是：{listed}。请写成“一级事项/二级事项”以区分。"
        if candidates:
            listed = "、".join(f"“{column_label(c)}”" for c in candidates)
            return None, (
                f"栏目“{name}”已撤销（对应事项已从公开目录中删除）：{listed}。不能向已撤销的栏目导入信息，"
                "请改为现行栏目，或先在公开目录中恢复该事项。"
            )
        message = f"“{self.organisation.name}”没有名为“{name}”的栏目。"
        titles = sorted({c.title for c in self.columns if not c.retired})
        close = difflib.get_close_matches(_nfkc(name), titles, n=3, cutoff=0.5)
        if close:
            message += f"是否指：{'、'.join(close)}？"
        return None, message


class TopicIndex:
    """主题分类 by name: "教育", or "科技、教育\\教育" where a name is not unique."""

    def __init__(self):
        topics = list(Topic.objects.all())
        parents = {t.parent_id for t in topics if t.parent_id}
        self.leaves = [t for t in topics if t.pk not in parents]
        self.non_leaves = {_key(t.name) for t in topics if t.pk in parents}

    def resolve(self, value):
        text = parse_text(value, "topic")
        if not text:
            return None
        parts = [p for p in _SEPARATOR_RE.split(_nfkc(text)) if p]
        if len(parts) == 2:
            found = [
                t for t in self.leaves if t.parent and _key(t.parent.name) == _key(parts[0]) and _key(t.name) == _key(parts[1])
            ]
        else:
            found = [t for t in self.leaves if _key(t.name) == _key(text)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            listed = "、".join(str(t) for t in found)
            raise LineError("topic", f"主题分类“{text}”不唯一（{listed}）：请写成“一级分类\\二级分类”。")
        if _key(text) in self.non_leaves:
            raise LineError("topic", f"主题分类“{text}”下还有二级分类：请填写具体的二级分类（如“科技、教育\\教育”）。")
        if not self.leaves:
            raise LineError("topic", "系统中还没有主题分类：请先运行 gk load-topics。")
        raise LineError("topic", f"没有名为“{text}”的主题分类。")


class OrganisationIndex:
    """发布机构 by 索引号机构代码, name or short name."""

    def __init__(self):
        self.all = list(Organisation.objects.all())
        self.by_code = {o.code: o for o in self.all}

    def resolve(self, value):
        text = parse_text(value, "issuing_org")
        if text in self.by_code:
            return self.by_code[text]
        key = _key(text)
        for attribute in ("name", "short_name"):
            found = [o for o in self.all if getattr(o, attribute) and _key(getattr(o, attribute)) == key]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise LineError("issuing_org", f"发布机构“{text}”对应多个公开主体：请改写为索引号机构代码。")
        raise LineError("issuing_org", f"没有代码或名称为“{text}”的公开主体。")


# -- the importer -------------------------------------------------------------------------------


class _WriteFailed(Exception):
    def __init__(self, line, issues):
        super().__init__(line)
        self.line = line
        self.issues = issues


def _validation_issues(line, exc):
    issues = []
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            field_name = name if name in FIELD_LABELS else None
            for message in errors:
                issues.append(ImportIssue(line, field_name, message))
    else:
        issues.extend(ImportIssue(line, None, m) for m in exc.messages)
    return issues


def unique_slug(title, taken):
    """A slug for `title` not in `taken` (the column's children's, and the file's so far)."""
    base = slugify(title, allow_unicode=True)[:SLUG_MAX].strip("-") or "xinxi"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def organisation_collection(organisation, org_page=None):
    """The organisation's document collection, the one its editors group works in
    (gk_columns.sync.ensure_editors_group names it after the organisation, and
    makes it — or finds it again after a rename — when it is missing)."""
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=organisation.name).first()
    if collection is None and org_page is not None:
        ensure_editors_group(organisation, org_page)
        collection = root.get_children().filter(name=organisation.name).first()
    return collection or root.add_child(name=organisation.name)


class DocumentImporter:
    """Imports one file into `organisation`'s columns. `user` (optional) is
    recorded as owner and in the history, and limits the import to columns the
    user may add to; lines go live only where the user may publish."""

    def __init__(self, organisation, *, default_column=None, user=None, publish=True, today=None, progress=None):
        self.organisation = organisation
        self.default_column = (default_column or "").strip()
        self.user = user
        self.publish = publish
        self.today = today or timezone.localdate()
        self.progress = progress

    # -- phase 1 ------------------------------------------------------------------

    def parse(self, source, *, dry_run=True):
        """Read and check every line; writes nothing."""
        result = ImportResult(source=source.name, organisation=self.organisation, dry_run=dry_run)
        self.columns = ColumnIndex(self.organisation)
        self.topics = TopicIndex()
        self.organisations = OrganisationIndex()
        self.source = source
        self._permissions = {}
        self._workflows = {}
        if source.encoding != "utf-8":
            result.notices.append(ImportIssue(None, None, f"文件不是 UTF-8 编码，已按 {source.encoding.upper()} 读取。"))
        default = None
        if self.default_column:
            default, problem = self.columns.resolve(self.default_column)
            if problem:
                result.errors.append(ImportIssue(None, "column", f"默认栏目：{problem}"))

        for number, text in source.numbered_lines():
            if not text.strip():
                continue
            result.lines += 1
            issues, notices = [], []
            planned = self._read_line(number, text, default, issues, notices)
            result.errors.extend(issues)
            result.notices.extend(notices)
            if planned is not None and not issues:
                result.documents.append(planned)

        if result.lines == 0 and not result.errors:
            result.errors.append(ImportIssue(None, None, "文件中没有任何信息（每行应为一个 JSON 对象）。"))
        self._match_existing(result)
        self._check_within_file(result)
        return result

    def _read_line(self, number, text, default_column, issues, notices):
        def error(name, message):
            issues.append(ImportIssue(number, name, message))

        if len(text) > MAX_LINE_CHARS:
            error(None, f"此行过长（{len(text)} 个字符，每行至多 {MAX_LINE_CHARS} 个）：请精简正文的格式，或把正文作为附件导入。")
            return None
        too_deep = f"JSON 嵌套过深（至多 {MAX_JSON_DEPTH} 层）：每行应为一个 JSON 对象，字段值为文本、列表或简单对象。"
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            error(None, f"不是有效的 JSON（第{exc.colno}个字符附近：{exc.msg}）。")
            return None
        except RecursionError:
            error(None, too_deep)
            return None
        if json_depth(record, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            error(None, too_deep)
            return None
        if not isinstance(record, dict):
            error(None, "每行应为一个 JSON 对象（{…}）。")
            return None
        unknown = [k for k in record if k not in FIELD_LABELS and not str(k).startswith(IGNORED_PREFIX)]
        for key in unknown:
            close = difflib.get_close_matches(key, FIELDS, n=1)
            hint = f"是否指 {close[0]}？" if close else "原系统的其他字段请以“_”开头（导入时忽略）。"
            error(key, f"未知字段“{key}”。{hint}")

        values = {}
        planned = PlannedDocument(line=number, title="")

        def read(name, reader):
            try:
                return reader()
            except LineError as exc:
                error(exc.field, exc.message)
                return None

        # Titles exported from older systems carry line breaks and runs of spaces.
        title = read("title", lambda: parse_text(record.get("title"), "title", max_length=TITLE_MAX)) or ""
        planned.title = re.sub(r"\s+", " ", title)
        if not planned.title and not any(i.field == "title" for i in issues):
            error("title", "缺少标题。")

        # 栏目
        column_name = read("column", lambda: parse_text(record.get("column"), "column"))
        if column_name:
            column, problem = self.columns.resolve(column_name)
            if problem:
                error("column", problem)
            planned.column = column
        elif default_column is not None:
            planned.column = default_column
        elif not self.default_column and column_name is not None:
            error("column", "缺少栏目：请填写 column（二级事项或栏目名称），或在导入时指定默认栏目。")
        if planned.column is not None and self.user is not None:
            may_add, _ = self._user_permissions(planned.column)
            if not may_add:
                error("column", f"您没有在栏目“{planned.column.title}”中添加信息的权限。")

        # 发布机构
        issuing_org = self.organisation
        if record.get("issuing_org") not in (None, ""):
            issuing_org = read("issuing_org", lambda: self.organisations.resolve(record["issuing_org"])) or issuing_org
        values["issuing_org"] = issuing_org

        # 文号
        doc_number = read("doc_number", lambda: parse_text(record.get("doc_number"), "doc_number", max_length=100))
        if doc_number:
            try:
                validate_doc_number(doc_number)
                values["doc_number"] = format_doc_number(doc_number)
            except ValidationError as exc:
                error("doc_number", f"“{doc_number}”：{exc.messages[0]}")
        else:
            values["doc_number"] = ""

        # 日期
        for name in ("written_date", "published_date", "effective_date", "expiry_date"):
            if record.get(name) not in (None, ""):
                values[name] = read(name, lambda name=name: parse_date(record[name], name))
        if record.get("published_date") in (None, ""):
            error("published_date", "缺少发布日期（迁移的信息须保留原发布日期）。")
        elif values.get("published_date") and values["published_date"] > self.today:
            error("published_date", f"发布日期 {values['published_date']:%Y-%m-%d} 晚于今天（{self.today:%Y-%m-%d}）。")

        # 分类与属性
        values["topic"] = read("topic", lambda: self.topics.resolve(record.get("topic")))
        values["genre"] = read("genre", lambda: _choice(record.get("genre"), "genre", Genre)) or ""
        values["validity"] = read("validity", lambda: _choice(record.get("validity"), "validity", Validity)) or Validity.VALID
        attribute = read(
            "disclosure_attribute",
            lambda: _choice(record.get("disclosure_attribute"), "disclosure_attribute", DisclosureAttribute, ATTRIBUTE_ALIASES),
        )
        values["disclosure_attribute"] = attribute or DisclosureAttribute.PROACTIVE
        values["non_disclosure_ground"] = (
            read(
                "non_disclosure_ground",
                lambda: _choice(record.get("non_disclosure_ground"), "non_disclosure_ground", NonDisclosureGround),
            )
            or ""
        )
        values["non_disclosure_reason"] = read(
            "non_disclosure_reason", lambda: parse_text(record.get("non_disclosure_reason"), "non_disclosure_reason")
        ) or ""
        for name in ("is_normative", "redaction_confirmed"):
            values[name] = bool(read(name, lambda name=name: parse_bool(record.get(name), name)))

        # 正文、标签、附件
        body = record.get("body")
        if body is not None and not isinstance(body, str):
            error("body", "正文应为文本（HTML 或纯文本）。")
        else:
            values["body"], body_notices = read("body", lambda: body_to_rich_text(body)) or ("", [])
            notices.extend(ImportIssue(number, "body", m) for m in body_notices)
        planned.tags = read("tags", lambda: parse_tags(record.get("tags"))) or []
        planned.attachments = read("attachments", lambda: parse_attachments(record.get("attachments"))) or []
        for spec in planned.attachments:
            problem = self.source.attachment_problem(spec.path)
            if problem is None and not self._extension_allowed(spec.path):
                problem = f"附件类型不允许：{spec.path}（允许 {'、'.join(settings.WAGTAILDOCS_EXTENSIONS)}）"
            if problem:
                error("attachments", problem)

        # 索引号
        raw_number = read("index_number", lambda: parse_text(record.get("index_number"), "index_number"))
        if raw_number:
            problem = index_number_problem(raw_number, code=issuing_org.code, kept=True)
            parsed = parse_index_number(raw_number)
            if problem:
                error("index_number", problem)
            elif parsed[0] != issuing_org.code:
                error(
                    "index_number",
                    f"索引号“{raw_number}”的机构代码“{parsed[0]}”与发布机构“{issuing_org.name}”的代码“{issuing_org.code}”不一致。",
                )
            else:
                values["index_number"] = raw_number.strip()

        planned.values = values
        if planned.column is None or not planned.title:
            return planned

        # The model's own validation and the publishing rules, on the page as it will be
        # written. Fields already found wrong are left to their own message.
        reported = {issue.field for issue in issues}
        page = self.build_page(planned)
        page.depth = planned.column.depth + 1
        page.path = planned.column.path + "0" * ColumnPage.steplen
        page.slug = f"import-check-{uuid.uuid4().hex}"
        try:
            page.full_clean(
                exclude=["path", "depth", "numchild", "url_path", "slug", *reported],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            issues.extend(i for i in _validation_issues(number, exc) if i.field is None or i.field not in reported)
        if issues:
            return planned
        values.update(doc_number=page.doc_number, non_disclosure_ground=page.non_disclosure_ground,
                      non_disclosure_reason=page.non_disclosure_reason, redaction_confirmed=page.redaction_confirmed)

        if values["disclosure_attribute"] not in PUBLISHABLE:
            planned.action = Action.DRAFT
            planned.note = f"{values['disclosure_attribute']}：作为草稿保存，不发布。"
            return planned
        problems = publication_problems(page, planned.column, was_live=False)
        if set(problems) == {"redaction_confirmed"}:
            planned.action = Action.DRAFT
            planned.note = "删减后公开但未确认为删减后的版本：作为草稿保存，核对后再发布。"
            notices.append(ImportIssue(number, "redaction_confirmed", planned.note))
        elif problems:
            for name, message in problems.items():
                error(name if name in FIELD_LABELS else None, message)
        elif not self.publish:
            planned.action = Action.DRAFT
            planned.note = "按要求只导入、不发布：作为草稿保存。"
        else:
            planned.action = self._publication(planned.column)
            if planned.action == Action.SUBMIT:
                planned.note = f"提交“{self._workflow(planned.column).name}”，审核通过后发布。"
            elif planned.action == Action.DRAFT:
                planned.note = "您没有发布权限，栏目也没有审核流程：作为草稿保存。"
                notices.append(ImportIssue(number, None, planned.note))
        return planned

    def _publication(self, column):
        """How a publishable line goes out for this user, as it would from the
        editor: published by an operator (no user), a superuser or a publisher;
        submitted to the column's workflow by whoever may not publish, and by
        anyone but a superuser where the organisation's review workflow
        (保密审查 → 审核, gk_columns.workflows) governs the column."""
        if self.user is None or self.user.is_superuser:
            return Action.PUBLISH
        workflow = self._workflow(column)
        may_publish = self._user_permissions(column)[1]
        if may_publish and not is_review_workflow(workflow):
            return Action.PUBLISH
        return Action.SUBMIT if workflow is not None else Action.DRAFT

    def _workflow(self, column):
        if column.pk not in self._workflows:
            self._workflows[column.pk] = column.get_workflow()
        return self._workflows[column.pk]

    def _user_permissions(self, column):
        if column.pk not in self._permissions:
            tester = column.permissions_for_user(self.user)
            self._permissions[column.pk] = (tester.can_add_subpage(), tester.can_publish_subpage())
        return self._permissions[column.pk]

    @staticmethod
    def _extension_allowed(path):
        allowed = getattr(settings, "WAGTAILDOCS_EXTENSIONS", None)
        suffix = posixpath.splitext(str(path).replace("\\", "/"))[1].lstrip(".").lower()
        return not allowed or suffix in {e.lower() for e in allowed}

    def build_page(self, planned):
        values = planned.values
        page = DocumentPage(
            title=planned.title,
            body=values.get("body", ""),
            live=False,
            owner=self.user if self.user is not None and self.user.is_authenticated else None,
            **{
                name: values.get(name)
                for name in (
                    "index_number",
                    "issuing_org",
                    "doc_number",
                    "written_date",
                    "published_date",
                    "topic",
                    "genre",
                    "validity",
                    "disclosure_attribute",
                    "non_disclosure_ground",
                    "non_disclosure_reason",
                    "is_normative",
                    "redaction_confirmed",
                    "effective_date",
                    "expiry_date",
                )
            },
        )
        return page

    def _match_existing(self, result):
        """Mark lines whose document is already there (skipped), and refuse a 索引号
        another document holds."""
        documents = result.documents
        numbers = {d.values["index_number"] for d in documents if d.values.get("index_number")}
        holders = {}
        for model in numbered_models():
            for row in model._default_manager.filter(index_number__in=numbers).values(
                "pk", "index_number", "title", "doc_number_normalised"
            ):
                holders[row["index_number"]] = row
        doc_keys = {
            (normalise_doc_number(d.values["doc_number"]), d.values["issuing_org"].pk)
            for d in documents
            if d.values.get("doc_number")
        }
        by_doc_number = {}
        if doc_keys:
            rows = DocumentPage.objects.filter(
                doc_number_normalised__in={k for k, _ in doc_keys}, issuing_org_id__in={o for _, o in doc_keys}
            ).values("pk", "title", "doc_number_normalised", "issuing_org_id", "index_number")
            for row in rows:
                by_doc_number.setdefault((row["doc_number_normalised"], row["issuing_org_id"]), row)
        by_title = {}
        org_page = self.columns.org_page
        titles = {d.title for d in documents}
        if org_page is not None and titles:
            rows = DocumentPage.objects.descendant_of(org_page).filter(title__in=titles).values(
                "pk", "title", "published_date", "index_number"
            )
            for row in rows:
                by_title.setdefault((row["title"], row["published_date"]), row)

        for planned in list(documents):
            values = planned.values
            number = values.get("index_number")
            doc_key = (normalise_doc_number(values["doc_number"]), values["issuing_org"].pk) if values["doc_number"] else None
            found, matched_by = None, ""
            if number and number in holders:
                holder = holders[number]
                same = _key(holder["title"]) == _key(planned.title) or (
                    doc_key is not None and holder["doc_number_normalised"] == doc_key[0]
                )
                if not same:
                    result.errors.append(
                        ImportIssue(
                            planned.line,
                            "index_number",
                            f"索引号“{number}”已被“{holder['title']}”（页面 {holder['pk']}）使用："
                            "索引号不能重复，请核对原系统的索引号，或删去此项由系统在发布时分配。",
                        )
                    )
                    documents.remove(planned)
                    continue
                found, matched_by = holder, "index_number"
            elif doc_key is not None and doc_key in by_doc_number:
                found, matched_by = by_doc_number[doc_key], "doc_number"
            elif (planned.title, values.get("published_date")) in by_title:
                found, matched_by = by_title[(planned.title, values.get("published_date"))], "title_date"
            if found is None:
                continue
            planned.action = Action.SKIP
            planned.existing_id = found["pk"]
            planned.existing_title = found["title"]
            planned.matched_by = matched_by
            planned.note = f"已存在（{MATCH_LABELS[matched_by]}：页面 {found['pk']}）"
            existing_number = found.get("index_number")
            if number and existing_number and existing_number != number:
                result.notices.append(
                    ImportIssue(
                        planned.line,
                        "index_number",
                        f"已存在的信息索引号为“{existing_number}”，与文件中的“{number}”不同，未作修改。",
                    )
                )

    def _check_within_file(self, result):
        """The same document twice in one file is a mistake to fix, not to guess at."""
        seen = {}
        for planned in list(result.documents):
            values = planned.values
            keys = []
            if values.get("index_number"):
                keys.append(("index_number", values["index_number"], f"索引号“{values['index_number']}”"))
            if values.get("doc_number"):
                key = (normalise_doc_number(values["doc_number"]), values["issuing_org"].pk)
                keys.append(("doc_number", key, f"文号“{values['doc_number']}”（同一发布机构）"))
            keys.append(("title_date", (planned.title, values.get("published_date")), "标题和发布日期"))
            for kind, key, label in keys:
                first = seen.setdefault((kind, key), planned.line)
                if first != planned.line:
                    result.errors.append(
                        ImportIssue(planned.line, kind if kind != "title_date" else "title", f"{label}与第{first}行重复。")
                    )
                    if planned in result.documents:
                        result.documents.remove(planned)
        result.errors.sort(key=lambda issue: (issue.line or 0))

    # -- phase 2 --------------------------------------------------------------------

    def write(self, result):
        """Create the checked documents, all or none. Returns `result` with pages set
        (written=True), or with the failure added to its errors."""
        if not result.ok:
            return result
        planned = [d for d in result.documents if d.action != Action.SKIP]
        self._stored_files = []
        self._documents_by_path = {}
        try:
            with transaction.atomic():
                self._reserve_index_numbers(planned)
                columns = {c.pk: c for c in ColumnPage.objects.filter(pk__in={d.column.pk for d in planned})}
                slugs = {
                    pk: set(column.get_children().values_list("slug", flat=True)) for pk, column in columns.items()
                }
                for done, document in enumerate(planned, start=1):
                    try:
                        self._write_one(document, columns[document.column.pk], slugs[document.column.pk], result)
                    except Exception as exc:
                        if isinstance(exc, ValidationError):
                            issues = _validation_issues(document.line, exc)
                        else:
                            logger.exception("Import of line %s failed", document.line)
                            issues = [ImportIssue(document.line, None, f"写入失败：{exc}")]
                        raise _WriteFailed(document.line, issues) from exc
                    if self.progress:
                        self.progress(done, len(planned))
        except _WriteFailed as failure:
            self._discard_files()
            for document in planned:
                document.page = None
            result.errors.extend(failure.issues)
            result.errors.append(ImportIssue(failure.line, None, "因此行出错，整个文件均未导入（已全部回滚）。"))
            return result
        except Exception:
            self._discard_files()
            raise
        result.written = True
        result.dry_run = False
        return result

    def _reserve_index_numbers(self, planned):
        """Kept 索引号 move their organisation's counter past them, so that a number
        allocated later never repeats one the old system handed out."""
        highest = {}
        for document in planned:
            number = document.values.get("index_number")
            if number:
                code, year, serial = parse_index_number(number)
                if serial > highest.get((code, year), (0, None))[0]:
                    highest[(code, year)] = (serial, document.line)
        for (code, year), (serial, line) in highest.items():
            try:
                IndexNumberCounter.objects.reserve(self.organisations.by_code[code], year, serial)
            except ValidationError as exc:
                raise _WriteFailed(line, [ImportIssue(line, "index_number", m) for m in exc.messages]) from exc

    def _write_one(self, document, column, slugs, result):
        page = self.build_page(document)
        page.slug = unique_slug(document.title, slugs)
        page.change_reason = f"批量导入：{self.source.name} 第{document.line}行"
        if document.attachments:
            page.attachments = [
                ("attachment", {"document": self._attachment(spec), "title": spec.title}) for spec in document.attachments
            ]
        if document.tags:
            page.tags.add(*document.tags)
        if document.action == Action.PUBLISH:
            # The item was first published on its 发布日期, not on the day it was migrated.
            page.first_published_at = timezone.make_aware(
                datetime.datetime.combine(document.values["published_date"], datetime.time(9, 0))
            )
        column.add_child(instance=page)
        # add_child logged the creation (by the page's owner, the importing user).
        revision = page.save_revision(user=self.user, log_action=False)
        log(
            instance=page,
            action="gk.document_import",
            user=self.user,
            data={"source": self.source.name, "line": document.line},
            revision=revision,
        )
        if document.action == Action.PUBLISH:
            revision.publish(user=self.user)
            page = DocumentPage.objects.get(pk=page.pk)
        elif document.action == Action.SUBMIT:
            self._workflow(column).start(page, self.user)
        document.page = page

    def _attachment(self, spec):
        key = spec.path.replace("\\", "/")
        if key in self._documents_by_path:
            return self._documents_by_path[key]
        Document = get_document_model()
        collection = self._collection()
        filename = posixpath.basename(key)
        with self.source.open_attachment(spec.path) as handle:
            digest = hash_filelike(handle)
            handle.seek(0)
            existing = Document.objects.filter(collection=collection, file_hash=digest).order_by("pk").first()
            if existing is not None:
                self._documents_by_path[key] = existing
                return existing
            document = Document(
                title=spec.title or posixpath.splitext(filename)[0],
                collection=collection,
                uploaded_by_user=self.user if self.user is not None and self.user.is_authenticated else None,
            )
            document.file.save(filename, File(handle, name=filename), save=False)
        self._stored_files.append(document.file.name)
        document.file_size = document.file.size
        document.file_hash = digest
        document.save()
        self._documents_by_path[key] = document
        return document

    def _collection(self):
        if not hasattr(self, "_org_collection"):
            self._org_collection = organisation_collection(self.organisation, self.columns.org_page)
        return self._org_collection

    def _discard_files(self):
        """Stored attachment files are not part of the transaction: remove them."""
        from django.core.files.storage import default_storage

        for name in getattr(self, "_stored_files", []):
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Could not remove the attachment %s of a failed import", name)
        self._stored_files = []
        if hasattr(self, "_org_collection"):
            del self._org_collection


def import_documents(
    organisation, source, *, default_column=None, user=None, dry_run=False, publish=True, today=None, progress=None
):
    """Check `source` and, unless this is a dry run or it has errors, import it.
    Returns the ImportResult (result.written says whether anything was written)."""
    importer = DocumentImporter(
        organisation, default_column=default_column, user=user, publish=publish, today=today, progress=progress
    )
    if dry_run:
        return importer.parse(source, dry_run=True)
    with transaction.atomic():
        # One import per organisation at a time: the checks for documents already
        # present and for 索引号 in use hold until this one commits.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        result = importer.parse(source, dry_run=False)
        return importer.write(result)


class StoredUpload:
    """A file uploaded in the admin, kept in the private upload directory
    (gk_columns.uploads, under `name`) between the preview and its confirmation,
    with the options chosen for it.

    It is checked once: the preview is kept next to the upload, keyed to the
    file's SHA-256 and the options, and every later page of the preview reads it
    back. A changed file, other options or `recheck` check it again. Confirming
    always checks again, against the database as it is then, and writes within
    the same transaction (import_documents)."""

    FORMAT = 1  # of the kept preview: a new one makes older ones be checked again

    def __init__(self, name, filename, organisation, *, default_column="", user=None, publish=True):
        self.name = name
        self.filename = filename
        self.organisation = organisation
        self.options = {"default_column": default_column or "", "user": user, "publish": bool(publish)}

    def _key(self):
        user = self.options["user"]
        return {
            "format": self.FORMAT,
            "sha256": uploads.upload_digest(self.name),
            "organisation": self.organisation.pk,
            "column": self.options["default_column"],
            "publish": self.options["publish"],
            "user": user.pk if user is not None else None,
        }

    def preview(self, *, recheck=False):
        """The ImportPreview of a dry run, from the kept one where it still applies."""
        key = self._key()
        kept = None if recheck else uploads.read_sidecar(self.name)
        if kept and kept.get("key") == key:
            try:
                return ImportPreview.from_dict(kept["preview"])
            except (KeyError, TypeError, ValueError):
                logger.warning("Kept preview of upload %s unreadable; checking the file again", self.name)
        _, preview = self._check(dry_run=True)
        uploads.write_sidecar(self.name, {"key": key, "preview": preview.as_dict()})
        return preview

    def confirm(self):
        """(ImportResult or None, ImportPreview): checked again and written, or
        nothing written; then this check is what the preview shows next."""
        key = self._key()
        result, preview = self._check(dry_run=False)
        if not preview.ok:
            uploads.write_sidecar(self.name, {"key": key, "preview": preview.as_dict()})
        return result, preview

    def _check(self, *, dry_run):
        with uploads.open_upload(self.name) as handle:  # a local file: seekable, as a ZIP package needs
            try:
                source = open_upload(handle, self.filename)
            except ImportSourceError as exc:
                return None, ImportPreview.unreadable(self.filename, str(exc))
            result = import_documents(self.organisation, source, dry_run=dry_run, **self.options)
        return result, ImportPreview.of(result)


def importable_organisations(user):
    """Organisations into whose columns `user` may add documents."""
    from wagtail.permission_policies.pages import PagePermissionPolicy

    organisation_pages = OrganisationPage.objects.select_related("organisation").order_by(
        "organisation__order", "organisation__pk"
    )
    if not user.is_active:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.filter(pk__in=organisation_pages.values("organisation_id"))
    roots = [
        perm.page
        for perm in PagePermissionPolicy().get_cached_permissions_for_user(user)
        if perm.permission.codename == "add_page"
    ]
    allowed = {
        page.organisation_id
        for page in organisation_pages
        if any(page.path.startswith(root.path) or root.path.startswith(page.path) for root in roots)
    }
    return Organisation.objects.filter(pk__in=allowed)
