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

The admin side (report view, 解读的政策 chooser, 添加解读 shortcut) is
gk_pages.views.interpretations.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone
from wagtail.models import Locale, PageViewRestriction

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
        common = {
            "policy_id": policy.pk,
            "policy_title": policy.title,
            "doc_number": policy.doc_number,
            "organisation_id": policy.issuing_org_id,
            "organisation_name": policy.issuing_org.name if policy.issuing_org_id else "",
            "reason": reason.value,
            "policy_date": policy.published_date,
            "deadline": deadline,
        }
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
