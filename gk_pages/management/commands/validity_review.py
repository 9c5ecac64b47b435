import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gk_columns.models import Organisation
from gk_pages.validity import (
    FINDING_COLUMNS,
    csv_text,
    finding_cells,
    format_text_table,
    json_text,
    validity_problems,
)


def parse_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{value}") from exc


def find_organisation(code):
    if code is None:
        return None
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise CommandError(f"未找到公开主体：{code}")
    return organisation


class Command(BaseCommand):
    help = (
        "规范性文件有效性核查：列出已发布、仍标为“有效”，但已过失效日期、已被其他文件替代，"
        "或已发布的清理结果宣布失效/废止/修改而未落实的文件。这是报告：有问题也以 0 退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="CODE", help="只核查该公开主体发布的文件")
        parser.add_argument("--today", type=parse_date, metavar="YYYY-MM-DD", help="按该日期核查（默认今天）")
        parser.add_argument("--format", choices=["text", "json", "csv"], default="text", help="输出格式")

    def handle(self, *args, org=None, today=None, format="text", **options):
        organisation = find_organisation(org)
        today = today or timezone.localdate()
        findings = validity_problems(today, organisation, absolute_urls=True)
        if format == "json":
            self.stdout.write(
                json_text(
                    {
                        "today": today.isoformat(),
                        "organisation": organisation.code if organisation else None,
                        "count": len(findings),
                        "findings": [finding.as_dict() for finding in findings],
                    }
                ),
                ending="",
            )
            return
        headings = [heading for _, heading in FINDING_COLUMNS]
        rows = [finding_cells(finding) for finding in findings]
        if format == "csv":
            self.stdout.write(csv_text(headings, rows), ending="")
            return
        scope = f"（{organisation.name}）" if organisation else ""
        self.stdout.write(f"规范性文件有效性核查{scope}：核查日期 {today:%Y-%m-%d}，发现 {len(findings)} 件需处理。\n")
        if findings:
            self.stdout.write("\n" + format_text_table(headings, rows), ending="")
        else:
            self.stdout.write("没有已过失效日期、已被替代或清理结论未落实而仍标为有效的文件。\n")
