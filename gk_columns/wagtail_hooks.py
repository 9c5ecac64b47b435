from wagtail import hooks

from .viewsets import CatalogueViewSetGroup


@hooks.register("register_admin_viewset")
def register_catalogue_viewsets():
    return CatalogueViewSetGroup()


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action("gk.column_sync", "目录同步发布", "由公开目录同步发布")
