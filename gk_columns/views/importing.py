"""Admin views for importing a standard catalogue from Excel: upload → preview →
confirm.

The upload is kept in the private upload directory (gk_columns.uploads, never
under MEDIA_ROOT) and remembered in the uploader's session by a token; preview
and confirm both read the file again, so what is
imported is exactly what the preview showed, checked once more at the moment
of writing.

Include `urlpatterns` under the admin (register_admin_urls) with the namespace
"gk_columns_import"; the view names are import_upload, import_preview and
import_confirm.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..forms import CatalogueImportForm
from ..importing import import_rows, parse_workbook
from ..models import Organisation
from ..uploads import PendingUploads, open_upload

app_name = "gk_columns_import"

PREVIEW_PAGE_SIZE = 100
# Uploads never confirmed are cleared from the session (and disk) after 24 hours.
pending_uploads = PendingUploads("gk_catalogue_imports", max_age_hours=24)


def _url(name, **kwargs):
    return reverse(f"{app_name}:{name}", kwargs=kwargs or None)


class ImportPermissionMixin:
    """Importing creates a catalogue version: it needs the right to add one."""

    permission_required = "gk_columns.add_catalogue"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ImportViewMixin(ImportPermissionMixin, WagtailAdminTemplateMixin):
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": _url("import_upload"), "label": "导入标准目录"}]


class ImportUploadView(ImportViewMixin, FormView):
    form_class = CatalogueImportForm
    template_name = "gk_columns/import/upload.html"
    page_title = "导入标准目录"

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("organisation"):
            initial["organisation"] = self.request.GET["organisation"]
        return initial

    def form_valid(self, form):
        token = pending_uploads.add(
            self.request,
            form.cleaned_data["file"],
            suffix=".xlsx",
            organisation=form.cleaned_data["organisation"].pk,
            create_domains=form.cleaned_data["create_domains"],
        )
        return redirect(_url("import_preview", token=token))


class PendingImportMixin:
    """Loads the upload named by the URL's token from this user's session."""

    def dispatch(self, request, *args, **kwargs):
        self.token = kwargs["token"]
        self.pending = pending_uploads.get(request, self.token)
        if self.pending is None:
            messages.error(request, "找不到这次上传的文件（可能已导入、已取消或已过期），请重新上传。")
            return redirect(_url("import_upload"))
        self.organisation = Organisation.objects.filter(pk=self.pending["organisation"]).first()
        if self.organisation is None:
            pending_uploads.discard(request, self.token)
            messages.error(request, "所选公开主体已不存在，请重新上传。")
            return redirect(_url("import_upload"))
        return super().dispatch(request, *args, **kwargs)

    def parse(self):
        with open_upload(self.pending["upload"]) as handle:
            return parse_workbook(
                handle,
                create_domains=self.pending["create_domains"],
                default_level=[self.organisation.level.value],
            )


class ImportPreviewView(ImportViewMixin, PendingImportMixin, TemplateView):
    template_name = "gk_columns/import/preview.html"
    page_title = "导入预览"

    def get_breadcrumbs_items(self):
        return super().get_breadcrumbs_items() + [{"url": "", "label": "预览"}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = self.parse()
        page = Paginator(result.rows, PREVIEW_PAGE_SIZE).get_page(self.request.GET.get("p"))
        groups = {}
        for row in page.object_list:
            groups.setdefault(row.domain, []).append(row)
        context.update(
            result=result,
            page=page,
            groups=groups.items(),
            domain_counts=[(domain, len(rows)) for domain, rows in result.by_domain().items()],
            pending=self.pending,
            organisation=self.organisation,
            confirm_url=_url("import_confirm", token=self.token),
            upload_url=_url("import_upload") + f"?organisation={self.organisation.pk}",
        )
        return context


class ImportConfirmView(ImportPermissionMixin, PendingImportMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if "cancel" in request.POST:
            pending_uploads.discard(request, self.token)
            messages.info(request, "已取消导入，上传的文件已删除。")
            return redirect(_url("import_upload"))
        result = self.parse()
        if not result.ok:
            messages.error(request, f"文件中有 {len(result.errors)} 处错误，未导入。请修改后重新上传。")
            return redirect(_url("import_preview", token=self.token))
        try:
            catalogue = import_rows(
                self.organisation,
                result.rows,
                request.user,
                create_domains=self.pending["create_domains"],
                note=f"由Excel导入：{self.pending['filename']}",
            )
        except ValidationError as exc:
            messages.error(request, "导入失败，未写入任何数据：" + "；".join(exc.messages))
            return redirect(_url("import_preview", token=self.token))
        pending_uploads.discard(request, self.token)
        created = f"，新建领域：{'、'.join(result.new_domains)}" if result.new_domains else ""
        messages.success(
            request,
            f"已导入为{self.organisation.name}公开目录第{catalogue.version}版（草稿），"
            f"共 {len(result.rows)} 个事项{created}。",
        )
        # On to the new version, where it is reviewed and submitted (gk_columns.viewsets).
        return redirect(reverse("gk_catalogue:inspect", args=[catalogue.pk]))


urlpatterns = [
    path("", require_admin_access(ImportUploadView.as_view()), name="import_upload"),
    path("<slug:token>/", require_admin_access(ImportPreviewView.as_view()), name="import_preview"),
    path("<slug:token>/confirm/", require_admin_access(ImportConfirmView.as_view()), name="import_confirm"),
]
