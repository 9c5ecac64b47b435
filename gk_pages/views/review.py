"""公开属性年度评估 in the admin (the rule is gk_pages.review): the report of
non-public items due for re-evaluation (报告 → 公开属性年度评估), the
re-evaluation of one item (ReviewActionView) and the 年度评估 button that leads
there from a page's header and listing menus.

Include `urlpatterns` under the admin with the namespace "gk_disclosure_review";
gk_pages.wagtail_hooks registers it, its menu item and the buttons.
"""

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput
from wagtail.models import Page

from gk_columns.models import Organisation

from ..disclosure import DisclosureMixin
from ..review import (
    NON_PUBLIC,
    REVIEW_COLUMNS,
    ReviewForm,
    anniversary,
    current_version,
    due_for_review,
    record_review,
)
from .reports import DATE_OR_BLANK, ComputedReportView, editable_pages, keep_rows


class ReviewFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label="发布机构", empty_label="全部", queryset=Organisation.objects.order_by("order", "pk"), method=keep_rows
    )
    attribute = django_filters.ChoiceFilter(
        label="公开属性", choices=[(a.value, a.label) for a in NON_PUBLIC], empty_label="全部", method=keep_rows
    )
    today = django_filters.DateFilter(label="核查日期", widget=AdminDateInput, method=keep_rows)

    class Meta:
        model = Organisation
        fields = []


class ReviewReportView(ComputedReportView):
    page_title = "公开属性年度评估"
    header_icon = "calendar-check"
    results_template_name = "gk_pages/admin/review_report_results.html"
    filterset_class = ReviewFilterSet
    index_url_name = "gk_disclosure_review:report"
    index_results_url_name = "gk_disclosure_review:report_results"
    export_filename = "公开属性年度评估"
    list_export = [
        "title",
        "organisation",
        "attribute",
        "ground_label",
        "ground_reason",
        "last_reviewed_display",
        "last_reviewed_source",
        "due_on",
        "days_overdue",
        "review_url",
    ]
    export_headings = {**dict(REVIEW_COLUMNS), "ground_reason": "理由说明", "days_overdue": "逾期天数"}
    custom_field_preprocess = {
        "due_on": DATE_OR_BLANK,
        "days_overdue": {"csv": lambda v: "" if v is None else v, "xlsx": lambda v: v},
    }
    sort_keys = {
        "title": lambda row: row.title,
        "organisation": lambda row: (row.organisation_order, row.organisation_code),
        "days_overdue": lambda row: 10**9 if row.days_overdue is None else row.days_overdue,
    }

    @cached_property
    def columns(self):
        return [
            TitleColumn("title", label="信息名称", sort_key="title", get_url=lambda row: row.review_url),
            Column("organisation", label="发布机构", sort_key="organisation"),
            Column("attribute", label="公开属性"),
            Column("ground_label", label="依据"),
            Column("last_reviewed_display", label="上次认定（评估）"),
            Column("due_on", label="应评估日期"),
            Column("overdue_display", label="逾期天数", sort_key="days_overdue"),
        ]

    def compute_rows(self):
        cleaned = self.cleaned_filters
        rows = due_for_review(self.report_date, cleaned.get("organisation"), within=editable_pages(self.request.user))
        if cleaned.get("attribute"):
            rows = [row for row in rows if row.attribute == cleaned["attribute"]]
        return rows


class ReviewActionView(WagtailAdminTemplateMixin, FormView):
    """年度评估 of one item: the form (结论, 理由), the item's current decision and
    the history of its evaluations. Open to whoever may edit the page."""

    template_name = "gk_pages/admin/review_action.html"
    form_class = ReviewForm
    header_icon = "calendar-check"

    def dispatch(self, request, *args, **kwargs):
        page = get_object_or_404(Page, pk=kwargs["pk"]).specific
        if not isinstance(page, DisclosureMixin):
            raise PermissionDenied
        if not page.permissions_for_user(request.user).can_edit():
            raise PermissionDenied
        self.page = page
        self.content = current_version(page)
        self.applicable = not page.live and self.content.disclosure_attribute in NON_PUBLIC
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return "公开属性年度评估"

    def get_page_subtitle(self):
        return self.content.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("gk_disclosure_review:report"), "label": "公开属性年度评估"},
            {"url": "", "label": self.content.title},
        ]

    def next_url(self):
        target = self.request.POST.get("next") or self.request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(target, {self.request.get_host()}):
            return target
        return reverse("gk_disclosure_review:report")

    def form_valid(self, form):
        if not self.applicable:
            raise PermissionDenied
        try:
            review = record_review(
                self.page,
                user=self.request.user,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, messages_ in error.message_dict.items():
                    for message in messages_:
                        form.add_error(name if name in form.fields else None, message)
            else:
                for message in error.messages:
                    form.add_error(None, message)
            return self.form_invalid(form)
        if review.outcome == review.Outcome.CONVERTED:
            text = "“{}”已转为主动公开（已保存为草稿，尚未发布）：请核对正文后按发布流程提交发布。"
        else:
            text = "已记录对“{}”的年度评估：维持{}。"
        messages.success(self.request, format_html(text, self.content.title, review.attribute_before))
        return redirect(self.next_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reviewed = self.page.attribute_reviewed_on
        context.update(
            page=self.page,
            content=self.content,
            applicable=self.applicable,
            reviewed_on=reviewed,
            due_on=anniversary(reviewed) if reviewed else None,
            today=timezone.localdate(),
            reviews=self.page.disclosure_reviews.select_related("reviewed_by"),
            next=self.next_url(),
            edit_url=reverse("wagtailadmin_pages:edit", args=[self.page.pk]),
            history_url=reverse("wagtailadmin_pages:history", args=[self.page.pk]),
        )
        return context


class ReviewPageMenuItem(PageMenuItem):
    """年度评估 in a page's header and in the listing's “more” menu, for whoever may edit it."""

    label = "年度评估"
    icon_name = "calendar-check"
    url_name = "gk_disclosure_review:review"

    def is_shown(self, user):
        return self.page.permissions_for_user(user).can_edit()


urlpatterns = [
    path("", ReviewReportView.as_view(), name="report"),
    path("results/", ReviewReportView.as_view(results_only=True), name="report_results"),
    path("<int:pk>/", ReviewActionView.as_view(), name="review"),
]
