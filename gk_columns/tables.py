"""Renderings of report tables shared by the report commands (coverage, validity
review, re-evaluation, interpretation timeliness): aligned text, CSV for Excel,
JSON with the Chinese readable.

Every spreadsheet the project writes — CSV here, xlsx in gk_columns.exporting
and gk_columns.coverage, the admin's exports through
gk_columns.views.exports — puts text through `inert_csv_value` or
`set_xlsx_value`: text from editors and imported files that begins like a
formula ("=HYPERLINK(…)", "+cmd|…", "@SUM(…)") must reach the reader as the
text it is, never as a formula Excel or WPS would run (CSV/formula injection).
"""

import csv
import io
import json
import unicodedata

from openpyxl.cell import WriteOnlyCell

# What makes Excel, WPS and LibreOffice read a cell as a formula (OWASP "CSV
# Injection"): =, +, -, @, and a leading tab or carriage return they skip.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value):
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def inert_csv_value(value):
    """`value` as a CSV cell: text that a spreadsheet would run as a formula gets
    a leading apostrophe, which Excel reads as "text follows". Numbers, dates and
    other non-text values pass unchanged (-5 stays the number -5)."""
    return "'" + value if looks_like_formula(value) else value


def set_xlsx_value(cell, value):
    """Put `value` into an openpyxl cell as data: text is always stored as text
    (openpyxl would store "=…" as a formula and "#N/A" as an error), so the
    cell shows, and reads back, exactly the text written. Formula-like text is
    also marked with Excel's quote prefix, so that editing the cell later does
    not turn it into a formula either. Numbers stay numbers."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    return cell


def xlsx_cell(worksheet, value):
    """A new cell of `worksheet` holding `value` as data, for `worksheet.append`."""
    return set_xlsx_value(WriteOnlyCell(worksheet), value)


def xlsx_row(worksheet, values):
    return [xlsx_cell(worksheet, value) for value in values]


def display_width(text):
    """Columns `text` takes in a terminal: CJK (wide and full-width) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_text_table(headings, rows):
    """Rows as aligned text."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(display_width(cell) for cell in column) for column in zip(headings, *rows, strict=False)]

    def line(cells):
        return "  ".join(cell + " " * (width - display_width(cell)) for cell, width in zip(cells, widths, strict=False)).rstrip()

    return "\n".join([line(headings), "  ".join("-" * w for w in widths)] + [line(row) for row in rows]) + "\n"


def write_csv(stream, headings, rows):
    """CSV with a BOM, as Excel needs it to read UTF-8 Chinese; formula-like
    text made inert."""
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow([inert_csv_value(cell) for cell in headings])
    writer.writerows([inert_csv_value(cell) for cell in row] for row in rows)


def csv_text(headings, rows):
    buffer = io.StringIO()
    write_csv(buffer, headings, rows)
    return buffer.getvalue()


def json_text(payload):
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
