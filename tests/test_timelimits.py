"""公开时限 parsing and column freshness.

The phrasings in REAL_PHRASINGS are copied from published standard catalogues
(公开时限 column), with their line breaks and character forms as published;
the comment on each says where it was read.
"""

import datetime
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gk_columns.models import StandardItem
from gk_columns.timelimits import (
    KINDS,
    STALE_AFTER_DAYS,
    Freshness,
    TimeLimitRule,
    assess,
    normalise,
    parse,
)
from gk_columns.workingdays import WorkingCalendar
from tests.factories import make_domain

D = datetime.date
FORMED = "formation_or_change"

# (text, kind, days, expected extra items)
REAL_PHRASINGS = [
    # State Council regulation wording, used as-is by many catalogues (e.g. tonghai.gov.cn 九龙街道
    # 公共资源交易领域, dean.gov.cn 涉农资金领域)
    ("信息形成或者变更之日起20个工作日内", "working_days", 20, {"anchor": FORMED}),
    # xilinhaote.gov.cn 卫生健康领域 — a PDF table, words broken across lines as published
    ("自信息形\n\n成或者变\n\n更之日起\n\n20个工作\n\n日内予以\n\n公开", "working_days", 20, {"anchor": FORMED}),
    # weishan.gov.cn/art/2024/9/25/art_68121_2756348.html
    ("自该政府信息形成或者变更之日起20个工作日内及时公开", "working_days", 20, {"anchor": FORMED}),
    ("15个工作日", "working_days", 15, {}),
    ("15个工作日内公开", "working_days", 15, {}),
    # tez.gov.cn and rjxq.ganzhou.gov.cn 户籍管理领域
    ("形成或者变更之日起20个工作日内予以公开", "working_days", 20, {"anchor": FORMED}),
    # tengchong.gov.cn/info/7151/5817803.htm 就业领域 (cell wrapped into lines)
    ("公开事项 信息形成 或变更之 日起20个 工作日内 公开", "working_days", 20, {"anchor": FORMED}),
    # a 鳳屯鎮 catalogue in traditional characters (mirror imortgage.com.cn/info/1475/44091.htm)
    ("信息形成或變更之日起3個工作日內", "working_days", 3, {"anchor": FORMED}),
    # easterncoast.cn 大河口鄉 养老服务领域, traditional characters
    ("信息形成或變更之日起20個工作日內", "working_days", 20, {"anchor": FORMED}),
    # fangshan.gov.cn and bbstxq.liuzhou.gov.cn 涉农补贴领域: the regulation's caveat kept aside
    (
        "信息形成或者变更之日起20个工作日内。法律、法规对政府信息公开的期限另有规定的,从其规定。",
        "working_days",
        20,
        {"anchor": FORMED, "caveat": "法律、法规另有规定的，从其规定"},
    ),
    # tls.gov.cn 涉农补贴领域 (spaces around the number)
    (
        "信息形成或者变更之日起 20 个工作日内。法律、法规对政府信息公开的期限另有规定的,从其规定。",
        "working_days",
        20,
        {"anchor": FORMED, "caveat": "法律、法规另有规定的，从其规定"},
    ),
    # xmzaj.com (奉新縣 涉農補貼 in traditional characters)
    (
        "信息形成或變更之日起20個工作日內。法律法規對政府信息公開的期限另有規定的,從其規定。",
        "working_days",
        20,
        {"anchor": FORMED, "caveat": "法律、法规另有规定的，从其规定"},
    ),
    # huangshi.gov.cn zdgksxml (市政府规章目录); hbxq.suqian.gov.cn 井头街道
    ("信息形成之日起20个工作日内", "working_days", 20, {"anchor": "formation"}),
    # tonghai.gov.cn 九龙街道 重大建设项目领域 (wrapped inside 工作日)
    ("信息形成20个工 作日内公开", "working_days", 20, {"anchor": "formation"}),
    # luozhuang.gov.cn/info/5349/59093.htm — start point in its own clause, and a repeated word
    ("信息形成后,20个工作日内公开内公开", "working_days", 20, {"anchor": "formation"}),
    ("信息形成后,7个工作日内公开", "working_days", 7, {"anchor": "formation"}),
    # tjbd.gov.cn 社会救助领域
    ("制定或获取信息之日起10个工作日内", "working_days", 10, {"anchor": "production"}),
    # tengchong.gov.cn/info/7151/5817733.htm 社会救助领域 (as wrapped)
    ("制定或获取信息 之日起10个工作\n\n日 内", "working_days", 10, {"anchor": "production"}),
    # mdx.gov.cn/info/1473/43897.htm 社会救助领域: deadline plus a 公示 period
    (
        "制定或获取信息之日起10个工作日内,公示7\n个工作日",
        "working_days",
        10,
        {"anchor": "production", "display_days": 7, "display_unit": "working_days"},
    ),
    # ynfq.gov.cn/info/13053/170942.htm and yunyang.gov.cn 养老服务领域
    ("制定或获取备案政策之日起10个工作日内", "working_days", 10, {"anchor": "production"}),
    ("制定或获取文件之日起10个工作日内", "working_days", 10, {"anchor": "production"}),
    # 巩留县住房和城乡建设局 catalogue (20153.cn/xjgl/c115617/202311/)
    ("20工作日", "working_days", 20, {}),
    # yongxiu.gov.cn 江上乡 and zs.gov.cn 三角镇 财政预决算领域
    ("本级人民代表大会或其常务委员会批准后20日内", "calendar_days", 20, {"anchor": "approval"}),
    # saihan.gov.cn 重大建设项目领域
    ("实时公开", "realtime", None, {}),
    ("及时公开", "timely", None, {}),
    ("同上", "same_as_above", None, {}),
    # a 村务公开 catalogue in traditional characters (mirror usastudygroup.com/art/2022/12/28/art_1229708116_59085843.html)
    ("每季度的首個月20日", "periodic", None, {"period": "quarter", "month": 1, "day": 20}),
    ("隨時公布", "timely", None, {}),
    # luozhuang.gov.cn/info/5349/59093.htm: bare dates in a standing catalogue recur yearly
    ("6月底前", "periodic", None, {"period": "year", "month": 6, "day": 30}),
    ("1月31日前", "periodic", None, {"period": "year", "month": 1, "day": 31}),
    # rows of the demo fixtures (fixtures/SOURCES.md names each publisher)
    ("信息形成(变更)20个工作日内", "working_days", 20, {"anchor": FORMED}),
    ("按进展情况及时公开", "timely", None, {}),
    ("半年至少更新1次", "periodic", None, {"period": "half_year", "month": 6, "day": 31}),
]

# Phrasings from the brief and common variants (not tied to one page).
OTHER_PHRASINGS = [
    ("自制作或获取该信息之日起20个工作日内公开", "working_days", 20, {"anchor": "production"}),
    ("3个工作日内", "working_days", 3, {}),
    ("每年3月底前", "periodic", None, {"period": "year", "month": 3, "day": 31}),
    ("长期公开", "long_term", None, {}),
    ("常年公开", "long_term", None, {}),
    ("同上一项", "same_as_above", None, {}),
    ("同上一項", "same_as_above", None, {}),
    ("二十个工作日", "working_days", 20, {}),
    ("两个工作日内", "working_days", 2, {}),
    ("十五日", "calendar_days", 15, {}),
    ("２０个工作日内", "working_days", 20, {}),
    ("20個工作日", "working_days", 20, {}),
    ("　实时更新　", "realtime", None, {}),
    ("即时公开", "timely", None, {}),
    ("即时", "timely", None, {}),
    ("自收到申请之日起20个工作日内", "working_days", 20, {"anchor": "receipt"}),
    ("作出行政处罚决定之日起7个工作日内", "working_days", 7, {"anchor": "decision"}),
    (
        "信息形成或变更之日起20个工作日内，并长期公开",
        "working_days",
        20,
        {"anchor": FORMED, "retention": "long_term", "rest": ["长期公开"]},
    ),
    ("及时公开，20个工作日内", "working_days", 20, {"rest": ["及时公开"]}),
    ("每年三月底前", "periodic", None, {"period": "year", "month": 3, "day": 31}),
    ("每年12月31日前公开", "periodic", None, {"period": "year", "month": 12, "day": 31}),
    ("每年一季度", "periodic", None, {"period": "year", "month": 3, "day": 31}),
    ("每年公开一次", "periodic", None, {"period": "year", "month": 12, "day": 31}),
    ("每半年", "periodic", None, {"period": "half_year", "month": 6, "day": 31}),
    ("每季度", "periodic", None, {"period": "quarter", "month": 3, "day": 31}),
    ("每季度公布一次", "periodic", None, {"period": "quarter", "month": 3, "day": 31}),
    ("季度结束后15日内", "periodic", None, {"period": "quarter", "month": 1, "day": 15}),
    ("每月10日前", "periodic", None, {"period": "month", "day": 10}),
    ("每月", "periodic", None, {"period": "month", "day": 31}),
]


@pytest.mark.parametrize("text, kind, days, extra", REAL_PHRASINGS + OTHER_PHRASINGS)
def test_phrasings_parse(text, kind, days, extra):
    rule = parse(text)
    assert (rule.kind, rule.days) == (kind, days), rule.extra.get("reason")
    assert rule.parsed
    assert extra.items() <= rule.extra.items()
    assert rule.text == text.strip()


def test_anchor_is_absent_when_the_text_names_no_start():
    assert "anchor" not in parse("20工作日").extra


UNPARSED = [
    # xuanhan.gov.cn 胡家镇: two different limits for different parts of the item
    "信息形成20个工作日内公开;其中行政许可、行政处罚事项应自作出行政决定之日起7个工作日内公示",
    # the 村务公开 catalogue above: a second, conditional monthly rule
    "每季度的首個月20日 (集體財務往來較多的,財務收支情況應每月公布一次)",
    # luozhuang.gov.cn: a span with no start and no cycle — an update interval or a retention period?
    "1年",
    "6个月",
    "1个月",
    # huangshi.gov.cn, a 公开时长 cell
    "长期,最新有效",
    "按规定时限",
    "依申请",
    "尽快",
    "",
    "   ",
    "20",
    "工作日",
    "0个工作日",
    "每年13月",
    "每年2月30日前",
    "公示7个工作日",
    "实时公开,20个工作日内",
    "每年3月底前,每年9月底前",
    "2026年起20个工作日内",
]


@pytest.mark.parametrize("text", UNPARSED)
def test_unclear_text_stays_unparsed(text):
    rule = parse(text)
    assert rule.kind == "unparsed" and not rule.parsed
    assert rule.days is None
    assert rule.extra["reason"]
    assert rule.describe() == f"未能解析：{text.strip()}"


def test_none_is_unparsed():
    assert parse(None).kind == "unparsed"


def test_two_different_deadlines_are_named_in_the_reason():
    assert "实时公开" in parse("实时公开,20个工作日内").extra["reason"]


@pytest.mark.parametrize(
    "text, description",
    [
        ("信息形成或者变更之日起20个工作日内", "形成或变更后20个工作日内"),
        ("自制作或获取该信息之日起20个工作日内公开", "制作或获取后20个工作日内"),
        ("3个工作日内", "3个工作日内"),
        ("本级人民代表大会或其常务委员会批准后20日内", "批准后20日内"),
        ("实时公开", "实时"),
        ("及时公开", "及时"),
        ("每年3月底前", "每年3月31日前"),
        ("每年2月底前", "每年2月底前"),
        ("每季度", "每季度末前"),
        ("每季度的首個月20日", "每季度首月20日前"),
        ("每半年", "每半年末前"),
        ("每月10日前", "每月10日前"),
        ("每月", "每月末前"),
        ("长期公开", "长期公开"),
        ("同上", "同上一项"),
        ("按规定时限", "未能解析：按规定时限"),
    ],
)
def test_describe(text, description):
    assert parse(text).describe() == description


def test_normalise_folds_width_traditional_whitespace_and_numerals():
    assert normalise("信息形成或變更之日起 二十 個工作日內") == "信息形成或变更之日起20个工作日内"
    assert normalise("２０") == "20"
    assert normalise("一百二十日") == "120日"
    assert normalise("十五日") == "15日"
    assert normalise("统一") == "统一"  # numerals are only read before a unit


def test_rule_round_trips_through_json():
    rule = parse("制定或获取信息之日起10个工作日内,公示7个工作日")
    data = json.loads(json.dumps(rule.to_dict(), ensure_ascii=False))
    assert TimeLimitRule.from_dict(data) == rule
    assert TimeLimitRule.from_dict({**data, "unknown_key": 1}) == rule


def test_same_as_above_takes_the_rule_of_the_row_above():
    above = parse("信息形成或者变更之日起20个工作日内")
    resolved = parse("同上").resolve(above)
    assert (resolved.kind, resolved.days, resolved.text) == ("working_days", 20, "同上")
    assert resolved.extra["anchor"] == FORMED
    assert resolved.extra["inherited_from"] == above.text
    assert parse("同上").resolve(parse("乱写")).kind == "same_as_above"
    assert above.resolve(parse("实时公开")) is above


@given(st.text(max_size=80))
def test_parse_never_raises_and_keeps_the_text(text):
    rule = parse(text)
    assert rule.kind in KINDS
    assert rule.text == text.strip()
    json.dumps(rule.to_dict(), ensure_ascii=False)
    assert isinstance(rule.describe(), str)


@given(st.sampled_from(["20个工作日内", "每年3月底前", "实时公开", "长期公开"]), st.text(alphabet="每年月日天季度工作个内前后12345", min_size=1, max_size=6))
def test_unrecognised_additions_never_pass_silently(base, noise):
    # Whatever is appended as a clause of its own must either be understood or make the whole unparsed.
    rule = parse(f"{base}，{noise}")
    if rule.parsed:
        assert rule.kind == parse(base).kind or parse(noise).parsed


@pytest.mark.django_db
def test_catalogue_rows_store_the_parsed_rule():
    domain = make_domain()
    item = StandardItem.objects.create(domain=domain, item_l1="政府预算", time_limit="本级人民代表大会或其常务委员会批准后20日内")
    item.refresh_from_db()
    assert item.time_limit_rule == parse(item.time_limit).to_dict()
    assert (item.rule.kind, item.rule.days, item.rule.extra["anchor"]) == ("calendar_days", 20, "approval")


# -- freshness -----------------------------------------------------------------------

TODAY = D(2026, 11, 21)


def check(text, published, written=None, today=TODAY, **kwargs):
    return assess(parse(text), newest_published=published, newest_written=written, today=today, **kwargs)


def test_no_items_is_empty_whatever_the_rule():
    for text in ("信息形成或者变更之日起20个工作日内", "每年3月底前", "长期公开", "按规定时限"):
        result = check(text, None)
        assert result.status == "empty" and not result.counted


def test_unparsed_rule_is_reported_not_counted():
    result = check("按规定时限", D(2020, 1, 1))
    assert result == Freshness("unparsed", None, False, result.reason)
    assert not result.counted and "按规定时限" in result.reason
    assert check("同上", D(2026, 11, 1)).status == "unparsed"
    # a stored rule that lost its cycle (hand-edited JSON) is not guessed at either
    broken = TimeLimitRule(kind="periodic", text="每年")
    assert assess(broken, newest_published=D(2026, 1, 1), today=TODAY).status == "unparsed"


def test_long_term_is_fresh_with_content():
    result = check("长期公开", D(2019, 5, 1))
    assert result.status == "fresh" and result.counted and result.due is None


@pytest.mark.parametrize(
    "published, status",
    [
        (D(2026, 3, 20), "fresh"),  # this year's report, on time
        (D(2026, 6, 1), "fresh"),
        (D(2025, 4, 10), "fresh"),  # inside the cycle that ends 2026-03-31
        (D(2025, 3, 31), "stale"),  # belongs to the previous cycle
        (D(2024, 3, 15), "stale"),
    ],
)
def test_yearly_rule(published, status):
    result = check("每年3月底前", published)
    assert (result.status, result.due, result.provisional) == (status, D(2026, 3, 31), False)
    assert "2026年3月31日" in result.reason


def test_yearly_rule_on_its_due_date():
    assert check("每年3月底前", D(2025, 4, 1), today=D(2026, 3, 31)).due == D(2026, 3, 31)
    assert check("每年3月底前", D(2025, 4, 1), today=D(2026, 3, 30)).due == D(2025, 3, 31)


def test_quarterly_and_monthly_rules():
    quarterly = "每季度的首個月20日"
    result = check(quarterly, D(2026, 8, 1))
    assert (result.status, result.due, result.provisional) == ("fresh", D(2026, 10, 20), False)
    assert check(quarterly, D(2026, 7, 20)).status == "stale"
    assert check("每季度", D(2026, 7, 1)).due == D(2026, 9, 30)
    assert check("每季度", D(2026, 7, 1)).status == "fresh"
    assert check("每季度", D(2026, 6, 30)).status == "stale"
    assert check("每月10日前", D(2026, 10, 11)).status == "fresh"
    assert check("每月10日前", D(2026, 10, 9)).status == "stale"
    assert check("每月10日前", D(2026, 10, 9)).due == D(2026, 11, 10)
    assert check("每月", D(2026, 10, 1), today=D(2026, 3, 5)).due == D(2026, 2, 28)
    assert check("每半年", D(2026, 7, 1)).due == D(2026, 6, 30)


@pytest.mark.parametrize("text", ["实时公开", "及时公开", "20工作日", "十五日"])
def test_event_driven_rules_go_stale_after_half_a_year(text):
    assert STALE_AFTER_DAYS == 180
    recent = check(text, D(2026, 6, 1))  # 173 days before TODAY
    assert recent.status == "fresh" and recent.due == D(2026, 11, 28)
    old = check(text, D(2026, 5, 1))  # 204 days
    assert old.status == "stale" and old.due == D(2026, 10, 28)
    assert "未更新" in old.reason
    assert check(text, D(2026, 11, 10), stale_after_days=14).status == "fresh"
    assert check(text, D(2026, 11, 10), stale_after_days=7).status == "stale"


@pytest.mark.django_db
def test_working_days_late_publication():
    # Written Wed 30 Sep 2026; 1–7 Oct off, Sat 10 Oct worked: the 20th working day is Tue 3 Nov.
    calendar = WorkingCalendar()
    rule = "信息形成或者变更之日起20个工作日内"
    on_time = check(rule, D(2026, 11, 3), written=D(2026, 9, 30), calendar=calendar)
    assert on_time.status == "fresh" and not on_time.provisional
    late = check(rule, D(2026, 11, 4), written=D(2026, 9, 30), calendar=calendar)
    assert (late.status, late.due, late.provisional) == ("stale", D(2026, 11, 3), False)
    assert late.reason.startswith("发布超期")
    # without a 成文日期 only the inactivity test applies
    assert check(rule, D(2026, 11, 4), calendar=calendar).status == "fresh"


@pytest.mark.django_db
def test_working_days_deadline_in_an_unknown_year_is_provisional():
    result = check("20个工作日内", D(2027, 1, 20), written=D(2026, 12, 25), today=D(2027, 2, 1))
    assert (result.status, result.provisional) == ("fresh", True)
    assert "暂计" in result.reason
    late = check("20个工作日内", D(2027, 1, 25), written=D(2026, 12, 25), today=D(2027, 2, 1))
    assert (late.status, late.due, late.provisional) == ("stale", D(2027, 1, 22), True)


def test_calendar_days_late_publication_and_anchors_the_written_date_does_not_stand_for():
    assert check("十五日", D(2026, 10, 17), written=D(2026, 10, 1)).status == "stale"
    assert check("十五日", D(2026, 10, 16), written=D(2026, 10, 1)).status == "fresh"
    # A budget is written before the congress approves it: 成文日期 says nothing about this deadline.
    budget = "本级人民代表大会或其常务委员会批准后20日内"
    assert check(budget, D(2026, 10, 1), written=D(2026, 6, 1)).status == "fresh"


@pytest.mark.django_db
def test_datetimes_are_accepted():
    from django.utils import timezone

    published = timezone.make_aware(datetime.datetime(2026, 11, 4, 10, 0))
    result = check("20个工作日内", published, written=datetime.datetime(2026, 9, 30, 8, 0))
    assert (result.status, result.due) == ("stale", D(2026, 11, 3))
