"""What the report commands (gk validity-review, disclosure-review,
interpretation-report) share: the --org / --today / --format options, their
checks, and the text / CSV / JSON rendering of a table of findings. Reports exit
0 whatever they find; only bad input fails."""

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gk_columns.models import Organisation
from gk_columns.tables import csv_text, format_text_table, json_text


def parse_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{value}") from exc


def find_organisation(code):
    if not code:
        return None
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise CommandError(f"未找到公开主体：{code}（请使用公开主体代码，如 xzf）。")
    return organisation


class ReportCommand(BaseCommand):
    """A report over one organisation or all of them, as of a day."""

    org_help = "只列出该公开主体的信息"
    today_help = "按该日期核查（默认今天）"

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="CODE", help=self.org_help)
        parser.add_argument("--today", type=parse_date, metavar="YYYY-MM-DD", help=self.today_help)
        parser.add_argument("--format", choices=["text", "json", "csv"], default="text", help="输出格式")

    def handle(self, *args, org=None, today=None, format="text", **options):
        self.write_report(find_organisation(org), today or timezone.localdate(), format, **options)

    def write_report(self, organisation, today, format, **options):
        raise NotImplementedError


class TableReportCommand(ReportCommand):
    """A report that is one table of findings: `find()` the rows, `cells()` of a row
    under `columns` ((attribute, heading) pairs), the JSON under `items_key`."""

    title = ""
    items_key = "items"
    columns = ()
    empty_message = ""

    def find(self, organisation, today):
        raise NotImplementedError

    def cells(self, item):
        raise NotImplementedError

    def summary(self, items):
        return f"发现 {len(items)} 件需处理"

    def write_report(self, organisation, today, format, **options):
        items = self.find(organisation, today)
        if format == "json":
            payload = {
                "today": today.isoformat(),
                "organisation": organisation.code if organisation else None,
                "count": len(items),
                self.items_key: [item.as_dict() for item in items],
            }
            self.stdout.write(json_text(payload), ending="")
            return
        headings = [heading for _, heading in self.columns]
        rows = [self.cells(item) for item in items]
        if format == "csv":
            self.stdout.write(csv_text(headings, rows), ending="")
            return
        scope = f"（{organisation.name}）" if organisation else ""
        self.stdout.write(f"{self.title}{scope}：核查日期 {today:%Y-%m-%d}，{self.summary(items)}。\n")
        if items:
            self.stdout.write("\n" + format_text_table(headings, rows), ending="")
        else:
            self.stdout.write(self.empty_message + "\n")
