"""Template helpers for the public disclosure pages.

The 关怀版 (elder-friendly mode) is carried in the query string (?care=1) rather
than a cookie or session, so that it works without JavaScript, needs no consent
banner and leaves page caching by URL intact. The helpers here keep ?care=1 on
the links the portal's own templates render, so the mode survives navigation.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django import template
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail.contrib.routable_page.templatetags.wagtailroutablepage_tags import routablepageurl
from wagtail.models import Site

from gk_pages import shown
from gk_pages.models import InterpretationPage, NormativeLibraryPage, PortalHomePage

register = template.Library()

CARE_PARAM = "care"
CARE_VALUE = "1"
DEFAULT_LANGUAGE_TAG = "zh-Hans"


@register.filter
def care_mode(request):
    """True when the visitor asked for the 关怀版 (?care=1)."""
    return request is not None and getattr(request, "GET", {}).get(CARE_PARAM) == CARE_VALUE


def with_care(url, request):
    """`url` with ?care=1 added when the current request is in 关怀版."""
    if not url or not care_mode(request):
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != CARE_PARAM]
    query.append((CARE_PARAM, CARE_VALUE))
    return urlunsplit(parts._replace(query=urlencode(query)))


@register.filter(name="with_care")
def with_care_filter(url, request):
    return with_care(url, request)


@register.simple_tag(takes_context=True)
def page_href(context, page):
    """The page's URL (relative to the current site where possible), keeping 关怀版."""
    request = context.get("request")
    return with_care(page.get_url(request=request) or "", request)


@register.simple_tag(takes_context=True)
def route_href(context, page, url_name, *args, **kwargs):
    """A routable sub-page URL (like {% routablepageurl %}), keeping 关怀版."""
    return with_care(routablepageurl(context, page, url_name, *args, **kwargs), context.get("request"))


@register.filter(name="shown")
def shown_filter(pages):
    """The pages of a page QuerySet that the public is shown (gk_pages.shown): live,
    outside view restrictions, below live pages only, disclosed. Every link a
    public page makes to related pages (相关解读, 解读的政策, other language
    versions) lists through it."""
    return shown.shown(pages)


@register.simple_tag(takes_context=True)
def site_name(context):
    """The Wagtail site's name, falling back to settings.WAGTAIL_SITE_NAME."""
    request = context.get("request")
    if request is not None:
        site = Site.find_for_request(request)
        if site is not None and site.site_name:
            return site.site_name
    return getattr(settings, "WAGTAIL_SITE_NAME", "") or "政府信息公开"


def language_tag(code):
    """A BCP 47 tag with the conventional casing (zh-hans → zh-Hans, zh-cn → zh-CN)."""
    parts = code.split("-")
    tagged = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4:
            tagged.append(part.title())
        elif len(part) == 2:
            tagged.append(part.upper())
        else:
            tagged.append(part.lower())
    return "-".join(tagged)


@register.simple_tag
def content_lang(page):
    """lang/dir attributes for the main content when the page is a translation
    (藏文, 维吾尔文 …) while the portal's own interface stays in Chinese."""
    if page is None or not getattr(page, "locale_id", None):
        return ""
    tag = language_tag(page.locale.language_code)
    if tag == DEFAULT_LANGUAGE_TAG:
        return ""
    if tag.split("-")[0] in getattr(settings, "LANGUAGES_BIDI", []):
        return format_html(' lang="{}" dir="rtl"', tag)
    return format_html(' lang="{}"', tag)


@register.inclusion_tag("gk_pages/includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, page, current_label=""):
    """The trail from the portal home (信息公开专栏首页) down to `page`.

    Ancestors above the portal home (the tree root, an integrator's own home
    page) are left out; unpublished ancestors are skipped because their links
    would not answer. With `current_label`, `page` itself becomes a link and the
    label names the current view (a routable sub-page such as 公开目录)."""
    request = context.get("request")
    if page is None or not getattr(page, "pk", None):
        return {"items": []}
    portal_type_id = ContentType.objects.get_for_model(PortalHomePage).pk
    ancestors = list(page.get_ancestors().live().filter(depth__gt=1).order_by("depth"))
    if page.content_type_id == portal_type_id:
        ancestors = []
    else:
        starts = [i for i, ancestor in enumerate(ancestors) if ancestor.content_type_id == portal_type_id]
        if starts:
            ancestors = ancestors[starts[-1] :]
    items = [{"title": a.title, "url": with_care(a.get_url(request=request), request)} for a in ancestors]
    if current_label:
        items.append({"title": page.title, "url": with_care(page.get_url(request=request), request)})
        items.append({"title": current_label, "url": None})
    else:
        items.append({"title": page.title, "url": None})
    return {"items": items if len(items) > 1 else []}


@register.filter
def tick(values, value):
    """√ when `value` is among the entry's choices (公开对象/方式/层级), as the
    national table prints it; screen readers hear 是/否 instead of the symbol."""
    if value in (values or []):
        return mark_safe('<span aria-hidden="true">√</span><span class="visually-hidden">是</span>')
    return mark_safe('<span class="visually-hidden">否</span>')


@register.filter
def group_by_domain(entries):
    """[(domain, [entries])] in first-seen order, whatever the input order of domains."""
    groups = {}
    for entry in entries:
        groups.setdefault(entry.domain_id, (entry.domain, []))[1].append(entry)
    return list(groups.values())


@register.filter
def page_links(page_obj):
    """The page numbers to offer around the current one, with gaps marked."""
    paginator = page_obj.paginator
    links = []
    for number in paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1):
        if number == paginator.ELLIPSIS:
            links.append({"gap": True})
        else:
            links.append({"number": number, "current": number == page_obj.number})
    return links


@register.filter
def is_interpretation(page):
    """True for a 政策解读 in a list that mixes documents and interpretations."""
    return isinstance(page, InterpretationPage)


_LIBRARY_CACHE_ATTR = "_gk_normative_library"


@register.simple_tag(takes_context=True)
def normative_library(context):
    """The live, public 规范性文件库 of the current site (None without one).

    The header and the portal home both ask for it: the answer is kept on the
    request, so a page pays for the lookup once. Without a request (error pages
    rendered outside one) nothing is looked up."""
    request = context.get("request")
    if request is None:
        return None
    if not hasattr(request, _LIBRARY_CACHE_ATTR):
        site = Site.find_for_request(request)
        library = None
        if site is not None:
            library = (
                NormativeLibraryPage.objects.descendant_of(site.root_page, inclusive=True)
                .live()
                .public()
                .order_by("path")
                .first()
            )
        setattr(request, _LIBRARY_CACHE_ATTR, library)
    return getattr(request, _LIBRARY_CACHE_ATTR)
