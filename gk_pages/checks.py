"""System checks of the disclosure pages app."""

from django.core import checks
from django.urls import NoReverseMatch, Resolver404, resolve, reverse


@checks.register(checks.Tags.security, checks.Tags.urls)
def check_scoped_admin_views(app_configs, **kwargs):
    """gk_pages.E001: Wagtail's chooser and report URLs answer with the scoped views
    of gk_pages.admin_urls; otherwise editors read other organisations' draft titles."""
    from .admin_urls import REPLACED_VIEWS

    errors = []
    for name, view_class in REPLACED_VIEWS:
        try:
            match = resolve(reverse(name))
        except (NoReverseMatch, Resolver404):
            continue  # Wagtail's admin is not mounted: nothing to protect
        if getattr(match.func, "view_class", None) is not view_class:
            errors.append(
                checks.Error(
                    f"管理后台地址 {reverse(name)} 未使用 gk_pages 的限定视图 {view_class.__name__}，"
                    "编辑人员可能看到其他机构未发布页面的标题。",
                    hint='在 ROOT_URLCONF 中于 Wagtail 管理后台地址之前加入 path("admin/", include("gk_pages.admin_urls"))。',
                    id="gk_pages.E001",
                )
            )
    return errors
