"""Coverage (覆盖率): figures, lists, outputs, snapshots, query budget and the admin report."""

import csv
import datetime
import io
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import PageViewRestriction

from gk_columns import timelimits
from gk_columns.coverage import compute_coverage, compute_score, snapshot_history, store_snapshots
from gk_columns.models import CalendarYear, Catalogue, CatalogueEntry, CoverageSnapshot, Organisation
from gk_columns.vocab import Mode
from gk_pages.models import ColumnPage, DocumentPage
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)
D = datetime.date


@pytest.fixture(autouse=True)
def on_project_date(monkeypatch):
    """The admin views (and the command without --today) evaluate on the local date: pin it to the project date."""
    from django.utils import timezone

    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda value=None, tz=None: TODAY if value is None else real(value, tz))


def add_document(column, title, published, written=None, live=True):
    return column.add_child(
        instance=DocumentPage(title=title, published_date=published, written_date=written, live=live)
    )


def column(title):
    return ColumnPage.objects.get(title=title)


@dataclass
class Case:
    edu: object
    aid: object
    county: Organisation
    town: Organisation


@pytest.fixture
def case(portal, settings):
    """Two organisations with every situation the report distinguishes.

    测试县教育局 (jyj), today 2026-11-21, 8 required entries:
      招生政策  fresh: written 2026-09-24, published 2026-10-28. 20 working days from
                9-24 skip 中秋 (9-25..27) and 国庆 (10-1..7) and count the 调休
                Saturday 10-10, so the deadline is 10-29 (Mon–Fri counting would say
                10-22, holidays without 调休 10-30). A newer document under a view
                restriction does not count.
      招生结果  missing: its column was deleted.
      划片范围  missing: its column is not live.
      学校名录  empty: only a draft document.
      资助政策  stale: newest item 2026-04-01, more than 180 days ago.
      资助结果  stale: written 2026-09-24, published 10-30, after the 10-29 deadline.
      年度报告  fresh: 每年3月底前, published 2026-03-20 (after 2025-03-31).
      其他事项  unparsed 公开时限, with content.
    plus 依申请 and 不适用 entries (not required) and 旧栏目, removed in version 2:
    its retired column keeps its one document (taken offline with it) and is an orphan.

    某某镇人民政府 (xzf): version 2 published without running the sync, so its
    column still points at the version 1 entry (counts, needs sync) and the
    entry added in version 2 has no column.
    """
    settings.GK_STALE_AFTER_DAYS = 180
    edu = make_domain("义务教育", code="edu", order=1)
    aid = make_domain("社会救助", code="aid", order=2)
    county = make_org("测试县教育局", code="jyj")
    v1 = filed_catalogue(
        county,
        [
            entry_values(edu, "义务教育招生", "招生政策"),
            entry_values(edu, "义务教育招生", "招生结果"),
            entry_values(edu, "义务教育招生", "划片范围"),
            entry_values(edu, "学校概况", "学校名录"),
            entry_values(edu, "学校概况", "办学许可", mode=[Mode.ON_REQUEST.value]),
            entry_values(edu, "学校概况", "校车", not_applicable=True, not_applicable_reason="本县无校车"),
            entry_values(edu, "学校概况", "旧栏目"),
            entry_values(aid, "学生资助", "资助政策"),
            entry_values(aid, "学生资助", "资助结果"),
            entry_values(aid, "工作报告", "年度报告", time_limit="每年3月底前"),
            entry_values(aid, "工作报告", "其他事项", time_limit="视工作进展情况而定"),
        ],
    )
    v1.publish()
    add_document(column("旧栏目"), "旧栏目的信息", D(2025, 6, 1))
    v2 = Catalogue.new_draft(county, copy_from=v1)
    v2.entries.filter(item_l2="旧栏目").delete()
    v2.submit()
    v2.file()
    v2.publish()

    add_document(column("招生政策"), "2026年招生工作方案", D(2026, 10, 28), D(2026, 9, 24))
    secret = add_document(column("招生政策"), "内部通知", D(2026, 11, 20), D(2026, 11, 19))
    PageViewRestriction.objects.create(page=secret, restriction_type=PageViewRestriction.PASSWORD, password="x")
    column("招生结果").delete()
    column("划片范围").unpublish()
    add_document(column("学校名录"), "学校名录（草稿）", D(2026, 11, 1), live=False)
    add_document(column("资助政策"), "资助政策汇编", D(2026, 4, 1))
    add_document(column("资助结果"), "资助名单", D(2026, 10, 30), D(2026, 9, 24))
    add_document(column("年度报告"), "2025年度工作报告", D(2026, 3, 20))
    add_document(column("其他事项"), "工作动态", D(2026, 11, 2))

    town = make_org("某某镇人民政府", code="xzf", kind=Organisation.Kind.TOWNSHIP)
    t1 = filed_catalogue(town, [entry_values(aid, "村务公开", "低保审核")])
    t1.publish()
    add_document(column("低保审核"), "低保审核结果", D(2026, 11, 10))
    t2 = Catalogue.new_draft(town, copy_from=t1)
    CatalogueEntry.objects.create(catalogue=t2, order=2, **entry_values(aid, "村务公开", "低保名单"))
    t2.submit()
    t2.file()
    t2.publish(sync=False)
    return Case(edu, aid, county, town)


def by_title(items):
    return {item["column"]: item for item in items}


# -- figures and lists ------------------------------------------------------------


def test_every_figure_and_list_of_the_constructed_case(case):
    report = compute_coverage(today=TODAY).as_dict()
    assert report["today"] == "2026-11-21"
    county, town = report["organisations"]
    assert county["code"] == "jyj" and town["code"] == "xzf"

    names = ("required", "with_column", "live_column", "with_content", "fresh", "stale", "unparsed_rule")
    assert {name: county[name] for name in names} == {
        "required": 8,
        "with_column": 7,
        "live_column": 6,
        "with_content": 5,
        "fresh": 2,
        "stale": 2,
        "unparsed_rule": 1,
    }
    # 40×6/8 + 30×5/8 + 30×2/8 = 56.25, rounded half up.
    assert county["score"] == 56.3
    assert county["provisional"] is False
    assert county["catalogue_version"] == 2

    missing = {item["entry"]: item for item in county["missing"]}
    assert set(missing) == {"义务教育｜义务教育招生｜招生结果", "义务教育｜义务教育招生｜划片范围"}
    no_column = missing["义务教育｜义务教育招生｜招生结果"]
    assert no_column["page_id"] is None and no_column["column"] is None and "未设栏目" in no_column["reason"]
    not_live = missing["义务教育｜义务教育招生｜划片范围"]
    assert not_live["column"] == "划片范围"
    assert not_live["page_id"] == column("划片范围").pk
    assert not_live["edit_url"] == f"/admin/pages/{not_live['page_id']}/edit/"
    assert not_live["live"] is False and "栏目未发布" in not_live["reason"]

    [empty] = county["empty"]
    assert empty["column"] == "学校名录" and empty["documents"] == 0 and empty["domain"] == "义务教育"

    stale = by_title(county["stale_items"])
    assert set(stale) == {"资助政策", "资助结果"}
    assert stale["资助政策"]["newest_published"] == "2026-04-01"
    assert stale["资助政策"]["due"] == "2026-09-28"  # 2026-04-01 + 180 days
    assert "180天" in stale["资助政策"]["reason"]
    late = stale["资助结果"]
    assert (late["newest_published"], late["newest_written"], late["due"]) == ("2026-10-30", "2026-09-24", "2026-10-29")
    assert "发布超期" in late["reason"] and late["provisional"] is False

    [unparsed] = county["unparsed"]
    assert unparsed["column"] == "其他事项" and unparsed["status"] == "unparsed" and unparsed["rule_parsed"] is False
    assert unparsed["time_limit"] == "视工作进展情况而定" and unparsed["documents"] == 1

    [orphan] = county["orphans"]
    assert orphan["column"] == "旧栏目"
    assert (orphan["retired"], orphan["live"], orphan["documents"]) == (True, False, 0)
    assert orphan["page_id"] == column("旧栏目").pk
    assert "已从现行公开目录中删除" in orphan["reason"] and "内容保留" in orphan["reason"]
    assert county["orphan_count"] == 1
    assert county["needs_sync"] == []

    assert town["required"] == 2 and town["with_column"] == 1 and town["live_column"] == 1
    assert (town["with_content"], town["fresh"], town["stale"], town["unparsed_rule"]) == (1, 1, 0, 0)
    assert town["score"] == 50.0
    [needs_sync] = town["needs_sync"]
    assert needs_sync["column"] == "低保审核" and "第1版" in needs_sync["reason"]
    assert [m["entry"] for m in town["missing"]] == ["社会救助｜村务公开｜低保名单"]

    assert report["totals"] == {
        "organisations": 2,
        "required": 10,
        "with_column": 8,
        "live_column": 7,
        "with_content": 6,
        "fresh": 3,
        "stale": 2,
        "unparsed_rule": 1,
        "orphans": 1,
        "missing": 3,
        "empty": 1,
        "score": 55.0,
        "provisional": False,
    }


def test_fresh_items_count_holidays_and_adjusted_working_days(case):
    report = compute_coverage(today=TODAY)
    county = report.organisations[0]
    fresh = {i.column: i for i in county.items if i.status == "fresh"}
    assert set(fresh) == {"招生政策", "年度报告"}
    policy = fresh["招生政策"]
    # Published 10-28, inside the deadline (10-29) only because 中秋/国庆 are off and 10-10 is worked;
    # the restricted document of 11-20 is not the newest public item.
    assert (policy.documents, policy.newest_published, policy.newest_written) == (1, D(2026, 10, 28), D(2026, 9, 24))
    assert policy.due == D(2027, 4, 26)  # turns stale 180 days after the newest item
    annual = fresh["年度报告"]
    assert annual.due == D(2026, 3, 31) and annual.rule == timelimits.parse("每年3月底前").describe()

    # The same data against a calendar that knows no holidays in 2026 (an administrator marked the
    # year complete without entering any): Monday–Friday counting makes 招生政策 late.
    CalendarYear.objects.create(year=2026, complete=True, source="手工维护")
    county = compute_coverage(today=TODAY).organisations[0]
    policy = next(i for i in county.items if i.column == "招生政策")
    assert policy.status == "stale" and policy.due == D(2026, 10, 22) and "发布超期" in policy.reason


def test_an_unparsed_rule_is_reported_but_never_guessed(case):
    county = compute_coverage(today=TODAY).organisations[0]
    [item] = county.unparsed
    assert item.status == "unparsed" and item.rule.startswith("未能解析")
    assert item not in county.stale_items and item.status != "fresh"
    # with_content = fresh + stale + columns with content whose rule is unparsed
    assert county.with_content == county.fresh + county.stale + 1


def test_score_formula():
    assert compute_score(0, 0, 0, 0) == Decimal("100.0")
    assert compute_score(3, 3, 3, 3) == Decimal("100.0")
    assert compute_score(3, 1, 1, 0) == Decimal("23.3")  # 13.33 + 10
    assert compute_score(8, 6, 5, 2) == Decimal("56.3")


def test_filters_by_organisation_and_domain(case):
    report = compute_coverage(Organisation.objects.filter(code="xzf"), today=TODAY)
    assert [o.code for o in report.organisations] == ["xzf"]
    report = compute_coverage(today=TODAY, domain=case.aid)
    county = report.organisations[0]
    assert [i.column for i in county.items] == ["资助政策", "资助结果", "年度报告", "其他事项"]
    assert county.orphan_items == []  # 旧栏目 belongs to 义务教育


def test_same_as_above_takes_the_rule_of_the_row_above(portal):
    aid = make_domain("社会救助", code="aid")
    org = make_org("某某乡人民政府", code="mmx", kind=Organisation.Kind.TOWNSHIP)
    filed_catalogue(
        org,
        [
            # The row above need not be proactive itself to lend its time limit.
            entry_values(aid, "最低生活保障", "审批结果", time_limit="每年3月底前", mode=[Mode.ON_REQUEST.value]),
            entry_values(aid, "最低生活保障", "保障标准", time_limit="同上"),
            entry_values(aid, "特困供养", "供养标准", time_limit="同上"),
        ],
    ).publish()
    add_document(column("保障标准"), "2026年保障标准", D(2026, 3, 20))
    add_document(column("供养标准"), "2024年供养标准", D(2024, 3, 20))
    coverage = compute_coverage(today=TODAY).organisations[0]
    assert coverage.unparsed_rule == 0
    assert {i.column: (i.status, i.due) for i in coverage.items} == {
        "保障标准": ("fresh", D(2026, 3, 31)),
        "供养标准": ("stale", D(2026, 3, 31)),
    }


def test_dates_in_an_unknown_year_are_provisional(portal, settings):
    settings.GK_STALE_AFTER_DAYS = 180
    aid = make_domain("社会救助", code="aid")
    org = make_org("某某乡人民政府", code="mmx", kind=Organisation.Kind.TOWNSHIP)
    filed_catalogue(org, [entry_values(aid, "最低生活保障", "保障对象")]).publish()
    # 20 working days from 2026-12-24 run into 2027, a year chinesecalendar 1.11.0 does not know.
    add_document(column("保障对象"), "保障对象名单", D(2027, 1, 15), D(2026, 12, 24))
    report = compute_coverage(today=D(2027, 1, 20)).as_dict()
    [organisation] = report["organisations"]
    [item] = list(compute_coverage(today=D(2027, 1, 20)).organisations[0].items)
    assert item.status == "fresh" and item.provisional is True
    assert organisation["provisional"] is True and report["totals"]["provisional"] is True


# -- the command and its outputs ----------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("coverage", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


SUMMARY_HEADINGS = ["公开主体", "机构代码", "机构类型", "目录版本", "应设栏目", "已设栏目", "已发布栏目", "有内容栏目",
                    "更新及时", "更新不及时", "时限未解析", "孤立栏目", "得分", "含暂定日期"]


def test_json_shape(case):
    out, _ = run("--format", "json", "--today", "2026-11-21")
    data = json.loads(out)
    assert set(data) == {"generated_at", "today", "organisations", "totals"}
    datetime.datetime.fromisoformat(data["generated_at"])
    organisation = data["organisations"][0]
    for key in ("code", "name", "required", "with_column", "live_column", "with_content", "fresh", "stale",
                "unparsed_rule", "score", "provisional", "missing", "empty", "stale_items", "orphans"):
        assert key in organisation
    item = organisation["stale_items"][0]
    for key in ("entry", "domain", "column", "page_id", "edit_url", "newest_published", "due", "provisional", "reason"):
        assert key in item
    assert data["totals"]["score"] == 55.0

    out, _ = run("--format", "json", "--today", "2026-11-21", "--org", "xzf")
    assert [o["code"] for o in json.loads(out)["organisations"]] == ["xzf"]


def test_table_has_chinese_headings_one_line_per_organisation_and_totals(case):
    out, _ = run("--today", "2026-11-21")
    lines = out.splitlines()
    assert lines[0].split() == ["公开主体", "机构代码", "应设栏目", "已设栏目", "已发布栏目", "有内容栏目", "更新及时",
                                "更新不及时", "时限未解析", "孤立栏目", "得分"]
    rows = [line.split() for line in lines if line and not line.startswith(("-", "公开主体"))]
    assert rows == [
        ["测试县教育局", "jyj", "8", "7", "6", "5", "2", "2", "1", "1", "56.3"],
        ["某某镇人民政府", "xzf", "2", "1", "1", "1", "1", "0", "0", "0", "50.0"],
        ["合计", "10", "8", "7", "6", "3", "2", "1", "1", "55.0"],
    ]
    # Columns line up in display width (a CJK character takes two cells).
    from gk_columns.tables import display_width

    assert len({display_width(line) for line in lines if line.strip()}) == 1


def test_csv_has_a_bom_and_the_same_numbers(case, tmp_path):
    target = tmp_path / "coverage.csv"
    _, err = run("--format", "csv", "--today", "2026-11-21", "--out", str(target))
    assert "已写入" in err
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == SUMMARY_HEADINGS
    assert rows[1][:13] == ["测试县教育局", "jyj", "县级部门", "2", "8", "7", "6", "5", "2", "2", "1", "1", "56.3"]
    assert rows[2][:13] == ["某某镇人民政府", "xzf", "乡镇（街道）", "2", "2", "1", "1", "1", "1", "0", "0", "0", "50.0"]
    assert rows[3][0] == "合计" and rows[3][4:13] == ["10", "8", "7", "6", "3", "2", "1", "1", "55.0"]

    stdout, _ = run("--format", "csv", "--today", "2026-11-21")
    assert stdout.startswith("\ufeff公开主体,")


def test_xlsx_summary_and_details_read_back(case, tmp_path):
    with pytest.raises(CommandError, match="--out"):
        run("--format", "xlsx")
    target = tmp_path / "coverage.xlsx"
    run("--format", "xlsx", "--today", "2026-11-21", "--out", str(target))
    workbook = load_workbook(target)
    assert workbook.sheetnames[:2] == ["汇总", "问题明细"]
    summary = list(workbook["汇总"].values)
    assert list(summary[0]) == SUMMARY_HEADINGS
    assert summary[1][:13] == ("测试县教育局", "jyj", "县级部门", 2, 8, 7, 6, 5, 2, 2, 1, 1, 56.3)
    assert summary[3][0] == "合计" and summary[3][4:13] == (10, 8, 7, 6, 3, 2, 1, 1, 55.0)

    details = list(workbook["问题明细"].values)
    headings = details[0]
    rows = [dict(zip(headings, row, strict=False)) for row in details[1:]]
    problems = sorted((r["公开主体"], r["问题"], r["目录事项"].split("｜")[-1]) for r in rows)
    assert problems == sorted(
        [
            ("测试县教育局", "缺少栏目", "招生结果"),
            ("测试县教育局", "缺少栏目", "划片范围"),
            ("测试县教育局", "栏目无内容", "学校名录"),
            ("测试县教育局", "更新不及时", "资助政策"),
            ("测试县教育局", "更新不及时", "资助结果"),
            ("测试县教育局", "时限未解析", "其他事项"),
            ("测试县教育局", "孤立栏目", "旧栏目"),
            ("某某镇人民政府", "缺少栏目", "低保名单"),
        ]
    )
    late = next(r for r in rows if r["栏目"] == "资助结果")
    assert late["期限"].date() == D(2026, 10, 29) and late["页面ID"] == column("资助结果").pk
    assert late["后台编辑地址"] == f"/admin/pages/{column('资助结果').pk}/edit/"


def test_unknown_organisation_is_an_error(case):
    with pytest.raises(CommandError, match="nope"):
        run("--org", "nope")


def test_snapshot_is_stored_per_organisation_and_shows_in_history(case):
    _, err = run("--format", "json", "--today", "2026-11-21", "--snapshot")
    assert "已保存覆盖率快照：2" in err
    county = CoverageSnapshot.objects.get(organisation=case.county)
    assert (county.required, county.with_column, county.live_column, county.with_content) == (8, 7, 6, 5)
    assert (county.fresh, county.stale, county.unparsed_rule, county.orphans) == (2, 2, 1, 1)
    assert county.score == Decimal("56.3")
    assert [i["column"] for i in county.figures["stale_items"]] == ["资助政策", "资助结果"]
    assert county.figures["today"] == "2026-11-21"

    # A later run after the empty column got a (fresh) item: the history shows both runs.
    add_document(column("学校名录"), "2026年学校名录", D(2026, 11, 20))
    store_snapshots(compute_coverage(today=TODAY))
    history = snapshot_history()
    assert [run["organisations"] for run in history] == [2, 2]
    assert [run["with_content"] for run in history] == [6, 7]
    assert [run["fresh"] for run in history] == [3, 4]
    assert [run["score"] for run in history] == [Decimal("55.0"), Decimal("61.0")]  # 28 + 21 + 12
    assert [run["score"] for run in snapshot_history(case.county)] == [Decimal("56.3"), Decimal("63.8")]


# -- query budget -------------------------------------------------------------------


def build_organisations(prefix, orgs, entries, edu):
    for n in range(orgs):
        org = make_org(f"预算测试{prefix}第{n}局", code=f"budget-{prefix}{n}")
        filed_catalogue(
            org,
            [entry_values(edu, "预算事项", f"第{n}局事项{k}") for k in range(entries)],
        ).publish()
        columns = list(ColumnPage.objects.filter(entry__catalogue__organisation=org).order_by("path"))
        for k, col in enumerate(columns):
            add_document(col, f"信息{n}-{k}", D(2026, 10, 28), D(2026, 9, 24))
            if k % 3 == 0:
                add_document(col, f"旧信息{n}-{k}", D(2025, 10, 28), D(2025, 9, 24))
        secret = add_document(columns[0], f"内部{n}", D(2026, 11, 20))
        PageViewRestriction.objects.create(page=secret, restriction_type=PageViewRestriction.PASSWORD, password="x")


def count_queries(**kwargs):
    with CaptureQueriesContext(connection) as queries:
        report = compute_coverage(today=TODAY, **kwargs)
        report.as_dict()
    return len(queries), report


def test_query_count_does_not_grow_with_the_data(portal):
    edu = make_domain("义务教育", code="edu")
    build_organisations("a", 1, 3, edu)
    small, report = count_queries()
    assert report.totals()["fresh"] == 3
    build_organisations("b", 5, 20, edu)
    large, report = count_queries()
    assert report.totals()["required"] == 3 + 100 and report.totals()["with_content"] == 103
    assert small == large <= 8
    scoped, _ = count_queries(organisations=Organisation.objects.filter(code__startswith="budget"))
    assert scoped == small


# -- the admin report ---------------------------------------------------------------

in_admin = pytest.mark.django_db  # the report is tested at its real admin URLs (gk_columns/wagtail_hooks.py)


def refused(response):
    """Wagtail's admin answers a missing permission by redirecting to the dashboard."""
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


@pytest.fixture
def superuser_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


def staff_client(client, *codenames):
    user = get_user_model().objects.create_user("auditor", "a@example.com", "pw")
    group = Group.objects.create(name="审计")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for codename in codenames:
        group.permissions.add(Permission.objects.get(content_type__app_label="gk_columns", codename=codename))
    user.groups.add(group)
    client.force_login(user)
    return client


def report_rows(response):
    """(organisation name, figures…, score) for each table row of the report."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(response.content, "html.parser")
    rows = []
    for tr in soup.select("table.listing tbody tr"):
        rows.append([" ".join(td.get_text().split()) for td in tr.find_all("td")])
    return rows


@in_admin
def test_report_renders_per_organisation_rows_for_a_superuser(case, superuser_client):
    response = superuser_client.get(reverse("gk_coverage:coverage_report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "栏目覆盖率" in html and "生成快照" in html and "快照趋势" in html
    assert report_rows(response) == [
        ["测试县教育局", "县级部门", "8", "7", "6", "5", "2", "2", "1", "1", "56.3"],
        ["某某镇人民政府", "乡镇（街道）", "2", "1", "1", "1", "1", "0", "0", "0", "50.0"],
    ]
    assert "评估日期 2026-11-21" in html and "总得分 <strong>55.0</strong>" in html
    detail = reverse("gk_coverage:coverage_detail", args=[case.county.pk])
    assert f'href="{detail}"' in html


@in_admin
def test_report_filters(case, superuser_client):
    url = reverse("gk_coverage:coverage_report")
    rows = report_rows(superuser_client.get(url, {"kind": "township"}))
    assert [row[0] for row in rows] == ["某某镇人民政府"]
    rows = report_rows(superuser_client.get(url, {"organisation": case.county.pk}))
    assert [row[0] for row in rows] == ["测试县教育局"]
    response = superuser_client.get(url, {"status": "orphan"})
    assert [row[0] for row in report_rows(response)] == ["测试县教育局"]
    assert "合计：1 个公开主体，应设栏目 8，" in response.content.decode()  # totals cover the rows shown
    rows = report_rows(superuser_client.get(url, {"status": "missing"}))
    assert [row[0] for row in rows] == ["测试县教育局", "某某镇人民政府"]
    rows = report_rows(superuser_client.get(url, {"domain": case.aid.pk}))
    assert {row[0]: row[2] for row in rows} == {"测试县教育局": "4", "某某镇人民政府": "2"}
    response = superuser_client.get(reverse("gk_coverage:coverage_report_results"), {"status": "unparsed"})
    assert response.status_code == 200 and [row[0] for row in report_rows(response)] == ["测试县教育局"]
    # sorting happens on the computed rows
    rows = report_rows(superuser_client.get(url, {"ordering": "-required"}))
    assert [row[0] for row in rows] == ["测试县教育局", "某某镇人民政府"]
    rows = report_rows(superuser_client.get(url, {"ordering": "required"}))
    assert [row[0] for row in rows] == ["某某镇人民政府", "测试县教育局"]


@in_admin
def test_report_exports_xlsx_and_csv(case, superuser_client):
    url = reverse("gk_coverage:coverage_report")
    response = superuser_client.get(url, {"export": "xlsx", "kind": "department"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    summary = list(workbook["汇总"].values)
    assert list(summary[0]) == SUMMARY_HEADINGS
    assert summary[1] == ("测试县教育局", "jyj", "县级部门", 2, 8, 7, 6, 5, 2, 2, 1, 1, 56.3, None)
    assert [row[0] for row in summary[1:]] == ["测试县教育局", "合计"]
    details = list(workbook["问题明细"].values)
    assert {row[0] for row in details[1:]} == {"测试县教育局"}
    assert "孤立栏目" in {row[1] for row in details[1:]}

    response = superuser_client.get(url, {"export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == SUMMARY_HEADINGS
    assert [row[0] for row in rows[1:]] == ["测试县教育局", "某某镇人民政府"]
    assert rows[1][4:8] == ["8", "7", "6", "5"]


@in_admin
def test_detail_lists_problem_items_with_edit_links(case, superuser_client):
    url = reverse("gk_coverage:coverage_detail", args=[case.county.pk])
    response = superuser_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("招生结果", "划片范围", "学校名录", "资助政策", "资助结果", "其他事项", "旧栏目"):
        assert title in html
    assert f'href="/admin/pages/{column("资助结果").pk}/edit/"' in html
    assert "发布超期" in html and "已撤销" in html

    response = superuser_client.get(url, {"status": "stale"})
    html = response.content.decode()
    assert "资助政策" in html and "资助结果" in html and "学校名录" not in html and "旧栏目" not in html

    response = superuser_client.get(url, {"status": "fresh"})
    assert "招生政策" in response.content.decode()
    assert superuser_client.get(reverse("gk_coverage:coverage_detail", args=[999999])).status_code == 404


@in_admin
def test_snapshot_button_stores_snapshots_and_trend_shows_them(case, superuser_client):
    trend = reverse("gk_coverage:coverage_trend")
    assert "还没有覆盖率快照" in superuser_client.get(trend).content.decode()
    assert superuser_client.get(reverse("gk_coverage:coverage_snapshot")).status_code == 405

    response = superuser_client.post(reverse("gk_coverage:coverage_snapshot"))
    assert response.status_code == 302 and response["Location"] == trend
    assert CoverageSnapshot.objects.count() == 2
    first = CoverageSnapshot.objects.get(organisation=case.county)
    # A second run a month later, after the empty column got content.
    add_document(column("学校名录"), "2026年学校名录", TODAY)
    store_snapshots(compute_coverage())
    CoverageSnapshot.objects.filter(pk=first.pk).update(generated_at=first.generated_at - datetime.timedelta(days=30))
    CoverageSnapshot.objects.filter(organisation=case.town, generated_at=first.generated_at).update(
        generated_at=first.generated_at - datetime.timedelta(days=30)
    )

    response = superuser_client.get(trend)
    html = response.content.decode()
    assert "gk-sparkline" in html and "<polyline" in html
    rows = report_rows(response)
    assert [row[1] for row in rows] == ["2", "2"]  # organisations per run, newest first
    assert [row[5] for row in rows] == ["7", "6"]  # with_content grew
    response = superuser_client.get(trend, {"organisation": case.county.pk})
    assert [row[2] for row in report_rows(response)] == ["8", "8"]

    detail = superuser_client.get(reverse("gk_coverage:coverage_detail", args=[case.county.pk]))
    assert "快照历史" in detail.content.decode() and "gk-sparkline" in detail.content.decode()


@in_admin
def test_admin_users_without_the_permission_are_refused(case, client):
    user = staff_client(client)
    assert refused(user.get(reverse("gk_coverage:coverage_report")))
    assert refused(user.get(reverse("gk_coverage:coverage_detail", args=[case.county.pk])))
    assert refused(user.get(reverse("gk_coverage:coverage_trend")))
    assert refused(user.post(reverse("gk_coverage:coverage_snapshot")))


@in_admin
def test_view_permission_allows_the_report_but_not_snapshots(case, client):
    auditor = staff_client(client, "view_coveragesnapshot")
    response = auditor.get(reverse("gk_coverage:coverage_report"))
    assert response.status_code == 200 and "生成快照" not in response.content.decode()
    assert auditor.get(reverse("gk_coverage:coverage_trend")).status_code == 200
    assert refused(auditor.post(reverse("gk_coverage:coverage_snapshot")))
    assert CoverageSnapshot.objects.count() == 0


@in_admin
def test_add_permission_allows_snapshots(case, client):
    editor = staff_client(client, "view_coveragesnapshot", "add_coveragesnapshot")
    assert editor.post(reverse("gk_coverage:coverage_snapshot")).status_code == 302
    assert CoverageSnapshot.objects.count() == 2


@in_admin
def test_menu_item_is_shown_only_with_the_view_permission(case, rf):
    from gk_columns.views.coverage import CoverageReportMenuItem

    item = CoverageReportMenuItem()
    assert item.url == "/admin/reports/coverage/"
    request = rf.get("/admin/")
    request.user = get_user_model().objects.create_user("nobody", "n@example.com", "pw")
    assert not item.is_shown(request)
    request.user = get_user_model().objects.create_superuser("boss", "b@example.com", "pw")
    assert item.is_shown(request)
