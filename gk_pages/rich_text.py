"""Page links in rich text, rendered for the public.

Wagtail's PageLinkHandler renders every internal link as <a href="URL">,
whatever the page it points at. An editor's body linking a draft, an 依申请公开
or 不予公开 item, or a page in a password or login column thus printed that
page's URL on a public page, and Wagtail derives slugs from titles: the URL
alone tells what the page is about.

`PublicPageLinkHandler` takes the place of Wagtail's handler for the "page"
link type (registered in wagtail_hooks.py) and renders a link with its href
only when the public is shown the target (gk_pages.shown); otherwise the
editor's link text stays, as an <a> without href — a placeholder link, which
browsers and screen readers present as plain text — and nothing of the target.
The editor sees the same in a preview: what the public will see.

The links of one field are resolved together (Wagtail's rewriter hands a
handler all links of its type at once): the target pages with their specific
types, their translations in the active language, and the public test, each in a
fixed number of queries, however many links the field holds.
"""

from django.utils.html import escape
from django.utils.translation import get_language
from wagtail.models import Locale, Page
from wagtail.rich_text.pages import PageLinkHandler

from .shown import shown_ids

# What a link to a page the public is not shown becomes: no href, no title, no id.
UNLINKED = "<a>"


def _active_locale():
    """The Locale of the active language, or None (Wagtail's Locale.get_active()
    raises when the language has no Locale row)."""
    if not get_language():
        return None
    try:
        return Locale.get_active()
    except (LookupError, Locale.DoesNotExist):
        return None


def _translations(pages):
    """{page id: its live translation in the active language} for the pages in
    another locale (what Wagtail's `Page.localized` finds one query per link). One
    query per page type, none when every page is in the active language."""
    locale = _active_locale()
    foreign = [page for page in pages if locale is not None and page.locale_id != locale.pk]
    if not foreign:
        return {}
    by_key = {
        page.translation_key: page
        for page in Page.objects.filter(
            translation_key__in={page.translation_key for page in foreign}, locale=locale, live=True
        )
        .defer_streamfields()
        .specific()
    }
    return {page.pk: by_key[page.translation_key] for page in foreign if page.translation_key in by_key}


class PublicPageLinkHandler(PageLinkHandler):
    """The "page" link type: an href only to pages the public is shown."""

    @classmethod
    def expand_db_attributes_many(cls, attrs_list):
        pages = cls.get_many(attrs_list)
        present = [page for page in pages if page is not None]
        translations = _translations(present)
        public = shown_ids([*present, *translations.values()])
        tags = []
        for page in pages:
            target = None
            if page is not None:
                # The reader's language version when the public may open it, else the page linked.
                target = translations.get(page.pk)
                if target is None or target.pk not in public:
                    target = page if page.pk in public else None
            url = target.url if target is not None else None
            tags.append(f'<a href="{escape(url)}">' if url else UNLINKED)
        return tags
