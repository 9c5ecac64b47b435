from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from .sync import RETIRED_WITH_COLUMN_ACTION
from .viewsets import CatalogueViewSetGroup


@hooks.register("register_admin_viewset")
def register_catalogue_viewsets():
    return CatalogueViewSetGroup()


@hooks.register("register_admin_urls")
def register_catalogue_admin_urls():
    from .views import coverage, importing

    return [
        path("catalogue/import/", include((importing.urlpatterns, "gk_columns_import"))),
        path("reports/coverage/", include((coverage.urlpatterns, "gk_coverage"))),
    ]


@hooks.register("register_reports_menu_item")
def register_coverage_report_menu_item():
    from .views.coverage import CoverageReportMenuItem

    return CoverageReportMenuItem()


@hooks.register("register_admin_menu_item")
def register_catalogue_import_menu_item():
    return MenuItem("导入标准目录", reverse("gk_columns_import:import_upload"), icon_name="upload", order=260)


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action("gk.column_sync", "目录同步发布", "由公开目录同步发布")

    @actions.register_action(RETIRED_WITH_COLUMN_ACTION)
    class RetiredWithColumn(LogFormatter):
        label = "随栏目停用取消发布"

        def format_message(self, log_entry):
            column = (log_entry.data or {}).get("column_title") or "所在栏目"
            return f"“{column}”已停用（目录事项已从公开目录中删除），信息随之取消发布，内容保留"

        def format_comment(self, log_entry):
            reason = (log_entry.data or {}).get("reason")
            return f"理由：{reason}" if reason else ""
