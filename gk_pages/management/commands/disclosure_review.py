from django.core.management.base import BaseCommand
from django.utils import timezone

from gk_pages.management.commands.validity_review import find_organisation, parse_date
from gk_pages.review import REVIEW_COLUMNS, due_for_review, review_cells
from gk_pages.validity import csv_text, format_text_table, json_text


class Command(BaseCommand):
    help = (
        "公开属性年度评估：列出依申请公开、不予公开的信息中，认定（或上次评估）已满一年、"
        "应重新评估的条目。这是报告：有到期条目也以 0 退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="CODE", help="只列出该公开主体的信息")
        parser.add_argument("--today", type=parse_date, metavar="YYYY-MM-DD", help="按该日期计算（默认今天）")
        parser.add_argument("--format", choices=["text", "json", "csv"], default="text", help="输出格式")

    def handle(self, *args, org=None, today=None, format="text", **options):
        organisation = find_organisation(org)
        today = today or timezone.localdate()
        items = due_for_review(today, organisation, absolute_urls=True)
        if format == "json":
            self.stdout.write(
                json_text(
                    {
                        "today": today.isoformat(),
                        "organisation": organisation.code if organisation else None,
                        "count": len(items),
                        "items": [item.as_dict() for item in items],
                    }
                ),
                ending="",
            )
            return
        headings = [heading for _, heading in REVIEW_COLUMNS]
        rows = [review_cells(item) for item in items]
        if format == "csv":
            self.stdout.write(csv_text(headings, rows), ending="")
            return
        scope = f"（{organisation.name}）" if organisation else ""
        self.stdout.write(f"公开属性年度评估{scope}：核查日期 {today:%Y-%m-%d}，应评估 {len(items)} 条。\n")
        if items:
            self.stdout.write("\n" + format_text_table(headings, rows), ending="")
        else:
            self.stdout.write("没有认定已满一年、应重新评估的依申请公开或不予公开信息。\n")
