"""gk export-catalogue --org CODE --out FILE.xlsx [--version N]

Writes a catalogue version in the national standard-catalogue layout, one sheet
per domain. Default version: the published one, else the newest.
"""

from django.core.management.base import BaseCommand, CommandError

from gk_columns.exporting import catalogue_for_export, export_catalogue
from gk_columns.models import Catalogue, Organisation


class Command(BaseCommand):
    help = "把公开主体的标准目录导出为Excel（国家标准目录格式，每个领域一个工作表）。"

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version here is the catalogue version (as the issue names it), so it
        # replaces Django's own --version (the program version) for this command.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="公开主体的索引号机构代码")
        parser.add_argument("--out", required=True, help="输出文件（.xlsx）")
        parser.add_argument("--version", type=int, help="目录版本号（默认：已发布版本，没有则为最新版本）")

    def handle(self, *args, **options):
        try:
            organisation = Organisation.objects.get(code=options["org"])
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"没有代码为“{options['org']}”的公开主体。") from exc
        try:
            catalogue = catalogue_for_export(organisation, options["version"])
        except Catalogue.DoesNotExist as exc:
            raise CommandError(f"{organisation.name}没有第{options['version']}版公开目录。") from exc
        if catalogue is None:
            raise CommandError(f"{organisation.name}还没有任何公开目录。")
        try:
            workbook = export_catalogue(catalogue, options["out"])
        except (ValueError, OSError) as exc:
            raise CommandError(f"导出失败：{exc}") from exc
        entries = catalogue.entries.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"已导出{organisation.name}公开目录第{catalogue.version}版（{catalogue.get_status_display()}）："
                f"{entries} 个事项，{len(workbook.sheetnames)} 个领域 → {options['out']}"
            )
        )
