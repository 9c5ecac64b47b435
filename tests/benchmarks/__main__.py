"""`make bench`: builds a large portal in its own database and prints numbers.

    python -m tests.benchmarks [--orgs 300] [--entries 200] [--documents 60000] [--rebuild]

Measured side by side in one run, as counts and ratios first (these machines are
shared and noisy) and wall-clock seconds second:
  * coverage report over all organisations vs over a tenth of them: SQL queries and time;
  * ColumnPage render with 10 and with 1,000 items: SQL queries and time.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def parse_args():
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--orgs", type=int, default=300)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--documents", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="discard the cached benchmark database")
    from tests.benchmarks import search as search_bench

    search_bench.add_arguments(parser)
    return parser.parse_args()


def setup_django(args):
    data_dir = ROOT / "var" / "bench"
    marker = data_dir / "params.json"
    # Bump "version" when migrations change what the cached database must hold.
    params = {"orgs": args.orgs, "entries": args.entries, "documents": args.documents, "version": 2}
    cached = json.loads(marker.read_text()) if marker.exists() else {}
    fresh = args.rebuild or {k: cached.get(k) for k in params} != params
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["GK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gkportal.settings")
    # Benchmarks own their database: never the demo's or a production one.
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    import django

    django.setup()
    return fresh, marker, params


def timed(fn, repeat):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    times, queries = [], None
    for _ in range(repeat):
        # The query log is a bounded deque; a full one would make the count read 0.
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
    return result, statistics.median(times), queries


def main():
    args = parse_args()
    fresh, marker, params = setup_django(args)
    from django.core.management import call_command
    from django.test import Client
    from wagtail.models import Site

    from gk_columns.coverage import compute_coverage
    from gk_columns.models import Organisation
    from gk_pages.models import ColumnPage, PortalHomePage
    from gkportal.benchdata import add_documents, build_benchmark_portal

    out = sys.stdout
    if fresh:
        call_command("migrate", verbosity=0)
        call_command("load_standard_catalogue", verbosity=0, stdout=open(os.devnull, "w"))
        start = time.perf_counter()
        build_benchmark_portal(args.orgs, args.entries, args.documents, stdout=out)
        print(f"生成数据用时 {time.perf_counter() - start:.1f} s")
        portal = PortalHomePage.objects.order_by("-path").first()
        # Two columns topped up to exactly 10 and 1,000 items for the render comparison.
        columns = list(ColumnPage.objects.filter(numchild__lte=10).order_by("path")[:2])
        for column, size in zip(columns, (10, 1000), strict=False):
            add_documents(column, size - column.numchild)
        Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": portal})
        marker.write_text(json.dumps({**params, "columns": [c.pk for c in columns]}))

    orgs = Organisation.objects.filter(code__startswith="bench")
    small = Organisation.objects.filter(pk__in=list(orgs.order_by("pk").values_list("pk", flat=True)[: max(1, args.orgs // 10)]))
    print(f"\n数据规模：公开主体 {orgs.count()}，目录事项/栏目 {ColumnPage.objects.count()}，"
          f"公开信息 {args.documents + 1010}")

    report_all, t_all, q_all = timed(lambda: compute_coverage(orgs), args.repeat)
    report_small, t_small, q_small = timed(lambda: compute_coverage(small), args.repeat)
    print("\n覆盖率报告（compute_coverage）")
    print(f"  {'范围':<14}{'主体':>6}{'SQL 查询':>10}{'用时(s)':>10}")
    print(f"  {'十分之一主体':<12}{small.count():>6}{q_small:>10}{t_small:>10.2f}")
    print(f"  {'全部主体':<14}{orgs.count():>6}{q_all:>10}{t_all:>10.2f}")
    print(f"  查询数之比（全部/十分之一）：{q_all / q_small:.2f}    用时之比：{t_all / t_small:.1f}")
    totals = report_all.as_dict()["totals"]
    print(f"  合计：应设 {totals['required']}，已设 {totals['with_column']}，有内容 {totals['with_content']}，及时 {totals['fresh']}，不及时 {totals['stale']}")

    client = Client()
    c10, c1000 = (ColumnPage.objects.get(pk=pk) for pk in json.loads(marker.read_text())["columns"])

    def render(column):
        response = client.get(column.url)
        assert response.status_code == 200, response.status_code
        return response

    _, t10, q10 = timed(lambda: render(c10), args.repeat)
    _, t1000, q1000 = timed(lambda: render(c1000), args.repeat)
    _, t1000p, q1000p = timed(lambda: client.get(c1000.url + "?page=40"), args.repeat)
    print("\n栏目页渲染（ColumnPage，每页 20 条）")
    print(f"  {'栏目内信息数':<12}{'SQL 查询':>10}{'用时(ms)':>10}")
    print(f"  {10:<16}{q10:>10}{t10 * 1000:>10.1f}")
    print(f"  {1000:<16}{q1000:>10}{t1000 * 1000:>10.1f}")
    print(f"  {'1000（第40页）':<12}{q1000p:>10}{t1000p * 1000:>10.1f}")
    print(f"  查询数之比（1000/10）：{q1000 / q10:.2f}")
    ok = q_all == q_small and q1000 == q10
    print("\n查询数不随规模增长：" + ("是" if ok else "否"))

    from tests.benchmarks import search as search_bench

    search_ok = search_bench.run(args) == 0
    return 0 if ok and search_ok else 1


if __name__ == "__main__":
    sys.exit(main())
