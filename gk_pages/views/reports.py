"""What the disclosure reports (gk_pages.views.validity, gk_pages.views.review)
share: who may open them, which pages a user sees in them, and a ReportView over
computed rows.

The reports are open to users who may edit or publish some page and list only
the pages they may edit (superusers: all).
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies.pages import PagePermissionPolicy

from gk_columns.models import Organisation
from gk_columns.views.exports import SpreadsheetExportSafetyMixin

_page_policy = PagePermissionPolicy()

# Dates in the exports: ISO text, blank where there is none.
DATE_OR_BLANK = {"csv": lambda v: v.isoformat() if v else "", "xlsx": lambda v: v.isoformat() if v else ""}


def may_use_disclosure_reports(user):
    return user.is_active and _page_policy.user_has_any_permission(user, {"change", "publish"})


def editable_pages(user):
    """The pages `user` may edit, or None for no restriction (superusers)."""
    if user.is_superuser:
        return None
    return _page_policy.instances_user_has_permission_for(user, "change")


def keep_rows(queryset, name, value):
    # The rows are computed, not a queryset: the views apply these filters themselves.
    return queryset


class ComputedReportView(SpreadsheetExportSafetyMixin, ReportView):
    """A report over computed rows (a list), filtered and sorted in Python."""

    paginate_by = 50
    filterset_class = None
    sort_keys = {}

    def dispatch(self, request, *args, **kwargs):
        if not may_use_disclosure_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def cleaned_filters(self):
        return self.filters.form.cleaned_data if self.filters and self.filters.is_valid() else {}

    @property
    def report_date(self):
        return self.cleaned_filters.get("today") or timezone.localdate()

    def get_queryset(self):
        return Organisation.objects.none()  # only the filter form needs a queryset

    def get_filtered_queryset(self):
        return self.order_queryset(self.compute_rows())

    def order_queryset(self, rows):
        if not self.ordering or self.ordering.lstrip("-") not in self.sort_keys:
            return rows
        key = self.sort_keys[self.ordering.lstrip("-")]
        return sorted(rows, key=key, reverse=self.ordering.startswith("-"))

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["report_date"] = self.report_date
        return context


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_use_disclosure_reports(request.user)
