"""Chinese working days (工作日) for legal time limits.

A working day is Monday–Friday, minus public holidays, plus the weekends the
State Council's annual notice turns into working days (调休上班). Where the
answer for a date comes from, in order (DESIGN.md section 5):

1. The date's year has a ``CalendarYear`` row with ``complete=True``: the
   database is authoritative. ``CalendarDay`` rows give the holidays and the
   调休 working weekends; every other day is Monday–Friday.
2. Otherwise, the year is one the installed ``chinesecalendar`` release knows
   (it raises NotImplementedError for the others): the library answers, and a
   ``CalendarDay`` row for that very date overrides it.
3. Otherwise nobody knows the year yet: Monday–Friday plus any ``CalendarDay``
   rows, and the answer is **provisional**. Every computation that touched
   such a date says so, so that staff and the public are never shown a guessed
   deadline as if it were certain.

Counting follows the legal convention: "N 个工作日内" from a day means the Nth
working day *after* that day (the day itself is not counted).

``WorkingCalendar`` reads the calendar tables once, in two queries, however
many dates it is asked about; coverage reports use one instance for thousands
of columns.
"""

import datetime
import functools
from typing import NamedTuple

import chinese_calendar
from django.db import transaction

from .models import CalendarDay, CalendarYear

LIBRARY_SOURCE = f"chinesecalendar {chinese_calendar.__version__}"

# The library's short Chinese names, spelt as the State Council notices spell them.
_OFFICIAL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


class WorkingDate(NamedTuple):
    """A date reached by counting working days; provisional when the count
    crossed a date whose holidays nobody has entered yet."""

    date: datetime.date
    provisional: bool


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


@functools.cache
def library_years():
    """The years the installed chinesecalendar release has holiday data for."""
    years = {d.year for d in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def is_library_row(row):
    """Whether a calendar row was written by the seeding (and so may be rewritten by it).
    Anything else was entered by an administrator and is left alone."""
    return (row.source or "").startswith("chinesecalendar")


class WorkingCalendar:
    """Working-day arithmetic over the database calendar and chinesecalendar.

    The tables are read lazily on first use and kept for the instance's life;
    make a new instance (or call ``refresh()``) to see later edits."""

    def __init__(self):
        self._loaded = False
        self._complete_years = set()
        self._overrides = {}
        self._cache = {}

    def refresh(self):
        self._loaded = False
        self._cache = {}

    def _ensure_loaded(self):
        if self._loaded:
            return
        self._complete_years = set(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
        self._overrides = dict(CalendarDay.objects.values_list("date", "kind"))
        self._loaded = True

    def year_is_known(self, year):
        """Whether dates in `year` can be answered without falling back to Monday–Friday."""
        self._ensure_loaded()
        return year in self._complete_years or year in library_years()

    def is_working_day(self, day):
        """(is it a working day, is that answer provisional)."""
        day = _as_date(day)
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        self._ensure_loaded()
        override = self._overrides.get(day)
        by_weekday = day.weekday() < 5
        if day.year in self._complete_years:
            result = (override == CalendarDay.Kind.WORKDAY if override else by_weekday, False)
        else:
            try:
                by_library = chinese_calendar.is_workday(day)
            except NotImplementedError:
                result = (override == CalendarDay.Kind.WORKDAY if override else by_weekday, True)
            else:
                result = (override == CalendarDay.Kind.WORKDAY if override else by_library, False)
        self._cache[day] = result
        return result

    def add_working_days(self, start, n):
        """The `n`th working day after `start` (before it when `n` is negative).

        ``add_working_days(d, 0)`` is `d` itself."""
        day = _as_date(start)
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        provisional = False
        while remaining:
            day += datetime.timedelta(days=step)
            working, uncertain = self.is_working_day(day)
            provisional = provisional or uncertain
            if working:
                remaining -= 1
        return WorkingDate(day, provisional)

    def working_days_between(self, start, end):
        """(number of working days after `start` up to and including `end`, provisional).

        The inverse of ``add_working_days``: if ``add_working_days(s, n)`` is
        `e`, this returns `n` for (s, e). Negative when `end` is before `start`."""
        start, end = _as_date(start), _as_date(end)
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        provisional = False
        day = start
        while day < end:
            day += datetime.timedelta(days=1)
            working, uncertain = self.is_working_day(day)
            provisional = provisional or uncertain
            count += working
        return sign * count, provisional


def library_days(year):
    """{date: (kind, name)} for the holidays and 调休 working days chinesecalendar has for `year`."""
    days = {}
    for source, kind in ((chinese_calendar.holidays, CalendarDay.Kind.HOLIDAY), (chinese_calendar.workdays, CalendarDay.Kind.WORKDAY)):
        for day, english in source.items():
            if day.year == year:
                chinese = chinese_calendar.Holiday(english).chinese
                days[day] = (kind.value, _OFFICIAL_NAMES.get(chinese, chinese))
    return days


def seed_from_library(years=None, stdout=None, dry_run=False):
    """Copy chinesecalendar's holidays and 调休 working days into CalendarDay and
    mark each seeded year complete in CalendarYear.

    Idempotent: a second run changes nothing. Rows an administrator entered
    (any source not written by this function, e.g. "手工维护") are never
    overwritten, and a CalendarYear row an administrator entered is left as it
    is. Library rows the library no longer lists (a corrected release) are
    removed. Years the library does not know are skipped, never marked complete.

    Returns {year: {"added", "updated", "removed", "kept_manual", "unchanged",
    "year_marked", "skipped"}}; with ``dry_run`` nothing is written.
    """
    known = library_years()
    wanted = sorted(set(years)) if years is not None else list(known)
    report = {}
    with transaction.atomic():
        for year in wanted:
            if year not in known:
                report[year] = {"skipped": True}
                if stdout is not None:
                    stdout.write(f"{year}年：{LIBRARY_SOURCE} 没有该年数据，已跳过（该年按周一至周五暂计，须手工录入）。\n")
                continue
            report[year] = _seed_year(year, dry_run)
            if stdout is not None:
                stdout.write(_describe_year(year, report[year], dry_run) + "\n")
        if dry_run:
            transaction.set_rollback(True)
    return report


def _seed_year(year, dry_run):
    counts = {"added": 0, "updated": 0, "removed": 0, "kept_manual": 0, "unchanged": 0, "year_marked": False, "skipped": False}
    wanted = library_days(year)
    existing = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
    to_create, to_update = [], []
    for day, (kind, name) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            to_create.append(CalendarDay(date=day, kind=kind, name=name, source=LIBRARY_SOURCE))
        elif not is_library_row(row):
            counts["kept_manual"] += 1
        elif (row.kind, row.name, row.source) != (kind, name, LIBRARY_SOURCE):
            row.kind, row.name, row.source = kind, name, LIBRARY_SOURCE
            to_update.append(row)
        else:
            counts["unchanged"] += 1
    stale = [row.pk for day, row in existing.items() if day not in wanted and is_library_row(row)]
    counts["added"], counts["updated"], counts["removed"] = len(to_create), len(to_update), len(stale)

    year_row = CalendarYear.objects.filter(year=year).first()
    if year_row is None or (is_library_row(year_row) and (not year_row.complete or year_row.source != LIBRARY_SOURCE)):
        counts["year_marked"] = True

    if not dry_run:
        CalendarDay.objects.bulk_create(to_create)
        CalendarDay.objects.bulk_update(to_update, ["kind", "name", "source"])
        CalendarDay.objects.filter(pk__in=stale).delete()
        if counts["year_marked"]:
            CalendarYear.objects.update_or_create(year=year, defaults={"complete": True, "source": LIBRARY_SOURCE})
    return counts


def _describe_year(year, counts, dry_run):
    verb = "将" if dry_run else "已"
    parts = [
        f"{year}年：{verb}新增 {counts['added']} 条",
        f"更新 {counts['updated']} 条",
        f"删除 {counts['removed']} 条",
        f"保留手工维护 {counts['kept_manual']} 条",
        f"未变 {counts['unchanged']} 条",
    ]
    if counts["year_marked"]:
        parts.append(f"年度{verb}标记为完整")
    return "，".join(parts) + "。"
