"""`gk load-topics`: the 主题分类 list of fixtures/topics.json into Topic.

An upsert by (上级分类, 名称) that also restores the file's order, so it can run on
every deploy; topics no longer in the file are kept (documents may point at them)
and reported.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gk_pages.disclosure import Topic

TOPICS_FILE = Path(__file__).resolve().parents[3] / "fixtures" / "topics.json"


def read_topics(path):
    """[(name, [child names])] from the fixture, checked before anything is written."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"无法读取主题分类文件 {path}：{exc}") from exc
    rows = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise CommandError(f"{path}：缺少 topics 列表。")
    result, seen = [], set()
    for number, row in enumerate(rows, start=1):
        name = (row.get("name") or "").strip() if isinstance(row, dict) else ""
        children = row.get("children", []) if isinstance(row, dict) else None
        if not name or not isinstance(children, list) or not all(isinstance(c, str) and c.strip() for c in children):
            raise CommandError(f"{path}：第{number}个一级分类格式不正确（需要 name 和 children 名称列表）。")
        if name in seen:
            raise CommandError(f"{path}：一级分类“{name}”重复。")
        if len(set(children)) != len(children):
            raise CommandError(f"{path}：一级分类“{name}”下有重复的二级分类。")
        seen.add(name)
        result.append((name, [c.strip() for c in children]))
    return result


@transaction.atomic
def load_topics(path=TOPICS_FILE):
    """Upsert the file's topics; returns counts {created, updated, unchanged, not_in_file}."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "not_in_file": []}
    position = 0
    kept = set()

    def upsert(name, parent):
        nonlocal position
        position += 1
        topic = Topic.objects.filter(parent=parent, name=name).first()
        if topic is None:
            topic = Topic.objects.create(parent=parent, name=name, position=position)
            counts["created"] += 1
        elif topic.position != position:
            topic.position = position
            topic.save(update_fields=["position"])
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        kept.add(topic.pk)
        return topic

    for name, children in read_topics(path):
        parent = upsert(name, None)
        for child in children:
            upsert(child, parent)
    counts["not_in_file"] = [str(t) for t in Topic.objects.exclude(pk__in=kept)]
    return counts


class Command(BaseCommand):
    help = "导入 fixtures/topics.json 中的主题分类（国务院政策文件库两级主题分类；可重复执行）。"

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(TOPICS_FILE), help="主题分类文件（默认 fixtures/topics.json）。")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不写入数据库。")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="输出格式。")

    def handle(self, *args, file, dry_run=False, format="text", **options):
        with transaction.atomic():
            counts = load_topics(file)
            if dry_run:
                transaction.set_rollback(True)
        if format == "json":
            self.stdout.write(json.dumps({"dry_run": dry_run, **counts}, ensure_ascii=False, indent=2))
            return
        summary = f"主题分类：新增 {counts['created']}，调整顺序 {counts['updated']}，未变 {counts['unchanged']}。"
        if counts["not_in_file"]:
            summary += f"文件中已没有、数据库中保留的分类：{'、'.join(counts['not_in_file'])}。"
        if dry_run:
            summary = "【试运行，未写入】" + summary
        self.stdout.write(self.style.SUCCESS(summary))
