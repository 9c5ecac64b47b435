"""年度评估: the yearly re-evaluation of items that are not disclosed proactively.

An item decided 依申请公开 or 不予公开 must be looked at again every year: is the
reason still valid, or can it now be disclosed (转为主动公开)?

* ``due_for_review(today, organisation=None)`` — the items whose decision
  (``attribute_reviewed_on``, or the date of their first revision when it was
  never recorded) is a year old or older on `today` (the same calendar date a
  year before counts: it is due that day). Such items are never live, so their
  current 公开属性 is in their latest revision rather than in the row; it is read
  from there in the same query (a fixed number of queries, however many items).
* ``record_review(page, user=…, outcome=…, reason=…)`` — records one
  re-evaluation: a ``DisclosureReview`` (who, when, what, why), the new
  ``attribute_reviewed_on``, a page-history entry ``gk.disclosure_review``, and,
  for ``converted``, a new revision with 主动公开 (and its audit entry
  ``gk.disclosure_attribute_change``). Converting makes the item publishable; it
  does not publish it.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import CharField, F, OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Page, Revision

from .disclosure import (
    DisclosureAttribute,
    DisclosureReview,
    NonDisclosureGround,
    disclosure_values,
    numbered_models,
)
from .validity import admin_url

NON_PUBLIC = (DisclosureAttribute.ON_REQUEST, DisclosureAttribute.WITHHELD)
LOG_ACTION = "gk.disclosure_review"
Outcome = DisclosureReview.Outcome


def anniversary(day):
    """The day a decision taken on `day` is due again: the same date a year later
    (a decision of 29 February is due on 1 March)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return datetime.date(day.year + 1, 3, 1)


def review_cutoff(today):
    """The latest decision date that is due on `today` (anniversary(d) <= today ⇔ d <= cutoff)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February: a year before, 28 February is the last one due
        return datetime.date(today.year - 1, 2, 28)


@dataclass
class DueItem:
    """One item due for its yearly re-evaluation."""

    page_id: int
    title: str
    page_type: str
    organisation: str
    organisation_code: str
    organisation_order: int
    attribute: str
    ground: str
    ground_reason: str
    last_reviewed: datetime.date | None  # None: never recorded
    last_reviewed_source: str  # 年度评估 / 认定 / 首次保存 / 未记录
    due_on: datetime.date | None
    days_overdue: int | None
    last_review: object  # the latest DisclosureReview or None
    edit_url: str
    review_url: str

    @property
    def ground_label(self):
        return NonDisclosureGround(self.ground).label if self.ground in NonDisclosureGround.values else self.ground

    @property
    def last_reviewed_display(self):
        return self.last_reviewed.isoformat() if self.last_reviewed else "未记录"

    @property
    def overdue_display(self):
        return "—" if self.days_overdue is None else self.days_overdue

    def as_dict(self):
        review = self.last_review
        return {
            "page_id": self.page_id,
            "title": self.title,
            "page_type": self.page_type,
            "organisation": self.organisation,
            "organisation_code": self.organisation_code,
            "attribute": self.attribute,
            "ground": self.ground,
            "ground_label": self.ground_label,
            "ground_reason": self.ground_reason,
            "last_reviewed": self.last_reviewed.isoformat() if self.last_reviewed else None,
            "last_reviewed_source": self.last_reviewed_source,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "days_overdue": self.days_overdue,
            "last_review": None
            if review is None
            else {
                "reviewed_at": timezone.localtime(review.reviewed_at).isoformat(),
                "reviewed_by": review.reviewed_by.get_username() if review.reviewed_by else None,
                "outcome": review.outcome,
                "reason": review.reason,
            },
            "edit_url": self.edit_url,
            "review_url": self.review_url,
        }


def _latest(field_name):
    """The value of `field_name` in the page's latest revision (None without one)."""
    return Subquery(
        Revision.objects.filter(pk=OuterRef("latest_revision_id")).values(value=KT(f"content__{field_name}"))[:1]
    )


def current_values(model):
    """`model`'s non-live pages annotated with their current (latest revision's)
    公开属性, ground, reason and 发布机构, and the time of their first revision."""
    page_type = ContentType.objects.get_for_model(Page)
    first_revision = (
        Revision.objects.filter(base_content_type=page_type, object_id=Cast(OuterRef("pk"), CharField()))
        .order_by("created_at", "pk")
        .values("created_at")[:1]
    )
    text = models.TextField()
    return model.objects.filter(live=False).annotate(
        current_attribute=Coalesce(_latest("disclosure_attribute"), F("disclosure_attribute"), output_field=text),
        current_ground=Coalesce(_latest("non_disclosure_ground"), F("non_disclosure_ground"), output_field=text),
        current_reason=Coalesce(_latest("non_disclosure_reason"), F("non_disclosure_reason"), output_field=text),
        current_org_id=Coalesce(
            Cast(_latest("issuing_org"), models.BigIntegerField()), F("issuing_org_id"), output_field=models.BigIntegerField()
        ),
        first_revision_at=Subquery(first_revision),
    )


def due_for_review(today=None, organisation=None, *, within=None, absolute_urls=False, include_not_due=False):
    """The 依申请公开 / 不予公开 items (every page type with the disclosure behaviour)
    due for re-evaluation on `today`, most overdue first.

    `organisation` limits them to one 发布机构 (as the latest version says);
    `within`, a Page queryset, to those pages (the admin passes what the user may
    edit); `include_not_due` lists every non-public item (for the action view)."""
    today = today or timezone.localdate()
    cutoff = review_cutoff(today)
    # A first revision made on the cutoff date or earlier (local time) makes the item due.
    before = timezone.make_aware(datetime.datetime.combine(cutoff + datetime.timedelta(days=1), datetime.time.min))
    due = (
        Q(attribute_reviewed_on__lte=cutoff)
        | Q(attribute_reviewed_on__isnull=True, first_revision_at__lt=before)
        | Q(attribute_reviewed_on__isnull=True, first_revision_at__isnull=True)
    )
    url = admin_url if absolute_urls else (lambda name, *args: reverse(name, args=args))

    rows = []
    for model in numbered_models():
        pages = current_values(model).filter(current_attribute__in=NON_PUBLIC)
        if not include_not_due:
            pages = pages.filter(due)
        if organisation is not None:
            pages = pages.filter(current_org_id=organisation.pk)
        if within is not None:
            pages = pages.filter(pk__in=within.values("pk"))
        for page in pages.values(
            "pk",
            "draft_title",
            "current_attribute",
            "current_ground",
            "current_reason",
            "current_org_id",
            "attribute_reviewed_on",
            "first_revision_at",
        ):
            rows.append((model, page))

    Organisation = apps.get_model("gk_columns", "Organisation")
    organisations = Organisation.objects.in_bulk({page["current_org_id"] for _, page in rows if page["current_org_id"]})
    latest_reviews = {}
    for review in DisclosureReview.objects.filter(page_id__in=[page["pk"] for _, page in rows]).select_related(
        "reviewed_by"
    ):
        latest_reviews.setdefault(review.page_id, review)  # ordered newest first

    items = []
    for model, page in rows:
        reviewed = page["attribute_reviewed_on"]
        review = latest_reviews.get(page["pk"])
        if reviewed is not None:
            source = "年度评估" if review is not None and timezone.localdate(review.reviewed_at) == reviewed else "认定"
        elif page["first_revision_at"] is not None:
            reviewed, source = timezone.localdate(page["first_revision_at"]), "首次保存"
        else:
            source = "未记录"
        due_on = anniversary(reviewed) if reviewed else None
        org = organisations.get(page["current_org_id"])
        items.append(
            DueItem(
                page_id=page["pk"],
                title=page["draft_title"],
                page_type=str(model._meta.verbose_name),
                organisation=org.name if org else "",
                organisation_code=org.code if org else "",
                organisation_order=org.order if org else 0,
                attribute=page["current_attribute"],
                ground=page["current_ground"] or "",
                ground_reason=page["current_reason"] or "",
                last_reviewed=reviewed,
                last_reviewed_source=source,
                due_on=due_on,
                days_overdue=(today - due_on).days if due_on else None,
                last_review=review,
                edit_url=url("wagtailadmin_pages:edit", page["pk"]),
                review_url=url("gk_disclosure_review:review", page["pk"]),
            )
        )
    never = 10**9  # never recorded sorts as the most overdue
    items.sort(key=lambda item: (-(never if item.days_overdue is None else item.days_overdue), item.organisation_order, item.title))
    return items


def current_version(page):
    """The page's latest content (its latest revision, else the row)."""
    page = page.specific
    return page.get_latest_revision_as_object() if page.latest_revision_id else page


def needs_review(page):
    """Whether `page` is an item the yearly re-evaluation is about (never live, and
    依申请公开 or 不予公开 in its latest version)."""
    from .disclosure import DisclosureMixin

    page = page.specific
    return isinstance(page, DisclosureMixin) and not page.live and current_version(page).disclosure_attribute in NON_PUBLIC


def record_review(page, *, user, outcome, reason, today=None):
    """Record one yearly re-evaluation of `page` and return the DisclosureReview.

    ``kept``: the 公开属性 stays; ``converted``: the item becomes 主动公开 (ground and
    reason cleared) in a new revision, which is not published. Either way the
    decision date restarts on `today`. Raises ValidationError when there is nothing
    to evaluate or the reason is missing."""
    from .disclosure import DisclosureMixin

    reason = (reason or "").strip()
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "请选择评估结论。"})
    if not reason:
        raise ValidationError({"reason": "请填写评估理由。"})
    today = today or timezone.localdate()
    page = page.specific
    if not isinstance(page, DisclosureMixin):
        raise ValidationError("该页面不是公开信息，无需评估公开属性。")
    model = type(page)

    with transaction.atomic():
        # One evaluation at a time per item: the second waits and sees the first's result.
        list(model.objects.select_for_update().filter(pk=page.pk).values_list("pk", flat=True))
        page = model.objects.get(pk=page.pk)
        if page.live:
            raise ValidationError("该信息已发布（公开属性为主动公开或删减后公开），无需年度评估。")
        content = current_version(page)
        before = content.disclosure_attribute
        if before not in NON_PUBLIC:
            raise ValidationError(f"该信息当前公开属性为“{before}”，只有依申请公开、不予公开的信息需要年度评估。")

        revision = None
        after = before
        if outcome == Outcome.CONVERTED:
            after = DisclosureAttribute.PROACTIVE
            content._disclosure_baseline = disclosure_values(content)
            content.disclosure_attribute = after
            content.non_disclosure_ground = ""
            content.non_disclosure_reason = ""
            content.redaction_confirmed = False
            content.change_reason = f"年度评估：{reason}"
            # As the page editor does for a page that is not live: the row follows the
            # draft, then the revision records it (with the audit entry).
            content.full_clean()
            content.save(clean=False)
            revision = content.save_revision(user=user, log_action=True, clean=False)
        model.objects.filter(pk=page.pk).update(attribute_reviewed_on=today)
        review = DisclosureReview.objects.create(
            page_id=page.pk,
            reviewed_by=user,
            outcome=outcome,
            attribute_before=before,
            attribute_after=after,
            reason=reason,
        )
        log(
            instance=page,
            action=LOG_ACTION,
            user=user,
            revision=revision,
            data={
                "review": review.pk,
                "outcome": outcome,
                "attribute_before": before,
                "attribute_after": after,
                "reason": reason,
                "reviewed_on": today.isoformat(),
            },
        )
    return review


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label="评估结论", choices=Outcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="评估理由",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="写明维持原公开属性的依据仍然成立的理由，或可以转为主动公开的理由；将记入页面历史。",
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("请填写评估理由。")
        return reason


REVIEW_COLUMNS = [
    ("title", "信息名称"),
    ("organisation", "发布机构"),
    ("attribute", "公开属性"),
    ("ground_label", "依据"),
    ("last_reviewed_display", "上次认定（评估）"),
    ("last_reviewed_source", "日期来源"),
    ("due_on", "应评估日期"),
    ("overdue_display", "逾期天数"),
    ("review_url", "评估地址"),
]


def review_cells(item):
    cells = []
    for name, _ in REVIEW_COLUMNS:
        value = getattr(item, name)
        cells.append(value.isoformat() if isinstance(value, datetime.date) else ("" if value is None else value))
    return cells
