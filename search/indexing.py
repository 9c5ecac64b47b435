"""Writing pages to the index: what may be indexed, the document of a page,
keeping single pages in step (`sync_pages`, `index_page`, `remove_page`), the
full rebuild with alias swap (`rebuild`) and the database/index comparison
(`index_status`).

Only live, public pages are indexed, and always from the page row, which
Wagtail keeps equal to the LIVE version (drafts live in revisions).

Every document carries a fingerprint: `revision_id` (the live revision it
was made from) and `origin` (`database_origin()`, which database wrote it).
`index_status` compares both with the database, and the search drops hits
whose page is not live and public here (`shown_page_ids`).
"""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.utils import timezone
from elasticsearch import helpers
from wagtail.models import Locale, Page, PageViewRestriction

from . import indices
from .analysis import (
    completion_inputs,
    load_synonym_rules,
    normalise_doc_number,
    pinyin_suffix_tokens,
    title_pinyin,
)
from .client import BULK_TIMEOUT, get_client
from .serializers import registry

# 公开属性 values that keep an item out of the public index. The lifecycle work
# names its values; add any other spelling it uses here.
NON_PUBLIC_DISCLOSURE = {"依申请公开", "不予公开"}

CHUNK_SIZE = 500


class IndexingError(Exception):
    """Elasticsearch refused some documents (not merely unreachable)."""


# -- context -------------------------------------------------------------------------


class IndexContext:
    """What judging and serializing a batch of pages needs, loaded with a fixed
    number of queries per batch: view restrictions, locales, synonym rules and
    the ancestors of the batch's pages."""

    def __init__(self, synonyms=None):
        self.restricted_paths = tuple(PageViewRestriction.objects.values_list("page__path", flat=True))
        self.origin = database_origin()
        self.locales = dict(Locale.objects.values_list("pk", "language_code"))
        self.synonyms = synonyms if synonyms is not None else load_synonym_rules()
        self._by_path = {}
        self.steplen = Page.steplen

    def prepare(self, pages):
        """Load the ancestors of `pages` not loaded yet (a query per ancestor type)."""
        wanted = set()
        for page in pages:
            for depth in range(2, page.depth):
                path = page.path[: depth * self.steplen]
                if path not in self._by_path:
                    wanted.add(path)
        if not wanted:
            return
        for page in Page.objects.filter(path__in=wanted).only("id", "path", "depth", "live", "title"):
            self._by_path[page.path] = page
        for model, related in registry.ancestors.items():
            for page in model.objects.filter(path__in=wanted).select_related(*related):
                self._by_path[page.path] = page

    def ancestors(self, page):
        """Ancestors below the tree root, top first (call prepare() first)."""
        found = []
        for depth in range(2, page.depth):
            ancestor = self._by_path.get(page.path[: depth * self.steplen])
            if ancestor is not None:
                found.append(ancestor)
        return found

    def nearest(self, page, model):
        """The closest ancestor that is a `model` (registered with register_ancestor), or None."""
        for ancestor in reversed(self.ancestors(page)):
            if isinstance(ancestor, model):
                return ancestor
        return None

    def is_restricted(self, page):
        return any(page.path.startswith(path) for path in self.restricted_paths)

    def language_code(self, page):
        return self.locales.get(page.locale_id) or Locale.objects.get(pk=page.locale_id).language_code


# -- what may be indexed ------------------------------------------------------------------


def database_origin():
    """This database's identity in the index (the `origin` of its documents):
    the translation key of the page tree's root, a random UUID Wagtail gives
    each database when it creates the tree and never changes. Two sites whose
    databases write under one index prefix thus tell their documents apart."""
    key = _root_key().first()
    return str(key) if key else ""


def _root_key():
    return Page.objects.filter(depth=1).order_by("path").values_list("translation_key", flat=True)[:1]


def _ancestor_paths(inclusive):
    """Expressions for the tree paths of the ancestors of the outer query's page
    (and its own path when `inclusive`): the prefixes of its path, one per
    possible depth, so that the database finds them through the path index."""
    steplen = Page.steplen
    deepest = Page._meta.get_field("path").max_length // steplen
    return [Substr(OuterRef("path"), 1, steplen * depth) for depth in range(1, deepest + 1 if inclusive else deepest)]


def shown_page_ids(page_ids):
    """{page id: origin} for the pages among `page_ids` that are live and public
    in this database now: live, not an alias, no unpublished ancestor, no view
    restriction on it or an ancestor. One query for all of them; `origin` is
    database_origin(), read in the same query. What the search shows is
    checked with this, because the index may lag behind the database or hold
    another database's documents."""
    ids = {int(pk) for pk in page_ids}
    if not ids:
        return {}
    hidden_ancestor = Page.objects.filter(live=False, depth__lt=OuterRef("depth"), path__in=_ancestor_paths(False))
    restricted = PageViewRestriction.objects.filter(page__path__in=_ancestor_paths(True))
    rows = (
        Page.objects.filter(pk__in=ids, live=True, alias_of__isnull=True)
        .exclude(Exists(hidden_ancestor))
        .exclude(Exists(restricted))
        .annotate(origin=Subquery(_root_key()))
        .values_list("pk", "origin")
    )
    return {pk: str(origin or "") for pk, origin in rows}


def why_not_indexable(page, ctx=None):
    """None when `page` (a specific page instance) belongs in the public index,
    else the reason in Chinese."""
    if page is None:
        return "页面已删除"
    if ctx is None:
        ctx = IndexContext(synonyms=False)
        ctx.prepare([page])
    if registry.get(page) is None:
        return "该页面类型不进入检索"
    if not page.live:
        return "页面未发布"
    if page.alias_of_id:
        return "别名页面（原页面已索引）"
    if getattr(page, "retired", False):
        return "栏目已撤销"
    disclosure = getattr(page, "disclosure_attribute", None)
    if disclosure in NON_PUBLIC_DISCLOSURE:
        return f"公开属性为“{disclosure}”"
    if ctx.is_restricted(page):
        return "页面或其上级设置了访问限制"
    for ancestor in ctx.ancestors(page):
        if not ancestor.live:
            return f"上级页面“{ancestor.title}”未发布"
        if getattr(ancestor, "retired", False):
            return f"所在栏目“{ancestor.title}”已撤销"
    if not page.get_url():
        return "页面不在任何站点之下"
    return None


def is_indexable(page, ctx=None):
    """Whether `page` belongs in the public index: a live page of an indexed
    type, not an alias, not under a view restriction, with every ancestor live,
    not in a retired column, not marked 依申请公开/不予公开 (NON_PUBLIC_DISCLOSURE),
    and reachable at a URL."""
    return why_not_indexable(page, ctx) is None


# -- documents ---------------------------------------------------------------------------


def document_for(page, ctx):
    """The index document (a dict for the bulk API) of an indexable page."""
    indexed_type = registry.get(page)
    data = {
        "body": "",
        "organisation": None,
        "domain": None,
        "column": None,
        "doc_number": "",
        "index_number": "",
        "doc_type": "",
        "topic": "",
        "validity": "",
        "disclosure_attribute": "",
        "published_date": None,
        "written_date": None,
        "tags": [],
    }
    data.update(indexed_type.serializer(page, ctx))
    title = page.title
    syllables, initials = pinyin = title_pinyin(title)
    doc_number = data.pop("doc_number") or ""
    published = data.get("published_date") or timezone.localdate(page.last_published_at or timezone.now())
    data.update(
        {
            "page_id": page.pk,
            # The fingerprint index_status compares with the database.
            "revision_id": page.live_revision_id,
            "origin": ctx.origin,
            "page_type": indexed_type.key,
            "page_type_label": indexed_type.label,
            "title": title,
            "title_pinyin": pinyin_suffix_tokens(syllables),
            "title_initials": pinyin_suffix_tokens(initials),
            "doc_number": normalise_doc_number(doc_number),
            "doc_number_display": doc_number,
            # Kept as assigned (organisation codes may be upper-case credit codes): the
            # keyword normalizer folds case for matching, _source shows it as printed.
            "index_number": (data.get("index_number") or "").strip(),
            "published_date": published,
            "year": published.year,
            "first_published_at": page.first_published_at,
            "last_published_at": page.last_published_at,
            "locale": ctx.language_code(page),
            "url": page.get_url(),
            "path": page.path,
            "ancestor_ids": [a.pk for a in ctx.ancestors(page)],
            "synonyms": ctx.synonyms.expand(title, data["body"]) if ctx.synonyms else [],
            "suggest": {"input": completion_inputs(title, doc_number, pinyin)},
            "indexed_at": timezone.now(),
        }
    )
    return data


def load_pages(page_ids):
    """{id: specific page} for the ids that exist, a query per page type, with
    each type's select_related/prefetch_related."""
    by_type = {}
    for pk, content_type_id in Page.objects.filter(pk__in=page_ids).values_list("pk", "content_type_id"):
        by_type.setdefault(content_type_id, []).append(pk)
    pages = {}
    for content_type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        indexed_type = registry.get(model) if model is not None else None
        if indexed_type is None:
            # Not an indexed type: its base row tells enough (it will be removed).
            for page in Page.objects.filter(pk__in=ids):
                pages[page.pk] = page
            continue
        queryset = model.objects.filter(pk__in=ids)
        if indexed_type.select_related:
            queryset = queryset.select_related(*indexed_type.select_related)
        if indexed_type.prefetch_related:
            queryset = queryset.prefetch_related(*indexed_type.prefetch_related)
        for page in queryset:
            pages[page.pk] = page
    return pages


def candidate_queryset(language_code=None):
    """Pages that may be indexable: live pages of an indexed type, not aliases.
    The remaining checks (restrictions, ancestors, URL) need the context."""
    content_types = ContentType.objects.get_for_models(*registry.models(), for_concrete_models=False).values()
    queryset = Page.objects.filter(content_type__in=list(content_types), live=True, alias_of__isnull=True)
    if language_code is not None:
        queryset = queryset.filter(locale__language_code=language_code)
    return queryset


def chunked_ids(queryset, size=CHUNK_SIZE):
    """Ids of `queryset` in chunks, by primary key (keyset paging: one query a chunk)."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _bulk(client, actions, timeout=None):
    """Run bulk actions; a delete of a missing document is not an error. With
    the client's own timeout unless `timeout` is given (a rebuild's chunks)."""
    if not actions:
        return 0
    if timeout is not None:
        client = client.options(request_timeout=timeout)
    ok, errors = helpers.bulk(client, actions, raise_on_error=False, raise_on_exception=True)
    real = []
    for error in errors:
        (op, detail), = error.items()
        if op == "delete" and detail.get("status") == 404:
            continue
        real.append(error)
    if real:
        raise IndexingError(f"{len(real)} 条索引操作失败，例如：{real[0]}")
    return ok


# -- keeping pages in step ------------------------------------------------------------------


@dataclass
class SyncResult:
    indexed: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    rebuilding: bool = False

    def as_dict(self):
        return {"indexed": self.indexed, "removed": self.removed, "rebuilding": self.rebuilding}


def sync_pages(page_ids, *, client=None, ctx=None, chunk_size=CHUNK_SIZE):
    """Make the index agree with the database for these pages: index the live
    version of each indexable one, remove the others (deleted, unpublished,
    restricted ...) from every locale's index. Raises on Elasticsearch errors."""
    client = client or get_client()
    current = indices.layout(client)
    targets = indices.write_targets(client, current)
    result = SyncResult(rebuilding=any(entry["building"] for entry in current.values()))
    ids = list(dict.fromkeys(int(i) for i in page_ids))
    ctx = ctx or IndexContext()
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        pages = load_pages(chunk)
        ctx.prepare(pages.values())
        actions = []
        for pk in chunk:
            page = pages.get(pk)
            if why_not_indexable(page, ctx) is None:
                code = ctx.language_code(page)
                if not targets.get(code):
                    fingerprint = ctx.synonyms.fingerprint if ctx.synonyms else ""
                    targets[code] = [indices.ensure_alias(code, client, meta={"synonyms": fingerprint})]
                document = document_for(page, ctx)
                for name in targets[code]:
                    actions.append({"_op_type": "index", "_index": name, "_id": str(pk), "_source": document})
                result.indexed.append(pk)
            else:
                for names in targets.values():
                    for name in names:
                        actions.append({"_op_type": "delete", "_index": name, "_id": str(pk)})
                result.removed.append(pk)
        _bulk(client, actions)
    return result


def index_page(page, *, client=None):
    """Index (or, when it is not indexable, remove) one page now."""
    return sync_pages([page.pk], client=client)


def remove_page(page_id, *, client=None):
    """Remove a page's document from every locale's index now."""
    client = client or get_client()
    actions = []
    for names in indices.write_targets(client).values():
        for name in names:
            actions.append({"_op_type": "delete", "_index": name, "_id": str(page_id)})
    _bulk(client, actions)


def subtree_ids(page_id):
    """The page and its descendants as they are now (empty if the page is gone)."""
    path = Page.objects.filter(pk=page_id).values_list("path", flat=True).first()
    if path is None:
        return [page_id]
    return list(Page.objects.filter(path__startswith=path).order_by("path").values_list("pk", flat=True))


# -- rebuild -------------------------------------------------------------------------------


@dataclass
class RebuildResult:
    locale: str
    index: str
    documents: int
    skipped: int
    seconds: float
    replaced: list

    @property
    def rate(self):
        return self.documents / self.seconds if self.seconds else 0.0

    def as_dict(self):
        return {
            "locale": self.locale,
            "index": self.index,
            "documents": self.documents,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "documents_per_second": round(self.rate, 1),
            "replaced": self.replaced,
        }


def locale_codes():
    return list(Locale.objects.order_by("pk").values_list("language_code", flat=True))


def rebuild(language_codes=None, *, client=None, chunk_size=CHUNK_SIZE, progress=None):
    """Build a fresh index per locale from the database, swap the alias to it in
    one atomic call and delete the old index. The alias keeps answering from the
    old index until the swap. Synonym rules are read once, at the start.

    `progress(language_code, done, total, indexed)` is called after each chunk.
    Returns a RebuildResult per locale."""
    from .pending import replay_pending

    client = client or get_client()
    rules = load_synonym_rules()
    results = []
    for code in language_codes or locale_codes():
        started = time.monotonic()
        stale = indices.layout(client).get(code, {}).get("orphans", [])
        indices.delete_indices(stale, client)
        name = indices.create_index(code, client=client, bulk_loading=True, meta={"synonyms": rules.fingerprint})
        try:
            queryset = candidate_queryset(code)
            total = queryset.count()
            ctx = IndexContext(synonyms=rules)
            done = indexed = 0
            if progress:
                progress(code, 0, total, 0)
            # Elasticsearch indexes one chunk while Python serializes the next.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gk-bulk") as pool:
                sending = None
                for ids in chunked_ids(queryset, chunk_size):
                    pages = load_pages(ids)
                    ctx.prepare(pages.values())
                    actions = []
                    for pk in ids:
                        page = pages.get(pk)
                        if why_not_indexable(page, ctx) is None:
                            document = document_for(page, ctx)
                            actions.append({"_op_type": "index", "_index": name, "_id": str(pk), "_source": document})
                    if sending is not None:
                        sending.result()
                    sending = pool.submit(_bulk, client, actions, BULK_TIMEOUT)
                    done += len(ids)
                    indexed += len(actions)
                    if progress:
                        progress(code, done, total, indexed)
                if sending is not None:
                    sending.result()
            client.indices.put_settings(index=name, settings={"index": {"refresh_interval": None}})
            client.indices.refresh(index=name)
            replaced = indices.swap_alias(code, name, client)
        except BaseException:
            indices.delete_indices([name], client)
            raise
        indices.delete_indices(replaced, client)
        results.append(
            RebuildResult(
                locale=code,
                index=name,
                documents=indexed,
                skipped=total - indexed,
                seconds=time.monotonic() - started,
                replaced=replaced,
            )
        )
    # Changes made while loading were kept as pending rows (see search.pending):
    # apply them to the new index now that it is live.
    replay_pending(client=client)
    return results


# -- status ----------------------------------------------------------------------------------


def indexable_revisions(language_code, chunk_size=CHUNK_SIZE):
    """{page id: live revision id} of the pages of a locale that belong in the
    index, by the same rules as indexing."""
    ctx = IndexContext(synonyms=False)
    found = {}
    for ids in chunked_ids(candidate_queryset(language_code), chunk_size):
        pages = load_pages(ids)
        ctx.prepare(pages.values())
        found.update((pk, pages[pk].live_revision_id) for pk in ids if why_not_indexable(pages.get(pk), ctx) is None)
    return found


def indexable_ids(language_code, chunk_size=CHUNK_SIZE):
    """Ids of the pages of a locale that belong in the index, by the same rules as indexing."""
    return set(indexable_revisions(language_code, chunk_size))


FINGERPRINT_FIELDS = ["revision_id", "origin"]


def indexed_fingerprints(alias, client=None):
    """{page id: (revision_id, origin)} of every document under `alias` (None
    for what a document does not carry)."""
    client = client or get_client()
    # Count what was written a moment ago too, not only what the last periodic refresh saw.
    client.indices.refresh(index=alias)
    found = {}
    query = {"query": {"match_all": {}}, "_source": FINGERPRINT_FIELDS}
    for hit in helpers.scan(client, index=alias, query=query, size=1000):
        source = hit.get("_source") or {}
        found[int(hit["_id"])] = (source.get("revision_id"), source.get("origin"))
    return found


def indexed_ids(alias, client=None):
    return set(indexed_fingerprints(alias, client))


def index_status(language_codes=None, *, client=None, sample=20):
    """Compare database and index, per locale:

    {"pending": n, "pending_failed": n, "oldest_pending": iso or None, "in_sync": bool,
     "origin": this database's origin,
     "locales": [{"locale", "alias", "indices", "building", "orphans", "exists",
                  "database", "indexed", "missing_count", "missing", "extra_count",
                  "extra", "stale_count", "stale", "foreign_count", "foreign",
                  "in_sync", "synonyms_current"}]}

    missing: pages that should be searchable but are not; extra: documents that
    should not be there (deleted, unpublished, restricted ...); stale: documents
    of pages that should be there, made from another revision than the live
    one (or without a fingerprint: written before fingerprints existed);
    foreign: documents another database wrote (their origin is not ours:
    two sites share the index prefix). Lists hold at most `sample` ids."""
    from .models import PendingIndexChange

    client = client or get_client()
    current = indices.layout(client)
    codes = language_codes or sorted(set(locale_codes()) | set(current))
    synonyms = load_synonym_rules().fingerprint
    origin = database_origin()
    report = {"locales": [], "origin": origin}
    for code in codes:
        entry = current.get(code, {"alias": indices.alias_name(code), "live": [], "building": [], "orphans": []})
        revisions = indexable_revisions(code)
        fingerprints = indexed_fingerprints(entry["alias"], client) if entry["live"] else {}
        should, have = set(revisions), set(fingerprints)
        missing = sorted(should - have)
        extra = sorted(have - should)
        foreign = sorted(pk for pk, (_, written_by) in fingerprints.items() if written_by and written_by != origin)
        # Ours (or unmarked) but not made from the live revision: an update that never arrived.
        stale = sorted(
            pk
            for pk in should & have
            if not fingerprints[pk][1] or (fingerprints[pk][1] == origin and fingerprints[pk][0] != revisions[pk])
        )
        built_with = None
        if entry["live"]:
            mapping = client.indices.get_mapping(index=entry["alias"]).body
            meta = next(iter(mapping.values()))["mappings"].get("_meta", {}).get("gk", {})
            built_with = meta.get("synonyms", "")
        report["locales"].append(
            {
                "locale": code,
                "alias": entry["alias"],
                "exists": bool(entry["live"]),
                "indices": entry["live"],
                "building": entry["building"],
                "orphans": entry["orphans"],
                "database": len(should),
                "indexed": len(have),
                "missing_count": len(missing),
                "missing": missing[:sample],
                "extra_count": len(extra),
                "extra": extra[:sample],
                "stale_count": len(stale),
                "stale": stale[:sample],
                "foreign_count": len(foreign),
                "foreign": foreign[:sample],
                "in_sync": not missing and not extra and not stale and not foreign,
                # False when editors changed synonyms since the index was built: rebuild to apply.
                "synonyms_current": built_with == synonyms if built_with is not None else None,
            }
        )
    pending = PendingIndexChange.objects.all()
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    report["pending"] = pending.count()
    report["pending_failed"] = pending.filter(Q(attempts__gt=0)).count()
    report["oldest_pending"] = oldest.isoformat() if oldest else None
    report["in_sync"] = all(item["in_sync"] for item in report["locales"]) and report["pending"] == 0
    return report
