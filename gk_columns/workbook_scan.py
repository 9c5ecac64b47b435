"""A workbook's size checked before it is read (gk_columns.importing).

openpyxl builds what a sheet declares: an object for every stored cell and one
for every cell of every merged range, and the reader then walks the rows and
columns between them. A 5 KB file with one cell at XFD1 and one at A1048576,
or one merge of 3000 × 3000 cells, would take minutes and gigabytes. So before
openpyxl sees an upload, one streaming pass over its zip and its sheets' XML
(the <dimension>, each <c>, each <mergeCell>; elements dropped as they are
read) checks it against the limits below and refuses it — naming the sheet,
the cell or range and the limit — as soon as one is passed.

The same pass notes what openpyxl cannot tell us: which cells hold a formula
without a saved (cached) result. Read with data_only=True such a cell is None,
like an empty one; the importer refuses those cells instead of importing them
as empty text.
"""

import re
import zipfile
from dataclasses import dataclass, field

from defusedxml.ElementTree import iterparse
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string

# Everything the zip holds, once decompressed (openpyxl reads it all).
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_SHEETS = 100
# One sheet's extent: a catalogue of a few hundred items with headers and
# notes fits many times over; every cell of a sheet lies inside it.
MAX_SHEET_ROWS = 5000
MAX_SHEET_COLUMNS = 50
# Stored cells (<c> elements, empty styled ones included) of all sheets together:
# one full sheet's worth. At this bound the whole import takes about 20 s and
# 450 MB; a county catalogue of 26 domain sheets has about 100,000.
MAX_CELLS = MAX_SHEET_ROWS * MAX_SHEET_COLUMNS
# Merged ranges of one sheet; each lies inside the sheet's extent, and together
# they cover no more cells than the extent has (valid merges do not overlap).
MAX_MERGED_RANGES = 10_000
MAX_MERGED_CELLS = MAX_SHEET_ROWS * MAX_SHEET_COLUMNS

_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_LIMIT_TEXT = f"每个工作表最多 {MAX_SHEET_ROWS} 行、{MAX_SHEET_COLUMNS} 列（A1:{get_column_letter(MAX_SHEET_COLUMNS)}{MAX_SHEET_ROWS}）"
_TRIM_ADVICE = "请删除表格以外的行、列和内容（包括只设置了格式的空白单元格）后另存，再导入。"


class WorkbookRefused(Exception):
    """The workbook is over a limit (or not a readable workbook); where, and why."""

    def __init__(self, message, sheet="", row=None, column=None):
        super().__init__(message)
        self.message = message
        self.sheet = sheet
        self.row = row
        self.column = column


@dataclass
class WorkbookScan:
    """What the pass found: stored cells read, and per sheet the (row, column)
    of formula cells without a saved result."""

    cells: int = 0
    uncomputed: dict = field(default_factory=dict)

    def uncomputed_cells(self, sheet):
        return self.uncomputed.get(sheet, set())


def _local(tag):
    return tag.rpartition("}")[2]


def _reference(text):
    """(row, column) of "B12" (or "$B$12"), or None."""
    m = _REF_RE.match(text or "")
    if not m:
        return None
    return int(m.group(2)), column_index_from_string(m.group(1).upper())


def _range(text):
    """(min_row, min_col, max_row, max_col) of "A1:C3" or "B2", or None."""
    parts = (text or "").split(":")
    if len(parts) > 2:
        return None
    corners = [_reference(p) for p in parts]
    if any(c is None for c in corners):
        return None
    (r1, c1), (r2, c2) = corners[0], corners[-1]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _outside(max_row, max_col):
    return max_row > MAX_SHEET_ROWS or max_col > MAX_SHEET_COLUMNS


def _worksheet_parts(source):
    """[(sheet name, part path)] of the parts openpyxl.load_workbook will read as
    worksheets, found by openpyxl's own reader (manifest → workbook part → its
    relationships; this reads only those small parts), so that no sheet it
    loads goes unchecked, whatever a crafted file declares."""
    reader = ExcelReader(source, read_only=True, data_only=True, keep_links=False)
    try:
        reader.read_manifest()
        reader.read_workbook()
        return [
            (sheet.name, rel.target)
            for sheet, rel in reader.parser.find_sheets()
            # The same test as ExcelReader.read_worksheets (chart sheets hold no cells).
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    finally:
        reader.archive.close()


class _SheetPass:
    """One streaming pass over one worksheet's XML."""

    def __init__(self, scan, name):
        self.scan = scan
        self.name = name
        self.uncomputed = set()
        self.row = 0
        self.column = 0
        self.cell = None  # (row, column, type) of the <c> being read
        self.formula = False
        self.value = None  # None: no <v>; else its text
        self.merged = 0
        self.merged_cells = 0

    def refuse(self, message, row=None, column=None):
        letter = get_column_letter(column) if column and column <= 16384 else None
        raise WorkbookRefused(message, self.name, row, letter)

    def dimension(self, ref):
        bounds = _range(ref)
        if bounds is None:
            return  # openpyxl ignores a dimension it cannot read; so may we
        _, _, max_row, max_col = bounds
        if _outside(max_row, max_col):
            self.refuse(
                f"工作表的使用区域为 {ref}（{max_row} 行 × {max_col} 列），超出导入上限：{_LIMIT_TEXT}。{_TRIM_ADVICE}"
            )

    def start_row(self, elem):
        r = elem.get("r")
        self.row = int(r) if r and r.isdigit() else self.row + 1
        self.column = 0

    def start_cell(self, elem):
        ref = elem.get("r")
        if ref:
            where = _reference(ref)
            if where is None:
                self.refuse(f"单元格引用“{ref[:20]}”无效，工作簿内容无法解析。", self.row or None)
            self.row, self.column = where
        else:
            self.column += 1
        if _outside(self.row, self.column):
            self.refuse(
                f"单元格 {get_column_letter(min(self.column, 16384))}{self.row} 超出导入范围：{_LIMIT_TEXT}。{_TRIM_ADVICE}",
                self.row,
                self.column,
            )
        self.scan.cells += 1
        if self.scan.cells > MAX_CELLS:
            self.refuse(f"工作簿的单元格超过 {MAX_CELLS} 个，超出导入上限。请删除多余内容或拆分为几个文件后分别导入。")
        self.cell = (self.row, self.column, elem.get("t", "n"))
        self.formula, self.value = False, None

    def end_cell(self):
        row, column, kind = self.cell
        # A saved result is the <v> after the <f>. openpyxl (and other writers
        # that do not calculate) write an empty <v/>; an empty text result is
        # saved as t="str" with an empty <v>.
        saved = bool(self.value) or (kind == "str" and self.value is not None)
        if self.formula and not saved:
            self.uncomputed.add((row, column))
        self.cell = None

    def merge(self, ref):
        self.merged += 1
        if self.merged > MAX_MERGED_RANGES:
            self.refuse(f"合并单元格超过 {MAX_MERGED_RANGES} 处，超出导入上限。请取消多余的合并后另存，再导入。")
        bounds = _range(ref)
        if bounds is None:
            self.refuse(f"合并区域“{ref[:30]}”无效，工作簿内容无法解析。")
        min_row, min_col, max_row, max_col = bounds
        if _outside(max_row, max_col):
            self.refuse(f"合并区域 {ref} 超出导入范围：{_LIMIT_TEXT}。请取消该合并或删除表格以外的内容后另存，再导入。")
        self.merged_cells += (max_row - min_row + 1) * (max_col - min_col + 1)
        if self.merged_cells > MAX_MERGED_CELLS:
            self.refuse(
                f"合并单元格共覆盖超过 {MAX_MERGED_CELLS} 个单元格（合并区域相互重叠），工作簿内容无法解析。"
            )

    def read(self, stream):
        parents = []  # open elements: each is dropped from its parent once read
        for event, elem in iterparse(stream, events=("start", "end")):
            tag = _local(elem.tag)
            if event == "start":
                parents.append(elem)
                if tag == "c":
                    self.start_cell(elem)
                elif tag == "row":
                    self.start_row(elem)
                elif tag == "dimension":
                    self.dimension(elem.get("ref", ""))
                elif tag == "mergeCell":
                    self.merge(elem.get("ref", ""))
                continue
            parents.pop()
            if self.cell is not None:
                if tag == "f":
                    self.formula = True
                elif tag == "v":
                    self.value = elem.text or ""
                elif tag == "is":
                    self.value = "inline"
                elif tag == "c":
                    self.end_cell()
            elem.clear()
            if parents:
                parents[-1].remove(elem)
        return self.uncomputed


def scan_workbook(source):
    """Check the workbook at `source` (a path or a binary file object) against
    the limits; return a WorkbookScan, or raise WorkbookRefused at the first
    limit passed. zipfile.BadZipFile and XML parse errors pass through: the
    file is not a workbook."""
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise WorkbookRefused(f"工作簿包含超过 {MAX_ZIP_MEMBERS} 个部件，不像是标准目录文件，已拒绝读取。")
        # Declared sizes bound what is read: zipfile stops at them (and checks the CRC).
        total = sum(member.file_size for member in members)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise WorkbookRefused(
                f"工作簿解压后为 {total / 1024 / 1024:.1f} MB，超出导入上限 {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB。"
                "请删除图片等与目录无关的内容，或拆分为几个文件后分别导入。"
            )
        sheets = _worksheet_parts(source)
        if len(sheets) > MAX_SHEETS:
            raise WorkbookRefused(f"工作簿有 {len(sheets)} 个工作表，超出导入上限 {MAX_SHEETS} 个。请拆分后分别导入。")
        scan = WorkbookScan()
        for name, part in sheets:
            with archive.open(part) as stream:
                uncomputed = _SheetPass(scan, name).read(stream)
            if uncomputed:
                scan.uncomputed[name] = uncomputed
    return scan
