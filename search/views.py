"""The public search: the results page (/search/), the same search as JSON
(/search/api/) and search-as-you-type (/search/api/suggest/).

The views only translate: the URL contract is search.forms, the search is
search.query, labels of filter values are search.labels (public ones only).
Hot words are the staff-approved ones (search.hotwords; visitors' queries are
only counted, for staff); editors' picks come from
wagtail.contrib.search_promotions (promoted results).
"""

import logging
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Page
from wagtail.search.utils import normalise_query_string

from gk_pages.templatetags.gk_pages_tags import CARE_PARAM, CARE_VALUE, care_mode, with_care

from .forms import MAX_QUERY_LENGTH, SearchForm, clean_text
from .hotwords import hot_words, log_query
from .indexing import is_indexable
from .query import (
    FACETS_BY_NAME,
    MAX_RESULT_WINDOW,
    PAGE_SIZE,
    SORTS,
    YEAR_FACET,
    SearchParams,
    SearchUnavailable,
    complete,
    date_range_label,
    drop_hints,
    run_search,
    selected_labels,
    value_label,
    year_bounds,
)
from .serializers import registry

logger = logging.getLogger(__name__)

DEGRADED_NOTICE = "全文检索服务暂不可用，当前为简易搜索结果"


# -- links --------------------------------------------------------------------------------


class Links:
    """URLs of the search page for SearchParams, keeping the 关怀版."""

    def __init__(self, request):
        self.base = reverse("search:search")
        self.care = care_mode(request)

    def __call__(self, params):
        items = params.query_items()
        if self.care:
            items.append((CARE_PARAM, CARE_VALUE))
        return f"{self.base}?{urlencode(items)}" if items else self.base


def _facet_value(facet_name, value):
    facet = FACETS_BY_NAME[facet_name]
    return int(value) if facet.integer else value


def toggle(params, facet_name, value):
    """`params` with a facet value added, or removed when it is selected."""
    if facet_name == YEAR_FACET:
        start, end = year_bounds(int(value))
        if (params.date_from, params.date_to) == (start, end):
            return params.but(date_from=None, date_to=None)
        return params.but(date_from=start, date_to=end)
    value = _facet_value(facet_name, value)
    current = list(params.values(facet_name))
    if value in current:
        current.remove(value)
    else:
        current.append(value)
    return params.with_filter(facet_name, current)


# -- search_promotions ------------------------------------------------------------------------


def promotions(q, request=None):
    """Editors' picks for the query (SearchPromotion), public pages only."""
    picks = list(
        SearchPromotion.objects.filter(query__query_string=normalise_query_string(q))
        .select_related("page")
        .order_by("sort_order", "pk")
    )
    page_ids = [p.page_id for p in picks if p.page_id]
    public = set(Page.objects.live().public().filter(pk__in=page_ids).values_list("pk", flat=True)) if page_ids else set()
    found = []
    for pick in picks:
        if pick.page_id:
            if pick.page_id not in public:
                continue
            page = pick.page.specific
            if registry.get(page) is not None and not is_indexable(page):
                continue
            url = page.get_url(request=request)
            if not url:
                continue
        elif pick.external_link_url:
            url = pick.external_link_url
        else:
            continue
        found.append({"title": pick.title or url, "url": url, "description": pick.description})
    return found


# -- the page ------------------------------------------------------------------------------------


def _chips(params, links, labels):
    """The refinement chain and the filters, each removable."""
    refinements = []
    for i, text in enumerate(params.within):
        refinements.append(
            {"label": text, "url": links(params.but(within=params.within[:i] + params.within[i + 1 :])), "level": i + 1}
        )
    if params.q:
        previous = params.within[-1] if params.within else ""
        refinements.append(
            {"label": params.q, "url": links(params.but(q=previous, within=params.within[:-1])), "current": True}
        )
    filters = []
    for name, values in params.filters:
        facet = FACETS_BY_NAME[name]
        for value in values:
            rest = [v for v in values if v != value]
            label = labels.get((name, str(value))) or value_label(name, value)
            filters.append({"label": f"{facet.label}：{label}", "url": links(params.with_filter(name, rest))})
    if params.has_date_range:
        filters.append(
            {"label": f"发布日期：{date_range_label(params)}", "url": links(params.but(date_from=None, date_to=None))}
        )
    return refinements, filters


def _facet_sections(result, links):
    sections = []
    for facet in result.facets:
        if not facet.values:
            continue
        items = [
            {
                "label": v.label,
                "count": v.count,
                "selected": v.selected,
                "url": links(toggle(result.params, facet.name, v.value)),
            }
            for v in facet.values
        ]
        sections.append({"name": facet.name, "label": facet.label, "items": items})
    return sections


def _labels(result):
    """The text shown for each filter value: public labels only (search.labels)."""
    return selected_labels(result.params, result.facets)


def _pagination(result, links):
    if result.total <= PAGE_SIZE:
        return None
    paginator = Paginator(range(min(result.total, MAX_RESULT_WINDOW)), PAGE_SIZE)
    page = paginator.page(min(result.page, paginator.num_pages))
    numbers = []
    for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == paginator.ELLIPSIS:
            numbers.append({"gap": True})
        else:
            numbers.append(
                {"number": number, "current": number == page.number, "url": links(result.params.but(page=number))}
            )
    return {
        "number": page.number,
        "pages": paginator.num_pages,
        "links": numbers,
        "previous": links(result.params.but(page=page.number - 1)) if page.has_previous() else None,
        "next": links(result.params.but(page=page.number + 1)) if page.has_next() else None,
        "capped": result.total > MAX_RESULT_WINDOW,
    }


def _hidden_fields(params, care):
    """(name, value) pairs that carry the current refinements into the
    "在结果中搜索" form: the current q joins `within`."""
    items = [("within", w) for w in (*params.within, params.q) if w]
    for name, values in params.filters:
        items += [(name, str(v)) for v in values]
    if params.date_from:
        items.append(("from", params.date_from.isoformat()))
    if params.date_to:
        items.append(("to", params.date_to.isoformat()))
    if params.sort != "relevance":
        items.append(("sort", params.sort))
    if care:
        items.append((CARE_PARAM, CARE_VALUE))
    return items


@require_GET
def search(request):
    form = SearchForm(request.GET)
    params, notices = form.lenient()
    links = Links(request)
    context = {
        "params": params,
        "notices": notices,
        "max_query_length": MAX_QUERY_LENGTH,
        "care": links.care,
        "breadcrumbs": [
            {"title": "首页", "url": with_care("/", request)},
            {"title": "站内搜索", "url": links(SearchParams()) if not params.is_empty() else None},
        ],
    }
    if params.is_empty():
        context.update(landing=True, hot_words=[{"text": w, "url": links(SearchParams(q=w))} for w in hot_words()])
        return render(request, "search/search.html", context)

    result = run_search(params)
    if params.q and params.page == 1:
        log_query(params.q, request)
    labels = _labels(result)
    refinements, filters = _chips(params, links, labels)
    context.update(
        result=result,
        degraded_notice=DEGRADED_NOTICE if result.degraded else "",
        refinements=refinements,
        filters=filters,
        clear_url=links(params.but(within=(), filters={}, date_from=None, date_to=None)) if (params.within or filters) else "",
        within_fields=_hidden_fields(params, links.care),
        facets=_facet_sections(result, links),
        sorts=[{"label": label, "url": links(params.but(sort=key)), "current": key == params.sort} for key, label in SORTS.items()],
        pagination=_pagination(result, links),
        first_number=(result.page - 1) * PAGE_SIZE + 1,
        promotions=promotions(params.q, request) if params.q and result.page == 1 else [],
        corrections=[{"text": text, "count": count, "url": links(params.but(q=text))} for text, count in result.corrections],
    )
    if not result.total:
        hints = []
        if not result.degraded:
            try:
                hints = drop_hints(params, labels)
            except SearchUnavailable:
                hints = []
        context.update(
            drop_hints=[{"label": h.label, "count": h.count, "url": links(h.params)} for h in hints],
            hot_words=[{"text": w, "url": links(SearchParams(q=w))} for w in hot_words()],
        )
    return render(request, "search/search.html", context)


# -- JSON -------------------------------------------------------------------------------------------


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def search_api(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return _json({"error": "搜索参数有误", "errors": form.error_dict()}, status=400)
    params = form.params()
    result = run_search(params)
    links = Links(request)
    data = {
        "q": params.q,
        "within": list(params.within),
        "total": result.total,
        "page": result.page,
        "page_size": PAGE_SIZE,
        "results": [hit.as_dict() for hit in result.hits],
        "facets": {} if result.degraded else result.facets_dict(),
        "suggestions": [
            {"text": text, "count": count, "url": links(params.but(q=text))} for text, count in result.corrections
        ],
        "degraded": result.degraded,
    }
    if result.degraded:
        data["notice"] = DEGRADED_NOTICE
        data["total_is_lower_bound"] = result.truncated
    if not result.total and not result.degraded:
        try:
            hints = drop_hints(params, _labels(result))
        except SearchUnavailable:
            hints = []
        data["drop"] = [{"label": h.label, "count": h.count, "url": links(h.params)} for h in hints]
    return _json(data)


@require_GET
def suggest_api(request):
    """Completion for the search box: {"suggestions": [{"text", "url"}]}."""
    prefix = clean_text(request.GET.get("q", ""))[:MAX_QUERY_LENGTH]
    try:
        suggestions = complete(prefix) if prefix else []
    except SearchUnavailable:
        return _json({"suggestions": [], "degraded": True})
    return _json({"suggestions": suggestions, "degraded": False})
