"""gk import-documents FILE.jsonl --org CODE [--column NAME] [--dry-run] [--format text|json]

Imports existing documents (migration from an older system) into the columns of
one organisation: one JSON object per line (docs/import-documents.md), or a ZIP
package with the JSONL file and its attachments. Every line is checked first;
a file with any error writes nothing and every error is listed with its line
number. Lines already imported are skipped, so the command can be run again.
"""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from gk_columns.models import Organisation
from gk_pages.importing import Action, ImportSourceError, import_documents, open_source


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today 应为 YYYY-MM-DD 格式的日期，而不是“{value}”。") from exc


class ProgressBar:
    """A one-line bar on stderr that redraws itself on a terminal, and prints a
    line every tenth of the way otherwise (logs, CI)."""

    width = 30

    def __init__(self, stream, label="写入"):
        self.stream = stream
        self.label = label
        self.interactive = getattr(stream, "isatty", lambda: False)()
        self.last_tenth = -1

    def __call__(self, done, total):
        if self.interactive:
            filled = self.width * done // max(total, 1)
            bar = "█" * filled + "░" * (self.width - filled)
            end = "\n" if done == total else ""
            self.stream.write(f"\r{self.label} |{bar}| {done}/{total}{end}", ending="")
            self.stream.flush()
            return
        tenth = 10 * done // max(total, 1)
        if tenth != self.last_tenth or done == total:
            self.last_tenth = tenth
            self.stream.write(f"{self.label} {done}/{total}（{100 * done // max(total, 1)}%）")


class Command(BaseCommand):
    help = "从 JSONL 文件（或含附件的 ZIP 包）批量导入存量公开信息到公开主体的栏目中（有任何错误则不写入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSONL 文件（每行一个 JSON 对象），或包含 JSONL 文件和附件的 ZIP 包")
        parser.add_argument("--org", required=True, help="公开主体的索引号机构代码（信息导入到它的栏目中）")
        parser.add_argument("--column", default="", help="默认栏目（二级事项或栏目名称），用于未填写 column 的行")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
        parser.add_argument("--no-publish", action="store_true", help="全部作为草稿导入，不发布")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
        parser.add_argument("--today", type=_date, default=None, help="以该日期为“今天”（检查发布日期，YYYY-MM-DD）")

    def handle(self, *args, **options):
        try:
            organisation = Organisation.objects.get(code=options["org"])
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"没有代码为“{options['org']}”的公开主体。") from exc
        try:
            source = open_source(options["file"])
        except ImportSourceError as exc:
            raise CommandError(str(exc)) from exc

        today = options["today"]
        if isinstance(today, str):  # call_command() passes options unconverted
            today = _date(today)
        as_json = options["format"] == "json"
        verbosity = options["verbosity"]
        progress = ProgressBar(self.stderr) if verbosity >= 1 and not options["dry_run"] else None
        result = import_documents(
            organisation,
            source,
            default_column=options["column"],
            dry_run=options["dry_run"],
            publish=not options["no_publish"],
            today=today,
            progress=progress,
        )

        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.write_text(result, organisation, verbosity)

        if not result.ok:
            raise CommandError(f"导入失败：发现 {len(result.errors)} 处错误，未写入任何数据。", returncode=1)
        if options["dry_run"]:
            message = f"试运行：{result.summary()}，未写入数据库。"
        else:
            message = f"已导入到{organisation.name}：{result.summary()}。"
        (self.stderr if as_json else self.stdout).write(self.style.SUCCESS(message))

    def write_text(self, result, organisation, verbosity):
        self.stdout.write(f"导入公开信息：{result.source} → {organisation.name}（共 {result.lines} 行）")
        if result.notices and verbosity >= 1:
            self.stdout.write(f"提示 {len(result.notices)} 条：")
            for notice in result.notices:
                self.stdout.write(f"  {notice}")
        if result.errors:
            self.stdout.write(f"发现 {len(result.errors)} 处错误：")
            for error in result.errors:
                self.stdout.write(f"  {error}")
            return
        if verbosity >= 2:
            self.stdout.write("逐行结果：")
            for document in result.documents:
                number = document.index_number or ("发布时分配" if document.action == Action.PUBLISH else "—")
                self.stdout.write(
                    f"  第{document.line}行 {Action.LABELS[document.action]}｜{document.column_label}｜"
                    f"{document.title}｜索引号 {number}"
                )
