"""覆盖率: how completely the portal carries each organisation's published catalogue.

For every organisation in scope the report counts, over the **required**
entries of its published catalogue (公开方式 includes 主动 and the entry is not
不适用):

* ``with_column`` — the entry has a column, found by lineage the way the column
  sync finds it (a column still pointing at an older version's entry counts,
  and is flagged ``needs_sync``);
* ``live_column`` — that column is live and not retired;
* ``with_content`` — the live column has at least one live, public
  DocumentPage child (public: no PageViewRestriction on the document or above);
* ``fresh`` / ``stale`` — the column's newest item, measured against the
  entry's 公开时限 by ``gk_columns.timelimits.assess`` (working days through
  ``gk_columns.workingdays.WorkingCalendar``);
* ``unparsed_rule`` — required entries whose 公开时限 could not be parsed. Such
  a column is never called fresh or stale: that would be guessing. Hence
  ``with_content = fresh + stale + (columns with content and an unparsed rule)``;

and lists the **orphans**: columns whose entry is no longer a required entry
of the current published catalogue (retired columns included; their content is
kept and counted).

Each required entry gets one status, its worst problem: ``missing`` (no
column, or a column that is not live or is retired), ``empty``, ``unparsed``
(content, but a rule that cannot be judged), ``stale`` or ``fresh``; orphan
columns get ``orphan``. Items and organisations are ``provisional`` when a
working-day deadline ran into a year whose holidays are not known yet
(Monday–Friday fallback, DESIGN.md section 5).

Score (得分, 0–100, one decimal, half up)::

    100                                       when required == 0
    40 × live_column / required
  + 30 × with_content / required
  + 30 × fresh / required                     otherwise

Totals use the same formula over the summed figures, so a large organisation
weighs more than a small one. A column whose rule is unparsed earns no
freshness points: the remedy is to fix the catalogue's 公开时限.

Whatever the number of organisations, entries, columns or documents, a report
costs a fixed number of queries: organisations, catalogue entries, view
restrictions, columns, one aggregate over documents, and the two calendar
tables (read once, only when a working-day deadline has to be counted).
"""

import datetime
import functools
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Count, ExpressionWrapper, Max, Q, Value
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear, Length, Substr
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from . import tables, timelimits
from .models import Catalogue, CatalogueEntry, CoverageSnapshot, Organisation, entry_label
from .tables import display_width
from .workingdays import WorkingCalendar

SCORE_WEIGHTS = (("live_column", 40), ("with_content", 30), ("fresh", 30))
SCORE_NOTE = "得分 = 40×已发布栏目/应设栏目 + 30×有内容栏目/应设栏目 + 30×更新及时/应设栏目；应设栏目为0时记100分。"
PROVISIONAL_NOTE = "标“暂定”的期限涉及尚未公布节假日安排的年份，按周一至周五暂计。"

# Up to this many organisations, the document aggregate is limited to their subtrees.
MAX_SCOPE_PREFIXES = 20

# Status of one required entry (its worst problem first) or of an orphan column.
STATUS_LABELS = {
    "missing": "缺少栏目",
    "empty": "栏目无内容",
    "stale": "更新不及时",
    "unparsed": "时限未解析",
    "fresh": "更新及时",
    "orphan": "孤立栏目",
}

FIGURES = (
    ("required", "应设栏目"),
    ("with_column", "已设栏目"),
    ("live_column", "已发布栏目"),
    ("with_content", "有内容栏目"),
    ("fresh", "更新及时"),
    ("stale", "更新不及时"),
    ("unparsed_rule", "时限未解析"),
    ("orphan_count", "孤立栏目"),
)

SUMMARY_COLUMNS = (
    ("name", "公开主体"),
    ("code", "机构代码"),
    ("kind_label", "机构类型"),
    ("catalogue_version", "目录版本"),
    *FIGURES,
    ("score", "得分"),
    ("provisional", "含暂定日期"),
)

DETAIL_COLUMNS = (
    ("organisation_name", "公开主体"),
    ("status_label", "问题"),
    ("domain", "领域"),
    ("entry", "目录事项"),
    ("time_limit", "公开时限"),
    ("rule", "时限规则"),
    ("column", "栏目"),
    ("page_id", "页面ID"),
    ("edit_url", "后台编辑地址"),
    ("documents", "内容条数"),
    ("newest_published", "最新发布日期"),
    ("newest_written", "最新成文日期"),
    ("due", "期限"),
    ("provisional", "暂定"),
    ("needs_sync", "需同步"),
    ("retired", "已撤销"),
    ("reason", "说明"),
)


def compute_score(required, live_column, with_content, fresh):
    """The 0–100 score of the module docstring, as a Decimal with one decimal place."""
    if not required:
        return Decimal("100.0")
    figures = {"live_column": live_column, "with_content": with_content, "fresh": fresh}
    raw = sum(Decimal(weight) * figures[name] / required for name, weight in SCORE_WEIGHTS)
    return raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _iso(value):
    return value.isoformat() if value else None


@dataclass
class CoverageItem:
    """One required entry (with its column, if any) or one orphan column."""

    status: str
    organisation_code: str
    organisation_name: str
    entry: str
    domain: str
    entry_id: int | None = None
    time_limit: str = ""
    rule: str = ""
    rule_parsed: bool = True
    column: str | None = None
    page_id: int | None = None
    edit_url: str | None = None
    live: bool = False
    retired: bool = False
    documents: int = 0
    newest_published: datetime.date | None = None
    newest_written: datetime.date | None = None
    due: datetime.date | None = None
    provisional: bool = False
    needs_sync: bool = False
    reason: str = ""

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    def matches(self, status):
        """Whether the item belongs under a report filter value (see STATUS_LABELS)."""
        return not self.rule_parsed if status == "unparsed" else self.status == status

    def as_dict(self):
        return {
            "status": self.status,
            "status_label": self.status_label,
            "entry": self.entry,
            "entry_id": self.entry_id,
            "domain": self.domain,
            "time_limit": self.time_limit,
            "rule": self.rule,
            "rule_parsed": self.rule_parsed,
            "column": self.column,
            "page_id": self.page_id,
            "edit_url": self.edit_url,
            "live": self.live,
            "retired": self.retired,
            "documents": self.documents,
            "newest_published": _iso(self.newest_published),
            "newest_written": _iso(self.newest_written),
            "due": _iso(self.due),
            "provisional": self.provisional,
            "needs_sync": self.needs_sync,
            "reason": self.reason,
        }


@dataclass
class OrganisationCoverage:
    organisation: Organisation
    catalogue_version: int | None
    items: list = field(default_factory=list)  # one per required entry, in catalogue order
    orphan_items: list = field(default_factory=list)

    # -- figures --------------------------------------------------------------

    @property
    def name(self):
        return self.organisation.name

    @property
    def code(self):
        return self.organisation.code

    @property
    def kind_label(self):
        return self.organisation.get_kind_display()

    @property
    def required(self):
        return len(self.items)

    @property
    def with_column(self):
        return sum(1 for i in self.items if i.page_id is not None)

    @property
    def live_column(self):
        return sum(1 for i in self.items if i.live and not i.retired)

    @property
    def with_content(self):
        return sum(1 for i in self.items if i.live and not i.retired and i.documents)

    @property
    def fresh(self):
        return sum(1 for i in self.items if i.status == "fresh")

    @property
    def stale(self):
        return sum(1 for i in self.items if i.status == "stale")

    @property
    def unparsed_rule(self):
        return sum(1 for i in self.items if not i.rule_parsed)

    @property
    def orphan_count(self):
        return len(self.orphan_items)

    @property
    def score(self):
        return compute_score(self.required, self.live_column, self.with_content, self.fresh)

    @property
    def provisional(self):
        return any(i.provisional for i in self.items + self.orphan_items)

    @property
    def score_display(self):
        return f"{self.score}（暂定）" if self.provisional else str(self.score)

    # -- lists ----------------------------------------------------------------

    @property
    def missing(self):
        return [i for i in self.items if i.status == "missing"]

    @property
    def empty(self):
        return [i for i in self.items if i.status == "empty"]

    @property
    def stale_items(self):
        return [i for i in self.items if i.status == "stale"]

    @property
    def unparsed(self):
        return [i for i in self.items if not i.rule_parsed]

    @property
    def needs_sync(self):
        return [i for i in self.items if i.needs_sync]

    def problems(self):
        """Every item an auditor should act on: all but the fresh ones, orphans last."""
        return [i for i in self.items if i.status != "fresh"] + self.orphan_items

    def items_with_status(self, status):
        return [i for i in self.items + self.orphan_items if i.matches(status)]

    def as_dict(self):
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.organisation.kind,
            "catalogue_version": self.catalogue_version,
            "required": self.required,
            "with_column": self.with_column,
            "live_column": self.live_column,
            "with_content": self.with_content,
            "fresh": self.fresh,
            "stale": self.stale,
            "unparsed_rule": self.unparsed_rule,
            "orphan_count": self.orphan_count,
            "score": float(self.score),
            "provisional": self.provisional,
            "missing": [i.as_dict() for i in self.missing],
            "empty": [i.as_dict() for i in self.empty],
            "stale_items": [i.as_dict() for i in self.stale_items],
            "unparsed": [i.as_dict() for i in self.unparsed],
            "needs_sync": [i.as_dict() for i in self.needs_sync],
            "orphans": [i.as_dict() for i in self.orphan_items],
        }


@dataclass
class CoverageReport:
    generated_at: datetime.datetime
    today: datetime.date
    organisations: list

    def totals(self):
        sums = {name: sum(getattr(o, name) for o in self.organisations) for name, _ in FIGURES}
        return {
            "organisations": len(self.organisations),
            **{name: value for name, value in sums.items() if name != "orphan_count"},
            "orphans": sums["orphan_count"],
            "missing": sum(len(o.missing) for o in self.organisations),
            "empty": sum(len(o.empty) for o in self.organisations),
            "score": float(compute_score(sums["required"], sums["live_column"], sums["with_content"], sums["fresh"])),
            "provisional": any(o.provisional for o in self.organisations),
        }

    def as_dict(self):
        return {
            "generated_at": self.generated_at.isoformat(),
            "today": self.today.isoformat(),
            "organisations": [o.as_dict() for o in self.organisations],
            "totals": self.totals(),
        }


# -- computing ----------------------------------------------------------------------


def default_scope():
    """Organisations a report covers by default: those with a published catalogue or any column."""
    ColumnPage = apps.get_model("gk_pages", "ColumnPage")
    return Organisation.objects.filter(
        Q(pk__in=Catalogue.objects.current().values("organisation_id"))
        | Q(pk__in=ColumnPage.objects.values("entry__catalogue__organisation_id"))
    )


def _content_language():
    from wagtail.coreutils import get_supported_content_language_variant

    return get_supported_content_language_variant(settings.LANGUAGE_CODE)


def _date_number(field_name):
    # YYYYMMDD as an integer: built from EXTRACT, which SQLite and PostgreSQL both do.
    return ExtractYear(field_name) * 10000 + ExtractMonth(field_name) * 100 + ExtractDay(field_name)


def _number_date(number):
    number = int(number)
    return datetime.date(number // 10000, number // 100 % 100, number % 100) if number else None


def document_figures(column_paths, restricted_paths, scope_prefixes=None):
    """{column path: (live public children, newest 发布日期, that item's 成文日期)} in one query.

    The newest item is the one with the latest 发布日期 (the latest 成文日期 among
    items published the same day). To get both dates out of one GROUP BY without
    DISTINCT ON (PostgreSQL only) or window functions, each row is given the key
    published·10⁸ + written as YYYYMMDD integers, and the group's maximum key
    carries the newest item's two dates."""
    Page = apps.get_model("wagtailcore", "Page")
    DocumentPage = apps.get_model("gk_pages", "DocumentPage")
    documents = DocumentPage.objects.filter(live=True)
    if restricted_paths:
        documents = documents.exclude(reduce(or_, (Q(path__startswith=p) for p in restricted_paths)))
    if scope_prefixes is not None:
        documents = documents.filter(reduce(or_, (Q(path__startswith=p) for p in scope_prefixes)))
    key = ExpressionWrapper(
        _date_number("published_date") * Value(100_000_000) + Coalesce(_date_number("written_date"), Value(0)),
        output_field=BigIntegerField(),
    )
    rows = (
        documents.order_by()
        .annotate(parent_path=Substr("path", 1, Length("path") - Page.steplen))
        .values("parent_path")
        .annotate(count=Count("pk"), newest=Max(key))
    )
    wanted = set(column_paths)
    figures = {}
    for row in rows:
        if row["parent_path"] in wanted:
            published, written = divmod(int(row["newest"]), 100_000_000)
            figures[row["parent_path"]] = (row["count"], _number_date(published), _number_date(written))
    return figures


@functools.lru_cache(maxsize=1)
def _edit_url_pattern():
    # One reverse() for the whole report: it is the slowest step per item otherwise.
    try:
        return reverse("wagtailadmin_pages:edit", args=[987654321]).replace("987654321", "{}")
    except NoReverseMatch:
        return None


def _edit_url(page_id):
    pattern = _edit_url_pattern()
    return pattern.format(page_id) if pattern else None


@dataclass(frozen=True)
class ColumnRow:
    """What the report reads of a ColumnPage, fetched as plain values: building
    tens of thousands of page instances would cost more than the rest together."""

    FIELDS = (
        "pk", "path", "title", "live", "retired", "entry_id", "entry__lineage", "entry__domain_id",
        "entry__domain__name", "entry__item_l1", "entry__item_l2", "entry__time_limit",
        "entry__catalogue__organisation_id", "entry__catalogue__version",
    )

    pk: int
    path: str
    title: str
    live: bool
    retired: bool
    entry_id: int
    lineage: object
    domain_id: int
    domain_name: str
    entry_label: str
    time_limit: str
    organisation_id: int
    catalogue_version: int

    @classmethod
    def from_values(cls, v):
        return cls(
            pk=v["pk"], path=v["path"], title=v["title"], live=v["live"], retired=v["retired"],
            entry_id=v["entry_id"], lineage=v["entry__lineage"], domain_id=v["entry__domain_id"],
            domain_name=v["entry__domain__name"],
            entry_label=entry_label(v["entry__domain__name"], v["entry__item_l1"], v["entry__item_l2"]),
            time_limit=v["entry__time_limit"], organisation_id=v["entry__catalogue__organisation_id"],
            catalogue_version=v["entry__catalogue__version"],
        )


def compute_coverage(organisations=None, *, today=None, domain=None, calendar=None, stale_after_days=None):
    """The coverage report (see the module docstring).

    `organisations`: None for ``default_scope()``, or a queryset / iterable of
    Organisation (each is reported even without a published catalogue).
    `domain`: restrict entries and orphans to one Domain (or its pk).
    `today` defaults to the local date; `stale_after_days` to settings.GK_STALE_AFTER_DAYS."""
    Page = apps.get_model("wagtailcore", "Page")
    PageViewRestriction = apps.get_model("wagtailcore", "PageViewRestriction")
    ColumnPage = apps.get_model("gk_pages", "ColumnPage")

    today = today or timezone.localdate()
    if stale_after_days is None:
        stale_after_days = getattr(settings, "GK_STALE_AFTER_DAYS", timelimits.STALE_AFTER_DAYS)
    calendar = calendar or WorkingCalendar()
    domain_id = getattr(domain, "pk", domain)

    scoped = organisations is not None
    if organisations is None:
        organisations = default_scope()
    if hasattr(organisations, "values"):
        org_filter = organisations.values("pk")
        orgs = list(organisations.order_by("order", "pk"))
    else:
        orgs = sorted(organisations, key=lambda o: (o.order, o.pk))
        org_filter = [o.pk for o in orgs]
    by_org = {o.pk: OrganisationCoverage(o, None) for o in orgs}

    entries = list(
        CatalogueEntry.objects.filter(
            catalogue__status=Catalogue.Status.PUBLISHED, catalogue__organisation__in=org_filter
        )
        .select_related("domain", "catalogue")
        # Thousands of entries: leave out the long texts and lists the report never reads.
        .defer("content", "basis", "subject", "channels", "audience", "level", "five_publics")
        .order_by("catalogue__organisation_id", "domain__order", "domain__code", "order", "pk")
    )
    restricted_paths = list(PageViewRestriction.objects.values_list("page__path", flat=True))
    columns = [
        ColumnRow.from_values(values)
        for values in ColumnPage.objects.filter(
            entry__catalogue__organisation__in=org_filter, structure_locale__language_code=_content_language()
        )
        .order_by("path")
        .values(*ColumnRow.FIELDS)
    ]
    if columns:
        # Columns sit at portal / organisation / domain / column. A report on a few
        # organisations aggregates only the documents under their pages; for many,
        # one pass over all documents beats a long OR of path prefixes.
        prefixes = {c.path[: -2 * Page.steplen] for c in columns}
        if not scoped or len(prefixes) > MAX_SCOPE_PREFIXES:
            prefixes = None
        documents = document_figures([c.path for c in columns], restricted_paths, prefixes)
    else:
        documents = {}

    # The sync's matching: one column per (organisation, lineage), the first by path.
    by_lineage, duplicates = {}, set()
    for column in columns:
        key = (column.organisation_id, column.lineage)
        if key in by_lineage:
            duplicates.add(column.pk)
        else:
            by_lineage[key] = column

    current_lineages = {}  # (org, lineage) -> entry, for every entry of a current catalogue
    required_keys = set()
    previous_rule = None
    previous_org = None
    for entry in entries:
        org_id = entry.catalogue.organisation_id
        coverage = by_org[org_id]
        coverage.catalogue_version = entry.catalogue.version
        if org_id != previous_org:
            previous_rule, previous_org = None, org_id
        rule = entry.rule.resolve(previous_rule)
        previous_rule = rule
        key = (org_id, entry.lineage)
        current_lineages[key] = entry
        if not entry.requires_column:
            continue
        required_keys.add(key)
        if domain_id is not None and entry.domain_id != domain_id:
            continue
        coverage.items.append(
            _assess_entry(
                entry, rule, by_lineage.get(key), coverage.organisation, documents, today, calendar, stale_after_days
            )
        )

    for column in columns:
        key = (column.organisation_id, column.lineage)
        duplicate = column.pk in duplicates
        if key in required_keys and not duplicate:
            continue
        if domain_id is not None and column.domain_id != domain_id:
            continue
        coverage = by_org[key[0]]
        count, newest_published, newest_written = documents.get(column.path, (0, None, None))
        if duplicate:
            why = "同一目录事项的重复栏目"
        elif key in current_lineages:
            why = "该事项在现行目录中已不是主动公开（依申请或不适用）"
        else:
            why = "该事项已从现行公开目录中删除"
        action = "栏目已撤销，内容保留" if column.retired else "栏目尚未撤销，请运行栏目同步"
        coverage.orphan_items.append(
            CoverageItem(
                status="orphan",
                organisation_code=coverage.organisation.code,
                organisation_name=coverage.organisation.name,
                entry=column.entry_label,
                domain=column.domain_name,
                entry_id=column.entry_id,
                time_limit=column.time_limit,
                column=column.title,
                page_id=column.pk,
                edit_url=_edit_url(column.pk),
                live=column.live,
                retired=column.retired,
                documents=count,
                newest_published=newest_published,
                newest_written=newest_written,
                needs_sync=not column.retired,
                reason=f"{why}；{action}",
            )
        )

    return CoverageReport(generated_at=timezone.now(), today=today, organisations=list(by_org.values()))


def _assess_entry(entry, rule, column, organisation, documents, today, calendar, stale_after_days):
    item = CoverageItem(
        status="missing",
        organisation_code=organisation.code,
        organisation_name=organisation.name,
        entry=entry.label,
        domain=entry.domain.name,
        entry_id=entry.pk,
        time_limit=entry.time_limit,
        rule=rule.describe(),
        rule_parsed=rule.parsed and rule.kind != "same_as_above",
    )
    if column is None:
        item.reason = "未设栏目：请运行栏目同步"
        return item

    count, newest_published, newest_written = documents.get(column.path, (0, None, None))
    item.column = column.title
    item.page_id = column.pk
    item.edit_url = _edit_url(column.pk)
    item.live = column.live
    item.retired = column.retired
    item.documents = count
    item.newest_published = newest_published
    item.newest_written = newest_written
    sync_notes = []
    if column.entry_id != entry.pk:
        sync_notes.append(f"栏目仍指向第{column.catalogue_version}版目录的事项")
    if column.title != entry.title:
        sync_notes.append(f"栏目名称“{column.title}”与事项“{entry.title}”不一致")
    if column.retired:
        sync_notes.append("栏目已撤销而事项仍在目录中")
    item.needs_sync = bool(sync_notes)
    sync_note = ("；需同步：" + "，".join(sync_notes)) if sync_notes else ""

    if column.retired or not column.live:
        item.reason = ("栏目已撤销" if column.retired else "栏目未发布，请在页面管理中发布") + sync_note
        return item
    if not count:
        item.status = "empty"
        item.reason = "栏目没有已发布的公开信息" + sync_note
        return item
    freshness = timelimits.assess(
        rule,
        newest_published=newest_published,
        newest_written=newest_written,
        today=today,
        calendar=calendar,
        stale_after_days=stale_after_days,
    )
    item.status = freshness.status if freshness.status in ("fresh", "stale") else "unparsed"
    item.due = freshness.due
    item.provisional = freshness.provisional
    item.reason = freshness.reason + sync_note
    return item


# -- snapshots ----------------------------------------------------------------------


@transaction.atomic
def store_snapshots(report):
    """One CoverageSnapshot per organisation of `report`, all stamped with its generated_at."""
    snapshots = [
        CoverageSnapshot(
            generated_at=report.generated_at,
            organisation=o.organisation,
            required=o.required,
            with_column=o.with_column,
            live_column=o.live_column,
            with_content=o.with_content,
            fresh=o.fresh,
            stale=o.stale,
            unparsed_rule=o.unparsed_rule,
            orphans=o.orphan_count,
            score=o.score,
            figures={**o.as_dict(), "today": report.today.isoformat()},
        )
        for o in report.organisations
    ]
    return CoverageSnapshot.objects.bulk_create(snapshots)


def snapshot_history(organisation=None):
    """Snapshot runs, oldest first: [{"generated_at", "organisations", figures…, "score"}].

    A run is the set of snapshots stored together (one generated_at); its score
    is recomputed from the summed figures, as for report totals."""
    snapshots = CoverageSnapshot.objects.order_by("generated_at")
    if organisation is not None:
        snapshots = snapshots.filter(organisation=organisation)
    names = [name for name, _ in FIGURES if name != "orphan_count"] + ["orphans"]
    runs = {}
    for row in snapshots.values("generated_at", *names):
        run = runs.setdefault(
            row["generated_at"], {"generated_at": row["generated_at"], "organisations": 0, **dict.fromkeys(names, 0)}
        )
        run["organisations"] += 1
        for name in names:
            run[name] += row[name]
    history = list(runs.values())
    for run in history:
        run["score"] = compute_score(run["required"], run["live_column"], run["with_content"], run["fresh"])
    return history


# -- output -------------------------------------------------------------------------


def _cell(value):
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, Decimal):
        return float(value)
    if value is None:
        return ""
    return value


def summary_rows(report):
    """Rows (lists) of the summary table: one per organisation, then 合计."""
    rows = [[_cell(getattr(o, name)) for name, _ in SUMMARY_COLUMNS] for o in report.organisations]
    totals = report.totals()
    totals_row = {"name": "合计", "code": "", "kind_label": f"{totals['organisations']}个公开主体", "catalogue_version": ""}
    totals_row.update({name: totals["orphans" if name == "orphan_count" else name] for name, _ in FIGURES})
    totals_row["score"] = totals["score"]
    totals_row["provisional"] = totals["provisional"]
    rows.append([_cell(totals_row[name]) for name, _ in SUMMARY_COLUMNS])
    return rows


def detail_rows(report):
    rows = []
    for organisation in report.organisations:
        for item in organisation.problems():
            rows.append([_cell(getattr(item, name)) for name, _ in DETAIL_COLUMNS])
    return rows


def write_csv(report, stream):
    """The summary as CSV, UTF-8 with a BOM so that Excel reads the Chinese correctly."""
    tables.write_csv(stream, [heading for _, heading in SUMMARY_COLUMNS], summary_rows(report))


def write_xlsx(report, stream):
    """A workbook with a 汇总 sheet (one row per organisation and 合计) and a
    问题明细 sheet (every missing, empty, stale, unparsed and orphan item)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    summary = workbook.active
    summary.title = "汇总"
    # Names of organisations, items and columns are editors' text: written as text, never as formulas.
    summary.append(tables.xlsx_row(summary, [heading for _, heading in SUMMARY_COLUMNS]))
    for row in summary_rows(report):
        summary.append(tables.xlsx_row(summary, row))
    details = workbook.create_sheet("问题明细")
    details.append(tables.xlsx_row(details, [heading for _, heading in DETAIL_COLUMNS]))
    for row in detail_rows(report):
        details.append(tables.xlsx_row(details, row))
    for sheet in (summary, details):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明")
    notes.append(["生成时间", timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")])
    notes.append(["评估日期", report.today.isoformat()])
    notes.append(["得分公式", SCORE_NOTE])
    if report.totals()["provisional"]:
        notes.append(["暂定", PROVISIONAL_NOTE])
    workbook.save(stream)


def _pad(text, width, right):
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def format_table(report):
    """The summary as aligned text (CJK characters count double width)."""
    columns = [c for c in SUMMARY_COLUMNS if c[0] not in ("kind_label", "catalogue_version", "provisional")]
    headings = [heading for _, heading in columns]
    rows = []
    for source in summary_rows(report):
        values = dict(zip([name for name, _ in SUMMARY_COLUMNS], source, strict=False))
        row = [str(values[name]) for name, _ in columns]
        if values["provisional"]:
            row[-1] += "*"
        rows.append(row)
    widths = [max(display_width(cell) for cell in column) for column in zip(headings, *rows, strict=False)]
    numeric = [i >= 2 for i in range(len(columns))]
    rule = "  ".join("-" * w for w in widths)
    lines = ["  ".join(_pad(h, w, r) for h, w, r in zip(headings, widths, numeric, strict=False)), rule]
    lines += ["  ".join(_pad(c, w, r) for c, w, r in zip(row, widths, numeric, strict=False)) for row in rows[:-1]]
    if len(rows) > 1:
        lines.append(rule)
    lines.append("  ".join(_pad(c, w, r) for c, w, r in zip(rows[-1], widths, numeric, strict=False)))
    if report.totals()["provisional"]:
        lines.append("* " + PROVISIONAL_NOTE)
    return "\n".join(lines) + "\n"


def as_csv_text(report):
    buffer = io.StringIO()
    write_csv(report, buffer)
    return buffer.getvalue()
