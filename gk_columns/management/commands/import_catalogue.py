"""gk import-catalogue FILE.xlsx --org CODE [--dry-run] [--format text|json] [--create-domains]

Reads a standard catalogue workbook and imports it as a new draft version of
the organisation's catalogue. Nothing is written when the file has any error
(or with --dry-run); every error is listed with its sheet, row and column.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gk_columns.importing import import_rows, parse_workbook
from gk_columns.models import Organisation


class Command(BaseCommand):
    help = "从Excel导入标准目录，生成公开主体目录的新草稿版本（有任何错误则不写入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="标准目录工作簿（.xlsx）")
        parser.add_argument("--org", required=True, help="公开主体的索引号机构代码")
        parser.add_argument("--dry-run", action="store_true", help="只解析和检查，不写入数据库")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
        parser.add_argument("--create-domains", action="store_true", help="自动创建系统中没有的领域（非试点领域）")

    def handle(self, *args, **options):
        try:
            organisation = Organisation.objects.get(code=options["org"])
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"没有代码为“{options['org']}”的公开主体。") from exc
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        self.verbosity = options["verbosity"]
        as_json = options["format"] == "json"
        # Progress goes to stderr in JSON mode so that stdout stays one JSON document.
        progress_out = self.stderr if as_json else self.stdout
        show_progress = self.verbosity >= 1

        def progress(sheet, rows, finished):
            if show_progress:
                progress_out.write(f"工作表 {sheet}：{'已解析' if finished else '正在解析，已读'} {rows} 行")

        result = parse_workbook(
            path,
            create_domains=options["create_domains"],
            default_level=[organisation.level.value],
            progress=progress,
        )
        catalogue = None
        if result.ok and not options["dry_run"]:
            try:
                catalogue = import_rows(
                    organisation, result.rows, create_domains=options["create_domains"], note=f"由Excel导入：{path.name}"
                )
            except ValidationError as exc:
                raise CommandError("导入失败，未写入任何数据：" + "；".join(exc.messages)) from exc

        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.write_text(result)

        if result.errors:
            raise CommandError(f"导入失败：发现 {len(result.errors)} 处错误，未写入任何数据。", returncode=1)
        if not result.rows:
            raise CommandError("导入失败：文件中没有可导入的目录事项。", returncode=1)
        summary = self.summary(result)
        if options["dry_run"]:
            message = f"试运行：{summary}，未写入数据库。"
        else:
            message = f"已导入为{organisation.name}公开目录第{catalogue.version}版（草稿）：{summary}。"
        (self.stderr if as_json else self.stdout).write(self.style.SUCCESS(message))

    def summary(self, result):
        groups = result.by_domain()
        text = f"{len(result.rows)} 个事项，{len(groups)} 个领域"
        if result.new_domains:
            text += "，新建领域：" + "、".join(result.new_domains)
        return text

    def write_text(self, result):
        for sheet in result.sheets:
            if sheet.note:
                self.stdout.write(f"工作表 {sheet.name}：{sheet.note}")
        if result.errors:
            self.stdout.write(f"发现 {len(result.errors)} 处错误：")
            for error in result.errors:
                self.stdout.write(f"  {error}")
            return
        for domain, rows in result.by_domain().items():
            self.stdout.write(f"{domain}：{len(rows)} 个事项")
            if self.verbosity >= 2:
                for row in rows:
                    self.stdout.write(f"  {row.item_l1}｜{row.item_l2}（{row.sheet} 第{row.row}行）")
