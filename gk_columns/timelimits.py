"""公开时限: the free-text time limit of a catalogue row, parsed into a rule, and
the freshness of a column measured against it.

Parsing
-------
``parse(text)`` returns a ``TimeLimitRule`` of one of these kinds:

* ``working_days`` — "信息形成或者变更之日起20个工作日内"; ``days`` is N and
  ``extra["anchor"]`` what the count starts from ("formation_or_change",
  "formation", "change", "production" (制作/制定或获取), "approval" (批准后),
  "decision" (作出决定), "receipt" (收到申请)), or is absent ("20工作日").
* ``calendar_days`` — "批准后20日内", "十五日": N natural days, same anchors.
* ``realtime`` — 实时公开.
* ``timely`` — 及时公开 / 即时公开 / 随时公布.
* ``periodic`` — ``extra`` holds ``period`` ("year", "half_year", "quarter",
  "month"), ``month`` (for a year the calendar month; for a half-year or a
  quarter the month within it, 1-based) and ``day``. "每年3月底前" is
  (year, 3, 31), "每季度" is (quarter, 3, 31) — the end of each quarter,
  "每季度的首个月20日" (quarter, 1, 20), "每月10日前" (month, day 10). A day
  past the end of a shorter month means that month's last day. A bare date
  ("6月底前", "1月31日前") in a standing catalogue can only recur yearly.
* ``long_term`` — 长期公开 / 常年公开.
* ``same_as_above`` — 同上 / 同上一项 (see ``TimeLimitRule.resolve``).
* ``unparsed`` — anything else. The parser never guesses: text with a part it
  does not recognise, or with two different deadlines, stays unparsed and
  ``extra["reason"]`` says why.

The text is read after NFKC folding (full-width digits and punctuation),
traditional-to-simplified folding of the characters time limits use, removal
of whitespace (catalogues are often pasted from PDFs with words broken across
lines) and conversion of Chinese numerals before a unit (二十个工作日, 十五日).
Where a deadline comes with non-binding parts, the deadline is the rule and the
rest is kept in ``extra``: ``retention`` ("long_term" for "…，并长期公开"),
``display_days`` / ``display_unit`` (a 公示/公告 period), ``caveat`` (the
statutory "法律、法规另有规定的，从其规定"), and ``rest`` (those parts as read).

Freshness
---------
``assess(rule, newest_published=…, newest_written=…, today=…, calendar=…,
stale_after_days=…)`` returns a ``Freshness`` (status, due, provisional, reason):

* No live item in the column → "empty".
* An unparsed rule (or an unresolved 同上) → "unparsed": reported as such,
  never counted as fresh or stale.
* ``long_term`` → "fresh" whenever there is content.
* ``periodic`` → ``due`` is the most recent due date on or before today (for
  每年3月底前 on 2026-11-21: 2026-03-31). The column is fresh if its newest
  item was published after the due date before that one (the cycle that ends
  at ``due``, or a later cycle); otherwise stale.
* Event-driven kinds (``realtime``, ``timely``, ``working_days``,
  ``calendar_days``) → stale when the newest item is more than
  ``stale_after_days`` calendar days old (the national website inspection
  treats policy and notice columns left for six months as not updated). For
  ``working_days`` and ``calendar_days``, when the newest item's 成文日期 is
  known, the item is also stale ("发布超期") if it was published after its
  deadline: ``add_working_days(newest_written, N)`` (or N natural days). This
  check is skipped for anchors the 成文日期 does not stand for (approval,
  receipt): a budget is written before the congress approves it.
  ``due`` is the date the column turns stale for lack of updates, or, for a
  late item, that item's deadline.

``provisional`` is True when a working-day computation crossed a date of a
year whose holidays nobody has entered yet (see gk_columns.workingdays).
"""

import calendar as _calendar
import datetime
import re
from dataclasses import asdict, dataclass, field, replace

from .text import fold

KINDS = (
    "working_days",
    "calendar_days",
    "realtime",
    "timely",
    "periodic",
    "long_term",
    "same_as_above",
    "unparsed",
)
EVENT_DRIVEN_KINDS = ("realtime", "timely", "working_days", "calendar_days")

ANCHOR_LABELS = {
    "formation_or_change": "形成或变更",
    "formation": "形成",
    "change": "变更",
    "production": "制作或获取",
    "approval": "批准",
    "decision": "作出决定",
    "receipt": "收到申请",
}
# Anchors whose date the item's 成文日期 stands for, so a late publication can be detected.
WRITTEN_DATE_ANCHORS = (None, "formation_or_change", "formation", "change", "production", "decision")

PERIODS = ("year", "half_year", "quarter", "month")
_PERIOD_SPAN = {"year": 12, "half_year": 6, "quarter": 3, "month": 1}

# About six months: the national inspection's "not updated" criterion for policy and notice columns
# (the reference site passes settings.GK_STALE_AFTER_DAYS, also 180 by default).
STALE_AFTER_DAYS = 180


# -- normalisation -------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+(?=个|工作日|自然日|日|天|号|月|周|季度|年|次|项)")


def _cn_to_int(chars):
    if all(ch in _CN_DIGITS for ch in chars):
        return int("".join(str(_CN_DIGITS[ch]) for ch in chars))
    total = current = 0
    for ch in chars:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return total + current


def normalise(text):
    """The text as the patterns read it (see the module docstring)."""
    s = fold(text)
    s = re.sub(r"\s+", "", s)
    # "信息形成(变更)" is written for "形成或变更".
    s = re.sub(r"(形成|产生)\((变更|变化)\)", r"\1或\2", s)
    return _CN_NUMBER.sub(lambda m: str(_cn_to_int(m.group())), s)


# -- patterns ------------------------------------------------------------------------

_VERB = r"(?:予以|及时|依法|主动|向社会)?(?:公开|公布|发布|公示|更新)"
# "公开内公开" is a real typo (repeated cell text); a repeated verb adds nothing.
_SUFFIX = rf"(?:{_VERB}内?)*"
_WITHIN = r"(?:以内|之内|内)?"
_SUBJECT = (
    r"(?:(?:公开事项|该|本|此|相关|有关)?(?:政府)?(?:信息|文件|事项|政策)?"
    r"|(?:本级)?(?:人民代表大会(?:或其常务委员会)?|人大(?:或其|及其)?(?:常委会)?)"
    r"|上级(?:部门|机关)?|有关部门)"
)
_ANCHORS = (
    (r"形成或者?变更|产生或者?变更|形成或者?变化", "formation_or_change"),
    (r"(?:制作|制定|产生)或者?获取", "production"),
    (r"形成|产生|制作|制定", "formation"),
    (r"变更|调整", "change"),
    (r"批准|批复|审批|审定", "approval"),
    (r"作出(?:行政)?(?:许可|处罚)?决定", "decision"),
    (r"收到", "receipt"),
)
# What a production/decision/receipt anchor acts on (获取"该信息", 获取"扶持补贴政策", 收到"申请"):
# plain words, none of which could carry a second time limit.
_OBJECT = r"(?:[\u4e00-\u9fff](?<![每年月季周日天时内前]))*"
_START = r"(?:之日起|之日|日起|以后|之后|后|起)"
_ANCHOR_RE = [
    (re.compile(rf"^自?{_SUBJECT}(?:{pattern})(?P<object>{_OBJECT}?){_START}?$"), key) for pattern, key in _ANCHORS
]
_OBJECT_ANCHORS = ("production", "decision", "receipt")

_WORKING = re.compile(rf"^(?P<prefix>.*?)(?:在|于)?(?P<n>\d{{1,3}})个?工作日{_WITHIN}{_SUFFIX}$")
_CALENDAR = re.compile(rf"^(?P<prefix>.*?)(?:在|于)?(?P<n>\d{{1,3}})个?(?:自然日|日历日|日|天){_WITHIN}{_SUFFIX}$")
_REALTIME = re.compile(rf"^实时{_SUFFIX}$")
_TIMELY = re.compile(rf"^(?:(?:按|根据|视)(?:工作)?进展(?:情况)?)?(?:及时|即时|随时){_SUFFIX}$")
_LONG_TERM = re.compile(r"^(?:长期|常年|持续)(?:公开|公布|有效|保留)?$")
_DISPLAY = re.compile(
    r"^(?:公示|公告)(?:期|期限|时间)?(?:为|不少于|不得少于|不低于)?(?P<n>\d{1,3})个?(?P<unit>工作日|自然日|日|天)(?:以上)?$"
)
_SAME_AS_ABOVE = re.compile(r"^同上(?:1项|条|栏)?$")
_CAVEAT = re.compile(r"法律[、,]?(?:行政)?法规[^,;。]{0,20}?另有规定的?,?从其规定")

_BEFORE = r"(?:前|以前|之前|内|止)?"
_PERIODIC = (
    # 每年3月底前 / 每年3月31日前 / 每年3月
    (re.compile(rf"^每年度?(?P<month>\d{{1,2}})月(?:(?P<day>\d{{1,2}})日|底|末|份)?{_BEFORE}$"), "year"),
    # 6月底前 / 1月31日前 — a bare date in a standing catalogue recurs every year
    (re.compile(r"^(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日|底|末)(?:前|以前|之前)$"), "year"),
    # 每年一季度 / 每年第1季度内
    (re.compile(rf"^每年度?第?(?P<quarter>[1-4])季度(?:末|底)?{_BEFORE}$"), "year"),
    (re.compile(r"^(?:每年|每年度|按年|按年度|年度)$"), "year"),
    (re.compile(rf"^(?:每|按)半年(?:末|底)?{_BEFORE}$"), "half_year"),
    # 半年至少更新1次
    (re.compile(rf"^(?:每|按)?半年(?:至少)?{_BEFORE}$"), "half_year"),
    # 每季度 / 每季度末 / 每季度的首个月20日 / 每季首月15日前
    (re.compile(rf"^(?:每|按)季度?(?:的)?(?:末|底)?{_BEFORE}$"), "quarter"),
    (
        re.compile(rf"^(?:每|按)季度?(?:的)?(?:首个?月|第(?P<month>[1-3])个?月)(?:(?P<day>\d{{1,2}})日)?{_BEFORE}$"),
        "quarter_first",
    ),
    # (每)季度结束后15日内: the 15th of the first month of the next quarter
    (re.compile(r"^每?季度?结束后(?P<day>\d{1,2})日(?:以内|之内|内)$"), "quarter_after"),
    # 每月 / 每月10日前 / 每月10号
    (re.compile(rf"^(?:每|按)月(?:(?P<day>\d{{1,2}})(?:日|号)|末|底)?{_BEFORE}$"), "month"),
)
_PERIODIC_TAIL = re.compile(rf"(?:{_VERB})?(?:1次)?$")


def _match_anchor(prefix):
    """The anchor key for the words before a number of days, None for no words,
    or False when the words are not a start point the parser knows."""
    if not prefix:
        return None
    for regex, key in _ANCHOR_RE:
        m = regex.match(prefix)
        if m and (not m.group("object") or key in _OBJECT_ANCHORS):
            return key
    return False


def _is_anchor_only(clause):
    # "信息形成后,20个工作日内公开": the start point sits in a clause of its own.
    return bool(re.search(rf"{_START}$", clause)) and bool(_match_anchor(clause))


def _month_end(month):
    return _calendar.monthrange(2000, month)[1]  # 2000 is a leap year: 2月 ends on the 29th at most


def _periodic(clause):
    core = _PERIODIC_TAIL.sub("", clause, count=1)
    for regex, kind in _PERIODIC:
        m = regex.match(core)
        if not m:
            continue
        groups = m.groupdict()
        day = int(groups["day"]) if groups.get("day") is not None else None
        if kind == "year":
            if groups.get("quarter"):
                month = int(groups["quarter"]) * 3
            else:
                month = int(groups["month"]) if groups.get("month") else 12
            if not 1 <= month <= 12:
                return None
            day = _month_end(month) if day is None else day
            if not 1 <= day <= _month_end(month):
                return None
            return {"period": "year", "month": month, "day": day}
        if kind == "half_year":
            return {"period": "half_year", "month": 6, "day": 31}
        if kind == "quarter":
            return {"period": "quarter", "month": 3, "day": 31}
        if kind == "quarter_first":
            month = int(groups["month"]) if groups.get("month") else 1
            day = 31 if day is None else day
            return {"period": "quarter", "month": month, "day": day} if 1 <= day <= 31 else None
        if kind == "quarter_after":
            return {"period": "quarter", "month": 1, "day": day} if 1 <= day <= 31 else None
        if kind == "month":
            day = 31 if day is None else day
            return {"period": "month", "month": 1, "day": day} if 1 <= day <= 31 else None
    return None


def _days_clause(regex, kind, clause):
    m = regex.match(clause)
    if not m or int(m.group("n")) == 0:
        return None
    anchor = _match_anchor(m.group("prefix"))
    if anchor is False:
        return None
    return ("deadline", kind, int(m.group("n")), {"anchor": anchor} if anchor else {})


def _classify(clause):
    """What one clause says: ("deadline", kind, days, extra), ("long_term",),
    ("display", days, unit), or None when it is not understood."""
    found = _days_clause(_WORKING, "working_days", clause)
    if found:
        return found
    # Before counting 日: "季度结束后15日内" is a quarterly date, not 15 days from an event.
    periodic = _periodic(clause)
    if periodic:
        return ("deadline", "periodic", None, periodic)
    found = _days_clause(_CALENDAR, "calendar_days", clause)
    if found:
        return found
    if _REALTIME.match(clause):
        return ("deadline", "realtime", None, {})
    if _TIMELY.match(clause):
        return ("deadline", "timely", None, {})
    if _LONG_TERM.match(clause):
        return ("long_term",)
    m = _DISPLAY.match(clause)
    if m:
        unit = "working_days" if m.group("unit") == "工作日" else "calendar_days"
        return ("display", int(m.group("n")), unit)
    return None


def _clauses(s):
    parts = [p for p in re.split(r"[,;。、()\[\]【】]+", s) if p]
    parts = [re.sub(r"^(?:并且|并|且|同时)", "", p) for p in parts]
    merged = []
    for part in parts:
        if merged and _is_anchor_only(merged[-1]):
            merged[-1] += part
        else:
            merged.append(part)
    return [p for p in merged if p]


# -- the rule ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLimitRule:
    kind: str = "unparsed"
    text: str = ""
    days: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def parsed(self):
        return self.kind != "unparsed"

    @property
    def is_event_driven(self):
        return self.kind in EVENT_DRIVEN_KINDS

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def resolve(self, previous):
        """A 同上 rule takes the rule of the row above (keeping its own text);
        any other rule is returned as it is. Unresolvable 同上 stays 同上."""
        if self.kind != "same_as_above" or previous is None or previous.kind in ("unparsed", "same_as_above"):
            return self
        return replace(previous, text=self.text, extra={**previous.extra, "inherited_from": previous.text})

    def describe(self):
        """A short Chinese description for reports and column pages."""
        anchor = ANCHOR_LABELS.get(self.extra.get("anchor"))
        after = f"{anchor}后" if anchor else ""
        if self.kind == "working_days":
            return f"{after}{self.days}个工作日内"
        if self.kind == "calendar_days":
            return f"{after}{self.days}日内"
        if self.kind == "realtime":
            return "实时"
        if self.kind == "timely":
            return "及时"
        if self.kind == "long_term":
            return "长期公开"
        if self.kind == "same_as_above":
            return "同上一项"
        if self.kind == "periodic":
            return _describe_period(self.extra)
        return f"未能解析：{self.text}"


def _day_words(month, day):
    return "底" if month == 2 and day >= 28 else f"{day}日"


def _describe_period(extra):
    period, month, day = extra.get("period"), extra.get("month"), extra.get("day")
    if period == "year":
        return f"每年{month}月{_day_words(month, day)}前"
    if period == "month":
        return "每月末前" if day >= 31 else f"每月{day}日前"
    label = {"half_year": "每半年", "quarter": "每季度"}.get(period, "")
    span = _PERIOD_SPAN.get(period, 1)
    if month == span and day >= 31:
        return f"{label}末前"
    ordinal = "首" if month == 1 else f"第{month}个"
    return f"{label}{ordinal}月{'末' if day >= 31 else f'{day}日'}前"


def parse(text):
    """Parse a 公开时限 cell into a TimeLimitRule (never raises, never guesses)."""
    original = (text or "").strip()

    def unparsed(reason):
        return TimeLimitRule(kind="unparsed", text=original, extra={"reason": reason})

    s = normalise(original)
    if not s:
        return unparsed("公开时限为空")
    extra = {}
    if _CAVEAT.search(s):
        extra["caveat"] = "法律、法规另有规定的，从其规定"
        s = _CAVEAT.sub(",", s)
    if _SAME_AS_ABOVE.match(re.sub(r"[,;。]", "", s)):
        return TimeLimitRule(kind="same_as_above", text=original)

    deadlines, rest = [], []
    long_term = False
    for clause in _clauses(s):
        found = _classify(clause)
        if found is None:
            return unparsed(f"无法识别“{clause}”")
        if found[0] == "deadline":
            deadlines.append((found[1:], clause))
        elif found[0] == "long_term":
            long_term = True
            long_term_clause = clause
        else:
            extra["display_days"], extra["display_unit"] = found[1], found[2]
            rest.append(clause)

    distinct = []
    for (kind, days, details), clause in deadlines:
        if all((kind, days, details) != d[0] for d in distinct):
            distinct.append(((kind, days, details), clause))
    # 及时 next to a concrete limit only says "do not wait for it": the concrete one binds.
    if len(distinct) > 1:
        concrete = [d for d in distinct if d[0][0] != "timely"]
        if len(concrete) == 1:
            rest.extend(clause for (kind, _, _), clause in distinct if kind == "timely")
            distinct = concrete
    if len(distinct) > 1:
        return unparsed("含有多个不同的时限：" + "；".join(clause for _, clause in distinct))

    if distinct:
        (kind, days, details), _ = distinct[0]
        extra = {**details, **extra}
        if long_term:
            extra["retention"] = "long_term"
            rest.append(long_term_clause)
    elif long_term:
        kind, days = "long_term", None
    else:
        return unparsed("没有找到时限")
    if rest:
        extra["rest"] = rest
    return TimeLimitRule(kind=kind, text=original, days=days, extra=extra)


# -- freshness -----------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    status: str  # "fresh" | "stale" | "empty" | "unparsed"
    due: datetime.date | None = None
    provisional: bool = False
    reason: str = ""

    @property
    def counted(self):
        """Whether the column counts in the fresh/stale figures."""
        return self.status in ("fresh", "stale")


def _to_date(value):
    if value is None or not isinstance(value, datetime.datetime):
        return value
    if value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localdate(value)
    return value.date()


def _fmt(day):
    return f"{day.year}年{day.month}月{day.day}日"


def _clamped(year, month, day):
    return datetime.date(year, month, min(day, _calendar.monthrange(year, month)[1]))


def due_dates(extra, years):
    """The due dates of a periodic rule in the given years, in order."""
    period, month, day = extra["period"], extra["month"], extra["day"]
    span = _PERIOD_SPAN[period]
    return sorted(
        _clamped(year, start + month - 1, day) for year in years for start in range(1, 13, span)
    )


def previous_due_dates(extra, today):
    """(the most recent due date on or before `today`, the one before it)."""
    dates = [d for d in due_dates(extra, range(today.year - 2, today.year + 1)) if d <= today]
    return dates[-1], dates[-2]


PROVISIONAL_NOTE = "（涉及尚未公布节假日安排的日期，按周一至周五暂计）"


def assess(
    rule,
    *,
    newest_published,
    newest_written=None,
    today,
    calendar=None,
    stale_after_days=STALE_AFTER_DAYS,
):
    """How a column stands against its rule (semantics in the module docstring).

    `newest_published` / `newest_written` are the 发布日期 and 成文日期 of the
    column's newest live item (None when there is none / when unknown);
    `calendar` is a gk_columns.workingdays.WorkingCalendar, made on demand."""
    published = _to_date(newest_published)
    written = _to_date(newest_written)
    if published is None:
        return Freshness("empty", reason="栏目没有已发布的信息")
    if rule.kind == "same_as_above":
        return Freshness("unparsed", reason="公开时限为“同上”，尚未对应到上一项的时限")
    if not rule.parsed or rule.kind not in KINDS:
        return Freshness("unparsed", reason=f"公开时限未能解析：{rule.text}")

    if rule.kind == "long_term":
        return Freshness("fresh", reason=f"长期公开，栏目已有内容（最新发布于{_fmt(published)}）")

    if rule.kind == "periodic":
        if rule.extra.get("period") not in PERIODS:
            return Freshness("unparsed", reason=f"公开时限周期不完整：{rule.text}")
        due, before = previous_due_dates(rule.extra, today)
        if published > before:
            return Freshness(
                "fresh", due=due, reason=f"最近一期应于{_fmt(due)}前公开，最新信息发布于{_fmt(published)}，已按期更新"
            )
        return Freshness(
            "stale",
            due=due,
            reason=f"最近一期应于{_fmt(due)}前公开，但{_fmt(before)}之后没有发布信息（最新发布于{_fmt(published)}）",
        )

    # Event-driven rules.
    inactive_after = published + datetime.timedelta(days=stale_after_days)
    deadline, provisional = None, False
    anchor = rule.extra.get("anchor")
    if written is not None and rule.days and anchor in WRITTEN_DATE_ANCHORS:
        if rule.kind == "working_days":
            if calendar is None:
                from .workingdays import WorkingCalendar

                calendar = WorkingCalendar()
            deadline, provisional = calendar.add_working_days(written, rule.days)
        elif rule.kind == "calendar_days":
            deadline = written + datetime.timedelta(days=rule.days)
    note = PROVISIONAL_NOTE if provisional else ""
    limit = f"{rule.days}个工作日" if rule.kind == "working_days" else f"{rule.days}日"

    if deadline is not None and published > deadline:
        return Freshness(
            "stale",
            due=deadline,
            provisional=provisional,
            reason=f"发布超期：最新信息成文于{_fmt(written)}，应在{limit}内即{_fmt(deadline)}前发布，"
            f"实际发布于{_fmt(published)}{note}",
        )
    if today > inactive_after:
        return Freshness(
            "stale",
            due=inactive_after,
            provisional=provisional,
            reason=f"最新信息发布于{_fmt(published)}，已超过{stale_after_days}天未更新{note}",
        )
    reason = f"最新信息发布于{_fmt(published)}，{stale_after_days}天内有更新"
    if deadline is not None:
        reason += f"，且在成文后{limit}内发布"
    return Freshness("fresh", due=inactive_after, provisional=provisional, reason=reason + note)
