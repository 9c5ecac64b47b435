"""政策解读及时性: which policies still lack an interpretation, and which were
interpreted late.

The rule (DESIGN section 1.4, after the State Council office's guidance on
政策解读): an interpretation is published with its policy, at the latest
within **3 working days** of the policy's publication, counted in Chinese
working days (gk_columns.workingdays: holidays off, 调休 weekends on; years
nobody has holiday data for yet are counted Monday–Friday and marked
provisional).

Which policies must be interpreted: live, public 行政规范性文件 (``is_normative``)
and documents an editor flagged ``requires_interpretation``. Any other
document that has an interpretation is measured as well.

Which dates are compared:

* the policy's clock starts on its 发布日期 (``published_date``): that is the
  date the policy was released, as the portal states it to the public and as
  assessments compare it; imported history carries it too, while
  ``first_published_at`` of an imported page is only the day of the import;
* an interpretation counts from its 发布日期 as well, but never from a day
  before it first went live on the portal (``first_published_at``): a backdated
  发布日期 cannot make a late interpretation look timely.

A policy's *first* interpretation is its earliest live public one (whatever
its form); that is the one measured. Later ones — other forms, 二次解读 — are
not held to the 3-day limit.

Two kinds of finding (``FindingKind``):

* ``missing``: a policy that needs an interpretation has no live public one;
  the row gives the working days elapsed since publication up to `today`,
  the deadline, and whether it is past (``overdue``) — rows still within the
  limit are listed too, so that editors see what falls due;
* ``late``: the policy's first interpretation came more than 3 working days
  after the policy (``overdue`` is then always true).

Only live, public pages count: a draft, unpublished or view-restricted
interpretation interprets nothing for the public, and a policy that is not
public is not reported. Translations and aliases are left out (an
interpretation's translation is the same interpretation).

`interpretation_timeliness` runs a fixed number of queries whatever the
number of policies (policies, links, view restrictions, the calendar).

The admin side lives here too (registered by gk_pages.wagtail_hooks): the
report view 报告 → 政策解读及时性 (filters, CSV/XLSX export), the 解读的政策
chooser of the interpretation editor (PolicyChooserWidget) and the 添加解读
shortcut from a policy (header and listing menus, ?policy= preselection).
"""

import contextvars
import datetime
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.staticfiles import versioned_static
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import AdminDateInput
from wagtail.models import Locale, PageViewRestriction
from wagtail.signals import init_new_page

from gk_columns.models import Organisation
from gk_columns.workingdays import WorkingCalendar

from .models import DocumentPage, InterpretationPage

LIMIT_WORKING_DAYS = 3


class FindingKind(models.TextChoices):
    MISSING = "missing", "应解读未解读"
    LATE = "late", "解读发布超时"


class Reason(models.TextChoices):
    """Why the policy is held to the interpretation rule."""

    NORMATIVE = "normative", "行政规范性文件"
    FLAGGED = "flagged", "标记为需要解读"
    INTERPRETED = "interpreted", "已发布解读"


@dataclass
class TimelinessRow:
    """One finding. Dates are dates (not datetimes); `working_days` counts the
    working days after the policy's 发布日期 up to and including the
    interpretation's date (late) or `today` (missing)."""

    kind: str
    policy_id: int
    policy_title: str
    doc_number: str
    organisation_id: int | None
    organisation_name: str
    reason: str
    policy_date: datetime.date
    deadline: datetime.date
    working_days: int
    overdue: bool
    provisional: bool
    interpretation_id: int | None = None
    interpretation_title: str = ""
    interpretation_date: datetime.date | None = None
    interpretation_form: str = ""

    @property
    def kind_label(self):
        return FindingKind(self.kind).label

    @property
    def reason_label(self):
        return Reason(self.reason).label

    @property
    def status_label(self):
        if self.kind == FindingKind.LATE:
            return f"超时 {self.working_days - LIMIT_WORKING_DAYS} 个工作日"
        if self.overdue:
            return f"已超期 {self.working_days - LIMIT_WORKING_DAYS} 个工作日"
        return f"未超期（剩余 {LIMIT_WORKING_DAYS - self.working_days} 个工作日）"

    @property
    def provisional_label(self):
        return "暂定" if self.provisional else ""

    def as_dict(self):
        return {
            "kind": self.kind,
            "kind_label": self.kind_label,
            "policy": {
                "id": self.policy_id,
                "title": self.policy_title,
                "doc_number": self.doc_number,
                "published_date": self.policy_date.isoformat(),
                "reason": self.reason_label,
            },
            "organisation": {"id": self.organisation_id, "name": self.organisation_name},
            "interpretation": (
                {
                    "id": self.interpretation_id,
                    "title": self.interpretation_title,
                    "form": self.interpretation_form,
                    "published_date": self.interpretation_date.isoformat(),
                }
                if self.interpretation_id
                else None
            ),
            "deadline": self.deadline.isoformat(),
            "working_days": self.working_days,
            "overdue": self.overdue,
            "status": self.status_label,
            "provisional": self.provisional,
        }


def interpretation_date(published_date, first_published_at):
    """The day an interpretation was available to the public: its 发布日期, but not
    before the day it first went live."""
    went_live = timezone.localdate(first_published_at) if first_published_at else None
    if published_date is None:
        return went_live
    if went_live is None:
        return published_date
    return max(published_date, went_live)


class _RestrictedPaths:
    """Whether a page path lies under a view restriction (one query for all)."""

    def __init__(self):
        self.paths = tuple(PageViewRestriction.objects.values_list("page__path", flat=True))

    def __call__(self, path):
        return any(path.startswith(restricted) for restricted in self.paths)


class _WorkingDayCounter:
    """Working days between dates for many rows: one pass over the calendar
    from the earliest date to the latest, then each count is a subtraction.
    Agrees with WorkingCalendar.working_days_between (days after `start` up to
    and including `end`), provisional flag included."""

    def __init__(self, calendar, first, last):
        self.calendar = calendar
        self.first = first
        self.working = [0]  # working days in (first, first + i]
        self.uncertain = [0]  # provisional days in (first, first + i]
        day = first
        while day < last:
            day += datetime.timedelta(days=1)
            working, provisional = calendar.is_working_day(day)
            self.working.append(self.working[-1] + working)
            self.uncertain.append(self.uncertain[-1] + provisional)

    def between(self, start, end):
        if end < start:
            count, provisional = self.between(end, start)
            return -count, provisional
        i, j = (start - self.first).days, (end - self.first).days
        return self.working[j] - self.working[i], self.uncertain[j] > self.uncertain[i]


def interpretation_timeliness(today=None, organisation=None, *, calendar=None):
    """The findings (list of TimelinessRow) as of `today` (default: today), for
    policies issued by `organisation` (an Organisation; default: all).

    Missing rows come first (overdue ones first), then late ones, each oldest
    policy first."""
    today = today or timezone.localdate()
    calendar = calendar or WorkingCalendar()
    restricted = _RestrictedPaths()

    locale = Locale.get_default()
    interpreted = InterpretationPage.policies.through.objects.filter(
        interpretationpage__live=True, interpretationpage__alias_of__isnull=True, interpretationpage__locale=locale
    ).values("documentpage_id")
    policies = DocumentPage.objects.live().filter(
        Q(is_normative=True) | Q(requires_interpretation=True) | Q(pk__in=interpreted),
        alias_of__isnull=True,
        locale=locale,
    )
    if organisation is not None:
        policies = policies.filter(issuing_org=organisation)
    policy_ids = policies.values("pk")
    policies = [
        p
        for p in policies.select_related("issuing_org").only(
            "pk", "path", "title", "doc_number", "published_date", "is_normative",
            "requires_interpretation", "issuing_org__name",
        )
        if not restricted(p.path)
    ]
    if not policies:
        return []

    # The earliest live public interpretation of each policy (one query for all links).
    first = {}
    links = (
        InterpretationPage.policies.through.objects.filter(
            documentpage__in=policy_ids,
            interpretationpage__live=True,
            interpretationpage__alias_of__isnull=True,
            interpretationpage__locale=locale,
        )
        .values_list(
            "documentpage_id",
            "interpretationpage_id",
            "interpretationpage__path",
            "interpretationpage__title",
            "interpretationpage__published_date",
            "interpretationpage__first_published_at",
            "interpretationpage__form",
        )
        .order_by("interpretationpage_id")
    )
    for policy_id, pk, page_path, title, published_date, first_published_at, form in links:
        if restricted(page_path):
            continue
        day = interpretation_date(published_date, first_published_at)
        known = first.get(policy_id)
        if known is None or (day, pk) < (known[1], known[0]):
            first[policy_id] = (pk, day, title, form)

    dates = [today] + [p.published_date for p in policies] + [f[1] for f in first.values()]
    counter = _WorkingDayCounter(calendar, min(dates), max(dates))

    rows = []
    for policy in policies:
        found = first.get(policy.pk)
        if policy.is_normative:
            reason = Reason.NORMATIVE
        elif policy.requires_interpretation:
            reason = Reason.FLAGGED
        else:
            reason = Reason.INTERPRETED
        deadline, deadline_provisional = calendar.add_working_days(policy.published_date, LIMIT_WORKING_DAYS)
        common = dict(
            policy_id=policy.pk,
            policy_title=policy.title,
            doc_number=policy.doc_number,
            organisation_id=policy.issuing_org_id,
            organisation_name=policy.issuing_org.name if policy.issuing_org_id else "",
            reason=reason.value,
            policy_date=policy.published_date,
            deadline=deadline,
        )
        if found is None:
            if reason == Reason.INTERPRETED:
                continue  # its interpretation is not public (any more): nothing is required of it
            days, provisional = counter.between(policy.published_date, today)
            rows.append(
                TimelinessRow(
                    kind=FindingKind.MISSING.value,
                    working_days=max(days, 0),
                    overdue=days > LIMIT_WORKING_DAYS,
                    provisional=provisional or deadline_provisional,
                    **common,
                )
            )
            continue
        pk, day, title, form = found
        days, provisional = counter.between(policy.published_date, day)
        if days > LIMIT_WORKING_DAYS:
            rows.append(
                TimelinessRow(
                    kind=FindingKind.LATE.value,
                    working_days=days,
                    overdue=True,
                    provisional=provisional or deadline_provisional,
                    interpretation_id=pk,
                    interpretation_title=title,
                    interpretation_date=day,
                    interpretation_form=form,
                    **common,
                )
            )
    order = {FindingKind.MISSING.value: 0, FindingKind.LATE.value: 1}
    rows.sort(key=lambda r: (order[r.kind], not r.overdue, r.policy_date, r.policy_id))
    return rows


def summarise(rows):
    """Counts for a heading: {missing, missing_overdue, late, provisional}."""
    return {
        "missing": sum(r.kind == FindingKind.MISSING for r in rows),
        "missing_overdue": sum(r.kind == FindingKind.MISSING and r.overdue for r in rows),
        "late": sum(r.kind == FindingKind.LATE for r in rows),
        "provisional": sum(r.provisional for r in rows),
    }


def filter_rows(rows, kind=None, overdue_only=False):
    if kind:
        rows = [r for r in rows if r.kind == kind]
    if overdue_only:
        rows = [r for r in rows if r.overdue]
    return rows


# -- admin ------------------------------------------------------------------------------------
# The report (报告 → 政策解读及时性), the policies chooser of the interpretation
# editor and the "添加解读" shortcut from a policy. Registered by gk_pages.wagtail_hooks.


class PolicyChooserWidget(forms.SelectMultiple):
    """解读的政策: the chosen policy documents as a list, added through Wagtail's page
    chooser modal (search and browse, several at once, 公开信息 only) and removed one
    by one. Submits the same values as a multiple select (one `name=id` per policy),
    so the form field is Django's ModelMultipleChoiceField unchanged; unlike a
    select it never lists the thousands of documents a portal holds."""

    template_name = "gk_pages/admin/interpretation_policy_chooser.html"
    model_name = "gk_pages.documentpage"

    def get_context(self, name, value, attrs):
        # Not SelectMultiple's: that one renders an <option> per document in the portal.
        context = forms.Widget.get_context(self, name, value, attrs)
        ids = [int(v) for v in (value or []) if str(v).isdigit()]
        chosen = {p.pk: p for p in DocumentPage.objects.filter(pk__in=ids).only("pk", "title", "draft_title", "doc_number", "live")}
        context["chosen"] = [chosen[pk] for pk in ids if pk in chosen]
        context["chooser_url"] = reverse("wagtailadmin_choose_page")
        context["model_name"] = self.model_name
        return context

    def format_value(self, value):
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        return [str(v.pk if hasattr(v, "pk") else v) for v in value]

    @property
    def media(self):
        return forms.Media(js=[versioned_static("wagtailadmin/js/page-chooser-modal.js")])


def policy_field_override(db_field):
    """Form field options for ParentalManyToManyFields (register_form_field_override):
    the policy chooser for relations to DocumentPage, Django's default for the others."""
    if issubclass(db_field.related_model, DocumentPage):
        return {"widget": PolicyChooserWidget}
    return None


# The add view is told which policy to interpret with ?policy=<id>. Wagtail's create
# view hands the request to `before_create_page` and the new page to `init_new_page`
# (in that order, in the same thread), so the id travels between the two here.
_requested_policy = contextvars.ContextVar("gk_requested_policy", default=None)


def remember_requested_policy(request, parent_page, page_class):
    """before_create_page hook: note ?policy= for the interpretation being created."""
    wanted = request.GET.get("policy", "") if issubclass(page_class, InterpretationPage) else ""
    _requested_policy.set(wanted if wanted.isdigit() else None)


@receiver(init_new_page)
def preselect_requested_policy(sender, page, parent, **kwargs):
    wanted = _requested_policy.get()
    _requested_policy.set(None)
    if wanted is None or not isinstance(page, InterpretationPage):
        return
    policy = DocumentPage.objects.filter(pk=wanted).first()
    if policy is None:
        return
    page.policies = [policy]
    if not page.title:
        page.title = f"《{policy.title}》政策解读"


def add_interpretation_url(policy_id):
    return reverse("gk_interpretations:add_for_policy", args=[policy_id])


def add_interpretation_for_policy(request, policy_id):
    """Open the interpretation editor in the policy's column with the policy chosen."""
    policy = get_object_or_404(DocumentPage, pk=policy_id)
    column = policy.get_parent().specific
    tester = column.permissions_for_user(request.user)
    if InterpretationPage not in column.creatable_subpage_models() or not tester.can_add_subpage():
        raise PermissionDenied
    url = reverse("wagtailadmin_pages:add", args=("gk_pages", "interpretationpage", column.pk))
    return redirect(f"{url}?{urlencode({'policy': policy.pk})}")


class AddInterpretationMenuItem(PageMenuItem):
    """添加解读 on a policy document's header and listing menus."""

    label = "添加解读"
    icon_name = "doc-full"
    priority = 16

    @cached_property
    def url(self):
        return add_interpretation_url(self.page.pk)

    def is_shown(self, user):
        if not user.is_active or self.page.specific_class is not DocumentPage:
            return False
        # The interpretation goes into the policy's column: adding there is what counts,
        # and page permissions are inherited down the tree, so the policy's own answer it.
        return user.is_superuser or "add" in self.page.permissions_for_user(user).permissions


def _keep(queryset, name, value):
    # These filters act on the computed rows, not on a queryset.
    return queryset


class InterpretationReportFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label="发布机构",
        empty_label="全部",
        queryset=lambda request: Organisation.objects.order_by("order", "pk"),
        method=_keep,
    )
    kind = django_filters.ChoiceFilter(label="类型", choices=FindingKind.choices, empty_label="全部", method=_keep)
    status = django_filters.ChoiceFilter(
        label="状态", choices=[("overdue", "已超期或超时"), ("pending", "未超期")], empty_label="全部", method=_keep
    )
    today = django_filters.DateFilter(label="评估日期", method=_keep, widget=AdminDateInput, help_text="默认今天")

    class Meta:
        model = Organisation
        fields = ["organisation", "kind", "status", "today"]


class InterpretationCellColumn(Column):
    """The interpretation: a link to its editor, or 添加解读 where there is none."""

    cell_template_name = "gk_pages/admin/interpretation_report_cell.html"


class InterpretationReportMenuItem(MenuItem):
    def __init__(self, **kwargs):
        kwargs.setdefault("name", "gk-interpretations")
        kwargs.setdefault("icon_name", "doc-full")
        kwargs.setdefault("order", 660)
        super().__init__("政策解读及时性", reverse("gk_interpretations:report"), **kwargs)


def _flag(value):
    return "是" if value else ""


def _date_text(value):
    return value.isoformat() if value else ""


class InterpretationReportView(ReportView):
    """报告 → 政策解读及时性. It lists live public pages only, so any admin user may
    read it (Wagtail's admin access is checked by the admin URLs)."""

    results_template_name = "gk_pages/admin/interpretation_report_results.html"
    page_title = "政策解读及时性"
    header_icon = "doc-full"
    filterset_class = InterpretationReportFilterSet
    index_url_name = "gk_interpretations:report"
    index_results_url_name = "gk_interpretations:report_results"
    export_filename = "政策解读及时性"
    paginate_by = 50
    list_export = [
        "kind_label",
        "policy_title",
        "doc_number",
        "organisation_name",
        "reason_label",
        "policy_date",
        "deadline",
        "interpretation_title",
        "interpretation_form",
        "interpretation_date",
        "working_days",
        "status_label",
        "provisional",
    ]
    export_headings = {
        "kind_label": "类型",
        "policy_title": "政策文件",
        "doc_number": "文号",
        "organisation_name": "发布机构",
        "reason_label": "解读要求",
        "policy_date": "政策发布日期",
        "deadline": "解读期限",
        "interpretation_title": "解读",
        "interpretation_form": "解读形式",
        "interpretation_date": "解读发布日期",
        "working_days": "工作日数",
        "status_label": "状态",
        "provisional": "暂定",
    }
    custom_field_preprocess = {
        "provisional": {"csv": _flag, "xlsx": _flag},
        "policy_date": {"csv": _date_text},
        "deadline": {"csv": _date_text},
        "interpretation_date": {"csv": _date_text, "xlsx": _date_text},
    }
    no_results_message = "没有需要关注的政策解读。"

    @cached_property
    def columns(self):
        return [
            Column("kind_label", label="类型"),
            TitleColumn(
                "policy_title",
                label="政策文件",
                get_url=lambda row: reverse("wagtailadmin_pages:edit", args=[row.policy_id]),
            ),
            Column("doc_number", label="文号"),
            Column("organisation_name", label="发布机构"),
            Column("policy_date", label="政策发布日期"),
            Column("deadline", label="解读期限"),
            InterpretationCellColumn("interpretation_title", label="解读"),
            Column("working_days", label="工作日数"),
            Column("status_display", label="状态"),
        ]

    def get_queryset(self):
        return Organisation.objects.all()

    def get_filtered_queryset(self):
        self.filter_queryset(self.get_queryset())
        cleaned = self.filters.form.cleaned_data if self.filters and self.filters.is_valid() else {}
        self.today = cleaned.get("today") or timezone.localdate()
        rows = interpretation_timeliness(self.today, cleaned.get("organisation"))
        rows = filter_rows(rows, kind=cleaned.get("kind"), overdue_only=cleaned.get("status") == "overdue")
        if cleaned.get("status") == "pending":
            rows = [row for row in rows if not row.overdue]
        for row in rows:
            row.status_display = row.status_label + ("（暂定）" if row.provisional else "")
            row.interpretation_url = (
                reverse("wagtailadmin_pages:edit", args=[row.interpretation_id]) if row.interpretation_id else ""
            )
            row.add_url = add_interpretation_url(row.policy_id) if not row.interpretation_id else ""
        self.summary = summarise(rows)
        return rows

    def stream_csv(self, rows):
        yield "\ufeff"  # Excel reads UTF-8 Chinese only with the BOM.
        yield from super().stream_csv(rows)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context.update(summary=self.summary, today=self.today, limit=LIMIT_WORKING_DAYS)
        return context


urlpatterns = [
    path("", InterpretationReportView.as_view(), name="report"),
    path("results/", InterpretationReportView.as_view(results_only=True), name="report_results"),
    path("add/<int:policy_id>/", add_interpretation_for_policy, name="add_for_policy"),
]
