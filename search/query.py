"""The query side: from structured search parameters to Elasticsearch requests
and back to results the views render.

Nothing the public types reaches `query_string` or `simple_query_string`: text
goes only into `match`, `match_phrase`, `term` and `prefix` clauses, whose
input is data, never syntax.

How a search is answered (`run_search`):

* Text. The query `q` is split into terms at whitespace (a 文号 typed with
  spaces, or pinyin, stays one term), and each earlier query kept in `within`
  (二次搜索) is split the same way. Every term of every level is a `must`
  clause, so adding a `within` level can only narrow the result. A term
  matches when its CJK bigrams occur in the title or the body (all of them for
  short terms, 80% for long ones), when smartcn finds all its words (terms of
  more than four characters), when it is the 文号 or 索引号 (normalised as at
  index time), a tag, or, for Latin letters, a prefix of the title's pinyin
  or initials.
* Ranking: exact 文号/索引号 > title phrase > title > tags > body, with a
  gentle preference for recent items (GK_SEARCH_RECENCY_BOOST, 0 = off) when
  sorting by relevance. The phrase boosts re-rank the best RESCORE_WINDOW
  hits (`rescore`) instead of reading positions for every match.
* Filters (organisation, domain, column, type, 文种, topic, validity, date
  range) are applied as a `post_filter`. Each facet is computed under all the
  filters except its own, so a facet lists the alternatives to its current
  selection with the counts they would give (values of one facet combine with
  OR, facets with AND). With no filter of its own a facet's counts are exactly
  those of the current, refined result set. The facets travel as a second,
  size-0 request in the same `_msearch` as the hits: Elasticsearch runs the
  two in parallel and keeps the facets in its shard request cache, so paging,
  re-sorting or repeating a query does not count them again. Facet and
  filter values are named only by public labels (search.labels, value_label):
  a value naming nothing public is shown as its id, or as UNKNOWN_VALUE.
* Did-you-mean, for queries that found fewer than SPELLING_BELOW: a term
  suggester over the title bigrams proposes single-character corrections;
  each candidate query is checked with a count, and only corrections that
  find at least as much are offered.
* When nothing matches, `drop_hints` counts what each filter or refinement
  would give if removed (one `_msearch` of size-0 requests).
* When Elasticsearch cannot answer, `database_search` gives a simple search
  from the database (see its docstring).
"""

import datetime
import html
import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Q
from django.utils.safestring import mark_safe
from elasticsearch import ApiError, TransportError

from . import indices
from .analysis import (
    completion_key,
    is_pinyin_query,
    looks_like_doc_number,
    normalise_doc_number,
    normalise_index_number,
    normalise_pinyin_query,
)
from .client import NodeUnavailable, guard, search_client
from .labels import public_labels

logger = logging.getLogger(__name__)

PAGE_SIZE = 10
# Elasticsearch's default index.max_result_window: deeper pages need a scroll.
MAX_RESULT_WINDOW = 10000
MAX_PAGE = MAX_RESULT_WINDOW // PAGE_SIZE
# Terms per query text: more would only slow the query down.
MAX_TERMS = 10

EXACT_BOOST = 50.0  # 文号 / 索引号
TITLE_PHRASE_BOOST = 6.0
TITLE_BOOST = 3.0
TAG_BOOST = 2.0
BODY_PHRASE_BOOST = 1.5
BODY_BOOST = 1.0
SYNONYM_BOOST = 0.5
PINYIN_BOOST = 2.0
INITIALS_BOOST = 1.5
# Short terms (up to three bigrams) need all of them; longer ones 80%.
TEXT_MINIMUM_MATCH = "3<80%"
# Terms of more Chinese characters than this also match by smartcn words.
SMART_FROM = 4
# How many of the best hits the phrase boosts re-rank (at least the page shown).
RESCORE_WINDOW = 100

# Corrections are worth a second request only when the query found little.
SPELLING_BELOW = 10
SPELLING_CANDIDATES = 5
SNIPPET_SIZE = 100

SOURCE_FIELDS = [
    "page_id",
    "title",
    "url",
    "published_date",
    "doc_number_display",
    "index_number",
    "organisation.name",
    "column.title",
    "page_type",
    "page_type_label",
    "doc_type",
    "validity",
    "origin",
]


class SearchUnavailable(Exception):
    """Elasticsearch could not answer (down, timed out, index missing, refused)."""


# -- parameters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    """A facet and filter. The labels of its values come from search.labels,
    never from the request or straight from the index: the current name of
    something public, or none (value_label says what is shown then)."""

    name: str  # URL parameter and key in the API's "facets"
    label: str
    field: str
    integer: bool = False  # values are ids
    size: int = 30


FACETS = (
    Facet("org", "发布机构", "organisation.id", integer=True),
    Facet("domain", "领域", "domain.code"),
    Facet("column", "栏目", "column.id", integer=True),
    Facet("type", "信息类别", "page_type", size=10),
    Facet("doctype", "文种", "doc_type", size=20),
    Facet("topic", "主题分类", "topic"),
    Facet("validity", "有效性", "validity", size=10),
)
FACETS_BY_NAME = {f.name: f for f in FACETS}
# The year facet filters through the date range (from/to), not a parameter of its own.
YEAR_FACET = "year"
YEAR_LABEL = "年份"
FACET_ORDER = ("org", "domain", "column", "type", "doctype", "topic", YEAR_FACET, "validity")
SORTS = {"relevance": "相关度", "date": "发布日期"}
TOTAL_AGG = "total"


@dataclass(frozen=True)
class SearchParams:
    """A validated search (see search.forms for the URL contract)."""

    q: str = ""
    within: tuple = ()
    filters: tuple = ()  # ((facet name, (values …)), …) in FACETS order, only non-empty
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def build(cls, q="", within=(), filters=None, date_from=None, date_to=None, sort="relevance", page=1):
        filters = filters or {}
        ordered = tuple((f.name, tuple(filters[f.name])) for f in FACETS if filters.get(f.name))
        return cls(q or "", tuple(within or ()), ordered, date_from, date_to, sort or "relevance", page or 1)

    @property
    def filter_map(self):
        return dict(self.filters)

    def values(self, name):
        return self.filter_map.get(name, ())

    @property
    def texts(self):
        """The query texts, outermost refinement first: within…, then q."""
        return [t for t in (*self.within, self.q) if t]

    @property
    def has_text(self):
        return bool(self.texts)

    @property
    def has_date_range(self):
        return self.date_from is not None or self.date_to is not None

    def is_empty(self):
        return not self.has_text and not self.filters and not self.has_date_range

    def but(self, **changes):
        """A copy with changes; `filters` may be given as a dict. Resets the page unless given."""
        changes.setdefault("page", 1)
        if isinstance(changes.get("filters"), dict):
            data = changes["filters"]
            changes["filters"] = tuple((f.name, tuple(data[f.name])) for f in FACETS if data.get(f.name))
        return replace(self, **changes)

    def with_filter(self, name, values):
        data = self.filter_map
        data[name] = tuple(values)
        return self.but(filters=data)

    def query_items(self):
        """The canonical URL parameters, as (name, value) pairs."""
        items = []
        if self.q:
            items.append(("q", self.q))
        items += [("within", w) for w in self.within]
        for name, values in self.filters:
            items += [(name, str(v)) for v in values]
        if self.date_from:
            items.append(("from", self.date_from.isoformat()))
        if self.date_to:
            items.append(("to", self.date_to.isoformat()))
        if self.sort != "relevance":
            items.append(("sort", self.sort))
        if self.page > 1:
            items.append(("page", str(self.page)))
        return items


# -- text ---------------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")


def query_terms(text):
    """The terms of one query text. A 文号 or pinyin stays whole ("聊政办发 〔2021〕 5 号",
    "yiwu jiaoyu"); anything else splits at whitespace, at most MAX_TERMS terms."""
    text = _WHITESPACE.sub(" ", text or "").strip()
    if not text:
        return []
    if looks_like_doc_number(text) or is_pinyin_query(text):
        return [text]
    return text.split(" ")[:MAX_TERMS]


def term_clause(term):
    """The clause one term must satisfy, scored by where it matched. Phrase
    boosts are not here but in `rescore` (phrase_clauses): reading positions
    for every match of a common term is the costliest part of a query."""
    should = [
        {
            "multi_match": {
                "query": term,
                "fields": [f"title^{TITLE_BOOST}", f"body^{BODY_BOOST}", f"synonyms^{SYNONYM_BOOST}", "doc_number.text^2"],
                "type": "best_fields",
                "tie_breaker": 0.3,
                "minimum_should_match": TEXT_MINIMUM_MATCH,
            }
        },
        {"term": {"tags": {"value": term, "boost": TAG_BOOST}}},
    ]
    if _han_count(term) > SMART_FROM:
        # A long term need not match all its bigrams; smartcn words then find
        # "义务教育阶段招生" for "义务教育招生". (Without the plugin the .smart
        # fields are absent and this matches nothing.)
        should.append({"multi_match": {"query": term, "fields": ["title.smart^1.5", "body.smart^0.5"], "operator": "and"}})
    doc_number = normalise_doc_number(term)
    if doc_number:
        should.append({"term": {"doc_number": {"value": doc_number, "boost": EXACT_BOOST}}})
    index_number = normalise_index_number(term)
    if index_number:
        should.append({"term": {"index_number": {"value": index_number, "boost": EXACT_BOOST}}})
    if is_pinyin_query(term):
        pinyin = normalise_pinyin_query(term)
        if len(pinyin) >= 2:
            should.append({"prefix": {"title_pinyin": {"value": pinyin, "boost": PINYIN_BOOST}}})
            should.append({"prefix": {"title_initials": {"value": pinyin, "boost": INITIALS_BOOST}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _han_count(text):
    return sum(1 for c in text if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff")


def text_clauses(params):
    return [term_clause(term) for text in params.texts for term in query_terms(text)]


def phrases(params):
    """The terms of every level as they appear in text: 文号 normalised,
    pinyin left out (it is not in the text)."""
    found = []
    for text in params.texts:
        for term in query_terms(text):
            if not is_pinyin_query(term):
                found.append(normalise_doc_number(term) if looks_like_doc_number(term) else term)
    return found


def phrase_clauses(params):
    """Boosts for terms found as phrases, title above body (for rescore)."""
    clauses = []
    for phrase in phrases(params):
        clauses.append({"match_phrase": {"title": {"query": phrase, "boost": TITLE_PHRASE_BOOST}}})
        clauses.append({"match_phrase": {"body": {"query": phrase, "boost": BODY_PHRASE_BOOST}}})
    return clauses


# -- filters and facets ----------------------------------------------------------------------------


def filter_clauses(params):
    """{facet name: clause} for every active filter; the date range under YEAR_FACET."""
    clauses = {}
    for name, values in params.filters:
        clauses[name] = {"terms": {FACETS_BY_NAME[name].field: list(values)}}
    if params.has_date_range:
        bounds = {}
        if params.date_from:
            bounds["gte"] = params.date_from.isoformat()
        if params.date_to:
            bounds["lte"] = params.date_to.isoformat()
        clauses[YEAR_FACET] = {"range": {"published_date": bounds}}
    return clauses


def _bool_filter(clauses):
    return {"bool": {"filter": clauses}}


def facet_aggregations(params):
    """One aggregation per facet, each under every filter but its own."""
    clauses = filter_clauses(params)
    aggs = {}
    for facet in FACETS:
        terms = {"field": facet.field, "size": facet.size}
        if not facet.integer:
            terms["exclude"] = [""]
        values = {"terms": terms}
        others = [c for name, c in clauses.items() if name != facet.name]
        aggs[facet.name] = {"filter": _bool_filter(others), "aggs": {"values": values}}
    others = [c for name, c in clauses.items() if name != YEAR_FACET]
    aggs[YEAR_FACET] = {
        "filter": _bool_filter(others),
        "aggs": {"values": {"terms": {"field": "year", "size": 50, "order": {"_key": "desc"}}}},
    }
    # Under every filter: the number of hits, so that the hits request need not count.
    aggs[TOTAL_AGG] = {"filter": _bool_filter(list(clauses.values()))}
    return aggs


# -- the request -------------------------------------------------------------------------------------


def recency_boost():
    return float(getattr(settings, "GK_SEARCH_RECENCY_BOOST", 1.0))


def base_query(params):
    """The scored query: text terms (must), never anything non-public."""
    from .indexing import NON_PUBLIC_DISCLOSURE

    must = text_clauses(params)
    query = {"bool": {"must": must or [{"match_all": {}}]}}
    # Defence in depth: such documents are never written, but must never show either.
    query["bool"]["must_not"] = [{"terms": {"disclosure_attribute": sorted(NON_PUBLIC_DISCLOSURE)}}]
    boost = recency_boost()
    if must and params.sort == "relevance" and boost > 0:
        query["bool"]["should"] = [
            {"distance_feature": {"field": "published_date", "origin": "now", "pivot": "365d", "boost": boost}}
        ]
    return query


def sort_clause(params):
    if params.sort == "date":
        return [{"published_date": {"order": "desc"}}, "_score", {"page_id": {"order": "desc"}}]
    return ["_score", {"published_date": {"order": "desc"}}, {"page_id": {"order": "desc"}}]


def spelling_text(params):
    """The text worth a spelling suggestion, or "" (文号 and pinyin are not words)."""
    q = params.q
    if len(q) < 2 or looks_like_doc_number(q) or is_pinyin_query(q):
        return ""
    return q


def build_bodies(params, *, facets=True, highlight=True):
    """The requests one search sends together in an _msearch: the hits, and the
    facets. Apart, Elasticsearch runs them in parallel, and the facets request
    (size 0, no clock-dependent clause) is kept in its shard request cache, so
    that the next page, another sort order or the same query again reuse it."""
    hits = build_body(params, facets=False, highlight=highlight)
    if not facets:
        return [hits]
    # The facets request counts every hit anyway (its "total" aggregation); the
    # hits request can then skip documents that cannot reach the page shown.
    hits["track_total_hits"] = False
    return [hits, facets_body(params)]


def facets_body(params):
    return {
        "query": base_query(params.but(sort="date")),
        "size": 0,
        "track_total_hits": False,
        "aggs": facet_aggregations(params),
    }


def build_body(params, *, size=PAGE_SIZE, facets=True, highlight=True):
    """The _search request body for `params` (page `params.page`), with the
    facets as aggregations when `facets` (build_bodies splits them off)."""
    start = (params.page - 1) * size
    body = {
        "query": base_query(params),
        "from": start,
        "size": size,
        "track_total_hits": True,
        "_source": SOURCE_FIELDS,
    }
    boosts = phrase_clauses(params) if params.sort == "relevance" else []
    if boosts:
        # Rescoring sorts by score itself (Elasticsearch refuses an explicit sort with it).
        body["rescore"] = {
            "window_size": max(RESCORE_WINDOW, start + size),
            "query": {"rescore_query": {"bool": {"should": boosts}}},
        }
    else:
        body["sort"] = sort_clause(params)
    clauses = filter_clauses(params)
    if clauses:
        body["post_filter"] = _bool_filter(list(clauses.values()))
    if facets:
        body["aggs"] = facet_aggregations(params)
    if highlight and params.has_text:
        body["highlight"] = highlight_section(params)
    return body


def highlight_section(params):
    """Highlight the terms as phrases, in title and body only. A query of its
    own keeps the highlighter from re-reading every clause of the scored query
    (5–10 ms less per request), and marks 义务教育 rather than each bigram."""
    marks = [{"match_phrase": {field: {"query": phrase}}} for phrase in phrases(params) for field in ("title", "body")]
    section = {
        "encoder": "html",
        "pre_tags": ["<em>"],
        "post_tags": ["</em>"],
        "fields": {
            "title": {"number_of_fragments": 0},
            "body": {"fragment_size": SNIPPET_SIZE, "number_of_fragments": 1, "no_match_size": SNIPPET_SIZE},
        },
    }
    # Pinyin alone marks nothing: the body's beginning is shown.
    section["highlight_query"] = {"bool": {"should": marks}} if marks else {"match_none": {}}
    return section


def suggest_body(text):
    """A request for spelling suggestions only: a term suggester over the
    title's bigrams, for bigrams of `text` missing from the index."""
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"match_none": {}},
        "suggest": {
            "text": text,
            "spelling": {
                "term": {
                    "field": "title",
                    "analyzer": "gk_text_search",
                    "suggest_mode": "missing",
                    "min_word_length": 2,
                    "prefix_length": 0,
                    "max_edits": 1,
                    "size": 5,
                }
            },
        },
    }


def count_body(params):
    """A size-0 request counting what `params` finds (no scoring extras)."""
    body = {"query": base_query(params.but(sort="date")), "size": 0, "track_total_hits": True}
    clauses = filter_clauses(params)
    if clauses:
        body["query"]["bool"]["filter"] = list(clauses.values())
    return body


def search_language():
    """The language searched: its locale's index (alias) and, when Elasticsearch does
    not answer, its locale's pages (database_search). Other languages have indexes of
    their own and are not mixed into the results."""
    return settings.LANGUAGE_CODE


def alias():
    return indices.alias_name(search_language())


def _call(method, **kwargs):
    # search_client: GK_SEARCH_TIMEOUT, no retries; the breaker answers at once
    # (NodeUnavailable) while the node is known not to answer.
    try:
        with guard():
            response = getattr(search_client(), method)(index=alias(), **kwargs)
    except (ApiError, TransportError, NodeUnavailable) as exc:
        raise SearchUnavailable(f"{type(exc).__name__}: {exc}") from exc
    return response.body if hasattr(response, "body") else response


def msearch_responses(bodies):
    """The responses of `bodies` sent in one _msearch (a failed one is {"error": …})."""
    if not bodies:
        return []
    searches = []
    for body in bodies:
        searches += [{}, body]
    return _call("msearch", searches=searches)["responses"]


def msearch(bodies):
    """Run size-0 count bodies in one request; a failed one counts as None."""
    return [
        r.get("hits", {}).get("total", {}).get("value") if "error" not in r else None
        for r in msearch_responses(bodies)
    ]


# -- results ------------------------------------------------------------------------------------------


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False

    def as_dict(self):
        return {"value": self.value, "label": self.label, "count": self.count, "selected": self.selected}


@dataclass
class FacetResult:
    name: str
    label: str
    values: list

    @property
    def selected(self):
        return [v for v in self.values if v.selected]


@dataclass
class Hit:
    page_id: int
    title: str
    url: str
    title_html: str
    snippet_html: str
    date: str | None
    doc_number: str = ""
    index_number: str = ""
    org: str = ""
    column: str = ""
    type: str = ""
    type_label: str = ""
    doc_type: str = ""
    validity: str = ""

    def as_dict(self):
        return {
            "id": self.page_id,
            "title": self.title,
            "url": self.url,
            "highlight": {"title": str(self.title_html), "snippet": str(self.snippet_html)},
            "date": self.date,
            "doc_number": self.doc_number,
            "index_number": self.index_number,
            "org": self.org,
            "column": self.column,
            "type": self.type_label,
            "doc_type": self.doc_type,
        }


@dataclass
class SearchResult:
    params: SearchParams
    total: int = 0
    hits: list = field(default_factory=list)
    facets: list = field(default_factory=list)  # FacetResult in FACET_ORDER
    corrections: list = field(default_factory=list)  # (query text, count)
    page: int = 1  # the page shown (a page past the end shows the last one)
    took_ms: int = 0
    degraded: bool = False
    # Degraded mode looks at a bounded number of candidates: the total is then a lower bound.
    truncated: bool = False

    @property
    def last_page(self):
        return max(1, min(MAX_PAGE, -(-self.total // PAGE_SIZE)))

    def facets_dict(self):
        return {f.name: [v.as_dict() for v in f.values] for f in self.facets}


def _hit(source, highlight):
    title = source.get("title") or ""
    title_html = (highlight.get("title") or [None])[0] or html.escape(title)
    snippet_html = (highlight.get("body") or [""])[0]
    return Hit(
        page_id=int(source.get("page_id") or 0),
        title=title,
        url=source.get("url") or "",
        title_html=mark_safe(title_html),
        snippet_html=mark_safe(snippet_html),
        date=source.get("published_date"),
        doc_number=source.get("doc_number_display") or "",
        index_number=source.get("index_number") or "",
        org=(source.get("organisation") or {}).get("name") or "",
        column=(source.get("column") or {}).get("title") or "",
        type=source.get("page_type") or "",
        type_label=source.get("page_type_label") or "",
        doc_type=source.get("doc_type") or "",
        validity=source.get("validity") or "",
    )


def shown_hits(hits):
    """The hits (Elasticsearch hits or completion options) whose page is live
    and public in this database now and that this database wrote, in order.
    One query for all of them (search.indexing.shown_page_ids): the index may
    lag behind the database (a change still pending or lost) or hold another
    site's documents under a shared prefix. Documents written before they
    carried an origin count as this database's."""
    from .indexing import shown_page_ids

    if not hits:
        return []
    ids = {_hit_page_id(h) for h in hits} - {None}
    shown = shown_page_ids(ids) if ids else {}
    kept = []
    for h in hits:
        pk = _hit_page_id(h)
        origin = (h.get("_source") or {}).get("origin")
        if pk in shown and (not origin or origin == shown[pk]):
            kept.append(h)
    if len(kept) < len(hits):
        logger.warning(
            "检索结果中 %d 条的页面在本库未发布、不公开或由其他数据库写入，已略去（gk search-index status 可核对）",
            len(hits) - len(kept),
        )
    return kept


def _hit_page_id(hit):
    try:
        return int(hit.get("_id"))
    except (TypeError, ValueError):
        return None


UNKNOWN_VALUE = "无法识别的筛选值"


def value_label(name, value, label=None):
    """What the page says for a value of facet `name`: its public label
    (search.labels), else the id itself for an id facet, else a fixed text;
    never the visitor's own text, and the same whether the value is unknown or
    names something not public."""
    if label:
        return label
    facet = FACETS_BY_NAME.get(name)
    if facet is not None and facet.integer and str(value).isascii() and str(value).isdigit():
        return str(value)
    return UNKNOWN_VALUE


def selected_labels(params, facets=()):
    """{(facet name, value): text} for every filter value of `params`, taken from
    computed facets (FacetResult list) when there are some, else looked up."""
    shown = {(f.name, v.value): v.label for f in facets for v in f.values}
    wanted = [(name, str(v)) for name, values in params.filters for v in values]
    missing = [pair for pair in wanted if pair not in shown]
    found = public_labels(missing) if missing else {}
    return {pair: shown.get(pair) or value_label(pair[0], pair[1], found.get(pair)) for pair in wanted}


def year_bounds(year):
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _facets(params, aggregations):
    buckets, absent = {}, {}
    for facet in FACETS:
        buckets[facet.name] = aggregations.get(facet.name, {}).get("values", {}).get("buckets", [])
        present = {str(b["key"]) for b in buckets[facet.name]}
        # A selected value with no documents still shows, so that it can be removed.
        absent[facet.name] = [str(v) for v in params.values(facet.name) if str(v) not in present]
    # Every facet's labels in one cache round trip.
    labels = public_labels(
        (facet.name, str(value))
        for facet in FACETS
        for value in [b["key"] for b in buckets[facet.name]] + absent[facet.name]
    )
    found = {}
    for facet in FACETS:
        selected = {str(v) for v in params.values(facet.name)}
        values = []
        for b in buckets[facet.name]:
            value = str(b["key"])
            label = labels.get((facet.name, value))
            if label is None and value not in selected:
                # In the index but not (or no longer) public: nothing to offer.
                continue
            values.append(FacetValue(value, value_label(facet.name, value, label), int(b["doc_count"]), value in selected))
        values += [
            FacetValue(v, value_label(facet.name, v, labels.get((facet.name, v))), 0, True) for v in absent[facet.name]
        ]
        found[facet.name] = FacetResult(facet.name, facet.label, values)
    buckets = aggregations.get(YEAR_FACET, {}).get("values", {}).get("buckets", [])
    years = []
    for b in buckets:
        start, end = year_bounds(int(b["key"]))
        chosen = params.date_from == start and params.date_to == end
        years.append(FacetValue(str(b["key"]), f"{b['key']}年", int(b["doc_count"]), chosen))
    found[YEAR_FACET] = FacetResult(YEAR_FACET, YEAR_LABEL, years)
    return [found[name] for name in FACET_ORDER]


def execute(params, *, facets=True, spelling=True):
    """Run the search in Elasticsearch. Raises SearchUnavailable."""
    responses = msearch_responses(build_bodies(params, facets=facets))
    response = responses[0]
    if "error" in response:
        raise SearchUnavailable(str(response["error"])[:500])
    result = SearchResult(params=params, page=params.page, took_ms=response.get("took", 0))
    result.hits = [_hit(h.get("_source", {}), h.get("highlight", {})) for h in shown_hits(response["hits"]["hits"])]
    if facets:
        if "error" in responses[1]:
            raise SearchUnavailable(str(responses[1]["error"])[:500])
        aggregations = responses[1].get("aggregations", {})
        result.total = aggregations[TOTAL_AGG]["doc_count"]
        result.facets = _facets(params, aggregations)
    else:
        result.total = response["hits"]["total"]["value"]
    text = spelling_text(params) if spelling and result.total < SPELLING_BELOW else ""
    if text:
        # Only for queries that found little: most searches need no second request.
        try:
            suggested = _call("search", **suggest_body(text))
        except SearchUnavailable:
            return result
        result.corrections = corrections(params, suggested.get("suggest", {}).get("spelling", []), result.total)
    return result


# -- did you mean ---------------------------------------------------------------------------------------


def correction_candidates(text, entries, limit=SPELLING_CANDIDATES):
    """Whole-query corrections from term-suggester entries over bigrams.

    An entry is a bigram (or a Latin word) of `text` missing from the index,
    with options that are in it. A bigram option differing in one character
    gives a candidate with that character replaced; a word option replaces
    the word. Candidates supported by more entries and more frequent options
    come first."""
    scores = {}
    for entry in entries:
        start, length, original = entry["offset"], entry["length"], entry["text"]
        for option in entry.get("options", []):
            replacement = option["text"]
            if replacement == original or length != len(original):
                continue
            if text[start : start + length].lower() != original.lower():
                continue
            if _is_han(original):
                # A bigram: one character replaced, the other kept.
                if len(replacement) != len(original):
                    continue
                if sum(1 for a, b in zip(original, replacement, strict=False) if a != b) != 1:
                    continue
            candidate = text[:start] + replacement + text[start + length :]
            supported, frequency = scores.get(candidate, (0, 0))
            scores[candidate] = (supported + 1, max(frequency, option.get("freq", 0)))
    ordered = sorted(scores.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    return [candidate for candidate, _ in ordered[:limit] if candidate != text]


def _is_han(text):
    return all(unicodedata.name(c, "").startswith("CJK") for c in text)


def corrections(params, entries, total):
    """[(corrected q, count)] for candidates that find at least as much as the
    query (and something), best first. A typo can still find a little through
    its other bigrams; the correction is offered all the same."""
    candidates = correction_candidates(params.q, entries)
    if not candidates:
        return []
    try:
        counts = msearch([count_body(params.but(q=c)) for c in candidates])
    except SearchUnavailable:
        return []
    found = [(c, n) for c, n in zip(candidates, counts, strict=False) if n and n >= total]
    found.sort(key=lambda item: -item[1])
    return found[:3]


# -- when nothing matches ----------------------------------------------------------------------------------


ALL_FILTERS = "全部筛选条件"


@dataclass
class DropHint:
    label: str  # what to remove, as people read it
    params: SearchParams  # the search without it
    count: int


def removals(params, labels=None):
    """[(label, params without it)] for each refinement and filter of `params`.
    `labels` maps (facet name, value) to the label shown (selected_labels); a
    value without one is named by value_label."""
    labels = labels or {}
    found = []
    texts = params.texts
    if len(texts) > 1:
        for i, text in enumerate(params.within):
            found.append((f"在结果中搜索“{text}”", params.but(within=params.within[:i] + params.within[i + 1 :])))
        found.append((f"关键词“{params.q}”", params.but(q=params.within[-1], within=params.within[:-1])))
    for name, values in params.filters:
        facet = FACETS_BY_NAME[name]
        shown = "、".join(labels.get((name, str(v))) or value_label(name, v) for v in values)
        found.append((f"{facet.label}：{shown}", params.with_filter(name, ())))
    if params.has_date_range:
        found.append((f"发布日期：{date_range_label(params)}", params.but(date_from=None, date_to=None)))
    if len(params.filters) + params.has_date_range > 1:
        # Each filter may be enough to empty the result on its own.
        found.append((ALL_FILTERS, params.but(filters={}, date_from=None, date_to=None)))
    return found


def date_range_label(params):
    start = params.date_from.isoformat() if params.date_from else "不限"
    end = params.date_to.isoformat() if params.date_to else "不限"
    if params.date_from and params.date_to and (params.date_from, params.date_to) == year_bounds(params.date_from.year):
        return f"{params.date_from.year}年"
    return f"{start} 至 {end}"


def drop_hints(params, labels=None):
    """What removing each refinement or filter would find (only those that find something)."""
    options = removals(params, labels)
    if not options:
        return []
    counts = msearch([count_body(p) for _, p in options])
    hints = [DropHint(label, p, n) for (label, p), n in zip(options, counts, strict=False) if n]
    if len(hints) > 1 and hints[-1].label == ALL_FILTERS:
        # Only worth saying when no single removal helps.
        hints.pop()
    return hints


# -- completion -------------------------------------------------------------------------------------------


def complete(prefix, size=8):
    """Search-as-you-type: titles whose start (or whose start after 关于…, pinyin,
    initials or 文号) is `prefix`. [{"text", "url"}]."""
    key = completion_key(prefix)
    if not key:
        return []
    response = _call(
        "search",
        suggest={"titles": {"prefix": key[:50], "completion": {"field": "suggest", "size": size, "skip_duplicates": True}}},
        source=["title", "url", "origin"],
        size=0,
    )
    options = shown_hits(response.get("suggest", {}).get("titles", [{}])[0].get("options", []))
    return [{"text": o["_source"].get("title", ""), "url": o["_source"].get("url", "")} for o in options]


# -- degraded mode: the database ------------------------------------------------------------------------------

# How many candidate pages the database search looks at. Enough for a
# temporary fallback; the total shown is then "at least".
DB_CANDIDATE_LIMIT = 500


def _backend_ids(term, limit):
    """Ids Wagtail's database search backend finds for `term`. Its SQLite and
    PostgreSQL backends index a run of Chinese characters as one token, so it
    finds whole titles and Latin words but rarely Chinese words; the substring
    match in database_search covers those."""
    from wagtail.models import Page

    try:
        return [page.pk for page in Page.objects.live().search(term)[:limit]]
    except Exception:  # a backend that cannot parse the text finds nothing
        logger.warning("数据库检索后端无法处理检索词", exc_info=True)
        return []


def _term_q(term, limit):
    from gk_pages.models import DocumentPage

    variants = {term, normalise_doc_number(term)} - {""}
    documents = Q()
    for variant in variants:
        documents |= Q(body__icontains=variant)
        if _has_field(DocumentPage, "doc_number"):
            documents |= Q(doc_number__icontains=variant)
    matched = DocumentPage.objects.filter(documents).values("pk")
    return Q(title__icontains=term) | Q(pk__in=matched) | Q(pk__in=_backend_ids(term, limit))


def _has_field(model, name):
    try:
        model._meta.get_field(name)
    except Exception:  # noqa: BLE001 — any failure means no
        return False
    return True


def _matches_filters(document, params):
    for name, values in params.filters:
        facet = FACETS_BY_NAME[name]
        head, _, tail = facet.field.partition(".")
        value = document.get(head)
        if tail:
            value = (value or {}).get(tail) if isinstance(value, dict) else None
        if value is None or str(value) not in {str(v) for v in values}:
            return False
    published = document.get("published_date")
    if params.date_from and (published is None or published < params.date_from):
        return False
    if params.date_to and (published is None or published > params.date_to):
        return False
    return True


def _highlight(text, terms):
    escaped = html.escape(text)
    for term in sorted({html.escape(t) for t in terms if t}, key=len, reverse=True):
        escaped = re.sub(re.escape(term), lambda m: f"<em>{m.group(0)}</em>", escaped, flags=re.IGNORECASE)
    return escaped


def _snippet(body, terms, size=120):
    if not body:
        return ""
    lowered = body.lower()
    positions = [lowered.find(t.lower()) for t in terms if t and t.lower() in lowered]
    start = max(0, min(positions) - size // 3) if positions else 0
    text = body[start : start + size]
    return ("…" if start else "") + _highlight(text, terms) + ("…" if start + size < len(body) else "")


def database_search(params, limit=DB_CANDIDATE_LIMIT):
    """The simple search used when Elasticsearch cannot answer.

    Candidates are live, public pages of the indexed types in the language searched
    (search_language, as Elasticsearch searches that language's index) whose title, body
    or 文号 contains every term of every level (AND, so `within` still
    narrows), or that Wagtail's database search backend finds for the term;
    at most `limit` of them, newest first. Each is then judged by the index's
    own rule (search.indexing.is_indexable: nothing non-public is shown) and
    serialized as for the index, so that the filters apply as usual. Results
    rank titles containing more terms first, then newer. No facets."""
    from wagtail.models import Page

    from .indexing import IndexContext, document_for, is_indexable, load_pages
    from .serializers import registry

    terms = [term for text in params.texts for term in query_terms(text)]
    queryset = (
        Page.objects.live()
        .public()
        .type(*registry.models())
        .filter(alias_of__isnull=True, locale__language_code__iexact=search_language())
    )
    for term in terms:
        queryset = queryset.filter(_term_q(term, limit))
    ids = list(queryset.order_by("-last_published_at", "-pk").values_list("pk", flat=True)[: limit + 1])
    truncated = len(ids) > limit
    ids = ids[:limit]
    pages = load_pages(ids)
    ctx = IndexContext(synonyms=False)
    ctx.prepare(pages.values())
    documents = []
    for pk in ids:
        page = pages.get(pk)
        if page is None or not is_indexable(page, ctx):
            continue
        document = document_for(page, ctx)
        if _matches_filters(document, params):
            documents.append(document)

    def in_title(document):
        title = document["title"].lower()
        return sum(1 for t in terms if t.lower() in title)

    if params.sort == "date":
        documents.sort(key=lambda d: (d["published_date"], d["page_id"]), reverse=True)
    else:
        documents.sort(key=lambda d: (in_title(d), d["published_date"], d["page_id"]), reverse=True)
    result = SearchResult(params=params, total=len(documents), degraded=True, truncated=truncated)
    page_number = result.page = min(params.page, result.last_page)
    chosen = documents[(page_number - 1) * PAGE_SIZE : page_number * PAGE_SIZE]
    for document in chosen:
        source = {
            **document,
            "published_date": document["published_date"].isoformat() if document.get("published_date") else None,
            "doc_number_display": document.get("doc_number_display", ""),
        }
        highlight = {"title": [_highlight(document["title"], terms)], "body": [_snippet(document.get("body", ""), terms)]}
        result.hits.append(_hit(source, highlight))
    return result


# -- one entry point ---------------------------------------------------------------------------------------


def run_search(params, *, facets=True, spelling=True):
    """Elasticsearch when it answers, else the database (result.degraded).
    A page past the end of the results shows the last page (result.page)."""
    try:
        result = execute(params, facets=facets, spelling=spelling)
        if not result.hits and result.total and params.page > result.last_page:
            result = execute(params.but(page=result.last_page), facets=facets, spelling=spelling)
            result.params = params
        return result
    except SearchUnavailable as exc:
        # While the breaker is open every search lands here: the breaker logged the cause once.
        level = logging.DEBUG if isinstance(exc.__cause__, NodeUnavailable) else logging.WARNING
        logger.log(level, "全文检索不可用，改用数据库检索：%s", exc)
        return database_search(params)
