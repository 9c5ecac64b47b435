"""Seed the holiday/调休 calendar from the installed chinesecalendar release.

    gk seed_calendar                      every year the library knows
    gk seed_calendar --years 2024-2026    a range (or "2025", or "2024,2026")
    gk seed_calendar --dry-run            say what would change, write nothing
    gk seed_calendar --format json        machine-readable counts per year

Rows entered by administrators are never overwritten; running it twice changes nothing.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from gk_columns.workingdays import LIBRARY_SOURCE, seed_from_library


def parse_years(value):
    """"2024-2026" / "2025" / "2024,2026" → sorted list of years."""
    years = set()
    for part in value.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                first, last = (int(x) for x in part.split("-", 1))
                if first > last:
                    raise ValueError
                years.update(range(first, last + 1))
            else:
                years.add(int(part))
        except ValueError:
            raise CommandError(f"年份“{part}”格式不正确，应为 2025、2024-2026 或 2024,2026。") from None
    if not years:
        raise CommandError("没有给出年份。")
    return sorted(years)


class Command(BaseCommand):
    help = "从 chinesecalendar 导入法定节假日与调休上班日（不覆盖手工维护的记录）。"

    def add_arguments(self, parser):
        parser.add_argument("--years", help="年份或年份范围，如 2024-2026；默认为库中所有年份")
        parser.add_argument("--dry-run", action="store_true", help="只报告将要进行的更改，不写入数据库")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")

    def handle(self, *args, years=None, dry_run=False, format="text", **options):
        wanted = parse_years(years) if years else None
        as_text = format == "text"
        report = seed_from_library(years=wanted, stdout=self.stdout if as_text else None, dry_run=dry_run)
        if format == "json":
            self.stdout.write(
                json.dumps(
                    {"source": LIBRARY_SOURCE, "dry_run": dry_run, "years": {str(y): c for y, c in report.items()}},
                    ensure_ascii=False,
                )
            )
        elif dry_run:
            self.stdout.write("（试运行，未写入数据库）")
        if report and all(counts.get("skipped") for counts in report.values()):
            raise CommandError(f"所给年份 {LIBRARY_SOURCE} 均没有数据，未导入任何记录。")
