"""Renderings of report tables shared by the report commands (coverage, validity
review, re-evaluation, interpretation timeliness): aligned text, CSV for Excel,
JSON with the Chinese readable."""

import csv
import io
import json
import unicodedata


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
    """CSV with a BOM, as Excel needs it to read UTF-8 Chinese."""
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(headings)
    writer.writerows(rows)


def csv_text(headings, rows):
    buffer = io.StringIO()
    write_csv(buffer, headings, rows)
    return buffer.getvalue()


def json_text(payload):
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
