"""Hook functions that keep Wagtail's admin views to the user's scope
(gk_pages.admin_scope); gk_pages.wagtail_hooks registers them."""

from django.shortcuts import redirect
from wagtail.admin import messages

from ..admin_scope import scope_for


def choosable_pages(pages, request):
    """`construct_page_chooser_queryset`: the chooser lists only pages the user may choose."""
    return pages.filter(pk__in=scope_for(request).choosable().values("pk"))


def refuse_move_outside_scope(request, page, destination):
    """`before_move_page`: Wagtail's move confirmation names any destination id it is
    given and checks the permission only when the move is confirmed; a destination
    the user may not move to is refused here, before anything names it."""
    if page.permissions_for_user(request.user).can_move_to(destination):
        return None
    messages.error(request, "您没有权限将页面移动到所选位置，请重新选择。")
    return redirect("wagtailadmin_pages:move", page.pk)
