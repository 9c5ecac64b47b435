"""Loading the real standard catalogues kept as data in the repository's fixtures/.

fixtures/domains.json lists the domains (领域); fixtures/standard_catalogue/<code>.json
holds rows copied from catalogues that governments have published for one domain.
Loading is an upsert — Domain by code, StandardItem by (domain, 一级事项, 二级事项) —
so it can run on every deploy: a second run changes nothing.

The files are checked against the controlled vocabularies before anything is
written, and a bad value is reported with the file and the row it sits in, because
the people who fix these files are editors, not programmers.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from . import timelimits
from .models import Domain, StandardItem
from .vocab import Audience, Channel, FivePublic, Level, Mode

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
DOMAINS_FILE = FIXTURES_DIR / "domains.json"
CATALOGUE_DIR = FIXTURES_DIR / "standard_catalogue"

# Every element of a row, in the order of a printed catalogue.
TEXT_FIELDS = ("item_l1", "item_l2", "content", "basis", "time_limit", "subject")
LIST_FIELDS = {
    "channels": (Channel, "公开渠道和载体"),
    "audience": (Audience, "公开对象"),
    "mode": (Mode, "公开方式"),
    "level": (Level, "公开层级"),
    "five_publics": (FivePublic, "五公开"),
}
# What a row cannot do without: a column needs a title, something to publish,
# a way of publishing and a level that owns it.
REQUIRED_FIELDS = ("item_l1", "content", "mode", "level")
ITEM_KEYS = set(TEXT_FIELDS) | set(LIST_FIELDS) | {"source"}
SOURCE_KEYS = {"title", "publisher", "url", "retrieved", "note"}


class FixtureError(ValueError):
    """Bad data in a fixture file; the message names the file and the row."""


@dataclass
class LoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows in the database that the file no longer lists. They are kept, not
    # deleted: organisations' catalogue entries may point at them.
    not_in_file: list = field(default_factory=list)

    @property
    def total(self):
        return self.created + self.updated + self.unchanged

    def as_dict(self):
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "not_in_file": list(self.not_in_file),
        }


def _max_length(model, name):
    return model._meta.get_field(name).max_length


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise FixtureError(f"{path}：文件不存在。") from None
    except json.JSONDecodeError as exc:
        raise FixtureError(f"{path}：不是有效的JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）。") from None


# -- reading and checking --------------------------------------------------


def read_domains(path=None):
    """The domain records of `path` (default fixtures/domains.json), checked."""
    path = Path(path or DOMAINS_FILE)
    data = _read_json(path)
    if not isinstance(data, list):
        raise FixtureError(f"{path}：顶层应为领域列表。")
    seen_codes, seen_names = set(), set()
    records = []
    for position, raw in enumerate(data, start=1):
        where = f"{path}：第{position}个领域"
        if not isinstance(raw, dict):
            raise FixtureError(f"{where}应为对象。")
        code, name = raw.get("code"), raw.get("name")
        if not isinstance(code, str) or not code or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
            raise FixtureError(f"{where}：代码（code）必须是非空的ASCII字母、数字、连字符或下划线，当前为 {code!r}。")
        if len(code) > _max_length(Domain, "code"):
            raise FixtureError(f"{where}：代码（code）过长。")
        if not isinstance(name, str) or not name.strip():
            raise FixtureError(f"{where}（{code}）：缺少名称（name）。")
        if name.endswith("领域"):
            raise FixtureError(f"{where}（{code}）：名称不带“领域”二字，当前为“{name}”。")
        if code in seen_codes:
            raise FixtureError(f"{where}：代码“{code}”重复。")
        if name in seen_names:
            raise FixtureError(f"{where}：名称“{name}”重复。")
        order = raw.get("order", position)
        if not isinstance(order, int) or order < 0:
            raise FixtureError(f"{where}（{code}）：排序（order）应为非负整数。")
        is_pilot = raw.get("is_pilot", False)
        if not isinstance(is_pilot, bool):
            raise FixtureError(f"{where}（{code}）：is_pilot 应为 true 或 false。")
        seen_codes.add(code)
        seen_names.add(name)
        records.append({"code": code, "name": name.strip(), "order": order, "is_pilot": is_pilot})
    return records


def _describe_item(raw, position):
    label = "｜".join(str(raw.get(k) or "") for k in ("item_l1", "item_l2") if raw.get(k)) if isinstance(raw, dict) else ""
    return f"第{position}行" + (f"（{label}）" if label else "")


def _check_item(raw, position, path, source_count):
    where = f"{path}：{_describe_item(raw, position)}"
    if not isinstance(raw, dict):
        raise FixtureError(f"{where}应为对象。")
    unknown = sorted(set(raw) - ITEM_KEYS)
    if unknown:
        raise FixtureError(f"{where}：含有未知字段 {'、'.join(unknown)}。")
    item = {}
    for name in TEXT_FIELDS:
        value = raw.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise FixtureError(f"{where}：{StandardItem._meta.get_field(name).verbose_name}应为文本。")
        value = value.strip()
        limit = _max_length(StandardItem, name)
        if limit and len(value) > limit:
            raise FixtureError(
                f"{where}：{StandardItem._meta.get_field(name).verbose_name}超过{limit}字（{len(value)}字）。"
            )
        item[name] = value
    for name, (vocabulary, label) in LIST_FIELDS.items():
        value = raw.get(name, [])
        if not isinstance(value, list):
            raise FixtureError(f"{where}：{label}应为列表。")
        allowed = [choice.value for choice in vocabulary]
        bad = [v for v in value if v not in allowed]
        if bad:
            raise FixtureError(
                f"{where}：{label}含有未知取值 {'、'.join(map(str, bad))}；可用取值：{'、'.join(allowed)}。"
            )
        if len(set(value)) != len(value):
            raise FixtureError(f"{where}：{label}有重复取值。")
        # Keep the vocabulary's own order so that equal sets compare equal.
        item[name] = [v for v in allowed if v in value]
    missing = [StandardItem._meta.get_field(name).verbose_name for name in REQUIRED_FIELDS if not item[name]]
    if missing:
        raise FixtureError(f"{where}：缺少必填要素 {'、'.join(missing)}。")
    source = raw.get("source", 0)
    if not isinstance(source, int) or isinstance(source, bool) or not 0 <= source < source_count:
        raise FixtureError(f"{where}：来源（source）应为 sources 列表的下标（0–{source_count - 1}）。")
    item["source"] = source
    return item


def read_catalogue(path):
    """One domain's catalogue file, checked: {"domain", "sources", "items"}."""
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, dict):
        raise FixtureError(f"{path}：顶层应为对象。")
    code = data.get("domain")
    if not isinstance(code, str) or not code:
        raise FixtureError(f"{path}：缺少领域代码（domain）。")
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources:
        raise FixtureError(f"{path}：至少要有一个来源（sources）。")
    for position, source in enumerate(sources, start=1):
        if not isinstance(source, dict):
            raise FixtureError(f"{path}：第{position}个来源应为对象。")
        unknown = sorted(set(source) - SOURCE_KEYS)
        if unknown:
            raise FixtureError(f"{path}：第{position}个来源含有未知字段 {'、'.join(unknown)}。")
        for key in ("title", "publisher", "url"):
            if not isinstance(source.get(key), str) or not source[key].strip():
                raise FixtureError(f"{path}：第{position}个来源缺少 {key}。")
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise FixtureError(f"{path}：没有任何事项（items）。")
    items, seen = [], {}
    for position, raw in enumerate(raw_items, start=1):
        item = _check_item(raw, position, path, len(sources))
        key = (item["item_l1"], item["item_l2"])
        if key in seen:
            raise FixtureError(
                f"{path}：{_describe_item(raw, position)}与第{seen[key]}行的一级事项、二级事项相同。"
            )
        seen[key] = position
        item["order"] = position
        items.append(item)
    return {"domain": code, "sources": sources, "items": items, "path": path}


def catalogue_paths(domains=None):
    """The catalogue files, sorted; `domains` (codes) narrows them to those domains."""
    paths = sorted(CATALOGUE_DIR.glob("*.json"))
    if domains:
        wanted = set(domains)
        unknown = wanted - {p.stem for p in paths}
        if unknown:
            raise FixtureError(f"没有这些领域的标准目录文件：{'、'.join(sorted(unknown))}（位于 {CATALOGUE_DIR}）。")
        paths = [p for p in paths if p.stem in wanted]
    return paths


def source_label(source):
    """How StandardItem.source names a source: publisher 《title》."""
    title = source["title"].strip()
    if not title.startswith("《"):
        title = f"《{title}》"
    return f"{source['publisher'].strip()} {title}"


# -- writing ----------------------------------------------------------------


@transaction.atomic
def load_domains(path=None, dry_run=False):
    """Create or update Domain rows (matched by code). Returns LoadCounts."""
    counts = LoadCounts()
    path = Path(path or DOMAINS_FILE)
    for record in read_domains(path):
        domain = Domain.objects.filter(code=record["code"]).first()
        # Names are unique too: a domain entered by hand under another code would make
        # the insert fail with a bare IntegrityError, so say what to reconcile instead.
        clash = Domain.objects.filter(name=record["name"]).exclude(code=record["code"]).first()
        if clash is not None:
            raise FixtureError(
                f"{path}：领域“{record['name']}”已以代码“{clash.code}”存在，与文件中的代码“{record['code']}”不一致，"
                "请先统一代码。"
            )
        if domain is None:
            Domain.objects.create(**record)
            counts.created += 1
            continue
        changed = [k for k in ("name", "order", "is_pilot") if getattr(domain, k) != record[k]]
        if changed:
            for k in changed:
                setattr(domain, k, record[k])
            domain.save(update_fields=changed)
            counts.updated += 1
        else:
            counts.unchanged += 1
    if dry_run:
        transaction.set_rollback(True)
    return counts


def _write(stdout, line):
    if stdout is None:
        return
    # A management command's OutputWrapper adds the line ending itself.
    stdout.write(line if hasattr(stdout, "style_func") else line + "\n")


@transaction.atomic
def load_standard_items(paths=None, stdout=None, dry_run=False):
    """Create or update StandardItem rows from catalogue files.

    `paths` defaults to every file in fixtures/standard_catalogue/. Every file is
    read and checked before the first write, so bad data leaves the database as
    it was. Returns {domain code: LoadCounts}. With dry_run the counts are
    computed and everything is rolled back.
    """
    paths = [Path(p) for p in paths] if paths is not None else catalogue_paths()
    catalogues = [read_catalogue(p) for p in paths]
    domains = {d.code: d for d in Domain.objects.filter(code__in=[c["domain"] for c in catalogues])}
    seen_domains = {}
    for catalogue in catalogues:
        code = catalogue["domain"]
        if code not in domains:
            raise FixtureError(f"{catalogue['path']}：领域代码“{code}”不存在，请先导入领域（domains.json）。")
        if code in seen_domains:
            raise FixtureError(f"{catalogue['path']}：领域“{code}”已由 {seen_domains[code]} 提供。")
        seen_domains[code] = catalogue["path"]

    results = {}
    for catalogue in catalogues:
        domain = domains[catalogue["domain"]]
        counts = results[domain.code] = LoadCounts()
        existing = {(i.item_l1, i.item_l2): i for i in StandardItem.objects.filter(domain=domain)}
        labels = [source_label(s) for s in catalogue["sources"]]
        wanted = set()
        for row in catalogue["items"]:
            values = {name: row[name] for name in TEXT_FIELDS}
            values.update({name: row[name] for name in LIST_FIELDS})
            values["order"] = row["order"]
            values["source"] = labels[row["source"]][: _max_length(StandardItem, "source")]
            key = (values["item_l1"], values["item_l2"])
            wanted.add(key)
            item = existing.get(key)
            if item is None:
                StandardItem(domain=domain, **values).save()
                counts.created += 1
                continue
            # The stored rule is derived from the text; a newer parser may read the
            # same text differently, which is a change worth saving too.
            stale_rule = item.time_limit_rule != timelimits.parse(values["time_limit"]).to_dict()
            changed = [k for k, v in values.items() if getattr(item, k) != v]
            if changed or stale_rule:
                for k in changed:
                    setattr(item, k, values[k])
                item.save()  # save() recomputes time_limit_rule
                counts.updated += 1
            else:
                counts.unchanged += 1
        counts.not_in_file = sorted("｜".join(x for x in key if x) for key in set(existing) - wanted)
        line = f"{domain.name}（{domain.code}）：新增 {counts.created}，更新 {counts.updated}，未变 {counts.unchanged}"
        if counts.not_in_file:
            line += f"，文件中已无 {len(counts.not_in_file)} 项（保留未删）"
        _write(stdout, line)
    if dry_run:
        transaction.set_rollback(True)
    return results
