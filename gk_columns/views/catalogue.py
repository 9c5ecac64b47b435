"""Admin views for a catalogue version's workflow: 提交 → 备案 → 发布 (or 退回),
each confirmed on a page that shows what changes: the diff against the
published version and, for 发布, the column sync it will apply."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..models import Catalogue
from ..sync import ColumnSync, SyncError

ACTION_LABELS = {"submit": "提交备案", "file": "确认备案", "return": "退回修改", "publish": "发布并同步栏目"}
# Who may take each step: editors submit, the supervising office files, returns and publishes.
ACTION_PERMISSIONS = {
    "submit": "gk_columns.change_catalogue",
    "file": "gk_columns.file_catalogue",
    "return": "gk_columns.file_catalogue",
    "publish": "gk_columns.publish_catalogue",
}


class CatalogueActionForm(forms.Form):
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    filing_number = forms.CharField(label="备案号", max_length=100, required=False)


class CatalogueViewMixin(WagtailAdminTemplateMixin):
    header_icon = "list-ul"

    def dispatch(self, request, *args, **kwargs):
        self.catalogue = get_object_or_404(Catalogue.objects.select_related("organisation"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("gk_catalogue:index"), "label": "公开目录"},
            {"url": reverse("gk_catalogue:inspect", args=[self.catalogue.pk]), "label": str(self.catalogue)},
            {"url": "", "label": self.get_page_title()},
        ]


class CatalogueActionView(CatalogueViewMixin, FormView):
    template_name = "gk_columns/catalogue/action.html"
    form_class = CatalogueActionForm
    action = None

    def dispatch(self, request, *args, **kwargs):
        self.action = kwargs["action"]
        if self.action not in ACTION_LABELS:
            raise PermissionDenied
        if not request.user.has_perm(ACTION_PERMISSIONS[self.action]):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return ACTION_LABELS[self.action]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = self.catalogue.organisation.current_catalogue()
        context.update(
            catalogue=self.catalogue,
            action=self.action,
            action_label=ACTION_LABELS[self.action],
            current=current,
            against=current,
            diff=self.catalogue.diff(current) if current and current.pk != self.catalogue.pk else None,
            allowed=self.action in self.catalogue.available_actions(),
        )
        if self.action == "publish":
            try:
                context["plan"] = ColumnSync(
                    organisations=[self.catalogue.organisation], catalogues={self.catalogue.organisation_id: self.catalogue}
                ).plan()
            except SyncError as exc:
                context["sync_error"] = str(exc)
        return context

    def form_valid(self, form):
        user = self.request.user
        try:
            if self.action == "submit":
                self.catalogue.submit(user)
            elif self.action == "file":
                self.catalogue.file(user, filing_number=form.cleaned_data["filing_number"])
            elif self.action == "return":
                self.catalogue.return_for_changes(form.cleaned_data["reason"], user)
            else:
                plan = self.catalogue.publish(user)
                messages.success(
                    self.request,
                    f"目录已发布，栏目同步：新建 {len(plan.create)}，更新 {len(plan.update)}，撤销 {len(plan.retire)}。",
                )
        except (ValidationError, SyncError) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                form.add_error(None, message)
            return self.form_invalid(form)
        if self.action != "publish":
            messages.success(self.request, f"{ACTION_LABELS[self.action]}：{self.catalogue}")
        return redirect("gk_catalogue:inspect", self.catalogue.pk)


class CatalogueDiffView(CatalogueViewMixin, TemplateView):
    template_name = "gk_columns/catalogue/diff.html"

    def get_page_title(self):
        return "版本对比"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = self.catalogue.organisation.catalogues.exclude(pk=self.catalogue.pk).order_by("-version")
        against = versions.filter(pk=self.request.GET.get("against") or 0).first() if str(
            self.request.GET.get("against", "")
        ).isdigit() else None
        if against is None:
            against = versions.filter(version__lt=self.catalogue.version).first()
        context.update(
            catalogue=self.catalogue,
            versions=versions,
            against=against,
            diff=self.catalogue.diff(against) if against else None,
        )
        return context
