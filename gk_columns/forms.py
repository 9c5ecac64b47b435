"""Forms of the catalogue admin: uploading a standard-catalogue workbook."""

import zipfile
from pathlib import Path

from django import forms

from .models import Organisation

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm")


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label="标准目录文件",
        help_text="Excel 工作簿（.xlsx）。可包含多个工作表、每表一个或多个领域；.xls、.et 格式请先另存为 .xlsx。",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    organisation = forms.ModelChoiceField(
        label="公开主体",
        queryset=Organisation.objects.order_by("order", "pk"),
        help_text="导入后生成该公开主体目录的新草稿版本。",
    )
    create_domains = forms.BooleanField(
        label="创建新领域",
        required=False,
        help_text="文件中出现系统里没有的领域时自动创建（作为非试点领域）；不勾选则视为错误。",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError("只支持 .xlsx 格式的工作簿（.xls、.et 请先在 Excel 或 WPS 中另存为 .xlsx）。")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件超过 20MB，请拆分后分别导入。")
        upload.seek(0)
        if not zipfile.is_zipfile(upload):
            raise forms.ValidationError("文件已损坏或不是 .xlsx 工作簿。")
        upload.seek(0)
        return upload
