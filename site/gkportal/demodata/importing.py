"""Demo of the document import: 示例县教育和体育局's older documents, as migrated
from its previous disclosure system (fixtures/demo_documents.jsonl, with two
attachments under fixtures/demo_attachments/).

Goes through the real importer, so it is idempotent the way the importer is:
lines already present (same 索引号, 文号 + 发布机构, or title + 发布日期) are
skipped. Lines dated after `today` are left out, so an older --today still loads.
"""

import json

from gk_columns.fixtures import FIXTURES_DIR
from gk_pages.disclosure import Topic
from gk_pages.importing import FileSource, LinesSource, import_documents, parse_date
from gk_pages.management.commands.load_topics import load_topics

DEMO_FILE = FIXTURES_DIR / "demo_documents.jsonl"
ORGANISATION = "jyj"


class DemoImportError(RuntimeError):
    pass


def ensure_imported_documents(*, portal, organisations, today, rng, log):
    """Import the demo file into the 教育局's columns; returns the ImportResult."""
    organisation = organisations[ORGANISATION]
    if not Topic.objects.exists():
        counts = load_topics()
        log(f"导入主题分类 {counts['created']} 个（演示信息按主题分类归档）")
    source = FileSource(DEMO_FILE)
    kept = [(n, text) for n, text in source.numbered_lines() if text.strip() and _published(text) <= today]
    dropped = sum(1 for _, text in source.numbered_lines() if text.strip()) - len(kept)
    result = import_documents(
        organisation, LinesSource(kept, name=source.name, base_dir=DEMO_FILE.parent), today=today
    )
    if not result.ok:
        raise DemoImportError("演示信息导入失败：" + "；".join(str(e) for e in result.errors))
    message = f"{organisation.short_name or organisation.name}存量信息导入：{result.summary()}"
    if dropped:
        message += f"（{dropped} 条发布日期晚于 {today:%Y-%m-%d}，未导入）"
    log(message)
    return result


def _published(text):
    return parse_date(json.loads(text)["published_date"], "published_date")
