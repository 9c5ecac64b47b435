from django.core.management.base import BaseCommand

from gk_columns.fixtures import load_domains, load_standard_items
from gkportal.benchdata import build_benchmark_portal


class Command(BaseCommand):
    help = "生成基准测试数据：N 个公开主体 × M 个目录事项（每项一个栏目）与 K 条公开信息（批量写入，仅用于性能测试）。"

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=300)
        parser.add_argument("--entries", type=int, default=200)
        parser.add_argument("--documents", type=int, default=60000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, orgs, entries, documents, seed, **options):
        load_domains()
        load_standard_items()
        build_benchmark_portal(orgs, entries, documents, seed=seed, stdout=self.stdout)
