"""Which pages the public is shown: the one rule behind every link a public page
makes to another page — rich-text links (gk_pages.rich_text), 替代文件, 相关解读,
解读的政策, the documents of a 清理结果, other language versions.

A page is shown when

* it is live;
* neither it nor a page above it has a view restriction (password, login,
  groups) — Wagtail's `public()`;
* every page above it is live (gk_pages.visibility: the items of a retired
  column, or of any unpublished page);
* if it has the disclosure behaviour, its 公开属性 lets the public see it:
  主动公开, or 删减后公开 with the redaction confirmed (DisclosureMixin.is_disclosed).

A page that is not shown is not linked and, where a link would name it, not
named: Wagtail derives slugs from titles, so even its URL tells what it is.

The rule comes in two forms, which must agree:

* `shown(queryset)` — for lists: the queryset narrowed in the database;
* `shown_ids(pages)` — for pages at hand (the targets of one rich-text field,
  the documents of a cleanup, the pages linking an attachment in
  gk_pages.attachments): the ids of those shown, in a fixed number of queries
  however many pages there are.

`public_replacement(s)` give the 替代文件 by the same rule
(DisclosureMixin.public_replacement), for one page or settled for a list.

Live disclosure pages are publishable by construction (DisclosureMixin.save
refuses to write them otherwise), so the 公开属性 test only catches rows written
around it (bulk SQL, an import); it costs nothing for pages already loaded.
"""

from django.apps import apps
from django.db.models import Q
from wagtail.models import Page, PageViewRestriction

from .disclosure import DisclosureAttribute, DisclosureMixin
from .visibility import reachable, unreachable_ids

# Set on a disclosure page by `public_replacements`: (replaced_by_id, the replacement or None).
_REPLACEMENT_ATTR = "_gk_public_replacement"


def disclosed_condition(prefix=""):
    """The queryset twin of DisclosureMixin.is_disclosed, on the fields of a
    disclosure page model (`prefix`: the path to them, e.g. "documentpage__")."""
    return Q(**{f"{prefix}disclosure_attribute": DisclosureAttribute.PROACTIVE}) | Q(
        **{f"{prefix}disclosure_attribute": DisclosureAttribute.REDACTED, f"{prefix}redaction_confirmed": True}
    )


def _lookup_from(base, model):
    """The lookup path from `base` down to its multi-table subclass `model`, e.g.
    "documentpage__" from Page to DocumentPage."""
    names = []
    while model is not base:
        names.append(model._meta.model_name)
        model = next(parent for parent in model._meta.parents if issubclass(parent, base))
    return "".join(f"{name}__" for name in reversed(names))


def _disclosure_models_below(model):
    return [
        m
        for m in apps.get_models()
        if issubclass(m, DisclosureMixin) and issubclass(m, model) and m is not model and not m._meta.proxy
    ]


def shown(pages):
    """The pages of `pages` (a QuerySet of Page or of any page model) that the
    public is shown. One query more than the list itself for the view
    restrictions and one for unpublished pages above (both asked when called, as
    Wagtail's `public()` does)."""
    pages = reachable(pages.live().public())
    if issubclass(pages.model, DisclosureMixin):
        return pages.filter(disclosed_condition())
    # A queryset of a more general type (Page, from get_translations() or a page
    # chooser) may hold disclosure pages: each must pass the test on its own table,
    # reached by a left join that finds no row for pages of other types.
    for model in _disclosure_models_below(pages.model):
        prefix = _lookup_from(pages.model, model)
        pages = pages.filter(Q(**{f"{prefix}isnull": True}) | disclosed_condition(prefix))
    return pages


def _path_and_above(page):
    """The paths of `page` and of every page above it, the tree root included (as
    Wagtail's `public()` counts a restriction anywhere above)."""
    steplen = page.steplen
    return [page.path[: steplen * depth] for depth in range(1, page.depth + 1)]


def _disclosed(pages):
    """{id: whether disclosed} for the disclosure pages among `pages`. Specific
    instances answer themselves; a plain Page whose type has the disclosure
    behaviour is looked up (one query per such type)."""
    answers = {}
    lookups = {}
    for page in pages:
        if isinstance(page, DisclosureMixin):
            answers[page.pk] = page.is_disclosed
        elif issubclass(page.specific_class or Page, DisclosureMixin):
            lookups.setdefault(page.specific_class, []).append(page.pk)
    for model, ids in lookups.items():
        disclosed = set(
            model._default_manager.filter(pk__in=ids).filter(disclosed_condition()).values_list("pk", flat=True)
        )
        answers.update({pk: pk in disclosed for pk in ids})
    return answers


def shown_ids(pages):
    """The ids of the pages among `pages` (page instances, specific or not; None
    entries are skipped) that the public is shown. Two queries (view restrictions
    on the pages and above, unpublished pages above) when any of them is live and
    disclosed, none otherwise: the same whatever the number of pages."""
    pages = [page for page in pages if page is not None and page.pk is not None]
    disclosed = _disclosed(pages)
    candidates = [page for page in pages if page.live and disclosed.get(page.pk, True)]
    if not candidates:
        return set()
    paths = {path for page in candidates for path in _path_and_above(page)}
    restricted = set(PageViewRestriction.objects.filter(page__path__in=paths).values_list("page__path", flat=True))
    hidden = unreachable_ids(candidates)
    return {
        page.pk for page in candidates if page.pk not in hidden and not restricted.intersection(_path_and_above(page))
    }


def is_shown(page):
    """Whether the public is shown `page` (one page; `shown_ids` for many)."""
    return page is not None and page.pk in shown_ids([page])


# -- 替代文件 ------------------------------------------------------------------------------


def public_replacements(pages):
    """Settle what DisclosureMixin.public_replacement answers for each of `pages`
    (disclosure pages, best loaded with select_related("replaced_by")), with one
    `shown_ids` for all of them: a list of documents asks in a fixed number of
    queries instead of two per row. Returns `pages`."""
    replacements = [page.replaced_by for page in pages if page.replaced_by_id]
    ids = shown_ids(replacements)
    for page in pages:
        replacement = page.replaced_by if page.replaced_by_id in ids else None
        setattr(page, _REPLACEMENT_ATTR, (page.replaced_by_id, replacement))
    return pages


def public_replacement(page):
    """The page replacing `page` (its 替代文件) if the public is shown it, else None."""
    settled = getattr(page, _REPLACEMENT_ATTR, None)
    if settled is None or settled[0] != page.replaced_by_id:
        public_replacements([page])
        settled = getattr(page, _REPLACEMENT_ATTR)
    return settled[1]
