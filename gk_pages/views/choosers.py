"""The page chooser (browse, search, multiple choice), kept to what the user may
learn about (gk_pages.admin_scope): pages in their explorer, and pages the public
can see, the latter by their published title.

Wagtail's chooser lists any page of the tree by title, drafts included, to every
admin user. Which pages it lists is narrowed by the `construct_page_chooser_queryset`
hook (gk_pages.views.scope); these views add what a hook cannot reach — the
parent page named at the top of a browse listing, the titles shown for pages
outside the user's scope, and the multiple-choice answer that names pages by id.
gk_pages.admin_urls mounts them on Wagtail's chooser URLs (the integrator
includes it before Wagtail's admin URLs; the system check gk_pages.E001 fails
when it does not).
"""

from django.http import Http404
from django.urls import reverse
from wagtail.admin.views import chooser

from ..admin_scope import scope_for


class ScopedPageTitleColumn(chooser.PageTitleColumn):
    def get_cell_context_data(self, instance, parent_context):
        scope_for(parent_context["request"]).show(instance)
        return super().get_cell_context_data(instance, parent_context)


class ScopedParentPageColumn(chooser.ParentPageColumn):
    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        scope, parent = scope_for(parent_context["request"]), context["value"]
        if parent is not None:
            # A live page may sit below another organisation's draft: that one is not named.
            context["value"] = scope.show(parent) if scope.contains(parent) or parent.live else None
        return context


def _scoped_columns(columns):
    scoped = []
    for column in columns:
        if type(column) is chooser.PageTitleColumn:
            column = ScopedPageTitleColumn(column.name, label=column.label, is_multiple_choice=column.is_multiple_choice)
        elif type(column) is chooser.ParentPageColumn:
            column = ScopedParentPageColumn(column.name, label=column.label)
        scoped.append(column)
    return scoped


class ScopedBrowseView(chooser.BrowseView):
    @property
    def columns(self):
        return _scoped_columns(super().columns)

    def get(self, request, parent_page_id=None):
        # The parent is listed first, by title: it must be choosable itself.
        if parent_page_id is not None and not scope_for(request).choosable().filter(pk=parent_page_id).exists():
            raise Http404
        return super().get(request, parent_page_id)


class ScopedSearchView(chooser.SearchView):
    @property
    def columns(self):
        return _scoped_columns(super().columns)


class ScopedChosenMultipleView(chooser.ChosenMultipleView):
    def get(self, request):
        scope = scope_for(request)
        ids = [pk for pk in request.GET.getlist("id") if pk.isdigit()]
        pages = [scope.show(page) for page in scope.choosable().filter(pk__in=ids).specific()]
        return self.render_chosen_response(
            [
                {
                    "id": page.pk,
                    "parentId": page.get_parent().pk,
                    "adminTitle": page.get_admin_display_title(),
                    "editUrl": reverse("wagtailadmin_pages:edit", args=(page.pk,)),
                    "url": page.url,
                }
                for page in pages
            ]
        )
