"""What of the page tree, documents and images an admin user may learn about.

Each organisation's editors work in their own subtree (gk_columns.sync gives their
group page permissions on the organisation's page only). Wagtail keeps them out of
other organisations' pages in the explorer and the editor, but several admin views
list pages by id or search the whole tree and show titles regardless — the bulk
action confirmations, the page chooser, reports. A draft's title is not public
(it may name a decision not yet taken), so those views ask this module.

The rule, in one place:

* **in scope** are the pages the user may see in the explorer: their subtrees
  (any page permission but view) and the ancestors leading to them. Superusers
  see everything; users without page permissions (保密审查员) see nothing here
  and reach their items through their workflow task.
* a **chooser** (links, 解读的政策, 替代文件) may also offer pages the public can
  see — live and not restricted — outside the scope, shown by their published
  title, never by the title of a draft someone is writing.

`PageScope(user).contains(page)` answers from the user's cached permissions
without a query per page, so listings can ask it for every row.
"""

from django.db.models import Q
from wagtail.admin.forms.pages import CopyForm
from wagtail.admin.widgets import AdminPageChooser
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

# The page permissions that open a subtree in Wagtail's explorer
# (PagePermissionPolicy.explorable_instances); `view` alone does not.
EXPLORE_CODENAMES = {f"{action}_page" for action in ("add", "change", "publish", "lock", "unlock", "bulk_delete")}


class PageScope:
    """The pages `user` may see in the admin's explorer."""

    def __init__(self, user):
        self.user = user
        self.policy = PagePermissionPolicy()

    @property
    def unrestricted(self):
        return self.user.is_active and self.user.is_superuser

    def _paths(self):
        if not hasattr(self, "_cached_paths"):
            permissions = [] if not self.user.is_active else self.policy.get_cached_permissions_for_user(self.user)
            # Subtrees the user works in, and every page holding one of their
            # permissions (its ancestors lead there in the explorer).
            self._cached_paths = (
                {perm.page.path for perm in permissions if perm.permission.codename in EXPLORE_CODENAMES},
                {perm.page.path for perm in permissions},
            )
        return self._cached_paths

    def contains(self, page):
        """Whether `page` is in the user's explorer (no query once permissions are cached)."""
        if self.unrestricted:
            return True
        subtrees, anchors = self._paths()
        path = page.path
        return any(path.startswith(root) for root in subtrees) or any(anchor.startswith(path) for anchor in anchors)

    def pages(self):
        """The pages in scope, as a queryset (Wagtail's explorer query)."""
        return self.policy.explorable_instances(self.user)

    def choosable(self):
        """Pages a chooser may offer: those in scope, and those the public can see."""
        if self.unrestricted:
            return Page.objects.all()
        public = Page.objects.live().public()
        return Page.objects.filter(Q(pk__in=self.pages().values("pk")) | Q(pk__in=public.values("pk")))

    def show(self, page):
        """Prepare `page` (in memory) to be shown to the user: outside the scope it is
        shown by its published title. Returns the page."""
        if not self.contains(page):
            page.draft_title = page.title
        return page


def scope_for(request):
    """The request user's scope, made once per request."""
    scope = getattr(request, "_gk_page_scope", None)
    if scope is None or scope.user is not request.user:
        scope = request._gk_page_scope = PageScope(request.user)
    return scope


class ScopedChooserMixin:
    """For page chooser widgets on a ModelChoiceField: a submitted id is rendered
    only if the field's queryset holds it. Wagtail's widget looks the id up in the
    whole tree, so a refused choice (an id typed into the request) would otherwise
    come back with that page's title."""

    def get_instance(self, value):
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if queryset is not None and value is not None and not isinstance(value, Page):
            try:
                if not queryset.filter(pk=value).exists():
                    return None
            except (TypeError, ValueError):
                return None
        return super().get_instance(value)



class ScopedPageChooser(ScopedChooserMixin, AdminPageChooser):
    pass


class ScopedCopyForm(CopyForm):
    """Wagtail's copy form with the new parent chosen in the user's scope: a page can
    be copied only where the user may add pages, which is in scope. Wagtail's form
    names any page id it is sent ("no permission to copy to page “…”")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["new_parent_page"]
        field.widget = ScopedPageChooser(
            target_models=self.page.specific_class.allowed_parent_page_models(),
            can_choose_root=True,
            user_perms="copy_to",
        )
        field.queryset = PageScope(self.user).pages()  # after the widget: it hands the widget the queryset
