"""Admin forms: the catalogue's list-valued elements as checkboxes."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from .models import Catalogue
from .vocab import Audience, Channel, FivePublic, Level, Mode


def choice_list_field(choices, label):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class CatalogueElementsForm(WagtailAdminModelForm):
    """Shared by StandardItem and CatalogueEntry: JSON lists edited as tick boxes."""

    channels = choice_list_field(Channel.choices, "公开渠道和载体")
    audience = choice_list_field(Audience.choices, "公开对象")
    mode = choice_list_field(Mode.choices, "公开方式")
    level = choice_list_field(Level.choices, "公开层级")
    five_publics = choice_list_field(FivePublic.choices, "五公开")

    def clean(self):
        cleaned = super().clean()
        if "mode" in self.fields and not cleaned.get("mode"):
            self.add_error("mode", "请至少选择一种公开方式。")
        if "level" in self.fields and not cleaned.get("level"):
            self.add_error("level", "请至少选择一个公开层级。")
        return cleaned


class CatalogueEntryForm(CatalogueElementsForm):
    def clean(self):
        cleaned = super().clean()
        catalogue = cleaned.get("catalogue") or getattr(self.instance, "catalogue", None)
        if catalogue is not None and not catalogue.is_editable:
            raise forms.ValidationError(
                f"该目录版本状态为“{catalogue.get_status_display()}”，不能修改事项；请新建草稿版本。"
            )
        return cleaned


class NewCatalogueForm(WagtailAdminModelForm):
    copy_current = forms.BooleanField(label="复制当前已发布版本的全部事项", required=False, initial=True)

    class Meta:
        model = Catalogue
        fields = ["organisation", "note"]
