"""gk search-index rebuild | status | update | drop

  rebuild  build a new index per locale from the database, swap the alias, drop the old one
  status   compare database and index (counts, missing and extra ids, documents of another
           revision than the live one, documents another database wrote, pending changes);
           exit status 1 when they differ
  update   replay pending changes, then index what status finds missing or stale and remove
           what is extra
  drop     delete every index of this prefix (GK_SEARCH_INDEX_PREFIX)
"""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from search import indices
from search.client import bulk_client, is_available
from search.indexing import index_status, rebuild, sync_pages
from search.pending import replay_pending

BAR_WIDTH = 30


class ProgressBar:
    """Progress lines: redrawn in place on a terminal, every 10% otherwise."""

    def __init__(self, stream):
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.started = None
        self.last_decile = -1

    def __call__(self, locale, done, total, indexed):
        now = time.monotonic()
        if done == 0 or self.started is None:
            self.started, self.last_decile = now, -1
        fraction = done / total if total else 1.0
        decile = int(fraction * 10)
        if not self.tty and decile == self.last_decile and done < total:
            return
        self.last_decile = decile
        filled = int(fraction * BAR_WIDTH)
        elapsed = now - self.started
        rate = indexed / elapsed if elapsed > 0 else 0.0
        line = (
            f"{locale} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {fraction:6.1%} "
            f"{done}/{total} 页，已索引 {indexed}，{rate:.0f} 条/秒"
        )
        if self.tty:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "维护站内搜索索引：rebuild 重建（别名原子切换）、status 对比数据库与索引、update 补做待同步变更、drop 删除索引。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{rebuild,status,update,drop}")
        build = sub.add_parser("rebuild", help="重建索引并原子切换别名")
        build.add_argument("--locale", action="append", dest="locales", help="只重建该语言（可重复）")
        build.add_argument("--chunk-size", type=int, default=500, help="每批读取和提交的页面数")
        build.add_argument("--no-progress", action="store_true", help="不显示进度条")
        build.add_argument("--format", choices=["text", "json"], default="text")
        status = sub.add_parser("status", help="对比数据库与索引")
        status.add_argument("--locale", action="append", dest="locales")
        status.add_argument("--format", choices=["text", "json"], default="text")
        status.add_argument("--sample", type=int, default=20, help="最多列出多少个缺失/多余的页面ID")
        update = sub.add_parser("update", help="重放待同步变更并修正缺失/多余的文档")
        update.add_argument("--pending-only", action="store_true", help="只重放待同步变更")
        update.add_argument("--format", choices=["text", "json"], default="text")
        drop = sub.add_parser("drop", help="删除本前缀的全部索引")
        drop.add_argument("--yes", action="store_true", help="确认删除")

    def handle(self, *args, action, **options):
        # Stop early with a clear message instead of a traceback per call.
        if not is_available():
            from django.conf import settings

            raise CommandError(f"Elasticsearch 无法访问：{settings.ELASTICSEARCH_URL}（本地节点用 make es 启动）")
        return getattr(self, f"handle_{action}")(**options)

    # -- rebuild ---------------------------------------------------------------------

    def handle_rebuild(self, locales, chunk_size, no_progress, format, **options):
        progress = None if no_progress or format == "json" else ProgressBar(self.stdout._out)
        results = rebuild(locales, chunk_size=chunk_size, progress=progress)
        if format == "json":
            self.stdout.write(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
            return
        for r in results:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{r.locale}：索引 {r.documents} 条（跳过非公开 {r.skipped} 条），"
                    f"用时 {r.seconds:.1f} 秒，{r.rate:.0f} 条/秒；别名 {indices.alias_name(r.locale)} → {r.index}"
                    + (f"；已删除旧索引 {', '.join(r.replaced)}" if r.replaced else "")
                )
            )

    # -- status ------------------------------------------------------------------------

    def handle_status(self, locales, format, sample, **options):
        report = index_status(locales, sample=sample)
        if format == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            for item in report["locales"]:
                state = "一致" if item["in_sync"] else "不一致"
                self.stdout.write(
                    f"{item['locale']}（别名 {item['alias']} → {', '.join(item['indices']) or '不存在'}）：{state}；"
                    f"数据库应索引 {item['database']}，索引中 {item['indexed']}，"
                    f"缺失 {item['missing_count']}，多余 {item['extra_count']}"
                )
                if item["missing"]:
                    self.stdout.write(f"  缺失页面ID：{', '.join(map(str, item['missing']))}")
                if item["extra"]:
                    self.stdout.write(f"  多余页面ID：{', '.join(map(str, item['extra']))}")
                if item["stale_count"]:
                    self.stdout.write(
                        f"  与已发布版本不一致 {item['stale_count']} 条（索引中的版本不是数据库当前发布的版本）："
                        f"{', '.join(map(str, item['stale']))}"
                    )
                if item["foreign_count"]:
                    self.stdout.write(
                        f"  由其他数据库写入 {item['foreign_count']} 条：{', '.join(map(str, item['foreign']))}；"
                        "多个站点共用了同一索引前缀，请为每个站点设置不同的 GK_SEARCH_INDEX_PREFIX"
                    )
                if item["building"]:
                    self.stdout.write(f"  正在重建：{', '.join(item['building'])}")
                if item["synonyms_current"] is False:
                    self.stdout.write("  同义词已修改，重建索引后生效（gk search-index rebuild）")
                if item["orphans"]:
                    self.stdout.write(f"  遗留索引（下次重建时删除）：{', '.join(item['orphans'])}")
            self.stdout.write(
                f"待同步变更 {report['pending']} 条（其中失败过 {report['pending_failed']} 条）"
                + (f"，最早 {report['oldest_pending']}" if report["oldest_pending"] else "")
            )
        if not report["in_sync"]:
            sys.exit(1)

    # -- update ------------------------------------------------------------------------

    def handle_update(self, pending_only, format, **options):
        replayed = replay_pending()
        repaired = {"indexed": 0, "removed": 0}
        if not pending_only and not replayed["failed"]:
            report = index_status(sample=10**9)
            for item in report["locales"]:
                ids = item["missing"] + item["extra"] + item["stale"] + item["foreign"]
                if ids:
                    result = sync_pages(ids, client=bulk_client())
                    repaired["indexed"] += len(result.indexed)
                    repaired["removed"] += len(result.removed)
        summary = {"pending": replayed, "repaired": repaired}
        if format == "json":
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"重放待同步变更 {replayed['applied']} 条，失败 {replayed['failed']} 条，剩余 {replayed['remaining']} 条；"
                f"补索引 {repaired['indexed']} 页，移除 {repaired['removed']} 页。"
            )
        if replayed["failed"]:
            raise CommandError(f"部分变更未能应用：{replayed['error']}")

    # -- drop --------------------------------------------------------------------------

    def handle_drop(self, yes, **options):
        if not yes:
            raise CommandError("删除索引需要加 --yes 确认。")
        names = indices.drop_prefix()
        self.stdout.write(f"已删除 {len(names)} 个索引：{', '.join(names)}")
