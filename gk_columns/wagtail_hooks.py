from wagtail import hooks


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action("gk.column_sync", "目录同步发布", "由公开目录同步发布")
    actions.register_action("gk.catalogue_publish", "发布公开目录", "发布公开目录")
