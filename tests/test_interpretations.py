"""政策解读: the page type and its links to policies, the public pages and lists,
the timeliness report (working days with holidays and 调休), the admin, the
Uyghur translation with wagtail-localize, and the demo data."""

import csv
import datetime
import io
import json
import random
from itertools import count

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import GroupPagePermission, Locale, Page, PageViewRestriction

from gk_columns.models import Catalogue, Organisation
from gk_columns.sync import ColumnSync
from gk_columns.workingdays import WorkingCalendar
from gk_pages.disclosure import PublicationRefused
from gk_pages.interpretations import (
    FindingKind,
    _WorkingDayCounter,
    interpretation_date,
    interpretation_timeliness,
)
from gk_pages.models import (
    COLUMN_PAGE_SIZE,
    ColumnPage,
    DocumentPage,
    InterpretationForm,
    InterpretationPage,
    PortalHomePage,
)
from gkportal.demodata.interpretations import ensure_interpretations, ensure_translation
from tests.search.builders import build_tree

pytestmark = pytest.mark.django_db

D = datetime.date
_slugs = count(1)

# -- building pages the way editors do -------------------------------------------------


def moment(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))


def publish(column, page, went_live=None):
    """Add `page` under `column` as a draft and publish it through a revision; with
    `went_live`, record that day as its first publication (as an import would)."""
    page.live = False
    page.slug = page.slug or f"p{next(_slugs)}"
    column.add_child(instance=page)
    page.save_revision().publish()
    if went_live is not None:
        type(page).objects.filter(pk=page.pk).update(first_published_at=moment(went_live))
    page.refresh_from_db()
    return page


def policy(column, title, day, **fields):
    fields.setdefault("is_normative", True)
    if fields["is_normative"]:
        fields.setdefault("doc_number", f"测教规〔{day.year}〕{next(_slugs)}号")
    return publish(column, DocumentPage(title=title, published_date=day, **fields), went_live=day)


def interpretation(column, title, day, policies, went_live=None, **fields):
    page = InterpretationPage(title=title, published_date=day, **fields)
    page.policies = policies
    return publish(column, page, went_live=went_live or day)


def draft(column, page):
    page.live = False
    page.slug = f"p{next(_slugs)}"
    column.add_child(instance=page)
    page.save_revision()
    return page


def restrict(page):
    return PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.PASSWORD, password="x")


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.fixture
def tree(portal):
    return build_tree("测试县教育局", code="jyj")


@pytest.fixture
def column(tree):
    return tree.columns[0]


# -- the report: working days ------------------------------------------------------------------
# chinesecalendar 1.11 for 2026: 国庆 10-01 … 10-07 off (Thu–Wed), Saturday 10-10 a
# 调休 working day; 中秋 09-25 (Fri) off and Sunday 09-20 a 调休 working day.


def test_library_facts_the_window_relies_on():
    calendar = WorkingCalendar()
    assert [calendar.is_working_day(D(2026, 10, d))[0] for d in range(1, 13)] == [
        False, False, False, False, False, False, False,  # 10-01 … 10-07 国庆
        True, True, True,  # Thu 10-08, Fri 10-09, Sat 10-10 (调休)
        False, True,  # Sun 10-11, Mon 10-12
    ]
    assert calendar.is_working_day(D(2026, 9, 20)) == (True, False)  # Sunday, 调休
    assert calendar.is_working_day(D(2026, 9, 25)) == (False, False)  # 中秋


def test_timeliness_counts_chinese_working_days_across_national_day(column):
    # Policies of Wednesday 2026-09-30: three working days later is Saturday 10-10 (调休),
    # not Monday 10-05 as Monday–Friday would have it.
    on_time = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    interpretation(column, "招生入学办法解读", D(2026, 10, 10), [on_time])
    late = policy(column, "测试县校外培训机构管理办法", D(2026, 9, 30), is_normative=False, requires_interpretation=True)
    interpretation(column, "校外培训机构管理办法图解", D(2026, 10, 12), [late], form=InterpretationForm.GRAPHIC)
    missing = policy(column, "测试县学生资助管理办法", D(2026, 9, 30))

    rows = interpretation_timeliness(D(2026, 10, 10))
    assert [(r.kind, r.policy_id) for r in rows] == [("missing", missing.pk), ("late", late.pk)]
    gap, deadline = rows
    assert (gap.working_days, gap.overdue, gap.deadline, gap.provisional) == (3, False, D(2026, 10, 10), False)
    assert gap.status_label == "未超期（剩余 0 个工作日）"
    assert (deadline.working_days, deadline.overdue, deadline.deadline) == (4, True, D(2026, 10, 10))
    assert (deadline.interpretation_date, deadline.interpretation_form) == (D(2026, 10, 12), "图表图解")
    assert deadline.reason_label == "标记为需要解读"
    assert deadline.status_label == "超时 1 个工作日"

    # On the Monday after, the missing interpretation is one working day overdue
    # (Sunday 10-11 is not counted).
    (gap, _) = interpretation_timeliness(D(2026, 10, 12))
    assert (gap.working_days, gap.overdue, gap.status_label) == (4, True, "已超期 1 个工作日")
    assert gap.reason_label == "行政规范性文件"


def test_the_counter_agrees_with_the_working_calendar_over_both_windows():
    calendar = WorkingCalendar()
    counter = _WorkingDayCounter(calendar, D(2026, 9, 10), D(2026, 10, 20))
    days = [D(2026, 9, 10) + datetime.timedelta(days=n) for n in range(41)]
    for start in days[::3]:
        for end in days[::2]:
            assert counter.between(start, end) == calendar.working_days_between(start, end), (start, end)
    # Across 中秋: Friday 09-18 → Tuesday 09-22 is three working days (Sunday 09-20 works).
    assert counter.between(D(2026, 9, 18), D(2026, 9, 22)) == (3, False)


def test_a_2027_date_is_provisional(column):
    # 2027's holidays are unknown to chinesecalendar 1.11: Monday–Friday, flagged.
    year_end = policy(column, "测试县学前教育资助办法", D(2026, 12, 30))
    interpretation(column, "学前教育资助办法解读", D(2027, 1, 5), [year_end])
    waiting = policy(column, "测试县教师培训管理办法", D(2026, 12, 30))

    rows = {r.policy_id: r for r in interpretation_timeliness(D(2027, 1, 4))}
    late = rows[year_end.pk]
    # 12-31 (Thu, known), then 2027-01-01 (Fri) and 01-04, 01-05 counted Monday–Friday.
    assert (late.kind, late.working_days, late.provisional) == ("late", 4, True)
    missing = rows[waiting.pk]
    assert (missing.kind, missing.working_days, missing.overdue, missing.provisional) == ("missing", 3, False, True)
    assert missing.deadline == D(2027, 1, 4)

    # Counted within 2026, the row is still provisional: its deadline falls in 2027.
    (row,) = [r for r in interpretation_timeliness(D(2026, 12, 31)) if r.policy_id == waiting.pk]
    assert (row.working_days, row.deadline, row.provisional) == (1, D(2027, 1, 4), True)
    # A row entirely within 2026 is not.
    december = policy(column, "测试县教育收费管理办法", D(2026, 12, 21))
    (row,) = [r for r in interpretation_timeliness(D(2026, 12, 23)) if r.policy_id == december.pk]
    assert (row.working_days, row.deadline, row.provisional) == (2, D(2026, 12, 24), False)


def test_an_interpretation_counts_from_when_it_went_live_not_from_a_backdated_date(column):
    document = policy(column, "测试县课后服务管理办法", D(2026, 9, 30))
    # 发布日期 typed as the policy's date, but the page first went live on 10-13.
    backdated = interpretation(column, "课后服务管理办法解读", D(2026, 9, 30), [document], went_live=D(2026, 10, 13))
    assert interpretation_date(backdated.published_date, backdated.first_published_at) == D(2026, 10, 13)

    (row,) = interpretation_timeliness(D(2026, 10, 20))
    assert (row.kind, row.interpretation_id, row.working_days) == ("late", backdated.pk, 5)


def test_only_the_first_public_interpretation_is_measured(column):
    document = policy(column, "测试县中小学校服管理办法", D(2026, 9, 30))
    first = interpretation(column, "校服管理办法解读", D(2026, 10, 9), [document])
    interpretation(column, "校服管理办法问答", D(2026, 11, 2), [document], form=InterpretationForm.QA)
    interpretation(column, "校服管理办法执行情况答问", D(2026, 11, 10), [document], is_follow_up=True)
    assert interpretation_timeliness(D(2026, 11, 20)) == []

    # Unpublish the first one: the policy is now measured by its next interpretation.
    first.unpublish()
    (row,) = interpretation_timeliness(D(2026, 11, 20))
    assert (row.kind, row.interpretation_title) == ("late", "校服管理办法问答")


def test_non_public_interpretations_do_not_count_and_non_public_policies_are_not_reported(column, tree):
    document = policy(column, "测试县教育督导办法", D(2026, 9, 30))
    draft_page = InterpretationPage(title="教育督导办法解读（草稿）", published_date=D(2026, 10, 8))
    draft_page.policies = [document]
    draft(column, draft_page)
    hidden = interpretation(tree.columns[1], "教育督导办法解读（内部）", D(2026, 10, 8), [document])
    restrict(hidden)

    (row,) = interpretation_timeliness(D(2026, 10, 12))
    assert (row.kind, row.policy_id) == ("missing", document.pk)

    restrict(document)
    assert interpretation_timeliness(D(2026, 10, 12)) == []
    PageViewRestriction.objects.filter(page=document).delete()
    document.unpublish()
    assert interpretation_timeliness(D(2026, 10, 12)) == []


def test_ordinary_documents_are_not_required_but_measured_when_interpreted(column):
    plain = policy(column, "测试县开学工作通知", D(2026, 9, 1), is_normative=False)
    assert interpretation_timeliness(D(2026, 10, 12)) == []
    interpretation(column, "开学工作通知解读", D(2026, 9, 10), [plain])
    (row,) = interpretation_timeliness(D(2026, 10, 12))
    assert (row.kind, row.reason_label, row.working_days) == ("late", "已发布解读", 7)


def test_filter_by_organisation(portal):
    education = build_tree("测试县教育局", code="jyj")
    civil = build_tree("测试县民政局", code="mzj")
    ours = policy(education.columns[0], "测试县教育经费管理办法", D(2026, 9, 30))
    theirs = policy(civil.columns[0], "测试县临时救助办法", D(2026, 9, 30))
    assert {r.policy_id for r in interpretation_timeliness(D(2026, 10, 12))} == {ours.pk, theirs.pk}
    assert [r.policy_id for r in interpretation_timeliness(D(2026, 10, 12), civil.org)] == [theirs.pk]


def test_report_queries_do_not_grow_with_policies(column, django_assert_num_queries):
    for n in range(2):
        document = policy(column, f"测试县管理办法{n}", D(2026, 9, 30))
        interpretation(column, f"管理办法{n}解读", D(2026, 10, 12), [document])
    with CaptureQueriesContext(connection) as few:
        assert len(interpretation_timeliness(D(2026, 10, 20))) == 2
    for n in range(2, 12):
        document = policy(column, f"测试县管理办法{n}", D(2026, 9, 30))
        if n % 2:
            interpretation(column, f"管理办法{n}解读", D(2026, 10, 12), [document])
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(interpretation_timeliness(D(2026, 10, 20))) == 12


# -- the command ------------------------------------------------------------------------------------


@pytest.fixture
def findings(column):
    late = policy(column, "测试县校外培训机构管理办法", D(2026, 9, 30), doc_number="测教规〔2026〕3号")
    interpretation(column, "校外培训机构管理办法解读", D(2026, 10, 12), [late])
    missing = policy(column, "测试县学生资助管理办法", D(2026, 9, 30), doc_number="测教规〔2026〕4号")
    return late, missing


def run(*args):
    out = io.StringIO()
    call_command("interpretation_report", *args, stdout=out)
    return out.getvalue()


def test_command_text_json_and_csv(findings):
    late, missing = findings
    text = run("--today", "2026-10-12")
    assert "政策解读及时性（全部公开主体，评估日期 2026-10-12" in text
    assert "应解读未解读 1 件（其中已超期 1 件），解读发布超时 1 件。" in text
    assert "测试县学生资助管理办法（测教规〔2026〕4号）" in text
    assert "相隔 4 个工作日，期限 2026-10-10，超时 1 个工作日" in text

    data = json.loads(run("--today", "2026-10-12", "--format", "json"))
    assert data["summary"] == {"missing": 1, "missing_overdue": 1, "late": 1, "provisional": 0}
    assert [(r["kind"], r["policy"]["id"], r["working_days"]) for r in data["rows"]] == [
        ("missing", missing.pk, 4),
        ("late", late.pk, 4),
    ]
    assert data["rows"][1]["interpretation"]["published_date"] == "2026-10-12"

    rows = list(csv.reader(io.StringIO(run("--today", "2026-10-12", "--format", "csv", "--kind", "late").lstrip("\ufeff"))))
    assert rows[0][:3] == ["类型", "政策页面ID", "政策文件"]
    assert [(r[0], r[2], r[12]) for r in rows[1:]] == [("解读发布超时", "测试县校外培训机构管理办法", "4")]

    assert "应解读未解读 0 件" in run("--today", "2026-10-12", "--org", "jyj", "--kind", "late")


def test_command_refuses_bad_input(findings):
    with pytest.raises(CommandError, match="未找到公开主体：nosuch"):
        run("--org", "nosuch")
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        run("--today", "2026-13-01")
    with pytest.raises(CommandError):
        run("--format", "xml")


# -- public pages -------------------------------------------------------------------------------


def test_interpretation_page_shows_metadata_form_and_live_public_policies(client, column, tree):
    first = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    second = policy(column, "测试县学区划分办法", D(2026, 9, 28), is_normative=False)
    unpublished = policy(column, "测试县招生工作细则", D(2026, 9, 29))
    unpublished.unpublish()
    hidden = policy(tree.columns[1], "测试县内部招生规程", D(2026, 9, 29))
    restrict(hidden)
    page = interpretation(
        column,
        "视频解读：招生入学办法",
        D(2026, 10, 8),
        [first, second, unpublished, hidden],
        form=InterpretationForm.VIDEO,
        is_follow_up=True,
        media_url="https://video.example.com/zhaosheng.mp4",
    )

    response = client.get(page.url)
    assert response.status_code == 200
    html = soup(response)
    meta = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True) for dt in html.select(".doc-meta dt")}
    assert meta["索引号"] == page.index_number and page.index_number.startswith("jyj/2026-")
    assert meta["发布机构"] == "测试县教育局"
    assert meta["发布日期"] == "2026年10月08日"
    assert meta["解读形式"] == "视频解读"
    assert meta["解读类型"].startswith("二次解读")
    assert html.select_one("a.interpretation__media")["href"] == "https://video.example.com/zhaosheng.mp4"
    assert "二次解读" in html.select_one(".interpretation__kind").get_text()
    listed = [a.get_text(strip=True) for a in html.select(".interpretation__policies li a")]
    assert listed == ["测试县义务教育招生入学办法", "测试县学区划分办法"]  # newest first; no draft, no restricted
    assert html.select_one(".interpretation__policies a")["href"] == first.url


def test_document_page_lists_its_live_public_interpretations(client, column, tree, django_assert_num_queries):
    document = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    interpretation(column, "招生入学办法解读", D(2026, 10, 8), [document])
    url = document.url
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    # Count now: each request start resets the connection's query log.
    one_interpretation = len(one.captured_queries)
    assert [a.get_text(strip=True) for a in soup(response).select(".related-interpretations a")] == ["招生入学办法解读"]

    interpretation(column, "一图读懂招生入学", D(2026, 10, 9), [document], form=InterpretationForm.GRAPHIC)
    interpretation(column, "招生入学问答", D(2026, 10, 10), [document], form=InterpretationForm.QA, is_follow_up=True)
    hidden = interpretation(tree.columns[1], "招生入学内部说明", D(2026, 10, 10), [document])
    restrict(hidden)
    unfinished = InterpretationPage(title="招生入学解读（草稿）", published_date=D(2026, 10, 11))
    unfinished.policies = [document]
    draft(column, unfinished)

    client.get(url)
    with django_assert_num_queries(one_interpretation):
        response = client.get(url)
    items = soup(response).select(".related-interpretations li")
    assert [li.a.get_text(strip=True) for li in items] == ["招生入学问答", "一图读懂招生入学", "招生入学办法解读"]
    assert "（问答，二次解读）" in items[0].get_text()


def test_document_without_interpretations_has_no_section(client, column):
    document = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    assert soup(client.get(document.url)).select(".related-interpretations") == []


def test_column_lists_documents_and_interpretations_newest_first(client, column, tree):
    document = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    interpretation(column, "招生入学办法解读", D(2026, 10, 8), [document])
    policy(column, "测试县学区划分办法", D(2026, 10, 9), is_normative=False)
    unfinished = InterpretationPage(title="招生入学解读（草稿）", published_date=D(2026, 10, 11))
    draft(column, unfinished)
    restricted = interpretation(column, "招生入学内部说明", D(2026, 10, 12), [document])
    restrict(restricted)

    titles = [li.a.get_text(strip=True) for li in soup(client.get(column.url)).select("ul.item-list > li")]
    assert titles == ["测试县学区划分办法", "招生入学办法解读", "测试县义务教育招生入学办法"]


def test_column_render_queries_do_not_grow_with_mixed_items(client, column, django_assert_num_queries):
    def add(n):
        document = policy(column, f"测试县办法{n:03d}", D(2026, 6, 1) + datetime.timedelta(days=n))
        interpretation(column, f"办法{n:03d}解读", D(2026, 6, 1) + datetime.timedelta(days=n), [document])

    for n in range(3):
        add(n)
    client.get(column.url)
    with CaptureQueriesContext(connection) as few:
        client.get(column.url)
    six_items = len(few.captured_queries)
    for n in range(3, 25):
        add(n)
    client.get(column.url)
    with django_assert_num_queries(six_items):
        response = client.get(column.url)
    titles = [li.a.get_text(strip=True) for li in soup(response).select("ul.item-list > li")]
    assert len(titles) == COLUMN_PAGE_SIZE
    assert titles[:2] == ["办法024解读", "测试县办法024"]  # same date: the later page first


def test_sitemap_has_live_public_interpretations_only(client, column, tree):
    document = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    shown = interpretation(column, "招生入学办法解读", D(2026, 10, 8), [document])
    restricted = interpretation(tree.columns[1], "招生入学内部说明", D(2026, 10, 8), [document], body="<p>内部说明正文</p>")
    restrict(restricted)
    unfinished = draft(column, InterpretationPage(title="招生入学解读（草稿）", published_date=D(2026, 10, 11)))

    sitemap = client.get("/sitemap.xml").content.decode()
    assert shown.full_url in sitemap
    assert restricted.full_url not in sitemap
    assert unfinished.slug not in sitemap
    assert "内部说明正文" not in client.get(restricted.url).content.decode()  # Wagtail asks for the password
    assert client.get(f"{column.url}{unfinished.slug}/").status_code == 404


def test_non_public_interpretation_cannot_go_live(client, column):
    document = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    page = InterpretationPage(
        title="招生入学办法内部解读",
        published_date=D(2026, 10, 8),
        disclosure_attribute="依申请公开",
        non_disclosure_ground="过程性信息",
        non_disclosure_reason="讨论稿，尚未定稿。",
    )
    page.policies = [document]
    draft(column, page)
    with pytest.raises(PublicationRefused):
        page.get_latest_revision().publish()
    page.refresh_from_db()
    assert not page.live
    assert client.get(f"{column.url}{page.slug}/").status_code == 404
    assert "招生入学办法内部解读" not in client.get(column.url).content.decode()
    assert "招生入学办法内部解读" not in client.get(document.url).content.decode()
    assert interpretation_timeliness(D(2026, 10, 12))[0].kind == FindingKind.MISSING


# -- admin -----------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


def report_rows(response):
    return [
        [td.get_text(" ", strip=True) for td in tr.select("td")] for tr in soup(response).select("table.listing tbody tr")
    ]


def test_admin_report_lists_filters_and_exports(admin_client, findings, monkeypatch):
    late, missing = findings
    url = reverse("gk_interpretations:report")
    response = admin_client.get(url, {"today": "2026-10-12"})
    assert response.status_code == 200
    text = soup(response).get_text(" ", strip=True)
    assert "应解读未解读 1 件（其中已超期 1 件），解读发布超时 1 件" in text
    rows = report_rows(response)
    assert [r[0] for r in rows] == ["应解读未解读", "解读发布超时"]
    assert rows[0][1].startswith("测试县学生资助管理办法")
    assert "添加解读" in rows[0][6]
    html = soup(response)
    assert html.select_one(f'a[href="{reverse("wagtailadmin_pages:edit", args=[missing.pk])}"]') is not None

    only_late = report_rows(admin_client.get(url, {"today": "2026-10-12", "kind": "late"}))
    assert [r[0] for r in only_late] == ["解读发布超时"]
    pending = report_rows(admin_client.get(url, {"today": "2026-10-09", "status": "pending"}))
    assert [r[0] for r in pending] == ["应解读未解读"]
    elsewhere = Organisation.objects.exclude(code="jyj").first() or build_tree("测试县民政局", code="mzj").org
    assert "没有需要关注的政策解读" in admin_client.get(url, {"organisation": elsewhere.pk}).content.decode()

    exported = admin_client.get(url, {"today": "2026-10-12", "export": "csv"})
    lines = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    assert lines[0][:3] == ["类型", "政策文件", "文号"]
    assert [(r[0], r[1], r[10]) for r in lines[1:]] == [
        ("应解读未解读", "测试县学生资助管理办法", "4"),
        ("解读发布超时", "测试县校外培训机构管理办法", "4"),
    ]
    workbook = load_workbook(io.BytesIO(b"".join(admin_client.get(url, {"today": "2026-10-12", "export": "xlsx"}).streaming_content)))
    sheet = workbook.active
    assert [c.value for c in sheet[1]][:2] == ["类型", "政策文件"]
    assert sheet.max_row == 3

    # The report is in the Reports menu.
    assert url in admin_client.get(reverse("wagtailadmin_home")).content.decode()


def test_add_interpretation_from_a_policy(admin_client, column):
    document = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[document.pk])).content.decode()
    shortcut = reverse("gk_interpretations:add_for_policy", args=[document.pk])
    assert shortcut in edit and "添加解读" in edit

    response = admin_client.get(shortcut)
    add_url = reverse("wagtailadmin_pages:add", args=("gk_pages", "interpretationpage", column.pk))
    assert response.status_code == 302 and response["Location"] == f"{add_url}?policy={document.pk}"

    form = soup(admin_client.get(response["Location"]))
    chosen = form.select('[data-gk-policy-chooser] input[type="hidden"][name="policies"]')
    assert [i["value"] for i in chosen] == [str(document.pk)]
    assert "测试县义务教育招生入学办法" in form.select_one("[data-gk-policy-list]").get_text()
    assert form.select_one('input[name="title"]')["value"] == "《测试县义务教育招生入学办法》政策解读"
    # No <option> per document of the portal.
    assert form.select('select[name="policies"] option') == []


def editor_data(admin_client, add_url, **values):
    """The editor's form as a browser would submit it, with `values` filled in."""
    form = soup(admin_client.get(add_url))
    data = {
        field["name"]: field.get("value", "")
        for field in form.select("form input[name]")
        if field.get("type") not in ("checkbox", "radio", "submit", "button")
    }
    data.update(
        {
            "form": "问答",
            "published_date": "2026-10-08",
            "body": json.dumps(
                {
                    "blocks": [
                        {
                            "key": "a",
                            "type": "unstyled",
                            "text": "问：如何报名？答：网上报名。",
                            "depth": 0,
                            "inlineStyleRanges": [],
                            "entityRanges": [],
                        }
                    ],
                    "entityMap": {},
                }
            ),
            "disclosure_attribute": "主动公开",
            "validity": "有效",
            **values,
        }
    )
    return data


def test_the_editor_publishes_an_interpretation_with_its_policies(admin_client, column):
    first = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    second = policy(column, "测试县学区划分办法", D(2026, 9, 30), is_normative=False)
    add_url = reverse("wagtailadmin_pages:add", args=("gk_pages", "interpretationpage", column.pk))
    data = editor_data(
        admin_client,
        add_url,
        title="招生入学政策问答",
        slug="zhaosheng-wenda",
        policies=[str(first.pk), str(second.pk)],
        **{"action-publish": "action-publish"},
    )
    response = admin_client.post(add_url, data)
    assert response.status_code == 302, [e.get_text(" ", strip=True) for e in soup(response).select(".error-message")]
    page = InterpretationPage.objects.get(slug="zhaosheng-wenda")
    assert page.live and page.form == "问答"
    assert set(page.policies.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert page.index_number.startswith("jyj/2026-")
    assert set(first.interpretations.values_list("pk", flat=True)) == {page.pk}

    # Editing it again shows the chosen policies in the chooser.
    edit = soup(admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])))
    chosen = edit.select('[data-gk-policy-chooser] input[name="policies"]')
    assert sorted(int(i["value"]) for i in chosen) == sorted([first.pk, second.pk])


def test_preview_lists_the_policies_being_chosen(admin_client, column):
    # In a preview the editor sees every policy chosen so far, published or not.
    published = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    unfinished = draft(column, DocumentPage(title="测试县学区划分办法（送审稿）", published_date=D(2026, 10, 1)))
    preview_url = reverse("wagtailadmin_pages:preview_on_add", args=("gk_pages", "interpretationpage", column.pk))
    add_url = reverse("wagtailadmin_pages:add", args=("gk_pages", "interpretationpage", column.pk))
    data = editor_data(
        admin_client, add_url, title="招生入学政策问答", slug="zhaosheng-wenda", policies=[str(published.pk), str(unfinished.pk)]
    )
    assert admin_client.post(preview_url, data).json()["is_valid"] is True
    html = soup(admin_client.get(preview_url))
    assert [a.get_text(strip=True) for a in html.select(".interpretation__policies a")] == [
        "测试县学区划分办法（送审稿）",
        "测试县义务教育招生入学办法",
    ]


def test_add_shortcut_needs_permission_to_add_in_the_column(client, column, tree):
    document = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    user = get_user_model().objects.create_user("editor", password="pw")
    group = Group.objects.create(name="教育局审阅")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(group=group, page=tree.org_page, permission_type="change")
    user.groups.add(group)
    client.force_login(user)
    shortcut = reverse("gk_interpretations:add_for_policy", args=[document.pk])
    edit_url = reverse("wagtailadmin_pages:edit", args=[document.pk])

    # May edit, may not add: no button, and the shortcut is refused (Wagtail's admin
    # turns the refusal into a redirect to the dashboard with a message).
    assert shortcut not in client.get(edit_url).content.decode()
    assert client.get(shortcut)["Location"] == reverse("wagtailadmin_home")

    GroupPagePermission.objects.create(group=group, page=tree.org_page, permission_type="add")
    assert shortcut in client.get(edit_url).content.decode()
    add_url = reverse("wagtailadmin_pages:add", args=("gk_pages", "interpretationpage", column.pk))
    assert client.get(shortcut)["Location"] == f"{add_url}?policy={document.pk}"


# -- translation (wagtail-localize, Uyghur) ---------------------------------------------------------

UG_TEXTS = ["招生入学办法解读", "一、适用范围：本县义务教育阶段学校。"]
UG_TRANSLATION = ["قوبۇل قىلىش چارىسىنىڭ چۈشەندۈرۈشى", "بىرىنچى، قوللىنىش دائىرىسى: ناھىيەمىزدىكى مەجبۇرىي مائارىپ باسقۇچىدىكى مەكتەپلەر."]


@pytest.fixture
def translated(column):
    document = policy(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    page = interpretation(column, UG_TEXTS[0], D(2026, 10, 8), [document], body=f"<p>{UG_TEXTS[1]}</p>")
    translation = ensure_translation(page, "ug", UG_TEXTS, UG_TRANSLATION)
    return page, translation, document


def test_translation_renders_right_to_left_in_uyghur_with_the_same_index_number(client, translated):
    page, translation, document = translated
    assert translation.locale.language_code == "ug" and translation.live
    assert translation.title == UG_TRANSLATION[0]
    assert translation.index_number == page.index_number  # shared 索引号 (DisclosureMixin.assign_index_number)
    assert translation.index_locale.language_code == "ug"
    assert list(translation.policies.all()) == [document]
    # Its ancestors were aliased into the Uyghur tree, not translated.
    ancestors = list(translation.get_ancestors().filter(depth__gt=1).specific())
    assert [type(a) for a in ancestors][:1] == [PortalHomePage] and all(a.alias_of_id for a in ancestors)

    assert translation.url.startswith("/ug/")
    response = client.get(translation.url)
    assert response.status_code == 200
    html = soup(response)
    main = html.select_one("main")
    assert (main["lang"], main["dir"]) == ("ug", "rtl")
    assert html.select_one("h1").get_text(strip=True) == UG_TRANSLATION[0]
    assert UG_TRANSLATION[1] in main.select_one(".document__body").get_text()
    # The portal's labels stay Chinese, left to right, inside the Uyghur content.
    meta = html.select_one(".doc-meta").find_parent("div")
    assert (meta["lang"], meta["dir"]) == ("zh-Hans", "ltr")
    back = html.select_one(".translations a")
    assert back["href"] == page.url and back["hreflang"] == "zh-hans"

    # The Chinese page links to its translation, marked as Uyghur, right to left.
    original = soup(client.get(page.url))
    assert original.select_one("main").get("lang") is None
    link = original.select_one(".translations a")
    assert (link["href"], link["lang"], link["dir"]) == (translation.url, "ug", "rtl")
    # Unprefixed URLs stay Chinese whatever the browser prefers: a Uyghur-speaking
    # visitor still reaches the organisations that have no Uyghur pages.
    untranslated = build_tree("测试县民政局", code="mzj").org_page
    assert untranslated.get_translations().count() == 0
    assert client.get(untranslated.url, HTTP_ACCEPT_LANGUAGE="ug").status_code == 200
    assert client.get(page.url, HTTP_ACCEPT_LANGUAGE="ug").context["page"].pk == page.pk

    # The Chinese policy lists only the Chinese interpretation.
    assert [a.get_text(strip=True) for a in soup(client.get(document.url)).select(".related-interpretations a")] == [
        UG_TEXTS[0]
    ]


def test_translation_keeps_the_column_sync_and_its_invariant(translated, tree):
    page, translation, _ = translated
    column_alias = translation.get_parent().specific
    assert column_alias.entry_id == page.get_parent().specific.entry_id
    assert column_alias.structure_locale.language_code == "ug"
    assert not ColumnSync().plan()
    # The report measures the Chinese interpretation only (a translation is the same interpretation).
    assert interpretation_timeliness(D(2026, 10, 12)) == []

    # A new catalogue version renames the entry: the sync renames the Chinese column and leaves
    # the Uyghur alias in place, and is idempotent afterwards.
    draft_version = Catalogue.new_draft(tree.org, copy_from=tree.catalogue)
    draft_version.entries.filter(item_l2="政策文件").update(item_l2="政策文件（含解读）")
    draft_version.submit()
    draft_version.file()
    draft_version.publish()
    renamed = page.get_parent(update=True).specific
    assert renamed.title == "政策文件（含解读）" and renamed.structure_locale == Locale.get_default()
    column_alias.refresh_from_db()
    assert column_alias.title == "政策文件（含解读）"  # Wagtail keeps aliases in step with their source
    assert ColumnPage.objects.filter(pk=column_alias.pk, structure_locale__language_code="ug").exists()
    assert not ColumnSync().plan()
    assert InterpretationPage.objects.filter(pk=translation.pk, live=True).exists()

    # A second translation of the same page is refused by the helper (idempotent).
    assert ensure_translation(page, "ug", UG_TEXTS, UG_TRANSLATION) is None


# -- demo data -------------------------------------------------------------------------------------


def test_demo_interpretations_are_realistic_and_idempotent(demo_county):
    today = demo_county
    organisations = {o.code: o for o in Organisation.objects.all()}
    portal = PortalHomePage.objects.order_by("path").first()
    messages = []
    arguments = {"portal": portal, "organisations": organisations, "today": today, "rng": random.Random(1), "log": messages.append}

    pages = ensure_interpretations(**arguments)
    chinese = InterpretationPage.objects.filter(locale=Locale.get_default())
    assert {p.form for p in chinese} == set(InterpretationForm.values)  # every form at least once
    assert chinese.filter(is_follow_up=True).exists()
    video = chinese.get(form=InterpretationForm.VIDEO)
    assert video.media_url.startswith("https://")
    assert all(p.live and p.policies.exists() for p in pages)

    rows = interpretation_timeliness(today)
    kinds = {(r.kind, r.overdue) for r in rows}
    assert {("missing", True), ("missing", False), ("late", True)} <= kinds
    assert any(r.kind == "missing" and r.reason_label == "标记为需要解读" for r in rows)

    uyghur = InterpretationPage.objects.get(locale__language_code="ug")
    assert uyghur.live and uyghur.index_number == uyghur.get_translation(Locale.get_default()).index_number
    assert "ئەڭ تۆۋەن تۇرمۇش كاپالىتى" in uyghur.body
    assert not ColumnSync().plan()

    counts = (DocumentPage.objects.count(), InterpretationPage.objects.count(), Page.objects.count())
    ensure_interpretations(**arguments)
    assert (DocumentPage.objects.count(), InterpretationPage.objects.count(), Page.objects.count()) == counts
    assert "政策解读演示：新增政策文件和解读 0 篇" in messages
