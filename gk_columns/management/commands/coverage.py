import argparse
import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from gk_columns.coverage import as_csv_text, compute_coverage, format_table, store_snapshots, write_xlsx
from gk_columns.models import Organisation


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{value}") from exc


class Command(BaseCommand):
    help = (
        "统计栏目覆盖率：每个公开主体的应设栏目、已设栏目、已发布栏目、有内容栏目、更新及时/不及时、"
        "时限未解析与孤立栏目，并给出得分（0–100）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", action="append", dest="orgs", metavar="CODE", help="只统计该公开主体（可重复）")
        parser.add_argument("--format", choices=["table", "json", "csv", "xlsx"], default="table", help="输出格式")
        parser.add_argument("--out", metavar="FILE", help="写入文件（xlsx 必须指定）")
        parser.add_argument("--snapshot", action="store_true", help="同时为每个公开主体保存一份覆盖率快照")
        parser.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="按该日期评估（默认今天）")

    def handle(self, *args, orgs=None, format="table", out=None, snapshot=False, today=None, **options):
        if format == "xlsx" and not out:
            raise CommandError("xlsx 格式必须用 --out 指定输出文件。")
        organisations = None
        if orgs:
            organisations = Organisation.objects.filter(code__in=orgs)
            unknown = sorted(set(orgs) - set(organisations.values_list("code", flat=True)))
            if unknown:
                raise CommandError("未找到公开主体：{}".format("、".join(unknown)))

        report = compute_coverage(organisations, today=today)

        if format == "xlsx":
            with open(out, "wb") as stream:
                write_xlsx(report, stream)
        else:
            if format == "json":
                text = json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"
            elif format == "csv":
                text = as_csv_text(report)
            else:
                text = format_table(report)
            if out:
                # CSV keeps the BOM it starts with; utf-8 (not utf-8-sig) must not add a second one.
                with open(out, "w", encoding="utf-8", newline="") as stream:
                    stream.write(text)
            else:
                self.stdout.write(text, ending="")

        if snapshot:
            stored = store_snapshots(report)
            # Messages go to stderr so that JSON or CSV on stdout stays machine-readable.
            self.stderr.write(self.style.SUCCESS(f"已保存覆盖率快照：{len(stored)} 个公开主体。"))
        if out:
            self.stderr.write(self.style.SUCCESS(f"已写入 {out}"))
