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
* a page field of the page editor (a ForeignKey or many-to-many to a page type,
  in the page or in an inline panel, or a PageChooserBlock in a StreamField)
  accepts only what a chooser may offer (`ScopedPageChoicesMixin`): any other id
  is refused with INVALID_PAGE_MESSAGE, never echoed with its title. A value
  saved earlier (by a superuser, an import) stays, shown by what the user may
  read of it: its published title, or HIDDEN_PAGE_TITLE.

`PageScope(user).contains(page)` answers from the user's cached permissions
without a query per page, so listings can ask it for every row.
"""

import copy

from django import forms
from django.db.models import Model, Q, QuerySet
from modelcluster.models import get_all_child_relations
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.forms.pages import CopyForm
from wagtail.admin.widgets import AdminPageChooser
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

# What a page field says of a page the user may not read about, and of an id it refuses.
HIDDEN_PAGE_TITLE = "（无权查看的页面）"
INVALID_PAGE_MESSAGE = "请选择有效的页面。"

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

    def display_titles(self, pages):
        """{pk: the title the user may read} for `pages`: in scope the admin title
        (drafts included); outside it, the published title of a page the public can
        see, otherwise HIDDEN_PAGE_TITLE. One query for all the pages outside the scope."""
        outside = [page.pk for page in pages if not self.contains(page)]
        public = set(self.choosable().filter(pk__in=outside).values_list("pk", flat=True)) if outside else set()
        return {
            page.pk: self.show(page).get_admin_display_title()
            if page.pk not in outside or page.pk in public
            else HIDDEN_PAGE_TITLE
            for page in pages
        }


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
    come back with that page's title. With a `scope` (set by limit_page_choices),
    a page outside it is named as PageScope.display_titles says."""

    scope = None

    def get_instance(self, value):
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if queryset is not None and value is not None:
            # A StreamField block hands over the page it looked up from the posted id.
            pk = value.pk if isinstance(value, Model) else value
            try:
                if not queryset.filter(pk=pk).exists():
                    return None
            except (TypeError, ValueError):
                return None
        return super().get_instance(value)

    def get_value_data_from_instance(self, instance):
        data = super().get_value_data_from_instance(instance)
        if self.scope is not None and not self.scope.contains(instance):
            data[self.display_title_key] = self.scope.display_titles([instance])[instance.pk]
        return data


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


# -- page fields of the page editor ------------------------------------------------------------


def limit_page_choices(form, scope, *, keep_initial=False):
    """Keep every page field of `form` — and of its inline formsets (ClusterForm) —
    to `scope.choosable()`. With `keep_initial` the values the form starts from (what
    is saved) stay valid as well, shown as PageScope.display_titles says; an
    unchanged save must not fail because the page chosen then has since left the
    user's reach."""
    if scope.unrestricted:
        return
    for name, field in form.fields.items():
        if isinstance(field, blocks.BlockField):
            _limit_block_field(form, name, field, scope, _initial_page_ids(form, name, field) if keep_initial else [])
        elif isinstance(getattr(field, "queryset", None), QuerySet) and issubclass(field.queryset.model, Page):
            _limit_choice_field(field, scope, _initial_page_ids(form, name, field) if keep_initial else [])
    for formset in getattr(form, "formsets", {}).values():
        # Only the forms that are validated and show values; the empty form that the
        # inline panel copies for a new row has no value to show.
        for child in formset.forms:
            limit_page_choices(child, scope, keep_initial=keep_initial)


def _allowed(queryset, scope, kept):
    allowed = Q(pk__in=scope.choosable().values("pk"))
    if kept:
        allowed |= Q(pk__in=kept)
    return queryset.filter(allowed)


def _initial_page_ids(form, name, field):
    value = form.get_initial_for_field(field, name)
    if not value:
        return []
    if isinstance(field, blocks.BlockField):
        return [pk for model, pk, *_ in field.block.extract_references(value) if issubclass(model, Page)]
    values = [value] if isinstance(value, (Model, int, str)) else value  # a ForeignKey's or a many-to-many's
    return [v.pk if isinstance(v, Model) else v for v in values]


# Page chooser widget classes and their scoped versions, made once per class.
_scoped_chooser_classes = {AdminPageChooser: ScopedPageChooser}


def _scoped_chooser(widget):
    """`widget` (the form's own copy), scoped if it is a page chooser that is not yet.
    Wagtail puts AdminPageChooser on every ForeignKey to a page type; a panel may
    give a subclass of it. Either keeps its options and gains ScopedChooserMixin."""
    if not isinstance(widget, AdminPageChooser) or isinstance(widget, ScopedChooserMixin):
        return widget
    cls = type(widget)
    if cls not in _scoped_chooser_classes:
        _scoped_chooser_classes[cls] = type(f"Scoped{cls.__name__}", (ScopedChooserMixin, cls), {})
    scoped = copy.copy(widget)
    scoped.__class__ = _scoped_chooser_classes[cls]
    return scoped


def _limit_choice_field(field, scope, kept):
    widget = field.widget = _scoped_chooser(field.widget)
    if hasattr(widget, "scope"):
        widget.scope = scope
    elif kept:
        # A select lists its choices by their (published) titles: the pages in it that
        # only the saved value lets in are named as hidden.
        label, hidden = field.label_from_instance, {str(pk) for pk in kept}
        hidden -= {str(pk) for pk in scope.choosable().filter(pk__in=kept).values_list("pk", flat=True)}
        field.label_from_instance = lambda page: HIDDEN_PAGE_TITLE if str(page.pk) in hidden else label(page)
    field.queryset = _allowed(field.queryset, scope, kept)  # after the widget: it hands the widget the queryset
    field.error_messages["invalid_choice"] = INVALID_PAGE_MESSAGE


def _limit_block_field(form, name, field, scope, kept):
    if not any(_page_chooser_blocks(field.block)):
        return
    # The block definitions are shared by every form of the page type: the scoped
    # choosers go into a copy made for this form.
    shared, block = field.block, copy.deepcopy(field.block)
    for chooser in _page_chooser_blocks(block):
        # Set on this copy in place of the cached properties: the field validates the
        # posted id, the widget (the field's own copy) renders the chosen page.
        chooser.field = forms.ModelChoiceField(
            queryset=_allowed(chooser.model_class.objects.all(), scope, kept),
            widget=ScopedPageChooser(target_models=chooser.target_models, can_choose_root=chooser.can_choose_root),
            required=chooser._required,
            validators=chooser._validators,
            help_text=chooser._help_text,
            error_messages={"invalid_choice": INVALID_PAGE_MESSAGE},
        )
        chooser.widget = chooser.field.widget
        chooser.widget.scope = scope
    field.block = block
    field.widget = blocks.BlockWidget(block, attrs=field.widget.attrs)
    initial = form.get_initial_for_field(field, name)
    if initial:
        # A stream value renders each child with the block it was read by: read the
        # form's starting value again with the copy.
        form.initial[name] = block.to_python(shared.get_prep_value(initial))


def _page_chooser_blocks(block):
    if isinstance(block, blocks.PageChooserBlock):
        yield block
    for child in getattr(block, "child_blocks", {}).values():
        yield from _page_chooser_blocks(child)
    if isinstance(block, blocks.ListBlock):
        yield from _page_chooser_blocks(block.child_block)


def page_fields(model):
    """The names of the fields of `model` that choose pages in the page editor:
    editable ForeignKeys and many-to-manys to a page type, StreamFields with a
    PageChooserBlock, and such fields of its inline (child) models, as
    "relation.field"."""
    names = []
    for field in model._meta.get_fields():
        related = field.related_model if field.concrete and field.is_relation else None
        if getattr(field.remote_field, "parent_link", False):
            continue  # multi-table inheritance (page_ptr), not a choice
        if field.editable and isinstance(related, type) and issubclass(related, Page):
            names.append(field.name)
        elif isinstance(field, StreamField) and any(_page_chooser_blocks(field.stream_block)):
            names.append(field.name)
    for relation in get_all_child_relations(model):
        child = relation.related_model
        parental_key = relation.field.name  # the child's link back to `model`, not a choice
        names.extend(f"{relation.get_accessor_name()}.{name}" for name in page_fields(child) if name != parental_key)
    return names


class ScopedPageChoicesMixin:
    """For the page editor's form (before WagtailAdminPageForm in the bases): its page
    fields are kept to the user's choosable pages (limit_page_choices). Every gk page
    type with a page field has a base_form_class with it; the system check
    gk_pages.E002 says when one does not."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Without a user (a form built in code) there is nobody to show titles to.
        if self.for_user is not None:
            limit_page_choices(self, PageScope(self.for_user), keep_initial=self.instance.pk is not None)


class ScopedPageForm(ScopedPageChoicesMixin, WagtailAdminPageForm):
    """The base_form_class of a page type that needs nothing else of its form."""
