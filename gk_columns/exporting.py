"""Writing an organisation's catalogue version as an Excel workbook in the
national layout (国办发〔2019〕54号 standard-catalogue table), one sheet per
domain, so that it can be printed, filed and read back by gk_columns.importing.
"""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .tables import set_xlsx_value
from .vocab import Audience, Channel, FivePublic, Level, Mode

TICK = "√"
CHECKED, UNCHECKED = "■", "□"
HEADER_ROWS = (2, 3)
FIRST_DATA_ROW = 4

# (group label, [(sub label, width)]) — a group without subs spans both header rows.
BASE_COLUMNS = [
    ("序号", [("", 6)]),
    ("公开事项", [("一级事项", 14), ("二级事项", 16)]),
    ("公开内容（要素）", [("", 36)]),
    ("公开依据", [("", 34)]),
    ("公开时限", [("", 20)]),
    ("公开主体", [("", 14)]),
    ("公开渠道和载体", [("", 30)]),
    ("公开对象", [(Audience.PUBLIC.value, 7), (Audience.SPECIFIC.value, 7)]),
    ("公开方式", [(Mode.PROACTIVE.value, 6), (Mode.ON_REQUEST.value, 7)]),
    ("公开层级", [(Level.COUNTY.value, 6), (Level.TOWNSHIP.value, 6), (Level.VILLAGE.value, 6)]),
]
FIVE_PUBLICS_COLUMNS = ("五公开", [(v.value, 7) for v in FivePublic])
NOTE_COLUMNS = ("备注", [("", 16)])

_thin = Side(style="thin", color="808080")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRE = Alignment(wrap_text=True, vertical="center", horizontal="center")
_SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def catalogue_for_export(organisation, version=None):
    """The version to export: `version` if given, else the published one, else the newest."""
    catalogues = organisation.catalogues.all()
    if version is not None:
        return catalogues.get(version=version)
    return organisation.current_catalogue() or catalogues.order_by("-version").first()


def channel_checkbox_text(channels):
    """The national ■/□ list, two channels to a line as printed catalogues have it."""
    chosen = set(channels or [])
    marks = [f"{CHECKED if c.value in chosen else UNCHECKED}{c.value}" for c in Channel]
    return "\n".join(" ".join(marks[i : i + 2]) for i in range(0, len(marks), 2))


def domain_title(organisation, domain):
    name = domain.name[:-2] if domain.name.endswith("领域") else domain.name
    return f"{organisation.name}{name}领域基层政务公开标准目录"


def _sheet_name(name, taken):
    base = name.translate(_SHEET_NAME_FORBIDDEN)[:31] or "目录"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


def _layout(entries):
    groups = list(BASE_COLUMNS)
    if any(e.five_publics for e in entries):
        groups.append(FIVE_PUBLICS_COLUMNS)
    if any(e.not_applicable for e in entries):
        groups.append(NOTE_COLUMNS)
    return groups


def _write_header(ws, groups, title):
    width = sum(len(subs) for _, subs in groups)
    set_xlsx_value(ws.cell(1, 1), title).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.row_dimensions[1].height = 30
    top, sub_row = HEADER_ROWS
    col = 1
    for label, subs in groups:
        ws.cell(top, col, label)
        if len(subs) == 1 and not subs[0][0]:
            ws.merge_cells(start_row=top, start_column=col, end_row=sub_row, end_column=col)
        else:
            if len(subs) > 1:
                ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + len(subs) - 1)
            for i, (sub, _) in enumerate(subs):
                ws.cell(sub_row, col + i, sub)
        for i, (_, width_chars) in enumerate(subs):
            ws.column_dimensions[get_column_letter(col + i)].width = width_chars
        col += len(subs)
    for r in HEADER_ROWS:
        for c in range(1, width + 1):
            cell = ws.cell(r, c)
            cell.font = Font(bold=True)
            cell.alignment = CENTRE
            cell.fill = HEADER_FILL
            cell.border = BORDER
    return width


def _row_values(number, entry, groups):
    values = [
        number,
        entry.item_l1,
        entry.item_l2,
        entry.content,
        entry.basis,
        entry.time_limit,
        entry.subject,
        channel_checkbox_text(entry.channels),
    ]
    values += [TICK if v.value in entry.audience else "" for v in Audience]
    values += [TICK if v.value in entry.mode else "" for v in Mode]
    values += [TICK if v.value in entry.level else "" for v in Level]
    labels = [label for label, _ in groups]
    if FIVE_PUBLICS_COLUMNS[0] in labels:
        values += [TICK if v.value in entry.five_publics else "" for v in FivePublic]
    if NOTE_COLUMNS[0] in labels:
        values.append(f"不适用：{entry.not_applicable_reason}" if entry.not_applicable else "")
    return values


def _write_domain_sheet(ws, organisation, domain, entries):
    groups = _layout(entries)
    width = _write_header(ws, groups, domain_title(organisation, domain))
    tick_from = 9  # columns from I on hold √ marks
    for number, entry in enumerate(entries, start=1):
        r = FIRST_DATA_ROW + number - 1
        for c, value in enumerate(_row_values(number, entry, groups), start=1):
            # Entry text is the editors' (or an imported file's): written as text, never as a formula.
            cell = set_xlsx_value(ws.cell(r, c), value if value != "" else None)
            cell.alignment = CENTRE if c == 1 or c >= tick_from else WRAP
            cell.border = BORDER
    # 一级事项 merged down over its 二级事项, as the printed tables show it.
    run_start = 0
    for i in range(1, len(entries) + 1):
        if i == len(entries) or entries[i].item_l1 != entries[run_start].item_l1:
            if i - run_start > 1:
                ws.merge_cells(
                    start_row=FIRST_DATA_ROW + run_start, start_column=2, end_row=FIRST_DATA_ROW + i - 1, end_column=2
                )
            run_start = i
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
    ws.print_title_rows = f"{HEADER_ROWS[0]}:{HEADER_ROWS[1]}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return width


def export_catalogue(catalogue, destination=None):
    """Write `catalogue` as a workbook (one sheet per domain) and return it;
    saved to `destination` (a path or a binary file object) when given."""
    entries = list(catalogue.entries.select_related("domain").order_by("domain__order", "domain__pk", "order", "pk"))
    if not entries:
        raise ValueError(f"第{catalogue.version}版没有任何事项，无法导出。")
    organisation = catalogue.organisation
    by_domain = {}
    for entry in entries:
        by_domain.setdefault(entry.domain, []).append(entry)
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken = set()
    for domain, domain_entries in by_domain.items():
        ws = workbook.create_sheet(_sheet_name(domain.name, taken))
        _write_domain_sheet(ws, organisation, domain, domain_entries)
    workbook.properties.title = f"{organisation.name}基层政务公开标准目录（第{catalogue.version}版）"
    workbook.properties.creator = "gk-portal"
    if destination is not None:
        workbook.save(destination)
    return workbook

