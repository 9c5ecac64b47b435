"""Wagtail's page bulk actions (删除, 发布, 取消发布, 移动), kept to the user's scope.

Wagtail loads every id in the request (`?id=…`, or `?id=all&childOf=…`), splits
the pages into those the user may act on and the rest, and lists the rest by
title ("you don't have permission to …"). Walking ids thus showed any
organisation's draft titles to any editor. Here the rest is split once more:
pages in the user's explorer (gk_pages.admin_scope) are still named, the others
are only counted ("无权操作的页面 N 个").

The move action's destination is chosen in the same scope: a destination outside
it is refused by the form, without its title.

gk_pages.wagtail_hooks registers these under Wagtail's action types, after
Wagtail's own, so they replace them.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin import widgets
from wagtail.admin.views.pages.bulk_actions.delete import DeleteBulkAction
from wagtail.admin.views.pages.bulk_actions.move import MoveBulkAction, MoveForm
from wagtail.admin.views.pages.bulk_actions.publish import PublishBulkAction
from wagtail.admin.views.pages.bulk_actions.unpublish import UnpublishBulkAction

from .admin_scope import PageScope, ScopedChooserMixin, scope_for


class ScopedPageBulkActionMixin:
    """Pages the user may not act on are named only if they are in the user's scope."""

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        scope = scope_for(self.request)
        refused = extra.get("items_with_no_access", [])
        named = [page for page in refused if scope.contains(page)]
        extra["items_with_no_access"] = named
        extra["items_out_of_scope_count"] = len(refused) - len(named)
        return objects, extra


class ScopedDeleteBulkAction(ScopedPageBulkActionMixin, DeleteBulkAction):
    template_name = "gk_pages/admin/bulk_actions/confirm_bulk_delete.html"


class ScopedPublishBulkAction(ScopedPageBulkActionMixin, PublishBulkAction):
    template_name = "gk_pages/admin/bulk_actions/confirm_bulk_publish.html"


class ScopedUnpublishBulkAction(ScopedPageBulkActionMixin, UnpublishBulkAction):
    template_name = "gk_pages/admin/bulk_actions/confirm_bulk_unpublish.html"


class ScopedPageMoveChooser(ScopedChooserMixin, widgets.AdminPageMoveChooser):
    pass


class ScopedMoveForm(MoveForm):
    """The destination chooser accepts (and renders) only pages in the user's scope:
    a page can be moved only where the user may add pages, which is in scope."""

    def __init__(self, *args, user, **kwargs):
        destination = kwargs["destination"]
        target_parent_models = kwargs["target_parent_models"]
        pages_to_move = kwargs["pages_to_move"]
        super().__init__(*args, **kwargs)
        self.fields["chooser"] = forms.ModelChoiceField(
            initial=destination,
            queryset=PageScope(user).pages(),
            widget=ScopedPageMoveChooser(
                can_choose_root=True,
                user_perms="bulk_move_to",
                target_models=target_parent_models,
                pages_to_move=pages_to_move,
            ),
            label=_("Select a new parent page"),
        )


class ScopedMoveBulkAction(ScopedPageBulkActionMixin, MoveBulkAction):
    template_name = "gk_pages/admin/bulk_actions/confirm_bulk_move.html"
    form_class = ScopedMoveForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


PAGE_BULK_ACTIONS = (ScopedDeleteBulkAction, ScopedMoveBulkAction, ScopedPublishBulkAction, ScopedUnpublishBulkAction)
