"""Working-day arithmetic over the database calendar and chinesecalendar.

Holiday facts used below (State Council notices, as chinesecalendar 1.11.0 has them):
2025 国庆节/中秋节: 10月1日–8日 off; Sun 9月28日 and Sat 10月11日 are 调休 working days.
2026 春节: 2月15日–23日 off; Sat 2月14日 and Sat 2月28日 are 调休 working days.
"""

import datetime
import io
import json

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gk_columns.models import CalendarDay, CalendarYear
from gk_columns.workingdays import (
    LIBRARY_SOURCE,
    WorkingCalendar,
    WorkingDate,
    library_days,
    seed_from_library,
)

D = datetime.date
pytestmark = pytest.mark.django_db


def test_library_facts_the_tests_rely_on():
    assert chinese_calendar.__version__ == "1.11.0"
    assert chinese_calendar.is_workday(D(2025, 9, 28)) and D(2025, 9, 28).weekday() == 6
    assert chinese_calendar.is_workday(D(2025, 10, 11)) and D(2025, 10, 11).weekday() == 5
    assert not any(chinese_calendar.is_workday(D(2025, 10, d)) for d in range(1, 9))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


# -- single days ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, working",
    [
        (D(2025, 9, 27), False),  # ordinary Saturday
        (D(2025, 9, 28), True),  # 调休 Sunday
        (D(2025, 10, 1), False),  # 国庆节
        (D(2025, 10, 6), False),  # 中秋节 (a Monday)
        (D(2025, 10, 8), False),
        (D(2025, 10, 9), True),
        (D(2025, 10, 11), True),  # 调休 Saturday
        (D(2026, 2, 14), True),  # 调休 Saturday before 春节
        (D(2026, 2, 16), False),  # 春节 Monday
        (D(2026, 2, 23), False),
        (D(2026, 2, 24), True),
    ],
)
def test_library_years_follow_the_holiday_notice(day, working):
    assert WorkingCalendar().is_working_day(day) == (working, False)


def test_unknown_year_falls_back_to_weekdays_and_says_so():
    calendar = WorkingCalendar()
    assert calendar.is_working_day(D(2027, 1, 1)) == (True, True)  # a Friday; 元旦 not yet entered
    assert calendar.is_working_day(D(2027, 1, 2)) == (False, True)
    assert not calendar.year_is_known(2027)
    assert calendar.year_is_known(2026)


def test_datetime_is_read_as_its_date():
    assert WorkingCalendar().is_working_day(datetime.datetime(2025, 10, 1, 9, 30)) == (False, False)


# -- counting ------------------------------------------------------------------------


def test_twenty_working_days_across_national_day_2025():
    # From Fri 26 Sep: Sun 28 Sep (1), 29–30 Sep (3), 9–10 Oct (5), Sat 11 Oct (6),
    # 13–17 Oct (11), 20–24 Oct (16), 27–30 Oct (20). Monday–Friday alone would say 24 Oct.
    result = WorkingCalendar().add_working_days(D(2025, 9, 26), 20)
    assert result == WorkingDate(D(2025, 10, 30), False)
    assert isinstance(result, tuple) and result.date == D(2025, 10, 30) and result.provisional is False


def test_counting_starts_the_day_after():
    calendar = WorkingCalendar()
    assert calendar.add_working_days(D(2025, 9, 30), 1).date == D(2025, 10, 9)
    assert calendar.add_working_days(D(2025, 10, 10), 1).date == D(2025, 10, 11)
    assert calendar.add_working_days(D(2025, 10, 10), 0) == (D(2025, 10, 10), False)


def test_twenty_working_days_across_spring_festival_2026():
    # From Fri 13 Feb: Sat 14 Feb (1), 24–27 Feb (5), Sat 28 Feb (6), 2–6 Mar (11), 9–13 Mar (16), 16–19 Mar (20).
    assert WorkingCalendar().add_working_days(D(2026, 2, 13), 20) == (D(2026, 3, 19), False)


def test_counting_backwards():
    assert WorkingCalendar().add_working_days(D(2025, 10, 9), -1) == (D(2025, 9, 30), False)


def test_working_days_between_is_the_inverse():
    calendar = WorkingCalendar()
    assert calendar.working_days_between(D(2025, 9, 26), D(2025, 10, 30)) == (20, False)
    assert calendar.working_days_between(D(2026, 2, 13), D(2026, 3, 19)) == (20, False)
    assert calendar.working_days_between(D(2025, 10, 30), D(2025, 9, 26)) == (-20, False)
    assert calendar.working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == (0, False)
    assert calendar.working_days_between(D(2025, 10, 1), D(2025, 10, 1)) == (0, False)


def test_deadline_running_into_2027_is_provisional():
    # From Fri 25 Dec 2026: 28–31 Dec (4), then 2027 unknown: Fri 1 Jan (5), 4–8 (10), 11–15 (15), 18–22 (20).
    calendar = WorkingCalendar()
    assert calendar.add_working_days(D(2026, 12, 25), 20) == (D(2027, 1, 22), True)
    assert calendar.add_working_days(D(2026, 12, 25), 4) == (D(2026, 12, 31), False)
    assert calendar.working_days_between(D(2026, 12, 25), D(2027, 1, 22)) == (20, True)


def test_year_entered_by_an_administrator_is_honoured_and_certain():
    CalendarYear.objects.create(year=2027, complete=True, source="国办发明电〔2026〕X号（测试）")
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    calendar = WorkingCalendar()
    assert calendar.is_working_day(D(2027, 1, 1)) == (False, False)
    assert calendar.is_working_day(D(2027, 1, 4)) == (True, False)
    assert calendar.add_working_days(D(2026, 12, 25), 20) == (D(2027, 1, 25), False)
    assert calendar.year_is_known(2027)


def test_holiday_rows_in_an_incomplete_year_still_count_but_stay_provisional():
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    CalendarYear.objects.create(year=2027, complete=False)
    assert WorkingCalendar().add_working_days(D(2026, 12, 25), 20) == (D(2027, 1, 25), True)


def test_database_row_overrides_the_library():
    # e.g. a local government's own arrangement, or a correction the library has not picked up yet.
    CalendarDay.objects.create(date=D(2025, 10, 9), kind=CalendarDay.Kind.HOLIDAY, name="本地调整")
    CalendarDay.objects.create(date=D(2025, 10, 8), kind=CalendarDay.Kind.WORKDAY, name="本地调整")
    calendar = WorkingCalendar()
    assert calendar.is_working_day(D(2025, 10, 9)) == (False, False)
    assert calendar.is_working_day(D(2025, 10, 8)) == (True, False)
    assert calendar.add_working_days(D(2025, 9, 30), 1).date == D(2025, 10, 8)


def test_complete_year_in_the_database_is_authoritative_over_the_library():
    # Marked complete but with no rows: the database says plain Monday–Friday, and it wins.
    CalendarYear.objects.create(year=2025, complete=True, source="手工维护")
    calendar = WorkingCalendar()
    assert calendar.is_working_day(D(2025, 10, 1)) == (True, False)
    assert calendar.is_working_day(D(2025, 9, 28)) == (False, False)


def test_calendar_reads_its_tables_once(django_assert_num_queries):
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    with django_assert_num_queries(2):
        calendar = WorkingCalendar()
        calendar.add_working_days(D(2025, 9, 26), 20)
    with django_assert_num_queries(2):
        calendar = WorkingCalendar()
        start = D(2024, 1, 1)
        for i in range(1000):
            calendar.add_working_days(start + datetime.timedelta(days=i), 20)
            calendar.working_days_between(start, start + datetime.timedelta(days=i))
        assert calendar.add_working_days(D(2026, 12, 25), 20) == (D(2027, 1, 25), True)


def test_refresh_sees_later_edits():
    calendar = WorkingCalendar()
    assert calendar.is_working_day(D(2027, 1, 1)) == (True, True)
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    assert calendar.is_working_day(D(2027, 1, 1)) == (True, True)  # instance keeps what it read
    calendar.refresh()
    assert calendar.is_working_day(D(2027, 1, 1)) == (False, True)


# -- seeding -------------------------------------------------------------------------


def test_seed_copies_the_library_with_chinese_names():
    report = seed_from_library(years=[2025])
    expected = library_days(2025)
    assert report[2025]["added"] == len(expected) == CalendarDay.objects.filter(date__year=2025).count()
    national = CalendarDay.objects.get(date=D(2025, 10, 1))
    assert (national.kind, national.name, national.source) == ("holiday", "国庆节", LIBRARY_SOURCE)
    assert CalendarDay.objects.get(date=D(2025, 10, 6)).name == "中秋节"
    assert CalendarDay.objects.get(date=D(2025, 1, 29)).name == "春节"
    sunday = CalendarDay.objects.get(date=D(2025, 9, 28))
    assert (sunday.kind, sunday.name) == ("workday", "国庆节")
    year = CalendarYear.objects.get(year=2025)
    assert year.complete and year.source == LIBRARY_SOURCE


def test_seeded_database_agrees_with_the_library_every_day_of_the_year():
    seed_from_library(years=[2025, 2026])
    calendar = WorkingCalendar()
    day = D(2025, 1, 1)
    while day.year < 2027:
        assert calendar.is_working_day(day) == (chinese_calendar.is_workday(day), False), day
        day += datetime.timedelta(days=1)
    # It is the database answering: remove a seeded holiday and the library no longer matters.
    CalendarDay.objects.filter(date=D(2025, 10, 1)).delete()
    assert WorkingCalendar().is_working_day(D(2025, 10, 1)) == (True, False)


def test_seed_is_idempotent():
    seed_from_library(years=[2026])
    rows = list(CalendarDay.objects.values_list("date", "kind", "name", "source", "pk"))
    report = seed_from_library(years=[2026])
    assert report[2026]["added"] == report[2026]["updated"] == report[2026]["removed"] == 0
    assert report[2026]["unchanged"] == len(rows)
    assert report[2026]["year_marked"] is False
    assert list(CalendarDay.objects.values_list("date", "kind", "name", "source", "pk")) == rows


def test_seed_never_overwrites_manual_rows():
    CalendarDay.objects.create(date=D(2025, 10, 8), kind=CalendarDay.Kind.WORKDAY, name="本县调整", source="手工维护")
    CalendarDay.objects.create(date=D(2025, 10, 20), kind=CalendarDay.Kind.HOLIDAY, name="本县纪念日", source="手工维护")
    CalendarYear.objects.create(year=2025, complete=True, source="手工维护")
    report = seed_from_library(years=[2025])
    assert report[2025]["kept_manual"] == 1
    kept = CalendarDay.objects.get(date=D(2025, 10, 8))
    assert (kept.kind, kept.name, kept.source) == ("workday", "本县调整", "手工维护")
    assert CalendarDay.objects.filter(date=D(2025, 10, 20)).exists()
    assert CalendarYear.objects.get(year=2025).source == "手工维护"
    assert WorkingCalendar().is_working_day(D(2025, 10, 8)) == (True, False)


def test_seed_repairs_its_own_rows_and_removes_ones_the_library_dropped():
    CalendarDay.objects.create(date=D(2025, 10, 1), kind=CalendarDay.Kind.WORKDAY, name="错", source="chinesecalendar 1.9.0")
    CalendarDay.objects.create(date=D(2025, 10, 20), kind=CalendarDay.Kind.HOLIDAY, name="旧", source="chinesecalendar 1.9.0")
    report = seed_from_library(years=[2025])
    assert report[2025]["updated"] == 1 and report[2025]["removed"] == 1
    assert CalendarDay.objects.get(date=D(2025, 10, 1)).kind == "holiday"
    assert not CalendarDay.objects.filter(date=D(2025, 10, 20)).exists()


def test_seed_skips_years_the_library_does_not_know():
    out = io.StringIO()
    report = seed_from_library(years=[2027], stdout=out)
    assert report == {2027: {"skipped": True}}
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert "2027年" in out.getvalue() and "跳过" in out.getvalue()


def test_dry_run_writes_nothing():
    report = seed_from_library(years=[2025], dry_run=True)
    assert report[2025]["added"] == len(library_days(2025))
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


# -- the command ---------------------------------------------------------------------


def test_command_prints_counts_per_year():
    out = io.StringIO()
    call_command("seed_calendar", "--years", "2024-2026", stdout=out)
    text = out.getvalue()
    for year in (2024, 2025, 2026):
        assert f"{year}年：已新增 {len(library_days(year))} 条" in text
    assert set(CalendarYear.objects.values_list("year", flat=True)) == {2024, 2025, 2026}


def test_command_dry_run_and_json():
    out = io.StringIO()
    call_command("seed_calendar", "--years", "2025,2027", "--dry-run", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["dry_run"] is True and data["source"] == LIBRARY_SOURCE
    assert data["years"]["2025"]["added"] == len(library_days(2025))
    assert data["years"]["2027"] == {"skipped": True}
    assert not CalendarDay.objects.exists()


def test_command_fails_when_no_year_is_known():
    with pytest.raises(CommandError, match="均没有数据"):
        call_command("seed_calendar", "--years", "2027", stdout=io.StringIO())


def test_command_rejects_bad_years():
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("seed_calendar", "--years", "2026-2024", stdout=io.StringIO())
