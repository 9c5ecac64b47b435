"""Labels of facet and filter values, as the public may read them.

Anybody can ask the search for any value (`/search/api/?column=<any id>`), and
the page echoes the label of a selected value in its facets, its filter chips
and its no-result hints. So a label is only ever taken from something public:

=========== ======================================================================
facet       a value has a label when …
=========== ======================================================================
column      it is the id of a ColumnPage the public index may hold
            (search.indexing.is_indexable: live, not retired, no view
            restriction on it or above it, every ancestor live, on a site)
org         it is the id of an Organisation with such an OrganisationPage
domain      it is the code of a Domain with a live, unrestricted DomainPage
            under such an OrganisationPage
type        it is the key of a registered page type (search.serializers)
doctype     it is a 文种 or a 解读形式 (the fixed vocabularies the serializers write)
topic       it is a 主题分类 (the State Council's classification, public by nature)
validity    it is a 有效性
=========== ======================================================================

Every other value, unknown or naming something not public, has no label, and
nothing tells "does not exist" from "is not public". (The year facet needs no
lookup: its labels are the years themselves.) `search.query.value_label` says
what the page shows for a value without a label.

Labels live in Django's cache (the alias in settings.GK_SEARCH_CACHE, default
"default") for LABEL_MAX_AGE seconds, under a generation token that
`invalidate()` replaces: search.signals calls it when a page, organisation,
domain or topic that labels depend on changes. With a cache per process (the
embedded LocMemCache) another process sees the change when its entries expire;
a shared cache (Redis, Memcached) makes it immediate everywhere.
"""

import hashlib
import logging
import uuid

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)

LABEL_MAX_AGE = 300
_GENERATION_KEY = "gk-search:labels:generation"
# Cached for a value without a label (get_many cannot tell a stored None from a miss everywhere).
_NO_LABEL = ""


def label_cache():
    return caches[getattr(settings, "GK_SEARCH_CACHE", "default")]


def _generation(store):
    token = store.get(_GENERATION_KEY)
    if token is None:
        # A fresh random token, not a counter: a generation key evicted from the
        # cache must never bring back the entries of an earlier generation.
        token = uuid.uuid4().hex[:12]
        if not store.add(_GENERATION_KEY, token, timeout=None):
            token = store.get(_GENERATION_KEY) or token
    return token


def invalidate():
    """Forget every cached label (the old entries expire on their own). Called
    from signal receivers: a failing cache must not fail the editor's save."""
    try:
        label_cache().set(_GENERATION_KEY, uuid.uuid4().hex[:12], timeout=None)
    except Exception:  # noqa: BLE001 — any cache backend's failure; its entries expire within LABEL_MAX_AGE
        logger.warning("无法清除检索标签缓存", exc_info=True)


def _key(generation, name, value):
    # Values are visitors' text: hashed, so that any cache backend accepts the key.
    digest = hashlib.blake2b(f"{name}\x1f{value}".encode(), digest_size=16).hexdigest()
    return f"gk-search:label:{generation}:{digest}"


def public_labels(pairs):
    """{(facet name, value): label} for those of the (facet name, value) pairs
    that have a public label. Values are compared as strings. One cache round
    trip; the database only for values not cached. A cache that fails (a
    shared cache server down) costs the queries, never the answer."""
    pairs = list(dict.fromkeys((name, str(value)) for name, value in pairs))
    if not pairs:
        return {}
    store = label_cache()
    try:
        generation = _generation(store)
        keys = {_key(generation, name, value): (name, value) for name, value in pairs}
        cached = store.get_many(list(keys))
    except Exception:  # noqa: BLE001 — any cache backend's failure: read the database instead
        logger.warning("检索标签缓存不可用，改为直接查询数据库", exc_info=True)
        store, generation, cached = None, "", {}
        keys = {_key(generation, name, value): (name, value) for name, value in pairs}
    found, missing = {}, {}
    for key, (name, value) in keys.items():
        if key in cached:
            if cached[key] != _NO_LABEL:
                found[(name, value)] = cached[key]
        else:
            missing.setdefault(name, []).append(value)
    fresh = {}
    for name, values in missing.items():
        loaded = load_labels(name, values)
        for value in values:
            label = loaded.get(value, _NO_LABEL)
            # Unknown values are remembered too, so that asking again costs no query.
            fresh[_key(generation, name, value)] = label
            if label != _NO_LABEL:
                found[(name, value)] = label
    if fresh and store is not None:
        try:
            store.set_many(fresh, timeout=LABEL_MAX_AGE)
        except Exception:  # noqa: BLE001 — as above: the labels are answered all the same
            logger.warning("无法写入检索标签缓存", exc_info=True)
    return found


def facet_labels(name, values):
    """{value: label} for the values of one facet that have a public label."""
    return {value: label for (_, value), label in public_labels((name, v) for v in values).items()}


# -- where labels come from -----------------------------------------------------------------


def _ids(values):
    return sorted({int(v) for v in values if str(v).isascii() and str(v).isdigit()})


def _index_context(pages):
    from .indexing import IndexContext

    ctx = IndexContext(synonyms=False)
    ctx.prepare(pages)
    return ctx


def column_labels(values):
    from gk_pages.models import ColumnPage

    from .indexing import is_indexable

    pages = list(ColumnPage.objects.live().filter(pk__in=_ids(values), retired=False))
    if not pages:
        return {}
    ctx = _index_context(pages)
    return {str(page.pk): page.title for page in pages if is_indexable(page, ctx)}


def organisation_labels(values):
    from gk_pages.models import OrganisationPage

    from .indexing import is_indexable

    pages = list(OrganisationPage.objects.live().filter(organisation_id__in=_ids(values)).select_related("organisation"))
    if not pages:
        return {}
    ctx = _index_context(pages)
    return {str(page.organisation_id): page.organisation.name for page in pages if is_indexable(page, ctx)}


def domain_labels(values):
    from gk_pages.models import DomainPage, OrganisationPage

    from .indexing import is_indexable

    pages = list(DomainPage.objects.live().filter(domain__code__in=list(values)).select_related("domain"))
    if not pages:
        return {}
    ctx = _index_context(pages)
    found = {}
    for page in pages:
        # Its organisation page being public covers everything above it.
        organisation_page = ctx.nearest(page, OrganisationPage)
        if organisation_page is None or ctx.is_restricted(page) or not is_indexable(organisation_page, ctx):
            continue
        found[page.domain.code] = page.domain.name
    return found


def type_labels(values):
    from .serializers import registry

    types = registry.by_key()
    return {value: types[value].label for value in values if value in types}


def _vocabulary(values, words):
    words = {str(w) for w in words}
    return {value: value for value in values if value in words}


def doc_type_labels(values):
    from gk_pages.disclosure import Genre
    from gk_pages.models import InterpretationForm

    # What the serializers write as doc_type: a document's 文种, an interpretation's 解读形式.
    return _vocabulary(values, [*Genre.labels, *InterpretationForm.labels])


def validity_labels(values):
    from gk_pages.disclosure import Validity

    return _vocabulary(values, Validity.labels)


def topic_labels(values):
    from gk_pages.disclosure import Topic

    # Indexed as str(topic): 综合政务\政务公开, or a first-level name alone.
    names = {str(v).rsplit("\\", 1)[-1] for v in values}
    return _vocabulary(values, [str(t) for t in Topic.objects.filter(name__in=names)])


LABEL_SOURCES = {
    "org": organisation_labels,
    "domain": domain_labels,
    "column": column_labels,
    "type": type_labels,
    "doctype": doc_type_labels,
    "topic": topic_labels,
    "validity": validity_labels,
}


def load_labels(name, values):
    """{value: label} from the database for the values of facet `name` that
    have a public label (a facet without a source has none)."""
    source = LABEL_SOURCES.get(name)
    if source is None or not values:
        return {}
    return {str(value): str(label) for value, label in source(values).items()}
