import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gk_columns.models import Organisation
from gk_columns.sync import ColumnSync, SyncError


class Command(BaseCommand):
    help = "按已发布的公开目录同步栏目：补建缺失栏目，更名/移动变更栏目，撤销已删除事项的栏目（幂等）。"

    def add_arguments(self, parser):
        parser.add_argument("--org", action="append", dest="orgs", metavar="CODE", help="只同步该公开主体（可重复）")
        parser.add_argument("--dry-run", action="store_true", help="只列出将要进行的变更，不写入")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, orgs=None, dry_run=False, format="text", **options):
        organisations = None
        if orgs:
            organisations = list(Organisation.objects.filter(code__in=orgs))
            missing = sorted(set(orgs) - {o.code for o in organisations})
            if missing:
                raise CommandError("未找到公开主体：{}".format("、".join(missing)))
        sync = ColumnSync(organisations=organisations)
        try:
            with transaction.atomic():
                plan = sync.plan() if dry_run else sync.apply()
        except SyncError as exc:
            raise CommandError(str(exc)) from exc

        if format == "json":
            self.stdout.write(json.dumps(plan.as_dict(), ensure_ascii=False, indent=2))
            return
        verb = "将" if dry_run else "已"
        labels = (("create", "新建"), ("update", "更新"), ("retire", "撤销"))
        for key, label in labels:
            for item in getattr(plan, key):
                changes = item.get("changes")
                detail = ("；".join(f"{k}: {v}" for k, v in changes.items())) if changes else item.get("entry", "")
                if item.get("live_items"):
                    detail += f"；{item['live_items']} 条已发布信息随之下线"
                self.stdout.write(f"{verb}{label} [{item['organisation']}] {item['title']}  {detail}".rstrip())
        summary = "，".join(f"{label} {len(getattr(plan, key))}" for key, label in labels)
        if plan:
            self.stdout.write(self.style.SUCCESS(f"{'预览' if dry_run else '同步完成'}：{summary}"))
        else:
            self.stdout.write(self.style.SUCCESS("栏目与已发布目录一致，无需变更。"))
