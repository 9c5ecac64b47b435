import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gk_columns.fixtures import FixtureError, catalogue_paths, load_domains, load_standard_items


class Command(BaseCommand):
    help = "导入 fixtures/ 中的领域和各领域标准目录（可重复执行：已有事项按领域+一级事项+二级事项更新）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--domain",
            action="append",
            dest="domains",
            metavar="CODE",
            help="只导入该领域的标准目录（可多次指定）；领域清单总是全部导入。",
        )
        parser.add_argument("--dry-run", action="store_true", help="只统计将新增、更新的数量，不写入数据库。")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="输出格式。")

    def handle(self, *args, domains=None, dry_run=False, format="text", **options):
        as_json = format == "json"
        try:
            paths = catalogue_paths(domains)
            # One transaction for both steps: the items need the domains, and a dry
            # run rolls back the two together.
            with transaction.atomic():
                domain_counts = load_domains()
                item_counts = load_standard_items(paths, stdout=None if as_json else self.stdout)
                if dry_run:
                    transaction.set_rollback(True)
        except FixtureError as exc:
            raise CommandError(str(exc)) from exc

        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "dry_run": dry_run,
                        "domains": {k: v for k, v in domain_counts.as_dict().items() if k != "not_in_file"},
                        "items": {code: counts.as_dict() for code, counts in item_counts.items()},
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        created = sum(c.created for c in item_counts.values())
        updated = sum(c.updated for c in item_counts.values())
        summary = (
            f"领域：新增 {domain_counts.created}，更新 {domain_counts.updated}，未变 {domain_counts.unchanged}；"
            f"标准目录事项：新增 {created}，更新 {updated}（{len(item_counts)} 个领域）。"
        )
        if dry_run:
            summary = "【试运行，未写入】" + summary
        self.stdout.write(self.style.SUCCESS(summary))
