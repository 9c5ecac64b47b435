"""Admin views for importing existing documents: upload → preview → confirm.

The upload (a JSONL file, or a ZIP package with the JSONL file and its
attachments) is kept in the private upload directory (gk_columns.uploads:
never under MEDIA_ROOT, as it may hold 不予公开 text) under a random name and
remembered in the uploader's session by a token. The preview is a dry run
of the import, made once and kept with the upload (gk_pages.importing.StoredUpload),
so that paging through it does not read the file again; confirming runs the
import for real, checking every line again against the database at the moment
of writing, so what is written is what the check then found, or nothing. Editors see only the organisations into whose columns they may add
pages; where a review workflow governs a column, their import is submitted to
it instead of being published.

Include `urlpatterns` under the admin (register_admin_urls) with the namespace
"gk_pages_import"; the view names are upload, preview and confirm.
"""

from pathlib import Path
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.generic import FormView, TemplateView
from wagtail.admin.auth import require_admin_access
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from gk_columns.models import Organisation
from gk_columns.uploads import PendingUploads

from ..importing import (
    JSONL_SUFFIXES,
    MAX_FILE_BYTES,
    PREVIEW_ROWS,
    Action,
    ColumnIndex,
    StoredUpload,
    column_label,
    importable_organisations,
    organisation_page,
)
from ..models import ColumnPage, OrganisationPage

app_name = "gk_pages_import"

ACCEPTED_SUFFIXES = (*JSONL_SUFFIXES, ".zip")
MAX_UPLOAD_BYTES = 500 * 1024 * 1024
# Uploads never confirmed are cleared from the session (and disk) after 24 hours.
pending_uploads = PendingUploads("gk_document_imports", max_age_hours=24)


def _url(name, **kwargs):
    return reverse(f"{app_name}:{name}", kwargs=kwargs or None)


def may_import(user):
    return user.is_active and (user.is_superuser or importable_organisations(user).exists())


class DocumentImportMenuItem(MenuItem):
    """导入公开信息 in the admin menu, for whoever may add documents to some organisation's columns."""

    def is_shown(self, request):
        return may_import(request.user)


def upload_url_for(page, user):
    """The upload page with `page`'s organisation (and column) chosen, for the
    header button of organisation and column pages; None where it does not apply."""
    specific_class = page.specific_class
    if specific_class not in (OrganisationPage, ColumnPage):
        return None
    page = page.specific
    if specific_class is ColumnPage:
        if page.retired or not page.permissions_for_user(user).can_add_subpage():
            return None
        organisation = page.entry.catalogue.organisation
        query = {"organisation": organisation.pk, "column": column_label(page)}
    else:
        organisation = page.organisation
        if not importable_organisations(user).filter(pk=organisation.pk).exists():
            return None
        query = {"organisation": organisation.pk}
    return f"{_url('upload')}?{urlencode(query)}"


class DocumentImportForm(forms.Form):
    file = forms.FileField(
        label="导入文件",
        help_text="JSONL 文件（UTF-8 编码，每行一条信息），或包含一个 JSONL 文件及其附件的 ZIP 包。格式见《存量信息导入说明》。",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    organisation = forms.ModelChoiceField(
        label="公开主体", queryset=Organisation.objects.none(), help_text="信息导入到该公开主体的栏目中。"
    )
    column = forms.CharField(
        label="默认栏目",
        required=False,
        max_length=300,
        help_text="文件中未填写 column 的行导入到此栏目：填写二级事项或栏目名称，重名时写“一级事项/二级事项”。",
    )
    publish = forms.BooleanField(
        label="发布可以公开的信息",
        required=False,
        initial=True,
        help_text="主动公开、删减后公开（已确认）的信息导入后即发布，有审核流程的栏目提交审核；"
        "依申请公开、不予公开的信息只保存为草稿。不勾选则全部保存为草稿。",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = importable_organisations(user).order_by("order", "pk")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError("只支持 .jsonl 文件或 .zip 压缩包。")
        limit = MAX_UPLOAD_BYTES if upload.name.lower().endswith(".zip") else MAX_FILE_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"文件超过 {limit // 1024 // 1024}MB，请拆分后分别导入。")
        return upload

    def clean(self):
        cleaned = super().clean()
        organisation, column = cleaned.get("organisation"), (cleaned.get("column") or "").strip()
        if organisation is not None and column:
            _, problem = ColumnIndex(organisation).resolve(column)
            if problem:
                self.add_error("column", problem)
        return cleaned


class ImportPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not may_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ImportViewMixin(ImportPermissionMixin, WagtailAdminTemplateMixin):
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": _url("upload"), "label": "导入公开信息"}]


class ImportUploadView(ImportViewMixin, FormView):
    form_class = DocumentImportForm
    template_name = "gk_pages/admin/import_documents.html"
    page_title = "导入公开信息"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = super().get_initial()
        for name in ("organisation", "column"):
            if self.request.GET.get(name):
                initial[name] = self.request.GET[name]
        return initial

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        token = pending_uploads.add(
            self.request,
            upload,
            suffix=Path(upload.name).suffix,
            organisation=form.cleaned_data["organisation"].pk,
            column=form.cleaned_data["column"].strip(),
            publish=form.cleaned_data["publish"],
        )
        return redirect(_url("preview", token=token))


class PendingImportMixin:
    """Loads the upload named by the URL's token from this user's session."""

    def dispatch(self, request, *args, **kwargs):
        self.token = kwargs["token"]
        self.pending = pending_uploads.get(request, self.token)
        if self.pending is None:
            messages.error(request, "找不到这次上传的文件（可能已导入、已取消或已过期），请重新上传。")
            return redirect(_url("upload"))
        self.organisation = importable_organisations(request.user).filter(pk=self.pending["organisation"]).first()
        if self.organisation is None:
            pending_uploads.discard(request, self.token)
            messages.error(request, "所选公开主体已不存在，或您已没有向其栏目添加信息的权限，请重新上传。")
            return redirect(_url("upload"))
        return super().dispatch(request, *args, **kwargs)

    @property
    def upload(self):
        return StoredUpload(
            self.pending["upload"],
            self.pending["filename"],
            self.organisation,
            default_column=self.pending["column"],
            user=self.request.user,
            publish=self.pending["publish"],
        )

    def preview_context(self, preview):
        org_page = organisation_page(self.organisation)
        paginator = Paginator(preview.rows, PREVIEW_ROWS)
        rows = paginator.get_page(self.request.GET.get("p"))
        return {
            "preview": preview,
            "rows": rows,
            "elided_page_range": paginator.get_elided_page_range(rows.number),
            "action_labels": Action.LABELS,
            "pending": self.pending,
            "organisation": self.organisation,
            "organisation_page": org_page,
            "confirm_url": _url("confirm", token=self.token),
            "preview_url": _url("preview", token=self.token),
            "upload_url": _url("upload") + f"?{urlencode({'organisation': self.organisation.pk})}",
        }


class ImportPreviewView(ImportViewMixin, PendingImportMixin, TemplateView):
    template_name = "gk_pages/admin/import_documents_preview.html"
    page_title = "导入预览"

    def get_breadcrumbs_items(self):
        return super().get_breadcrumbs_items() + [{"url": "", "label": "预览"}]

    def get(self, request, *args, **kwargs):
        if "recheck" in request.GET:
            # Checked again now, then shown from the kept result like any other page.
            self.upload.preview(recheck=True)
            return redirect(_url("preview", token=self.token))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.preview_context(self.upload.preview()))
        return context


class ImportConfirmView(ImportPreviewView):
    """POST only: imports (or cancels). A failure shows the preview again with the
    reasons, the ones found while writing included; nothing has been written then."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if "cancel" in request.POST:
            pending_uploads.discard(request, self.token)
            messages.info(request, "已取消导入，上传的文件已删除。")
            return redirect(_url("upload"))
        result, preview = self.upload.confirm()
        if not preview.ok:
            count = len(preview.errors) or 1
            messages.error(request, f"发现 {count} 处错误，未导入任何信息。请修改文件后重新上传。")
            # Render the preview with this run's result (not a new dry run): errors found
            # while writing appear only here (and on the preview's pages from now on).
            context = super(ImportPreviewView, self).get_context_data(**kwargs)
            context.update(self.preview_context(preview))
            return self.render_to_response(context)
        pending_uploads.discard(request, self.token)
        messages.success(request, f"已导入到{self.organisation.name}：{result.summary()}。")
        columns = {d.column.pk for d in result.documents if d.column is not None}
        if len(columns) == 1:
            return redirect("wagtailadmin_explore", columns.pop())
        org_page = organisation_page(self.organisation)
        return redirect("wagtailadmin_explore", org_page.pk) if org_page else redirect(_url("upload"))


urlpatterns = [
    path("", require_admin_access(ImportUploadView.as_view()), name="upload"),
    path("<slug:token>/", require_admin_access(ImportPreviewView.as_view()), name="preview"),
    path("<slug:token>/confirm/", require_admin_access(ImportConfirmView.as_view()), name="confirm"),
]
