"""What the public can reach in the page tree.

Wagtail routes a URL through every page above its target but only asks the
target whether it is live, so a live page under an unpublished parent — an item
of a retired column, say — stays reachable by URL, and `live().public()` lists
and Wagtail's sitemap include it. The portal's rule is stricter: a page is
public only while it and every page above it (below the tree root) are live.

* `LiveRoutingMixin` — a page that is not live routes nowhere, not even to its
  live children (direct URLs);
* `reachable(pages)` — the pages of a queryset not below an unpublished page
  (public lists, the sitemap, the normative library);
* `unreachable_ids(pages)` — the same judgement for a handful of pages at hand
  (document downloads, gk_pages.attachments).

The column sync unpublishes a retired column's items with it (gk_columns.sync),
so in the ordinary course nothing live sits below an unpublished page and
`reachable` finds nothing to exclude; it is the defence in depth for pages made
live past the sync (by hand, by plain SQL).
"""

from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat, Substr
from django.http import Http404
from wagtail.models import Page


class LiveRoutingMixin:
    """For pages with children: when not live, a page answers 404 for its own URL
    (as Wagtail does) and for every URL below it."""

    def route(self, request, path_components):
        if path_components and not self.live:
            raise Http404
        return super().route(request, path_components)


def ancestor_paths(page):
    """The paths of the pages above `page`, below the tree root (which no site serves)."""
    steplen = page.steplen
    return [page.path[: steplen * depth] for depth in range(2, page.depth)]


def hidden_paths():
    """The paths of the pages that are not live but have a live child: the tops of
    the live subtrees the public cannot reach. One query; empty in the ordinary course.

    A live page below an unpublished page is always below one of these: the nearest
    unpublished page above it has a live child on the way down. Children are found by
    a range over the path index (the tree root excluded), since a LIKE whose pattern
    comes from another row cannot use it."""
    first, last = Page.alphabet[0] * Page.steplen, Page.alphabet[-1] * Page.steplen
    live_child = Page.objects.filter(
        live=True,
        depth=OuterRef("depth") + 1,
        path__gte=Concat(OuterRef("path"), Value(first)),
        path__lte=Concat(OuterRef("path"), Value(last)),
    )
    return list(
        Page.objects.filter(live=False, numchild__gt=0, depth__gt=1)
        .filter(Exists(live_child))
        .values_list("path", flat=True)
    )


def reachable(pages):
    """`pages` (a page QuerySet) without the pages below an unpublished page.

    Like Wagtail's `public()` (which does the same for view restrictions), this
    looks up what to exclude when called and adds nothing when there is nothing.
    A page is below a hidden one when its path starts with it: compared as one
    IN list per path length rather than a LIKE per hidden page, so that many
    hidden pages cost little and never exceed the database's expression depth."""
    by_length = {}
    for path in hidden_paths():
        by_length.setdefault(len(path), []).append(path)
    if not by_length:
        return pages
    prefixes = {f"_gk_path_{length}": Substr("path", 1, length) for length in by_length}
    below = Q()
    for length, paths in by_length.items():
        below |= Q(**{f"_gk_path_{length}__in": paths})
    return pages.alias(**prefixes).exclude(below)


def unreachable_ids(pages):
    """The ids of `pages` (page instances) with an unpublished page above them. One query."""
    wanted = {path for page in pages for path in ancestor_paths(page)}
    if not wanted:
        return set()
    hidden = set(Page.objects.filter(path__in=wanted, live=False).values_list("path", flat=True))
    return {page.pk for page in pages if hidden.intersection(ancestor_paths(page))}
