"""A judged search set of real local-government documents (see SOURCES.md).

`documents()` and `queries()` read documents.jsonl and queries.jsonl next to
this file and check them before handing them out, so that a benchmark or a
search-quality test never runs on a set that lost a document a judgment needs,
mistyped a kind or graded outside 1/2. Anything wrong raises JudgedSetError
naming the file and line.

The set is data only: nothing here imports the portal, so the judgments stay
independent of the search code they are used to measure.
"""

import json
import re
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
DOCUMENTS_FILE = HERE / "documents.jsonl"
QUERIES_FILE = HERE / "queries.jsonl"
DOMAINS_FILE = HERE.parents[2] / "fixtures" / "domains.json"

# The kinds of query the issue asks for, in its order.
KINDS = ("doc_number", "title", "pinyin", "typo", "question")
GRADES = (1, 2)

DOCUMENT_FIELDS = (
    "key",
    "title",
    "doc_number",
    "organisation",
    "published_date",
    "column",
    "domain",
    "body",
    "source",
)
QUERY_FIELDS = ("id", "kind", "query", "judgments", "note")
# Fields some kinds carry so that a query can be re-derived and checked.
KIND_FIELDS = {
    "pinyin": ("word", "style"),
    "typo": ("original", "error"),
}
PINYIN_STYLES = ("full", "initials", "mixed")
TYPO_ERRORS = ("homophone", "shape")

_KEY = re.compile(r"^[a-z][a-z0-9]*-\d{3}$")
_QUERY_ID = re.compile(r"^[a-z][a-z_]*-\d{3}$")

# Every bracket people type around the year of a 文号, folded to 〔〕 (GB/T 9704).
_OPENING = "[(【〖{「『﹝［（〔"
_CLOSING = "])】〗}」』﹞］）〕"
_BRACKETS = str.maketrans({**dict.fromkeys(_OPENING, "〔"), **dict.fromkeys(_CLOSING, "〕")})


class JudgedSetError(ValueError):
    """The judged set's files are not what the loader promises."""


def fold_doc_number(text):
    """A 文号 as typed compared with the printed one: NFKC, no spaces, every
    year bracket 〔〕. 示政办发[2024]3号 and 示政办发〔2024〕3号 fold alike."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).translate(_BRACKETS)


def _read_lines(path):
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as error:
        raise JudgedSetError(f"{path.name}: missing") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise JudgedSetError(f"{path.name}:{number}: blank line")
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise JudgedSetError(f"{path.name}:{number}: not JSON ({error.msg})") from error
        if not isinstance(record, dict):
            raise JudgedSetError(f"{path.name}:{number}: not an object")
        yield number, record


def _domain_codes():
    return {domain["code"] for domain in json.loads(DOMAINS_FILE.read_text(encoding="utf-8"))}


def _text(record, field, where, *, empty=False):
    value = record.get(field)
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise JudgedSetError(f"{where}: {field} must be {'a' if empty else 'a non-empty'} string")
    return value


def load_documents(path=DOCUMENTS_FILE):
    """The documents of `path`, checked (see the module docstring)."""
    domains = _domain_codes()
    documents, sources = {}, set()
    for number, record in _read_lines(path):
        where = f"{path.name}:{number}"
        if tuple(record) != DOCUMENT_FIELDS:
            raise JudgedSetError(f"{where}: fields must be {', '.join(DOCUMENT_FIELDS)} in that order")
        key = _text(record, "key", where)
        if not _KEY.match(key):
            raise JudgedSetError(f"{where}: key {key!r} is not <prefix>-<three digits>")
        if key in documents:
            raise JudgedSetError(f"{where}: key {key} repeated")
        for field in ("title", "organisation", "column", "body"):
            _text(record, field, where)
        doc_number = _text(record, "doc_number", where, empty=True)
        if doc_number and "〔" not in doc_number:
            raise JudgedSetError(f"{where}: doc_number {doc_number!r} is not written with 〔〕")
        published = _text(record, "published_date", where, empty=True)
        if published:
            try:
                date.fromisoformat(published)
            except ValueError as error:
                raise JudgedSetError(f"{where}: published_date {published!r} is not YYYY-MM-DD") from error
        if record["domain"] not in domains:
            raise JudgedSetError(f"{where}: domain {record['domain']!r} is not in fixtures/domains.json")
        source = _text(record, "source", where)
        host = urlsplit(source).hostname or ""
        if urlsplit(source).scheme not in ("http", "https") or not host.endswith(".gov.cn"):
            raise JudgedSetError(f"{where}: source {source!r} is not a government (.gov.cn) page")
        if source in sources:
            raise JudgedSetError(f"{where}: source {source} repeated")
        sources.add(source)
        documents[key] = record
    return list(documents.values())


def load_queries(path=QUERIES_FILE, known_documents=None):
    """The queries of `path`, checked against `known_documents` (default: documents())."""
    keys = {document["key"] for document in (_documents() if known_documents is None else known_documents)}
    queries, ids = [], set()
    for number, record in _read_lines(path):
        where = f"{path.name}:{number}"
        kind = record.get("kind")
        if kind not in KINDS:
            raise JudgedSetError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        expected = QUERY_FIELDS + KIND_FIELDS.get(kind, ())
        if tuple(record) != expected:
            raise JudgedSetError(f"{where}: fields of a {kind} query must be {', '.join(expected)} in that order")
        query_id = _text(record, "id", where)
        if not _QUERY_ID.match(query_id) or not query_id.startswith(f"{kind}-"):
            raise JudgedSetError(f"{where}: id {query_id!r} is not {kind}-<three digits>")
        if query_id in ids:
            raise JudgedSetError(f"{where}: id {query_id} repeated")
        ids.add(query_id)
        _text(record, "query", where)
        _text(record, "note", where)
        judgments = record["judgments"]
        if not isinstance(judgments, dict) or not judgments:
            raise JudgedSetError(f"{where}: judgments must be a non-empty object")
        for key, grade in judgments.items():
            if key not in keys:
                raise JudgedSetError(f"{where}: judged document {key!r} is not in documents.jsonl")
            if type(grade) is not int or grade not in GRADES:
                raise JudgedSetError(f"{where}: grade {grade!r} of {key} is not 1 or 2")
        if 2 not in judgments.values():
            raise JudgedSetError(f"{where}: no document graded 2 (exactly what was sought)")
        if kind == "pinyin":
            _text(record, "word", where)
            if record["style"] not in PINYIN_STYLES:
                raise JudgedSetError(f"{where}: style {record['style']!r} is not one of {', '.join(PINYIN_STYLES)}")
        if kind == "typo":
            _text(record, "original", where)
            if record["error"] not in TYPO_ERRORS:
                raise JudgedSetError(f"{where}: error {record['error']!r} is not one of {', '.join(TYPO_ERRORS)}")
        queries.append(record)
    return queries


@cache
def _documents():
    return tuple(load_documents())


@cache
def _queries():
    return tuple(load_queries(known_documents=_documents()))


def documents():
    """The judged set's documents, checked; a fresh list of shared dicts (do not modify them)."""
    return list(_documents())


def queries():
    """The judged set's queries, checked against documents(); a fresh list."""
    return list(_queries())


def documents_by_key():
    return {document["key"]: document for document in _documents()}
