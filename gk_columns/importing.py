"""Reading standard disclosure catalogues (标准目录) from Excel workbooks, and
writing what was read as a new draft version of an organisation's catalogue.

Catalogues reach us as governments publish them, not as we would design them:
a title row, a header of one or two rows whose cells are merged, 一级事项 merged
down over its 二级事项, channels written as "■政府网站 □政府公报 …" or as free
text, √ marks under 全社会/特定群体 …, "同上" for "the cell above", a blank
leading column, several domain tables in one sheet or one per sheet, labels in
traditional characters or full-width forms. The reader therefore finds the
header by its labels rather than by position, and reads every row through the
header it belongs to.

Reading never writes: parse_workbook() only reads Domain, and returns every
problem with its sheet, row and column so that an editor can fix the file.
import_rows() writes one new draft version inside a transaction, or nothing.
Before openpyxl loads a file, gk_columns.workbook_scan checks its size (zip,
sheet extents, merges, cells) and notes formulas saved without their result,
which are refused at their cells rather than read as empty.
"""

import datetime
import io
import re
import unicodedata
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from .models import Catalogue, CatalogueEntry, Domain, Organisation, StandardItem
from .text import to_simplified
from .vocab import CHANNEL_ALIASES, Audience, Channel, FivePublic, Level, Mode
from .workbook_scan import WorkbookRefused, scan_workbook

# -- normalising labels ------------------------------------------------------

def normalise_label(value):
    """A label as compared: NFKC (full-width → half-width), simplified
    characters, no whitespace at all (headers are often broken over lines as
    "公开\\n时限" or spaced as "公 开 时 限")."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = to_simplified(text)
    return re.sub(r"\s+", "", text)


def _label_key(value):
    """A header label reduced to its core: "公开内容（要素）" → "公开内容"."""
    text = normalise_label(value)
    text = re.sub(r"\(.*?\)|【.*?】|\[.*?\]|<.*?>", "", text)
    return text.strip("*※:;,.、")


# -- vocabularies ------------------------------------------------------------

# Header labels seen in published catalogues, by the element they stand for.
# "items" is the 公开事项 group over 一级事项/二级事项; "ignore" columns are read past.
HEADER_FIELDS = {
    "序号": "order",
    "编号": "order",
    "序列": "order",
    "领域": "domain",
    "所属领域": "domain",
    "相应领域": "domain",
    "对相应领域": "domain",
    "公开领域": "domain",
    "试点领域": "domain",
    "领域名称": "domain",
    "事项类别": "category",
    "事项类型": "category",
    "类别": "category",
    "分类": "category",
    "公开事项": "items",
    "公开事项名称": "item_l1",
    "事项名称": "item_l1",
    "事项": "item_l1",
    "一级事项": "item_l1",
    "一级": "item_l1",
    "一级目录": "item_l1",
    "一级事项名称": "item_l1",
    "二级事项": "item_l2",
    "二级": "item_l2",
    "二级目录": "item_l2",
    "二级事项名称": "item_l2",
    "三级事项": "item_l3",
    "三级": "item_l3",
    "三级目录": "item_l3",
    "四级事项": "item_l4",
    "四级目录": "item_l4",
    "公开内容": "content",
    "公开内容要素": "content",
    "公开要素": "content",
    "内容": "content",
    "要素": "content",
    "主要内容": "content",
    "事项内容": "content",
    "公开依据": "basis",
    "依据": "basis",
    "法律依据": "basis",
    "政策依据": "basis",
    "公开依据及条款": "basis",
    "公开时限": "time_limit",
    "时限": "time_limit",
    "时限要求": "time_limit",
    "公开时限要求": "time_limit",
    "公开时间": "time_limit",
    "公开要求": "time_limit",
    "公开期限": "time_limit",
    "更新时限": "time_limit",
    "更新频率": "time_limit",
    "公开主体": "subject",
    "公开责任主体": "subject",
    "责任主体": "subject",
    "责任单位": "subject",
    "责任部门": "subject",
    "责任科室": "subject",
    "公开部门": "subject",
    "公开单位": "subject",
    "公开渠道和载体": "channels",
    "公开渠道及载体": "channels",
    "公开渠道与载体": "channels",
    "公开渠道载体": "channels",
    "渠道和载体": "channels",
    "公开渠道": "channels",
    "公开载体": "channels",
    "公开途径": "channels",
    "公开平台": "channels",
    "公开对象": "audience",
    "公开范围": "audience",
    "公开方式": "mode",
    "公开属性": "mode",
    "公开层级": "level",
    "层级": "level",
    "公开级别": "level",
    "五公开": "five_publics",
    "五公开属性": "five_publics",
    "五公开类别": "five_publics",
    "备注": "ignore",
    "说明": "ignore",
    "网站所属栏目": "ignore",
    "所属栏目": "ignore",
    "对应栏目": "ignore",
}
# Fields whose values come from a vocabulary, written either as √ under one
# sub-column per value or as text in a single column.
CHOICE_FIELDS = ("audience", "mode", "level", "five_publics")
ITEM_FIELDS = ("item_l1", "item_l2", "item_l3", "item_l4")
TEXT_FIELDS = ("item_l1", "item_l2", "item_l3", "item_l4", "content", "basis", "time_limit", "subject", "domain")
FIELD_LABELS = {
    "domain": "领域",
    "item_l1": "一级事项",
    "item_l2": "二级事项",
    "content": "公开内容（要素）",
    "basis": "公开依据",
    "time_limit": "公开时限",
    "subject": "公开主体",
    "channels": "公开渠道和载体",
    "audience": "公开对象",
    "mode": "公开方式",
    "level": "公开层级",
    "five_publics": "五公开",
}
ELEMENT_KEYS = (
    "domain",
    "item_l1",
    "item_l2",
    "content",
    "basis",
    "time_limit",
    "subject",
    "channels",
    "audience",
    "mode",
    "level",
    "five_publics",
)
VOCABULARIES = {
    "channels": Channel,
    "audience": Audience,
    "mode": Mode,
    "level": Level,
    "five_publics": FivePublic,
}
_CANONICAL_ORDER = {name: [c.value for c in vocab] for name, vocab in VOCABULARIES.items()}

# Channel words met in published catalogues beyond gk_columns.vocab.CHANNEL_ALIASES.
EXTRA_CHANNEL_ALIASES = {
    "发布会听证会": Channel.PRESS,
    "新闻发布会/听证会": Channel.PRESS,
    "会议": Channel.PRESS,
    "纸质载体": Channel.PRINT,
    "宣传册": Channel.PRINT,
    "宣传资料": Channel.PRINT,
    "行政服务中心": Channel.SERVICE_CENTRE,
    "政务服务窗口": Channel.SERVICE_CENTRE,
    "办事窗口": Channel.SERVICE_CENTRE,
    "办事大厅": Channel.SERVICE_CENTRE,
    "为民服务中心": Channel.SERVICE_STATION,
    "便民惠民服务中心": Channel.SERVICE_STATION,
    "党群服务中心": Channel.SERVICE_STATION,
    "12345政务服务热线": Channel.HOTLINE,
    "12345政务服务便民热线": Channel.HOTLINE,
    "政务服务热线": Channel.HOTLINE,
    "政府信息公开专栏": Channel.WEBSITE,
    "政府信息公开平台": Channel.WEBSITE,
    "政府网": Channel.WEBSITE,
    "政务公开网": Channel.WEBSITE,
    "单位/村委会公示栏(电子屏)": Channel.NOTICE_BOARD,
    "村居/企事业单位公示栏(电子屏)": Channel.NOTICE_BOARD,
    "档案馆": Channel.READING_POINT,
    "图书馆": Channel.READING_POINT,
}
CHANNEL_LOOKUP = {normalise_label(k): Channel(v) for k, v in {**CHANNEL_ALIASES, **EXTRA_CHANNEL_ALIASES}.items()}

# Where a channel is not written exactly as any alias, the word it contains
# decides; the order matters ("政府信息公开查阅点" is a reading point, not a website).
CHANNEL_KEYWORDS = tuple(
    (re.compile(pattern), channel)
    for pattern, channel in (
        (r"公示栏|公开栏|宣传栏|公告栏|公示牌|公示墙|电子屏|显示屏", Channel.NOTICE_BOARD),
        (r"热线|12345", Channel.HOTLINE),
        (r"查阅", Channel.READING_POINT),
        (r"公报", Channel.GAZETTE),
        (r"微信|微博|公众号|客户端|新媒体|app|抖音|头条|视频号|小程序", Channel.NEW_MEDIA),
        (r"网站|网页|门户|平台|专栏|网$", Channel.WEBSITE),
        (r"发布会|听证会|新闻发布", Channel.PRESS),
        (r"广播|电视|喇叭", Channel.BROADCAST),
        (r"报纸|报刊|纸质|宣传册|杂志", Channel.PRINT),
        (r"便民服务|为民服务|服务站|党群服务", Channel.SERVICE_STATION),
        (r"政务服务|行政服务|服务大厅|办事大厅|窗口|服务中心", Channel.SERVICE_CENTRE),
        (r"入户|现场|上门|张贴", Channel.ON_SITE),
        (r"推送|短信", Channel.PUSH),
    )
)

# Tick marks. Conversions from Word keep Wingdings boxes as private-use
# characters (U+F0FE ☑, U+F0A8 ☐ …) or as the Latin letters behind them (þ, ¨).
CHECKED_MARKS = "■☑✔✓√▣◼▪●◆☒\uf0fe\uf0fd\uf052\u00fe"
UNCHECKED_MARKS = "□☐◻▢○◯\uf0a8\uf06f\uf0a3\u00a8"
_MARK_RE = re.compile(f"[{re.escape(CHECKED_MARKS + UNCHECKED_MARKS)}]")
# Scanned-and-retyped files use 口 (the character) for □; only where a box can stand.
_KOU_AS_BOX_RE = re.compile(r"(^|[\s、，,;；/])口(?=[\u4e00-\u9fff0-9])")
# Values that mean "not ticked" in a √ column.
NOT_TICKED = {"×", "✗", "✘", "否", "无", "不", "/", "-", "—", "--", "□", "☐", "0", "n", "no", "N", "NO"}
SAME_AS_ABOVE = {"同上", "同上。", "同上.", "同前", "同上栏"}
_SEPARATORS = "\n、，,;；"
_NUMBERING_RE = re.compile(r"^(?:\d{1,2}[.、．)]|\(\d{1,2}\)|[①-⑳])")
_TITLE_NUMBERING_RE = re.compile(r"^(?:附件\d*[:：]?)?(?:\(?[一二三四五六七八九十\d]{1,3}[)、.．]|\([一二三四五六七八九十\d]{1,3}\))?")
_DEFAULT_SHEET_RE = re.compile(r"^(sheet|工作表|表)\d*$", re.IGNORECASE)
_GENERIC_SHEET_RE = re.compile(r"^(附件|附表|表|目录|标准目录|汇总|总表|总目录|清单)\d*$")


def _canonical(name, values):
    order = _CANONICAL_ORDER[name]
    return sorted(set(values), key=order.index)


def match_audience(text):
    key = normalise_label(text)
    found = set()
    if "特定" in key:
        found.add(Audience.SPECIFIC.value)
    if "全社会" in key or "公众" in key or ("社会" in key and "特定" not in key) or key in ("全部", "所有人"):
        found.add(Audience.PUBLIC.value)
    return found


def match_mode(text):
    key = normalise_label(text)
    found = set()
    if "主动" in key:
        found.add(Mode.PROACTIVE.value)
    if "申请" in key:
        found.add(Mode.ON_REQUEST.value)
    return found


def match_level(text):
    """县级/乡级/村级 from the many ways levels are written: 乡、村级, 镇街乡,
    东阳市级 (a county-level city), 区级, 镇（街）级, 村（社区）…"""
    key = normalise_label(text)
    found = set()
    if any(w in key for w in ("村", "社区", "嘎查", "居委")):
        found.add(Level.VILLAGE.value)
    if any(w in key for w in ("乡", "镇", "街道", "街", "苏木")):
        found.add(Level.TOWNSHIP.value)
    if any(w in key.replace("社区", "") for w in ("县", "市", "旗", "区")):
        found.add(Level.COUNTY.value)
    return found


def match_five_publics(text):
    key = normalise_label(text)
    words = {"决策": FivePublic.DECISION, "执行": FivePublic.EXECUTION, "管理": FivePublic.MANAGEMENT}
    words.update({"服务": FivePublic.SERVICE, "结果": FivePublic.RESULT})
    return {v.value for w, v in words.items() if w in key}


CHOICE_MATCHERS = {
    "audience": match_audience,
    "mode": match_mode,
    "level": match_level,
    "five_publics": match_five_publics,
}
# Sub-column labels that name a value even without their group header above.
_STANDALONE_TICK_LABELS = {
    "全社会": "audience",
    "特定群体": "audience",
    "特定群众": "audience",
    "特定对象": "audience",
    "主动": "mode",
    "主动公开": "mode",
    "依申请": "mode",
    "依申请公开": "mode",
    "县级": "level",
    "乡级": "level",
    "村级": "level",
    "决策公开": "five_publics",
    "执行公开": "five_publics",
    "管理公开": "five_publics",
    "服务公开": "five_publics",
    "结果公开": "five_publics",
}


def split_marked(text):
    """Split checkbox text into (ticked, segment) pairs.

    "■政府网站 □政府公报" → [(True, "政府网站"), (False, "政府公报")]. Returns
    None when the text has no tick marks at all (it is then free text)."""
    text = str(text or "")
    if not _MARK_RE.search(text):
        return None
    text = _KOU_AS_BOX_RE.sub(lambda m: m.group(1) + "□", text)
    segments = []
    ticked, current = None, []
    for ch in text:
        if ch in CHECKED_MARKS or ch in UNCHECKED_MARKS:
            if ticked is not None:
                segments.append((ticked, "".join(current)))
            ticked, current = ch in CHECKED_MARKS, []
        elif ticked is not None:
            current.append(ch)
        # Text before the first mark is a caption ("公开渠道：") and is read past.
    if ticked is not None:
        segments.append((ticked, "".join(current)))
    return [(t, s.strip(_SEPARATORS + " \t/|")) for t, s in segments if s.strip(_SEPARATORS + " \t/|")]


def _channel_from_phrase(phrase, split=True):
    """The channels one phrase names: [] for nothing, None when unrecognised."""
    key = normalise_label(_NUMBERING_RE.sub("", phrase.strip())).strip("/|")
    if not key:
        return []
    if key in CHANNEL_LOOKUP:
        return [CHANNEL_LOOKUP[key].value]
    # "■其他法律服务网 注：…": 其他 followed by what the other channel is.
    if key.startswith(("其他", "其它")):
        return [Channel.OTHER.value]
    if split:
        # "政府网站 政务新媒体" or "政府网站/政务新媒体": several channels, if every part is one.
        for parts in (phrase.split(), re.split(r"[/及和与]+", key)):
            parts = [p for p in parts if p.strip()]
            if len(parts) > 1:
                resolved = [_channel_from_phrase(p, split=False) for p in parts]
                if all(r is not None for r in resolved):
                    return [v for values in resolved for v in values]
    lowered = key.lower()
    for pattern, channel in CHANNEL_KEYWORDS:
        if pattern.search(lowered):
            return [channel.value]
    return None


def parse_channels(text):
    """Channels from a 公开渠道和载体 cell. Returns (values, unknown_phrases)."""
    marked = split_marked(text)
    if marked is not None:
        phrases = [segment for ticked, segment in marked if ticked]
    else:
        phrases = [p for p in re.split(f"[{_SEPARATORS}]+", str(text or "")) if p.strip()]
    values, unknown = [], []
    for phrase in phrases:
        found = _channel_from_phrase(phrase)
        if found is None:
            unknown.append(phrase.strip())
        else:
            values.extend(found)
    return _canonical("channels", values), unknown


def parse_choice_text(name, text):
    """Values of 公开对象/公开方式/公开层级/五公开 written as text in one column,
    plain ("全社会", "县级、乡级") or as checkbox text ("■主动 □依申请").
    Returns (values, unknown_phrases)."""
    matcher = CHOICE_MATCHERS[name]
    marked = split_marked(text)
    phrases = [s for ticked, s in marked if ticked] if marked is not None else [str(text or "")]
    values, unknown = set(), []
    for phrase in phrases:
        if not normalise_label(phrase):
            continue
        found = matcher(phrase)
        if found:
            values |= found
        else:
            unknown.append(phrase.strip())
    return _canonical(name, values), unknown


def is_ticked(value):
    key = normalise_label(value)
    return bool(key) and key not in NOT_TICKED and key.lower() not in NOT_TICKED


# -- results -----------------------------------------------------------------


@dataclass
class ImportIssue:
    """One problem in a workbook, where the editor will find it."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def as_dict(self):
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}

    def __str__(self):
        where = f"工作表 {self.sheet}" if self.sheet else "工作簿"
        if self.row:
            where += f" 第{self.row}行"
        if self.column:
            where += f" {self.column}列"
        return f"{where}：{self.message}"


@dataclass
class ParsedRow:
    """One catalogue row as read, with where it was read from."""

    domain: str
    item_l1: str
    item_l2: str = ""
    content: str = ""
    basis: str = ""
    time_limit: str = ""
    subject: str = ""
    channels: list = field(default_factory=list)
    audience: list = field(default_factory=list)
    mode: list = field(default_factory=list)
    level: list = field(default_factory=list)
    five_publics: list = field(default_factory=list)
    sheet: str = ""
    row: int = 0
    new_domain: bool = False

    def element_values(self):
        values = {}
        for key in ELEMENT_KEYS:
            value = getattr(self, key)
            values[key] = list(value) if isinstance(value, list) else value
        return values

    @property
    def key(self):
        return entry_key(self.domain, self.item_l1, self.item_l2)

    @classmethod
    def from_dict(cls, data):
        values = {k: data.get(k, [] if k in VOCABULARIES else "") for k in ELEMENT_KEYS}
        return cls(**values, sheet=data.get("sheet", ""), row=data.get("row", 0))


@dataclass
class SheetReport:
    name: str
    rows: int = 0
    tables: int = 0
    note: str = ""


@dataclass
class ParseResult:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    sheets: list = field(default_factory=list)
    new_domains: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors and bool(self.rows)

    def as_dict(self):
        return {
            "rows": [row.element_values() for row in self.rows],
            "errors": [error.as_dict() for error in self.errors],
        }

    def by_domain(self):
        groups = {}
        for row in self.rows:
            groups.setdefault(row.domain, []).append(row)
        return groups


def entry_key(domain, item_l1, item_l2):
    """The identity of a row within a catalogue: same domain, 一级 and 二级事项."""
    return (_domain_key(domain), normalise_label(item_l1), normalise_label(item_l2))


# -- the sheet as a grid -----------------------------------------------------


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "√" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


_SINGLE_LINE_FIELDS = ("item_l1", "item_l2", "item_l3", "item_l4", "time_limit", "subject", "domain")
_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"


def _tidy_line(text):
    """A title broken over lines to fit a narrow column ("出生\n登记") made one
    line again; Chinese needs no space where the line broke."""
    text = re.sub(rf"(?<={_CJK})\s*\n\s*(?={_CJK})", "", text)
    return re.sub(r"\s*\n\s*", " ", text).strip()


class _Grid:
    """A worksheet's values with every merged range filled in, remembering which
    cells a merge covers so that "merged down from the row above" can be told
    apart from "written again". `uncomputed`: the (row, column) of formula
    cells without a saved result, which read as empty (gk_columns.workbook_scan)."""

    def __init__(self, ws, uncomputed=frozenset()):
        self.title = ws.title
        self.uncomputed = uncomputed
        cells = {}
        # Iterating the stored cells (not max_row × max_column) matters: sheets
        # formatted down to row 1,048,576 would otherwise take minutes to read.
        for (r, c), cell in ws._cells.items():
            text = _cell_text(cell.value)
            if text:
                cells[(r, c)] = text
        self.max_row = max((r for r, _ in cells), default=0)
        self.max_col = max((c for _, c in cells), default=0)
        self.anchor_of = {}
        for merged in ws.merged_cells.ranges:
            r0, c0 = merged.min_row, merged.min_col
            value = cells.get((r0, c0), "")
            for r in range(r0, min(merged.max_row, self.max_row) + 1):
                for c in range(c0, min(merged.max_col, self.max_col) + 1):
                    if (r, c) == (r0, c0):
                        continue
                    self.anchor_of[(r, c)] = (r0, c0)
                    if value:
                        cells[(r, c)] = value
                    else:
                        cells.pop((r, c), None)
        self.cells = cells

    def value(self, r, c):
        return self.cells.get((r, c), "")

    def is_uncomputed(self, r, c):
        """Whether (r, c) shows a formula that has no saved result (its merge's, if merged)."""
        return self.anchor(r, c) in self.uncomputed

    def anchor(self, r, c):
        return self.anchor_of.get((r, c), (r, c))

    def row(self, r):
        return [self.value(r, c) for c in range(1, self.max_col + 1)]

    def own_cells(self, r):
        """Non-empty cells of row r that are not merged down from a row above."""
        return [
            (c, self.value(r, c))
            for c in range(1, self.max_col + 1)
            if self.value(r, c) and self.anchor(r, c)[0] == r
        ]

    def span(self, r, c):
        """How many columns the value at (r, c) covers in its row."""
        anchor = self.anchor(r, c)
        return sum(1 for cc in range(1, self.max_col + 1) if self.anchor(r, cc) == anchor)


@dataclass
class _Column:
    index: int
    field: str
    kind: str  # "text", "ticks", "choices", "channels"
    values: tuple = ()

    @property
    def letter(self):
        return get_column_letter(self.index)


def _header_fields(grid, r):
    fields = set()
    for value in grid.row(r):
        f = HEADER_FIELDS.get(_label_key(value)) if value else None
        if f and f not in ("ignore", "order", "category"):
            fields.add(f)
    return fields


def _is_header_row(grid, r):
    return len(_header_fields(grid, r)) >= 3


def _standalone_tick(label):
    """The choice field a label names on its own ("主动", "特定群众", "乡、村级")."""
    if label in _STANDALONE_TICK_LABELS:
        return _STANDALONE_TICK_LABELS[label]
    if label.endswith("级") and label not in HEADER_FIELDS and len(label) <= 6 and match_level(label):
        return "level"
    return None


def _sub_label_field(group, label):
    """What a second-row header label means under its group label."""
    if not label:
        return None, ()
    if group in CHOICE_FIELDS:
        values = CHOICE_MATCHERS[group](label)
        return (group, tuple(values)) if values else (None, ())
    direct = HEADER_FIELDS.get(label)
    if direct and direct != "items":
        return direct, ()
    standalone = _standalone_tick(label)
    if standalone:
        return standalone, tuple(CHOICE_MATCHERS[standalone](label))
    return None, ()


def _group_label(grid, r, c):
    """The top header label over column c. A group label written once over
    several unmerged cells ("公开对象 |  |") covers the blank cells to its right."""
    top = _label_key(grid.value(r, c))
    if top:
        return top
    for cc in range(c - 1, 0, -1):
        left = _label_key(grid.value(r, cc))
        if left:
            return left if HEADER_FIELDS.get(left) in CHOICE_FIELDS + ("items",) else ""
    return ""


def _is_sub_header_row(grid, r):
    """Whether row r is the second row of the header that starts at r - 1."""
    if r > grid.max_row:
        return False
    recognised = 0
    for c in range(1, grid.max_col + 1):
        value = grid.value(r, c)
        if not value or grid.anchor(r, c) == grid.anchor(r - 1, c):
            continue
        top_label = _group_label(grid, r - 1, c)
        top = HEADER_FIELDS.get(top_label)
        label = _label_key(value)
        if not label or label == top_label:
            continue  # "（要素）" under 公开内容, or the same label again
        f, _ = _sub_label_field(top, label)
        if f is None and top not in (None, "items", "ignore", "category"):
            return False
        if f is None and HEADER_FIELDS.get(label) is None:
            # A cell under an unlabelled or ignored column that names nothing
            # we know ("■文本" under 公开) may still be a sub-label; data rows
            # are told apart by their text under 公开内容 etc. above.
            continue
        recognised += 1
    return recognised > 0


def _build_columns(grid, r, has_sub):
    columns, unknown = [], []
    taken = set()
    items_seen = 0
    for c in range(1, grid.max_col + 1):
        top_raw = grid.value(r, c)
        top = _group_label(grid, r, c) if has_sub else _label_key(top_raw)
        sub = ""
        if has_sub and grid.anchor(r + 1, c) != grid.anchor(r, c):
            sub = _label_key(grid.value(r + 1, c))
            if sub == top:
                sub = ""
        group = HEADER_FIELDS.get(top)
        if group is None and _standalone_tick(top):
            f = _standalone_tick(top)
            columns.append(_Column(c, f, "ticks", tuple(CHOICE_MATCHERS[f](top))))
            continue
        if sub:
            f, values = _sub_label_field(group, sub)
            if f in CHOICE_FIELDS and values:
                columns.append(_Column(c, f, "ticks", values))
                continue
            if f is None and group not in (None, "items"):
                f = group
            if f is None:
                unknown.append((r + 1, c, grid.value(r + 1, c)))
                continue
        elif group == "items":
            f = ITEM_FIELDS[min(items_seen, len(ITEM_FIELDS) - 1)]
            items_seen += 1
        else:
            f = group
            if f is None:
                if top:
                    unknown.append((r, c, top_raw))
                continue
        if f in ("ignore", "order", "category"):
            continue
        if f in CHOICE_FIELDS:
            columns.append(_Column(c, f, "choices"))
        elif f == "channels":
            if f not in taken:
                columns.append(_Column(c, f, "channels"))
        elif f not in taken:
            columns.append(_Column(c, f, "text"))
        taken.add(f)
    return columns, unknown


# -- domains -----------------------------------------------------------------


def _domain_key(name):
    key = normalise_label(name)
    return key[:-2] if key.endswith("领域") and len(key) > 2 else key


# A place name ends in its level (XX县, XX镇, XX街道 …), maybe followed by 人民政府 /
# 办事处. Bare 政府 is not stripped: "政府文件信息" is a domain some towns keep.
_PLACE_PREFIX_RE = re.compile(
    r"^.{2,}?(?:省|自治区|自治州|市|州|盟|县|旗|区|镇|乡|街道|苏木)(?:人民政府|办事处)?(?=.{2,})"
)
_DEPARTMENT_PREFIX_RE = re.compile(r"^.{1,12}?(?:局|委员会|委|办公室|中心|所)(?=.{2,})")


def _strip_place(candidate):
    """"青浦区教育局义务教育" → "义务教育": the name a new domain gets."""
    stripped = False
    while True:
        m = _PLACE_PREFIX_RE.match(candidate)
        if not m or m.group(0).endswith(("城市", "城乡")):
            break
        candidate = candidate[m.end():]
        stripped = True
    if stripped:
        m = _DEPARTMENT_PREFIX_RE.match(candidate)
        if m:
            candidate = candidate[m.end():]
    return candidate


class _DomainResolver:
    """Matches domain names written in titles, 领域 columns and sheet names with
    the Domain table, ignoring the trailing 领域, width and script."""

    def __init__(self, create):
        self.create = create
        self.known = {_domain_key(d.name): d.name for d in Domain.objects.only("name")}
        self.new = {}

    def _match(self, candidate, contained=True):
        names = {**self.known, **self.new}
        if candidate in names:
            return names[candidate]
        suffixes = [k for k in names if k and candidate.endswith(k)]
        if suffixes:
            return names[max(suffixes, key=len)]
        if contained:
            inside = [k for k in names if k and k in candidate]
            if inside:
                longest = max(len(k) for k in inside)
                best = [k for k in inside if len(k) == longest]
                if len(best) == 1:
                    return names[best[0]]
        return None

    def _unknown(self, name):
        """(name, is_new, problem) for a domain not in the table."""
        if not name:
            return None, False, None
        if self.create:
            self.new.setdefault(_domain_key(name), name)
            return name, True, None
        return None, False, f"系统中没有“{name}”领域（导入时选择“创建新领域”可自动创建）。"

    def _resolved(self, name):
        return name, _domain_key(name) in self.new and _domain_key(name) not in self.known, None

    def from_title(self, text):
        key = _TITLE_NUMBERING_RE.sub("", normalise_label(text))
        key = re.sub(r"\(.*?\)$", "", key)
        if "领域" in key:
            candidate = _TITLE_NUMBERING_RE.sub("", key[: key.index("领域")])
            found = self._match(candidate)
            if found:
                return self._resolved(found)
            return self._unknown(_strip_place(candidate))
        found = self._match(key)
        return self._resolved(found) if found else (None, False, None)

    def from_cell(self, text):
        candidate = _domain_key(text)
        found = self._match(candidate, contained=False)
        if found:
            return self._resolved(found)
        return self._unknown(normalise_label(text)[:100] if candidate else "")

    def from_sheet(self, title):
        key = _TITLE_NUMBERING_RE.sub("", normalise_label(title))
        if not key or _DEFAULT_SHEET_RE.match(key):
            return None, False, None
        if "领域" in key:
            return self.from_title(key)
        key = re.sub(r"(基层政务公开)?(标准)?目录$", "", key)
        found = self._match(key)
        if found:
            return self._resolved(found)
        if _GENERIC_SHEET_RE.match(key):
            return None, False, None
        return self._unknown(_strip_place(key))


# -- reading a workbook ------------------------------------------------------

UNCOMPUTED_FORMULA_MESSAGE = "单元格为公式且没有保存计算结果，请在 Excel 或 WPS 中打开并保存后再导入。"
_MAX_LENGTHS = {
    f: CatalogueEntry._meta.get_field(f).max_length for f in ("item_l1", "item_l2", "time_limit", "subject")
}
_SIGNOFF_RE = re.compile(r"^(填表人|填报人|审核人|审核|负责人|单位负责人|联系人|联系电话|电话|填报日期|填表日期|制表人|制表日期|日期)[:：]")
_NOTE_RE = re.compile(r"^(注|说明|备注|附件|填表|标准目录要素说明|制表|填报|编制)")


class _Table:
    def __init__(self, header_row, columns, title):
        self.header_row = header_row
        self.columns = columns
        self.by_field = {}
        for column in columns:
            self.by_field.setdefault(column.field, []).append(column)
        self.title = title  # (text, row, col) or None
        self.previous = None  # the last ParsedRow of this table
        self.previous_item_l1 = ""  # its 一级事项 as written (before any shift)
        self.previous_anchors = {}
        self.previous_values = {}
        self.domain_reported = set()

    def first(self, name):
        columns = self.by_field.get(name)
        return columns[0] if columns else None


class WorkbookReader:
    """Reads every visible sheet of a workbook into ParsedRows and ImportIssues."""

    def __init__(self, *, create_domains=False, default_level=None, progress=None):
        self.create_domains = create_domains
        self.default_level = [Level(v).value for v in (default_level or [])]
        self.progress = progress
        self.result = ParseResult()
        self.domains = _DomainResolver(create_domains)
        self.reported_formulas = set()  # (sheet, row, column) already refused as formulas without a result

    def error(self, sheet, row, column, message):
        letter = get_column_letter(column) if isinstance(column, int) else column
        self.result.errors.append(ImportIssue(sheet, row, letter, message))

    # -- workbook ------------------------------------------------------

    def read(self, source):
        try:
            source = _workbook_source(source)
            # Sizes are checked before openpyxl builds anything (gk_columns.workbook_scan).
            scan = scan_workbook(source)
            workbook = _open_workbook(source)
        except WorkbookRefused as refusal:
            self.error(refusal.sheet, refusal.row, refusal.column, f"无法导入：{refusal.message}")
            return self.result
        except Exception as exc:  # noqa: BLE001 — any unreadable upload is the editor's error to fix, not a crash
            self.error("", None, None, f"无法读取文件：{_describe_open_error(exc)}")
            return self.result
        empty_default_sheets = []
        for ws in workbook.worksheets:
            report = SheetReport(ws.title)
            self.result.sheets.append(report)
            if ws.sheet_state != "visible":
                report.note = "隐藏工作表，已跳过"
                continue
            grid = _Grid(ws, scan.uncomputed_cells(ws.title))
            if not grid.cells:
                if _DEFAULT_SHEET_RE.match(normalise_label(ws.title)):
                    report.note = "空白工作表，已跳过"
                    empty_default_sheets.append(ws.title)
                else:
                    self.error(ws.title, None, None, "工作表为空。")
                continue
            self.read_sheet(grid, report)
            if self.progress:
                self.progress(ws.title, report.rows, True)
        workbook.close()
        if not self.result.rows and not self.result.errors:
            for title in empty_default_sheets or [""]:
                self.error(title, None, None, "工作表为空。" if title else "工作簿中没有任何工作表。")
        self.check_duplicates()
        self.result.new_domains = sorted(set(self.domains.new.values()))
        return self.result

    # -- sheet ---------------------------------------------------------

    def read_sheet(self, grid, report):
        sheet = grid.title
        table = None
        title = None
        first_content = None
        r = 1
        while r <= grid.max_row:
            own = grid.own_cells(r)
            if not own:
                r += 1
                continue
            if first_content is None:
                first_content = (r, own[0][0])
            if _is_header_row(grid, r):
                has_sub = _is_sub_header_row(grid, r + 1)
                table = self.start_table(grid, r, has_sub, title)
                report.tables += 1
                r += 2 if has_sub else 1
                continue
            banner = self.banner_text(grid, r, own)
            if banner is None and table is None:
                # Before any table a title may share its row ("附件1 | XX领域…标准目录").
                banner = next((v for _, v in own if "领域" in v and "目录" in normalise_label(v)), None)
            if banner is not None:
                if "领域" in normalise_label(banner) or "目录" in normalise_label(banner):
                    title = (banner, r, own[0][0])
                    if table is not None:
                        # A domain heading between rows of one table switches the domain.
                        table.title = title
                        table.previous = None
                        table.previous_item_l1 = ""
                        table.previous_values = {}
                        table.previous_anchors = {}
                r += 1
                continue
            if table is not None and table.columns is not None:
                if self.read_row(grid, table, r):
                    report.rows += 1
                    if self.progress and report.rows % 1000 == 0:
                        self.progress(sheet, report.rows, False)
            r += 1
        if report.tables == 0:
            if "说明" in normalise_label(sheet):
                report.note = "说明页，已跳过"
                return
            # The header may be among them: say so before "no header".
            self.uncomputed_formulas(grid)
            row, col = first_content or (None, None)
            self.error(
                sheet, row, col, "未找到表头：没有一行同时包含“一级事项”“公开内容”“公开方式”等列名，请检查表头。"
            )
        elif report.rows == 0 and not any(e.sheet == sheet for e in self.result.errors):
            self.error(sheet, None, None, "表格没有数据行。")

    def banner_text(self, grid, r, own):
        """The text of a title, heading or note row (one value across the row),
        or "" for a sign-off row ("填表人：… 审核人：… 联系电话：…")."""
        if all(_SIGNOFF_RE.match(normalise_label(value)) for _, value in own):
            return ""
        if any(grid.value(r, c) and grid.anchor(r, c)[0] < r for c in range(1, grid.max_col + 1)):
            return None  # cells merged down from the row above: a row of the table
        distinct = {value for _, value in own}
        if len(distinct) != 1:
            return None
        c, text = own[0]
        if grid.span(r, c) >= 3:
            return text
        key = normalise_label(text)
        if ("领域" in key or "目录" in key) and len(key) > 4 or _NOTE_RE.match(key):
            return text
        return None

    def start_table(self, grid, r, has_sub, title):
        sheet = grid.title
        columns, unknown = _build_columns(grid, r, has_sub)
        table = _Table(r, columns, title)
        fields = set(table.by_field)
        missing = []
        if "item_l1" not in fields:
            missing.append("一级事项")
        if "content" not in fields:
            missing.append("公开内容（要素）")
        if "channels" not in fields:
            missing.append("公开渠道和载体")
        title_key = normalise_label(title[0]) if title else ""
        if "mode" not in fields and "主动公开" not in title_key:
            missing.append("公开方式")
        if "level" not in fields and not self.default_level:
            missing.append("公开层级")
        if missing:
            # A label that is a formula without a saved result reads as missing.
            self.uncomputed_formulas(grid, rows=(r, r + 1) if has_sub else (r,))
            first_label = next((c for c in range(1, grid.max_col + 1) if grid.value(r, c)), 1)
            row, col = unknown[0][:2] if unknown else (r, first_label)
            message = "表头缺少" + "、".join(f"“{m}”" for m in missing) + "列"
            if unknown:
                message += "（无法识别的表头：" + "、".join(str(v) for _, _, v in unknown) + "）"
            self.error(sheet, row, col, message + "。")
            table.columns = None  # rows of a table without a usable header are not read
        return table

    # -- row -----------------------------------------------------------

    def read_row(self, grid, table, r):
        sheet = grid.title
        values, anchors = {}, {}
        row_errors = []
        refused = set()  # columns whose cell is a formula without a saved result

        def err(column, message):
            if column is not None and column.index in refused:
                return  # "缺少…" would only echo the refusal
            row_errors.append(ImportIssue(sheet, r, column.letter if column else None, message))

        field_of = {column.index: column.field for column in table.columns}
        for column in table.columns:
            c = column.index
            value = grid.value(r, c)
            anchor = grid.anchor(r, c)
            if grid.is_uncomputed(r, c):
                self.uncomputed_formula(grid, *anchor)
                refused.add(c)
            # A merge running across from another element (一级 merged over 二级
            # when an item has no 二级事项) fills only the cell it starts in.
            if anchor[1] != c and field_of.get(anchor[1], column.field) != column.field:
                value = ""
            if normalise_label(value) in SAME_AS_ABOVE:
                if c in table.previous_values:
                    value = table.previous_values[c]
                else:
                    err(column, "“同上”上方没有可引用的内容。")
                    value = ""
            values[c] = value
            anchors[c] = anchor

        own = [c for c, v in values.items() if v and anchors[c][0] == r]
        if not own and not row_errors:
            return False  # blank, only a 序号, or wholly covered by merges from above

        def text(name):
            column = table.first(name)
            value = values.get(column.index, "") if column else ""
            return _tidy_line(value) if name in _SINGLE_LINE_FIELDS else value

        # A row whose item cells are merged down from the previous row, or that
        # has nothing but more text for the previous row, continues that row.
        key_columns = [table.first(n) for n in ("item_l1", "item_l2", "content") if table.first(n)]
        merged_on = table.previous is not None and all(
            anchors[col.index][0] < r and table.previous_anchors.get(col.index) == anchors[col.index]
            for col in key_columns
        )
        nothing_to_identify = (
            table.previous is not None
            and not any(text(n) for n in ITEM_FIELDS + ("content",))
            and not any(values[col.index] for col in table.columns if col.kind != "text")
        )
        if merged_on or nothing_to_identify:
            self.continue_row(table.previous, table, values, anchors, r)
            table.previous_values.update({c: v for c, v in values.items() if v})
            table.previous_anchors = anchors
            return False

        parsed = ParsedRow(domain="", item_l1=text("item_l1"), sheet=sheet, row=r)
        deeper = []
        for part in (text("item_l2"), text("item_l3"), text("item_l4")):
            if part and part not in deeper:
                deeper.append(part)
        parsed.item_l2 = "－".join(deeper)
        if not parsed.item_l1 and parsed.item_l2 and table.previous is not None:
            # 一级事项 written once for its group and left blank below (the merge
            # was lost on the way to Excel): it belongs to the group above.
            parsed.item_l1 = table.previous_item_l1
        table.previous_item_l1 = parsed.item_l1
        if not parsed.item_l1:
            err(table.first("item_l1"), "缺少一级事项。")
        for name in ("content", "basis", "time_limit", "subject"):
            setattr(parsed, name, text(name))
        if not parsed.content:
            err(table.first("content"), "缺少公开内容（要素）。")

        # Channels.
        channel_column = table.first("channels")
        channels, unknown = parse_channels(values.get(channel_column.index, "")) if channel_column else ([], [])
        for phrase in unknown:
            err(channel_column, f"无法识别的公开渠道“{phrase}”。")
        parsed.channels = channels

        # 公开对象 / 公开方式 / 公开层级 / 五公开.
        for name in CHOICE_FIELDS:
            found = set()
            for column in table.by_field.get(name, []):
                value = values.get(column.index, "")
                if column.kind == "ticks":
                    if is_ticked(value):
                        found |= set(column.values)
                else:
                    chosen, unknown = parse_choice_text(name, value)
                    found |= set(chosen)
                    for phrase in unknown:
                        err(column, f"无法识别的{FIELD_LABELS[name]}“{phrase}”。")
            setattr(parsed, name, _canonical(name, found))

        if not table.by_field.get("mode"):
            parsed.mode = [Mode.PROACTIVE.value]  # a 主动公开 list (checked in start_table)
        if not table.by_field.get("level"):
            parsed.level = list(self.default_level)
        if not parsed.mode:
            err(table.first("mode"), "公开方式未勾选（主动/依申请）。")
        if not parsed.level:
            err(table.first("level"), "公开层级未勾选（县级/乡级/村级）。")
        if table.first("audience") and not parsed.audience:
            err(table.first("audience"), "公开对象未勾选（全社会/特定群体）。")
        unknown_channel = any(e.message.startswith("无法识别的公开渠道") for e in row_errors)
        if not parsed.channels and Mode.PROACTIVE.value in parsed.mode and not unknown_channel:
            err(channel_column, "公开渠道和载体未填写或未勾选。")

        domain_ok = self.assign_domain(grid, table, parsed, values, row_errors)
        levels = [text(n) for n in ("item_l2", "item_l3", "item_l4") if table.first(n)]
        if len(levels) > 1 and parsed.domain and _domain_key(parsed.item_l1) == _domain_key(parsed.domain):
            # 一级事项 that only repeats the domain (户籍管理 › 出生登记 › …): the levels move up one.
            parsed.item_l1 = levels[0]
            parsed.item_l2 = "－".join(dict.fromkeys(x for x in levels[1:] if x))
        for name, limit in _MAX_LENGTHS.items():
            if len(getattr(parsed, name)) > limit:
                err(table.first(name), f"{FIELD_LABELS[name]}超过{limit}字。")

        table.previous_values.update(values)
        table.previous_anchors = anchors
        table.previous = parsed
        if row_errors or refused or not domain_ok:
            # Later rows may still inherit from this one, but it is not imported.
            self.result.errors.extend(row_errors)
            return False
        self.result.rows.append(parsed)
        return True

    def uncomputed_formula(self, grid, r, c):
        """Refuse a formula cell whose result was never saved: read as data it
        would be empty, and importing it as empty would lose the item's text."""
        if (grid.title, r, c) not in self.reported_formulas:
            self.reported_formulas.add((grid.title, r, c))
            self.error(grid.title, r, c, UNCOMPUTED_FORMULA_MESSAGE)

    def uncomputed_formulas(self, grid, rows=None):
        """Refuse the formulas without a saved result in `rows` (default: the whole sheet)."""
        for r, c in sorted(grid.uncomputed):
            if rows is None or r in rows:
                self.uncomputed_formula(grid, r, c)

    def continue_row(self, previous, table, values, anchors, r):
        for column in table.columns:
            value = values.get(column.index, "")
            if not value or anchors[column.index][0] < r:
                continue  # merged down: already part of the previous row
            if column.kind == "text" and column.field in ("content", "basis", "time_limit", "subject"):
                current = getattr(previous, column.field)
                if value not in current:
                    setattr(previous, column.field, f"{current}\n{value}" if current else value)
            elif column.kind == "channels":
                channels, _ = parse_channels(value)
                previous.channels = _canonical("channels", previous.channels + channels)

    def assign_domain(self, grid, table, parsed, values, row_errors):
        column = table.first("domain")
        if column and values.get(column.index):
            name, is_new, problem = self.domains.from_cell(values[column.index])
            where = (parsed.row, column.letter)
        else:
            name, is_new, problem = None, False, None
            where = None
            if table.title:
                name, is_new, problem = self.domains.from_title(table.title[0])
                where = (table.title[1], get_column_letter(table.title[2]))
            if name is None and problem is None:
                name, is_new, problem = self.domains.from_sheet(grid.title)
                where = (table.header_row, None)
            if name is None and problem is None:
                problem = "无法确定领域：标题行、“领域”列和工作表名称都没有给出领域名称。"
                where = (table.header_row, None)
        if problem:
            # Reported once where it is written, not on every row below it.
            if (where, problem) not in table.domain_reported:
                table.domain_reported.add((where, problem))
                row_errors.append(ImportIssue(grid.title, where[0], where[1], problem))
            return False
        parsed.domain = name
        parsed.new_domain = is_new
        return True

    def check_duplicates(self):
        seen = {}
        duplicates = []
        for parsed in self.result.rows:
            first = seen.setdefault(parsed.key, parsed)
            if first is parsed:
                continue
            where = f"第{first.row}行" if first.sheet == parsed.sheet else f"工作表“{first.sheet}”第{first.row}行"
            label = "｜".join(x for x in (parsed.domain, parsed.item_l1, parsed.item_l2) if x)
            self.result.errors.append(
                ImportIssue(parsed.sheet, parsed.row, None, f"与{where}重复（{label}）：同一领域下一级、二级事项不能相同。")
            )
            duplicates.append(parsed)
        if duplicates:
            self.result.rows = [row for row in self.result.rows if row not in duplicates]


def _workbook_source(source):
    """A path, or the upload's bytes as a file object that can be read twice."""
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        return io.BytesIO(source.read())
    if not isinstance(source, (str, Path)):
        return io.BytesIO(source)
    return source


def _open_workbook(source):
    if hasattr(source, "seek"):
        source.seek(0)
    with warnings.catch_warnings():
        # openpyxl warns about features it does not read (data validation
        # extensions, conditional formats …); none of them carry catalogue data.
        warnings.simplefilter("ignore", UserWarning)
        # Cached copies of linked workbooks are never catalogue data: not read.
        return load_workbook(source, data_only=True, keep_links=False)


def _describe_open_error(exc):
    if isinstance(exc, FileNotFoundError):
        return "文件不存在。"
    if isinstance(exc, BadZipFile | KeyError | InvalidFileException):
        return "不是有效的 .xlsx 工作簿（.xls、.et 等格式请先在 Excel 或 WPS 中另存为 .xlsx）。"
    return f"工作簿内容无法解析（{exc}）。"


def parse_workbook(source, *, create_domains=False, default_level=None, progress=None):
    """Read a workbook (path, file object or bytes) into a ParseResult.

    default_level: the 公开层级 for tables that have no 公开层级 column (many
    township catalogues leave it out); without it such tables are an error.
    progress(sheet_name, rows_so_far, finished) is called while reading.
    Reads Domain and nothing else from the database; writes nothing."""
    reader = WorkbookReader(create_domains=create_domains, default_level=default_level, progress=progress)
    return reader.read(source)


# -- writing -----------------------------------------------------------------


def _domain_code(name):
    from pypinyin import lazy_pinyin

    base = slugify("-".join(lazy_pinyin(name)))[:56] or "domain"
    code, n = base, 2
    while Domain.objects.filter(code=code).exists():
        code, n = f"{base}-{n}", n + 1
    return code


def _resolve_domains(rows, create_domains):
    known = {_domain_key(d.name): d for d in Domain.objects.all()}
    missing = []
    for row in rows:
        key = _domain_key(row.domain)
        if key and key not in known and row.domain not in missing:
            missing.append(row.domain)
    if missing and not create_domains:
        raise ValidationError("系统中没有以下领域：%(names)s。", params={"names": "、".join(missing)})
    order = (Domain.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    for name in missing:
        known[_domain_key(name)] = Domain.objects.create(name=name, code=_domain_code(name), order=order)
        order += 1
    return known


def import_rows(organisation, rows, user=None, *, create_domains=False, note=""):
    """Write `rows` (ParsedRow or dicts in the JSON shape) as a new draft version
    of `organisation`'s catalogue and return it; all or nothing.

    Entries keep the lineage of the entry with the same domain, 一级 and 二级事项
    in the organisation's newest version, so that their columns survive a
    re-import, and link the StandardItem with the same three values."""
    rows = [row if isinstance(row, ParsedRow) else ParsedRow.from_dict(row) for row in rows]
    if not rows:
        raise ValidationError("没有可导入的目录事项。")
    seen = set()
    for row in rows:
        if row.key in seen:
            raise ValidationError(
                "事项重复：%(label)s。", params={"label": "｜".join(x for x in (row.domain, row.item_l1, row.item_l2) if x)}
            )
        seen.add(row.key)
    with transaction.atomic():
        # Serialise imports for one organisation: the version number is max + 1.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        domains = _resolve_domains(rows, create_domains)
        previous = organisation.catalogues.order_by("-version").first()
        carried = {}
        if previous is not None:
            for entry in previous.entries.select_related("domain"):
                carried.setdefault(entry_key(entry.domain.name, entry.item_l1, entry.item_l2), entry)
        used_domains = {domains[_domain_key(row.domain)] for row in rows}
        standard = {}
        for item in StandardItem.objects.filter(domain__in=used_domains).select_related("domain"):
            standard.setdefault(entry_key(item.domain.name, item.item_l1, item.item_l2), item)
        catalogue = Catalogue.objects.create(
            organisation=organisation,
            version=Catalogue.next_version_number(organisation),
            created_by=user if user is not None and user.is_authenticated else None,
            note=note,
        )
        for order, row in enumerate(rows, start=1):
            domain = domains[_domain_key(row.domain)]
            key = entry_key(domain.name, row.item_l1, row.item_l2)
            before = carried.get(key)
            entry = CatalogueEntry(
                catalogue=catalogue,
                domain=domain,
                order=order,
                standard_item=standard.get(key),
                lineage=before.lineage if before else uuid.uuid4(),
                # The spreadsheet cannot say 不适用; keep what the editors recorded.
                not_applicable=before.not_applicable if before else False,
                not_applicable_reason=before.not_applicable_reason if before else "",
                **{k: getattr(row, k) for k in ELEMENT_KEYS if k != "domain"},
            )
            try:
                entry.clean_fields(exclude=["catalogue", "domain", "standard_item", "lineage"])
            except ValidationError as exc:
                raise ValidationError(f"{row.sheet} 第{row.row}行：" + "；".join(exc.messages)) from exc
            entry.save()
    return catalogue


def import_workbook(organisation, source, user=None, *, create_domains=False, dry_run=False, progress=None, note=""):
    """Parse `source` and, when it has no errors (and this is not a dry run),
    import it. Returns (ParseResult, Catalogue or None)."""
    result = parse_workbook(
        source, create_domains=create_domains, default_level=[organisation.level.value], progress=progress
    )
    if not result.ok or dry_run:
        return result, None
    return result, import_rows(organisation, result.rows, user, create_domains=create_domains, note=note)
