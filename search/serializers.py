"""One serializer per indexed page type.

A serializer turns a live page into the type-specific part of its index
document (see search.documents for the fields); the fields every page has
(title, pinyin, URL, tree position, dates, completion, synonyms) are added by
search.indexing.document_for. To index a new page type (e.g. the policy
interpretations of the lifecycle work), register it here:

    @register(InterpretationPage, "interpretation", select_related=("issuing_org",))
    def serialize_interpretation(page, ctx):
        return {"body": plain_text(page.body), ...}

`ctx` is the search.indexing.IndexContext of the batch: `ctx.nearest(page,
ColumnPage)` finds an ancestor without a query (ancestors are loaded per batch,
with the related rows registered by `register_ancestor`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import strip_tags
from wagtail.rich_text import RichText, get_text_for_indexing

from gk_pages.models import ColumnPage, DocumentPage, DomainPage, InterpretationPage, OrganisationPage


@dataclass(frozen=True)
class IndexedType:
    model: type
    key: str
    serializer: Callable
    select_related: tuple = ()
    prefetch_related: tuple = ()

    @property
    def label(self):
        return str(self.model._meta.verbose_name)


@dataclass
class SerializerRegistry:
    types: dict = field(default_factory=dict)  # model -> IndexedType
    ancestors: dict = field(default_factory=dict)  # model -> select_related tuple

    def register(self, model, key, *, select_related=(), prefetch_related=()):
        """Decorator: index pages of exactly `model` (and its subclasses not registered themselves)."""

        def decorator(function):
            if any(t.key == key and t.model is not model for t in self.types.values()):
                raise ValueError(f"page type key {key!r} is already registered")
            self.types[model] = IndexedType(model, key, function, tuple(select_related), tuple(prefetch_related))
            return function

        return decorator

    def register_ancestor(self, model, *, select_related=()):
        """Load ancestors of this type as `model` (with `select_related`) so that
        serializers can read them through ctx.nearest() without extra queries."""
        self.ancestors[model] = tuple(select_related)

    def get(self, page_or_model):
        """The IndexedType for a page or model, or None when it is not indexed."""
        model = page_or_model if isinstance(page_or_model, type) else type(page_or_model)
        for klass in model.__mro__:
            if klass in self.types:
                return self.types[klass]
        return None

    def models(self):
        return list(self.types)

    def by_key(self):
        return {t.key: t for t in self.types.values()}


registry = SerializerRegistry()
register = registry.register


# -- helpers serializers share --------------------------------------------------


def plain_text(value):
    """Plain text of rich text (HTML string or RichText) or a StreamField value."""
    if value is None:
        return ""
    if isinstance(value, RichText):
        value = value.source
    if isinstance(value, str):
        return " ".join(get_text_for_indexing(value).split())
    stream_block = getattr(value, "stream_block", None)
    if stream_block is not None:
        parts = stream_block.get_searchable_content(value)
        return " ".join(" ".join(strip_tags(str(p)).split()) for p in parts if p)
    return " ".join(str(value).split())


def attribute(page, *names):
    """The first non-empty of `names` on `page`, as the label people read (a
    choice field's display value, a related object's str), or ""."""
    for name in names:
        value = getattr(page, name, None)
        if value in (None, ""):
            continue
        display = getattr(page, f"get_{name}_display", None)
        if callable(display):
            return str(display())
        return str(value)
    return ""


def tag_names(page):
    tags = getattr(page, "tags", None)
    if tags is None:
        return []
    return sorted(t.name for t in tags.all())


def organisation_data(organisation):
    if organisation is None:
        return None
    return {"id": organisation.pk, "name": organisation.name, "code": organisation.code}


def domain_data(domain):
    if domain is None:
        return None
    return {"id": domain.pk, "code": domain.code, "name": domain.name}


def column_data(column):
    if column is None:
        return None
    return {"id": column.pk, "title": column.title}


def local_date(moment):
    return timezone.localdate(moment) if moment else None


# -- the portal's page types ---------------------------------------------------------

registry.register_ancestor(ColumnPage, select_related=("entry__domain", "entry__catalogue__organisation"))
registry.register_ancestor(DomainPage, select_related=("domain",))
registry.register_ancestor(OrganisationPage, select_related=("organisation",))


@register(
    DocumentPage,
    "document",
    select_related=("issuing_org",),
    # taggit tags arrive with the lifecycle work; prefetch them once they exist.
    prefetch_related=("tags",) if hasattr(DocumentPage, "tags") else (),
)
def serialize_document(page, ctx):
    column = ctx.nearest(page, ColumnPage)
    entry = column.entry if column is not None else None
    organisation = page.issuing_org or (entry.catalogue.organisation if entry is not None else None)
    return {
        "body": plain_text(page.body),
        "organisation": organisation_data(organisation),
        "domain": domain_data(entry.domain if entry is not None else None),
        "column": column_data(column),
        # The lifecycle work adds these fields; read them so that this works before and after.
        "doc_number": getattr(page, "doc_number", "") or "",
        "index_number": getattr(page, "index_number", "") or "",
        "doc_type": attribute(page, "genre"),
        "topic": attribute(page, "topic"),
        "validity": attribute(page, "validity"),
        "disclosure_attribute": attribute(page, "disclosure_attribute"),
        "published_date": page.published_date,
        "written_date": page.written_date,
        "tags": tag_names(page),
    }


@register(ColumnPage, "column", select_related=("entry__domain", "entry__catalogue__organisation"))
def serialize_column(page, ctx):
    entry = page.entry
    # What the column publishes (公开内容) is what people search a column by.
    body = " ".join(x for x in (plain_text(page.intro), entry.content.strip()) if x)
    return {
        "body": body,
        "organisation": organisation_data(entry.catalogue.organisation),
        "domain": domain_data(entry.domain),
        "column": column_data(page),
        "published_date": local_date(page.last_published_at),
    }


@register(OrganisationPage, "organisation", select_related=("organisation",))
def serialize_organisation(page, ctx):
    return {
        "body": plain_text(page.intro),
        "organisation": organisation_data(page.organisation),
        "published_date": local_date(page.last_published_at),
    }


# The policies an interpretation explains, as little of each as the document needs.
_POLICIES = Prefetch("policies", queryset=DocumentPage.objects.only("id", "path", "title", "doc_number", "live"))


def public_policies(page, ctx):
    """The interpretation's policies a visitor can open (live, not under a view
    restriction), in the order of their pages: the ones the page itself lists."""
    return [p for p in page.policies.all() if p.live and not ctx.is_restricted(p)]


@register(
    InterpretationPage,
    "interpretation",
    select_related=("issuing_org",),
    prefetch_related=("tags", _POLICIES),
)
def serialize_interpretation(page, ctx):
    """政策解读: indexed like a document, its 解读形式 in the 文种 slot (an interpretation
    has no 文种 of its own; the 文种 facet then offers 文字解读, 图表图解 … next to
    通知, 办法 …), and the titles and 文号 of the policies it explains appended to
    the searchable text, so that searching a policy's title or 文号 finds its
    interpretations too. Only public policies are named: a policy that is
    unpublished or restricted later is dropped when search.signals reindexes."""
    column = ctx.nearest(page, ColumnPage)
    entry = column.entry if column is not None else None
    organisation = page.issuing_org or (entry.catalogue.organisation if entry is not None else None)
    policies = public_policies(page, ctx)
    named = "；".join(f"《{p.title}》" + (f"（{p.doc_number}）" if p.doc_number else "") for p in policies)
    body = plain_text(page.body)
    if named:
        body = f"{body} 解读的政策：{named}".strip()
    return {
        "body": body,
        "organisation": organisation_data(organisation),
        "domain": domain_data(entry.domain if entry is not None else None),
        "column": column_data(column),
        "doc_number": page.doc_number or "",
        "index_number": page.index_number or "",
        "doc_type": page.get_form_display(),
        "topic": attribute(page, "topic"),
        "validity": attribute(page, "validity") if page.shows_validity else "",
        "disclosure_attribute": attribute(page, "disclosure_attribute"),
        "published_date": page.published_date,
        "written_date": page.written_date,
        "tags": tag_names(page),
        # Kept in _source for result pages and the API (the mapping does not index them).
        "interpretation": {
            "form": page.form,
            "is_follow_up": page.is_follow_up,
            "media_url": page.media_url,
            "policies": [{"id": p.pk, "title": p.title, "doc_number": p.doc_number} for p in policies],
        },
    }
