"""System checks of the disclosure pages app."""

from django.core import checks
from django.urls import NoReverseMatch, Resolver404, resolve, reverse


@checks.register(checks.Tags.security, checks.Tags.urls)
def check_scoped_admin_views(app_configs, **kwargs):
    """gk_pages.E001: Wagtail's chooser and report URLs answer with the views of
    gk_pages.admin_urls; otherwise editors read other organisations' draft titles,
    or a report's export hands Excel a page title as a formula."""
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
                    f"管理后台地址 {reverse(name)} 未使用 gk_pages 的视图 {view_class.__name__}，"
                    "编辑人员可能看到其他机构未发布页面的标题，或导出的表格中的文字被 Excel 当作公式执行。",
                    hint='在 ROOT_URLCONF 中于 Wagtail 管理后台地址之前加入 path("admin/", include("gk_pages.admin_urls"))。',
                    id="gk_pages.E001",
                )
            )
    return errors


@checks.register(checks.Tags.security, checks.Tags.models)
def check_scoped_page_forms(app_configs, **kwargs):
    """gk_pages.E002: a gk page type with a page field (替代文件, 解读的政策, a cleanup
    item, a PageChooserBlock …) edits it in a form with ScopedPageChoicesMixin;
    otherwise the field accepts any page id and shows that page's title, drafts of
    other organisations included."""
    from wagtail.models import get_page_models

    from .admin_scope import ScopedPageChoicesMixin, page_fields

    errors = []
    for model in get_page_models():
        if not model._meta.app_label.startswith("gk_"):
            continue
        handler = getattr(model, "edit_handler", None)
        form_class = getattr(handler, "base_form_class", None) or getattr(model, "base_form_class", None)
        fields = page_fields(model)
        if fields and not (isinstance(form_class, type) and issubclass(form_class, ScopedPageChoicesMixin)):
            errors.append(
                checks.Error(
                    f"页面类型 {model._meta.label} 的字段 {'、'.join(fields)} 可选择页面，"
                    "但编辑表单未限定可选范围，编辑人员可能看到其他机构未发布页面的标题。",
                    hint="将 base_form_class 设为 gk_pages.admin_scope.ScopedPageForm，"
                    "或在自定义表单的基类中把 ScopedPageChoicesMixin 放在 WagtailAdminPageForm 之前。",
                    obj=model,
                    id="gk_pages.E002",
                )
            )
    return errors
