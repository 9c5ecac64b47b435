"""The index document and its analysis (elasticsearch-dsl).

One document per live public page of an indexed type (see search.serializers),
id = the page id. Field reference for the query side:

================================ =============================================================
field                            meaning / how to query
================================ =============================================================
page_id, page_type,              Wagtail page id; registry key ("document", "column",
page_type_label                  "organisation", "interpretation"); its Chinese label
title                            text, CJK bigrams (gk_text); .raw keyword; .smart smartcn words
title_pinyin, title_initials     pinyin of the title as suffix tokens with indexed prefixes:
                                 `prefix` query with normalise_pinyin_query(q) ("yiwujiaoyu", "ywjy")
body                             plain text of the body (rich text / StreamField), gk_text,
                                 offsets stored for highlighting; .smart subfield
synonyms                         terms from the editors' synonym rules found in title/body
doc_number                       文号, keyword normalised by analysis.normalise_doc_number:
                                 `term` query with normalise_doc_number(q); .text for partial words
doc_number_display               文号 as written (not indexed)
index_number                     索引号 as assigned; the gk_keyword normalizer folds case
                                 (query with normalise_index_number(q))
organisation.{id,name,code}      issuing organisation (gk_columns.Organisation)
domain.{id,code,name}            领域 (gk_columns.Domain)
column.{id,title}                the column page the item is in (a column page: itself)
doc_type, topic, validity        文种 (an interpretation's 解读形式), 主题分类, 有效性
disclosure_attribute             公开属性 (only public values ever reach the index)
published_date, written_date,    dates; year = published_date's year (for facets)
year
first_published_at,              Wagtail timestamps
last_published_at
tags                             keywords (django-taggit names)
locale, url, path, ancestor_ids  language code; page URL; tree path (prefix = subtree);
                                 ids of ancestor pages (filter "within this organisation")
suggest                          completion (keyword analyzer): complete with completion_key(q)
indexed_at                       when this document was written
revision_id, origin              fingerprint: the live revision the document was made from and
                                 the database that wrote it (search.indexing.database_origin)
================================ =============================================================

Analysis uses only components that exist both on a full Elasticsearch
distribution (analysis-common, analysis-smartcn) and on the project's local
integ-test-zip node, where search/es/plugin supplies them under the same names:
`cjk_width`, `cjk_bigram`, `smartcn_tokenizer`. The smartcn subfields are left
out of the mapping when the cluster lacks `smartcn_tokenizer`.
"""

import copy

from elasticsearch_dsl import Completion, Date, Document, Index, Integer, Keyword, Object, Text

# Bump when the mapping changes in a way that needs `gk search-index rebuild`.
# 2: revision_id and origin (until a rebuild, `status` reports older documents as stale).
SCHEMA_VERSION = 2

ANALYSIS = {
    "filter": {
        # Index single characters too, so a one-character query (县, 镇) still matches;
        # searches use plain bigrams, which line up with the indexed positions.
        "gk_bigram_with_unigrams": {"type": "cjk_bigram", "output_unigrams": True},
    },
    "analyzer": {
        "gk_text": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "gk_bigram_with_unigrams"],
        },
        "gk_text_search": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cjk_bigram"],
        },
        "gk_smartcn": {
            "type": "custom",
            "tokenizer": "smartcn_tokenizer",
            "filter": ["cjk_width", "lowercase"],
        },
    },
    "normalizer": {
        # Width folding is done in Python (normalise_doc_number / normalise_index_number):
        # plugin token filters cannot be used in normalizers.
        "gk_keyword": {"type": "custom", "filter": ["lowercase"]},
    },
}

SMARTCN_ANALYZER = "gk_smartcn"


def _text(**extra):
    return Text(analyzer="gk_text", search_analyzer="gk_text_search", **extra)


def _pinyin():
    return Text(
        analyzer="whitespace",
        index_options="docs",
        norms=False,
        index_prefixes={"min_chars": 1, "max_chars": 12},
    )


class PageDocument(Document):
    page_id = Integer()
    page_type = Keyword()
    page_type_label = Keyword()

    title = _text(
        fields={"raw": Keyword(ignore_above=512), "smart": Text(analyzer=SMARTCN_ANALYZER)},
    )
    title_pinyin = _pinyin()
    title_initials = _pinyin()
    body = _text(index_options="offsets", fields={"smart": Text(analyzer=SMARTCN_ANALYZER)})
    synonyms = _text()

    doc_number = Keyword(normalizer="gk_keyword", fields={"text": _text()})
    doc_number_display = Keyword(index=False)
    index_number = Keyword(normalizer="gk_keyword")

    organisation = Object(properties={"id": Integer(), "name": Keyword(), "code": Keyword()})
    domain = Object(properties={"id": Integer(), "code": Keyword(), "name": Keyword()})
    column = Object(properties={"id": Integer(), "title": Keyword()})

    doc_type = Keyword()
    topic = Keyword()
    validity = Keyword()
    disclosure_attribute = Keyword()

    published_date = Date()
    written_date = Date()
    year = Integer()
    first_published_at = Date()
    last_published_at = Date()

    tags = Keyword()
    locale = Keyword()
    url = Keyword(index=False)
    path = Keyword()
    ancestor_ids = Integer()

    suggest = Completion(analyzer="keyword", search_analyzer="keyword", max_input_length=50)
    indexed_at = Date()
    revision_id = Integer()
    origin = Keyword()

    class Meta:
        # Fields a later serializer adds before the mapping knows them stay in
        # _source without being indexed, instead of guessing a type.
        dynamic = False


def _strip_smartcn(node):
    """Remove every subfield analysed with smartcn from a mapping dict (in place)."""
    if isinstance(node, dict):
        fields = node.get("fields")
        if isinstance(fields, dict):
            for name in [n for n, f in fields.items() if f.get("analyzer") == SMARTCN_ANALYZER]:
                del fields[name]
            if not fields:
                del node["fields"]
        for value in list(node.values()):
            _strip_smartcn(value)


def index_body(name, *, smartcn, meta, shards=1, replicas=0, extra_settings=None):
    """The create-index request body for the concrete index `name`."""
    index = Index(name)
    index.document(PageDocument)
    analysis = copy.deepcopy(ANALYSIS)
    if not smartcn:
        del analysis["analyzer"][SMARTCN_ANALYZER]
    settings = {"number_of_shards": shards, "number_of_replicas": replicas, "analysis": analysis}
    settings.update(extra_settings or {})
    index.settings(**settings)
    body = index.to_dict()
    if not smartcn:
        _strip_smartcn(body["mappings"])
    body["mappings"]["_meta"] = {"gk": {**meta, "schema": SCHEMA_VERSION, "smartcn": smartcn}}
    return body
