"""Workbooks laid out the way real standard catalogues (标准目录) are published,
built in code at test time with real merged cells.

Each builder follows one published table: its header wording and merges, its
title, its quirks (blank leading column, 同上, ■/□ text, traditional
characters …) and rows copied from it. The source of each is named above the
builder. Published tables reach the web as HTML or PDF; the workbook rebuilds
the spreadsheet the office kept, merge for merge as the page shows them.
"""

import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

# In a row list, UP means "this cell is merged with the one above it".
UP = object()


class SheetWriter:
    """Writes rows into a worksheet starting at a column, merging as asked."""

    def __init__(self, ws, first_col=1):
        self.ws = ws
        self.first_col = first_col
        self.row = 1

    def skip(self, n=1):
        self.row += n
        return self

    def title(self, text, width):
        self.ws.cell(self.row, self.first_col, text)
        if width > 1:
            self.ws.merge_cells(
                start_row=self.row, start_column=self.first_col, end_row=self.row, end_column=self.first_col + width - 1
            )
        self.row += 1
        return self

    def header(self, spec):
        """A header from [(label,), (label, [sub, sub]), …]: one-row header when
        no group has subs, else two rows with groups merged across and single
        labels merged down."""
        two_rows = any(len(item) > 1 for item in spec)
        top, c = self.row, self.first_col
        for item in spec:
            label, subs = item[0], (item[1] if len(item) > 1 else [])
            self.ws.cell(top, c, label)
            if subs:
                if len(subs) > 1:
                    self.ws.merge_cells(start_row=top, start_column=c, end_row=top, end_column=c + len(subs) - 1)
                for i, sub in enumerate(subs):
                    self.ws.cell(top + 1, c + i, sub)
                c += len(subs)
            else:
                if two_rows:
                    self.ws.merge_cells(start_row=top, start_column=c, end_row=top + 1, end_column=c)
                c += 1
        self.row += 2 if two_rows else 1
        return self

    def rows(self, rows):
        """Data rows; UP merges a cell with the cell above it."""
        start = self.row
        for i, values in enumerate(rows):
            for j, value in enumerate(values):
                if value is not UP and value not in (None, ""):
                    cell = self.ws.cell(start + i, self.first_col + j, value)
                    cell.alignment = Alignment(wrap_text=True, vertical="center")
        # Merge every run of UP cells into the cell that starts it.
        width = max((len(r) for r in rows), default=0)
        for j in range(width):
            i = 0
            while i < len(rows):
                k = i + 1
                while k < len(rows) and j < len(rows[k]) and rows[k][j] is UP:
                    k += 1
                if k - i > 1:
                    col = self.first_col + j
                    self.ws.merge_cells(start_row=start + i, start_column=col, end_row=start + k - 1, end_column=col)
                i = k
        self.row = start + len(rows)
        return self

    def letter(self, offset):
        """The column letter of the offset-th column of the table (0-based)."""
        return get_column_letter(self.first_col + offset)


def to_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _new_workbook(title):
    wb = Workbook()
    wb.active.title = title
    return wb


# The national two-row header (国办发〔2019〕54号 guideline layout), as most
# county and township catalogues reuse it, with the sub-labels each source uses.
def national_header(audience=("全社会", "特定群体"), mode=("主动", "依申请"), level=("县级", "乡级"), extra=()):
    spec = [
        ("序号",),
        ("公开事项", ["一级事项", "二级事项"]),
        ("公开内容（要素）",),
        ("公开依据",),
        ("公开时限",),
        ("公开主体",),
        ("公开渠道和载体",),
        ("公开对象", list(audience)),
        ("公开方式", list(mode)),
    ]
    if level:
        spec.append(("公开层级", list(level)))
    spec.extend(extra)
    return spec


# ---------------------------------------------------------------------------
# 1. 通海县九龙街道办事处 — several domain tables one after another in one sheet.
# Source: https://www.tonghai.gov.cn/thxzfxxgk/jljd/20240816/1549045.html
# ("(一)重大建设项目领域基层政务公开标准目录", "(二)公共资源交易领域…",
# "(三)义务教育领域…"). Header cells are broken by spaces as published
# ("序 号", "一级事 项", "公开主 体"); 公开层级 has the single sub-column 乡级;
# 特定群众 / 依申请公开 wording.
# ---------------------------------------------------------------------------

TONGHAI_HEADER = [
    ("序 号",),
    ("公开事项", ["一级事 项", "二级事 项"]),
    ("公开内容(要素)",),
    ("公开依据",),
    ("公开时限",),
    ("公开主 体",),
    ("公开渠道和载体",),
    ("公开对象", ["全社 会", "特定 群众"]),
    ("公开方式", ["主 动", "依申请公开"]),
    ("公开层级", ["乡级"]),
]
TONGHAI_TABLES = [
    (
        "(一)重大建设项目领域基层政务公开标准目录",
        [
            [
                1,
                "征收土地信息",
                "征收土地信息",
                "征地告知书以及履行征地报批前程序的相关证明材料，征收土地方案、征地批后实施中征地公告、征地补偿安置方案公告等",
                "《政府信息公开条例》《关于推进重大建设项目批准和实施领域政府信息公开的意见》",
                "信息形成20个工作日内公开",
                "九龙街道办事处",
                "■政府网站",
                "√",
                "",
                "√",
                "",
                "√",
            ]
        ],
    ),
    (
        "(二)公共资源交易领域基层政务公开标准目录",
        [
            [
                1,
                "政府采购信息",
                "法律法规及政策文件",
                "与政府采购有关的法律法规及政策文件",
                "《中华人民共和国政府信息公开条例》",
                "信息形成或者变更之日起20个工作日内",
                "九龙街道办事处",
                "■政府网站",
                "√",
                "",
                "√",
                "",
                "√",
            ]
        ],
    ),
    (
        "(三)义务教育领域基层政务公开标准目录",
        [
            [
                1,
                "重要政策执行情况",
                "控辍保学",
                "辖区内控辍保学实施情况",
                "相关政策文件",
                "信息形成或者变更之日起20个工作日内",
                "九龙街道办事处",
                "■政府网站",
                "√",
                "",
                "√",
                "",
                "√",
            ]
        ],
    ),
]
TONGHAI_DOMAINS = ["重大建设项目", "公共资源交易", "义务教育"]


def tonghai_multi_table(tables=None):
    """Returns (workbook, positions) where positions[i] is the first data row of table i."""
    wb = _new_workbook("九龙街道")
    w = SheetWriter(wb.active)
    positions = []
    for title, rows in tables or TONGHAI_TABLES:
        w.title(title, 13).header(TONGHAI_HEADER)
        positions.append(w.row)
        w.rows(rows).skip()
    return wb, positions


# ---------------------------------------------------------------------------
# 2. 东阳市 公共法律服务领域基层政务公开标准目录 (浙江, 2020-09-30).
# Source: 东阳市人民政府 page art_1229370515_58876431, as mirrored at
# http://www.huaranrunfang.com/art/2020/9/30/art_1229370515_58876431.html
# Extra columns 公开 (■文本) and 五公开 (□决策 …), levels 东阳市级 / 镇街乡 / 村,
# 一级事项 merged down, "同上" in 公开依据 and 公开渠道和载体, ■ text run
# together with a note after ■其他.
# ---------------------------------------------------------------------------

DONGYANG_HEADER = national_header(
    audience=("全社会", "特定群众"),
    mode=("主动", "依申请公开"),
    level=("东阳市级", "镇街乡", "村"),
    extra=[("公开",), ("五公开",)],
)
DONGYANG_CHANNELS = (
    "■政府网站■两微一端■广播电视■纸质媒体■入户/现场■社区/企事业单位/村公示栏(电子屏)"
    "■其他法律服务网注:有关公开信息可推送或归集至本省级法律服务网。"
)
DONGYANG_ROWS = [
    [
        1,
        "法治宣传教育",
        "法律知识普及服务",
        "法律法规资讯;普法动态资讯;普法讲师团信息等",
        "《中共中央、国务院转发<中央宣传部、司法部关于在公民中开展法治宣传教育的第七个五年规划(2016-2020年)>》、各省“七五”普法规划",
        "自制作或获取该信息之日起20个工作日内公开",
        "市司法局(行政复议局)",
        DONGYANG_CHANNELS,
        "√",
        "",
        "√",
        "",
        "√",
        "",
        "",
        "■文本",
        "□决策",
    ],
    [
        UP,
        UP,
        "推广法治文化服务",
        "辖区内法治文化阵地信息;法治文化作品、产品",
        "同上",
        "自制作或获取该信息之日起20个工作日内公开",
        "市司法局(行政复议局)",
        "同上",
        "√",
        "",
        "√",
        "",
        "√",
        "",
        "",
        "■文本",
        "□决策",
    ],
    [
        UP,
        UP,
        "法治宣传教育表彰奖励",
        "评选表彰通知;先进集体和个人申报表(空白表);拟表彰的先进集体先进个人名单;表彰决定",
        "同上",
        "自制作或获取该信息之日起20个工作日内公开",
        "市司法局(行政复议局)",
        "同上",
        "√",
        "",
        "√",
        "",
        "√",
        "",
        "",
        "■文本",
        "□决策",
    ],
]


def dongyang_legal_services(rows=None):
    wb = _new_workbook("公共法律服务")
    w = SheetWriter(wb.active)
    w.title("(七)公共法律服务领域基层政务公开标准目录", 17).header(DONGYANG_HEADER)
    first = w.row
    w.rows(rows or DONGYANG_ROWS)
    return wb, first


# ---------------------------------------------------------------------------
# 3. 凤屯镇 政府文件信息领域基层政务公开标准目录, in traditional characters.
# Source: the 凤屯镇 catalogue as served in traditional script at
# https://imortgage.com.cn/info/1475/44091.htm ("(二)鳳屯鎮政府文件信息領域…").
# Levels 鎮級 / 村級, 特定群眾, 依申請公開, channels "■單位/村委會公示欄(電子屏)"
# and "■會議". 政府文件信息 is a local domain, not one of the 26 pilot domains.
# ---------------------------------------------------------------------------

FENGTUN_HEADER = [
    ("序號",),
    ("公開事項", ["一級事項", "二級事項"]),
    ("公開內容(要素)",),
    ("公開依據",),
    ("公開時限",),
    ("公開主體",),
    ("公開渠道和載體",),
    ("公開對象", ["全社會", "特定群眾"]),
    ("公開方式", ["主動", "依申請公開"]),
    ("公開層級", ["鎮級", "村級"]),
]
FENGTUN_BASIS = "《中華人民共和國政府信息公開條例》(國務院令第711號)"
FENGTUN_ROWS = [
    [1, "政府文件", "政府文件", "政府文件。", FENGTUN_BASIS, "信息形成或變更之日起3個工作日內", "鎮人民政府",
     "■政府網站 ■單位/村委會公示欄(電子屏)", "√", "", "√", "", "√", ""],
    [2, "概況信息", "鄉鎮簡介",
     "鄉鎮行政區劃、人口民族、發展優勢、地理位置、自然概貌、水系、氣候環境、自然資源、歷史文化、旅遊資源、綜合實力和社會事業等信息。",
     FENGTUN_BASIS, "信息形成或變更之日起20個工作日內", "鎮人民政府", "■政府網站", "√", "", "√", "", "√", ""],
    [3, "政府工作報告", "政府工作報告", "鎮人民政府工作報告全文。", FENGTUN_BASIS, "信息形成或變更之日起20個工作日內",
     "鎮人民政府", "■政府網站 ■會議", "√", "", "√", "", "√", ""],
]  # fmt: skip


def fengtun_traditional():
    wb = _new_workbook("鳳屯鎮")
    w = SheetWriter(wb.active)
    w.title("(二)鳳屯鎮政府文件信息領域基層政務公開標準目錄", 14).header(FENGTUN_HEADER)
    first = w.row
    w.rows(FENGTUN_ROWS)
    return wb, first


# ---------------------------------------------------------------------------
# 4. 青浦区教育局 义务教育领域基层政务公开标准目录（2023年）.
# Source: https://www.shqp.gov.cn/edu/eduzwgk/xxgk/sm/20230927/1140127.html
# No 公开层级 column (the level is the department's own), 特定对象 / 依申请,
# the full ■/□ channel list with "村居/企事业单位公示栏(电子屏)", 一级事项 and
# 序号 merged down. The sheet starts after two blank rows and a blank
# leading column, as sheets exported from the office's Word file do.
# ---------------------------------------------------------------------------

QINGPU_HEADER = national_header(audience=("全社会", "特定对象"), mode=("主动", "依申请"), level=None)
QINGPU_CHANNELS = (
    "■政府网站□政府公报 □两微一端□发布会/听证会 □广播电视□纸质媒体 □公开查阅点□政务服务中心 "
    "□便民服务站□入户/现场 □村居/企事业单位公示栏(电子屏) □精准推送□其他"
)
QINGPU_TIME = "信息形成或者变更之日起20个工作日内"
QINGPU_BASIS = "《中华人民共和国政府信息公开条例》"
QINGPU_ROWS = [
    [1, "政策文件", "教育法律", "教育法律、规章制度", QINGPU_BASIS, QINGPU_TIME, "区教育局", QINGPU_CHANNELS, "√", "", "√", ""],
    [UP, UP, "规范性文件", "部门规范性文件", QINGPU_BASIS, QINGPU_TIME, "区教育局", QINGPU_CHANNELS, "√", "", "√", ""],
    [2, "教育概况", "教育事业发展主要情况", "教育事业发展主要情况", QINGPU_BASIS, QINGPU_TIME, "区教育局", QINGPU_CHANNELS,
     "√", "", "√", ""],
    [UP, UP, "教育统计数据", "学校、学生、教师数据统计信息", QINGPU_BASIS, QINGPU_TIME, "区教育局", QINGPU_CHANNELS,
     "√", "", "√", ""],
]  # fmt: skip


def qingpu_compulsory_education(rows=None):
    wb = _new_workbook("义务教育")
    w = SheetWriter(wb.active, first_col=2)
    w.skip(2).title("青浦区教育局义务教育领域基层政务公开标准目录（2023年）", 12).header(QINGPU_HEADER)
    first = w.row
    w.rows(rows or QINGPU_ROWS)
    return wb, first, w


# ---------------------------------------------------------------------------
# 5. 天津市宝坻区 社会救助领域基层政务公开标准目录.
# Source: https://www.tjbd.gov.cn/zwgk/jczwgk/ly/shjzly/202012/t20201216_5039688.html
# Levels 县级 / 乡、村级 (one sub-column for two levels), 特定群众, 依申请公开;
# 一级事项 merged over its 二级事项 and 公开时限/公开主体 merged down the table.
# ---------------------------------------------------------------------------

BAODI_HEADER = national_header(audience=("全社会", "特定群众"), mode=("主动", "依申请公开"), level=("县级", "乡、村级"))
BAODI_SUBJECT = "县级政府民政部门、乡镇政府（街道办事处）"
BAODI_TIME = "制定或获取信息之日起10个工作日内"
BAODI_ROWS = [
    [1, "综合业务", "政策", "《社会救助暂行办法》", "《信息公开条例》及相关规定", BAODI_TIME, BAODI_SUBJECT, "■政府网站",
     "√", "", "√", "", "√", "√"],
    [2, UP, "监督", "社会救助信访通讯地址", "《信息公开条例》及相关规定", UP, UP, "■政府网站", "√", "", "√", "", "√", "√"],
    [3, "最低生活保障", "政策",
     "《国务院关于进一步加强和改进最低生活保障工作的意见》、《最低生活保障审核审批办法（试行）》、各地配套政策法规文件",
     "《信息公开条例》及相关规定", UP, UP, "■政府网站", "√", "", "√", "", "√", "√"],
    [4, UP, "办事指南", "办理事项、办理条件、最低生活保障标准、申请材料、办理流程、办理时间、地点、联系方式",
     "《国务院关于进一步加强和改进最低生活保障工作的意见》、各地相关政策法规文件", UP, UP, "■政府网站",
     "√", "", "√", "", "√", "√"],
    [5, UP, "审核", "初审对象名单及相关信息", "《国务院关于进一步加强和改进最低生活保障工作的意见》、各地相关政策法规文件",
     UP, UP, "■政府网站 ■社区/企事业单位/村公示栏(电子屏)", "√", "", "√", "", "√", "√"],
]  # fmt: skip


def baodi_social_assistance(rows=None, workbook=None, title="社会救助"):
    wb = workbook or _new_workbook(title)
    ws = wb.active if workbook is None else wb.create_sheet(title)
    w = SheetWriter(ws)
    w.title("社会救助领域基层政务公开标准目录", 14).header(BAODI_HEADER)
    first = w.row
    w.rows(rows or BAODI_ROWS)
    return wb, first


# ---------------------------------------------------------------------------
# 6. 户籍管理领域基层政务公开标准目录 (山东 tez.gov.cn, 2023-06-28).
# Source: http://tez.gov.cn/zwgk/zwgkzt/jczwgk/sdly/202011/t20201120_1104051.html
# Channels as free text, one per line ("政府网站 / 山东政务服务网 / 入户/现场"),
# no 公开层级 column, 特定群众 / 依申请公开. The page shows the √ columns
# without their marks; they are filled as the national 户籍管理 guideline
# sets them (全社会, 主动).
# ---------------------------------------------------------------------------

HUJI_HEADER = national_header(audience=("全社会", "特定群众"), mode=("主动", "依申请公开"), level=None)
HUJI_CONTENT = "受理部门、办理条件、办理流程、所需材料、办理时限、收费依据及标准"
HUJI_TIME = "形成或者变更之日起20个工作日内予以公开"
HUJI_ROWS = [
    [1, "出生登记", "出生登记", HUJI_CONTENT, "《户口登记条例》、《政府信息公开条例》", HUJI_TIME, "公安机关",
     "政府网站\n山东政务服务网\n入户/现场", "√", "", "√", ""],
    [2, "收养、入籍等登记", "收养登记", HUJI_CONTENT,
     "《户口登记条例》、《收养法》、《中国公民收养子女登记办法》、《国籍法》、《政府信息公开条例》", HUJI_TIME, "公安机关",
     "政府网站\n入户/现场", "√", "", "√", ""],
    [3, "注销登记", "死亡注销", HUJI_CONTENT, "《户口登记条例》、《政府信息公开条例》", HUJI_TIME, "公安机关",
     "政府网站\n入户/现场", "√", "", "√", ""],
    [4, UP, "服现役注销", HUJI_CONTENT, "《户口登记条例》、《政府信息公开条例》", HUJI_TIME, "公安机关",
     "政府网站\n入户/现场", "√", "", "√", ""],
    [5, "迁移登记", "迁出、迁入登记", HUJI_CONTENT, "《户口登记条例》、《中华人民共和国政府信息公开条例》", HUJI_TIME,
     "公安机关", "政府网站\n入户/现场", "√", "", "√", ""],
]  # fmt: skip


def household_registration(workbook=None, title="户籍管理"):
    wb = workbook or _new_workbook(title)
    ws = wb.active if workbook is None else wb.create_sheet(title)
    w = SheetWriter(ws)
    w.title("户籍管理领域基层政务公开标准目录", 12).header(HUJI_HEADER)
    first = w.row
    w.rows(HUJI_ROWS)
    return wb, first


# ---------------------------------------------------------------------------
# 7. 公共文化服务领域基层政务公开标准目录, township level (云南, yncn.gov.cn).
# Source: https://yncn.gov.cn/info/32784/8965790.htm — rows, numbered
# channel text "1.政府网站; 2.其他". Here 公开对象 / 公开方式 / 公开层级 are one
# text column each under a one-row header, the shape of catalogues that write
# "全社会" in a 公开范围 column (e.g. 保安镇, h40v.com.cn mirror of its
# 主动公开目录), with "同上" in 一级事项 and in 公开依据.
# ---------------------------------------------------------------------------

CULTURE_HEADER = [
    ("序号",),
    ("一级事项",),
    ("二级事项",),
    ("公开内容（要素）",),
    ("公开依据",),
    ("公开时限",),
    ("公开主体",),
    ("公开渠道和载体",),
    ("公开对象",),
    ("公开方式",),
    ("公开层级",),
]
CULTURE_OPENING = "1.机构名称;2.开放时间;3.机构地址;4.联系电话;5.临时停止开放信息。"
CULTURE_TIME = "信息形成或者变更之日起20个工作日内公开"
CULTURE_ROWS = [
    [1, "公共服务", "公共文化机构免费开放信息", CULTURE_OPENING,
     "1.《中华人民共和国公共文化服务保障法》;2.《中华人民共和国政府信息公开条例》;3.《文化部 财政部关于推进全国美术馆、"
     "公共图书馆、文化馆(站)免费开放工作的意见》(文财务发[2011]5号)", CULTURE_TIME, "乡镇人民政府",
     "1.政府网站; 2.其他", "全社会", "主动", "县级、乡级"],
    [2, "同上", "特殊群体公共文化服务信息", CULTURE_OPENING,
     "1.《残疾人保障法》;2.《中华人民共和国政府信息公开条例》;3.《中共中央办公厅 国务院办公厅印发关于加快构建现代公共"
     "文化服务体系的意见》(中办发[2015]2号)", CULTURE_TIME, "乡镇人民政府", "1.政府网站; 2.其他", "全社会",
     "主动", "县级、乡级"],
    [3, "同上", "组织开展群众文化活动", CULTURE_OPENING,
     "1.《中华人民共和国政府信息公开条例》;2.《文化馆服务标准》(GB T 32939—2016)", CULTURE_TIME, "乡镇人民政府",
     "1.政府网站; 2.其他", "全社会", "主动", "县级、乡级"],
    [4, "同上", "下基层辅导、演出、展览和指导基层群众文化活动",
     "1.活动时间;2.活动单位;3.活动地址;4.联系电话;5.临时停止活动信息。", "同上", CULTURE_TIME, "乡镇人民政府",
     "1.政府网站; 2.其他", "全社会、特定群体", "主动、依申请", "乡级"],
]  # fmt: skip


def culture_text_columns(rows=None):
    wb = _new_workbook("公共文化服务")
    w = SheetWriter(wb.active)
    w.title("公共文化服务领域基层政务公开标准目录", 11).header(CULTURE_HEADER)
    first = w.row
    w.rows(rows or CULTURE_ROWS)
    return wb, first


def social_assistance_and_household():
    """Two domains, one per sheet (宝坻 社会救助 + 户籍管理), plus the empty
    Sheet2 / Sheet3 that older Excel versions leave in every new workbook."""
    wb, _ = baodi_social_assistance()
    household_registration(workbook=wb)
    wb.create_sheet("Sheet2")
    wb.create_sheet("Sheet3")
    return wb


# ---------------------------------------------------------------------------
# Hostile and unusual workbooks (security finding "Hardening" 7 and 17): tiny
# files that declare huge sheets or merges, a zip that inflates past the limit,
# formulas with and without a saved result. openpyxl cannot write most of
# these without building what they declare, so they are made by editing the
# XML of a small workbook.
# ---------------------------------------------------------------------------

SHEET1 = "xl/worksheets/sheet1.xml"


def rewrite_part(workbook, part, change):
    """The workbook saved, with the text of one zip part passed through `change`."""
    source = zipfile.ZipFile(to_bytes(workbook) if isinstance(workbook, Workbook) else workbook)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, data)
    out.seek(0)
    return out


def far_corner_cells():
    """A real catalogue sheet plus one cell at XFD1 and one at A1048576: about 5 KB."""
    wb, _ = baodi_social_assistance()
    wb.active["XFD1"] = "x"
    wb.active["A1048576"] = "y"
    return wb


def with_dimension(workbook, ref):
    """The workbook with its first sheet's declared <dimension> replaced (a lie, if it wants)."""
    return rewrite_part(workbook, SHEET1, lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml))


def with_merges(workbook, refs):
    """The workbook's first sheet with these merged ranges instead of its own."""
    cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs)

    def change(xml):
        xml = re.sub(r"<mergeCells.*?</mergeCells>", "", xml, flags=re.S)
        return xml.replace("</sheetData>", f'</sheetData><mergeCells count="{len(refs)}">{cells}</mergeCells>', 1)

    return rewrite_part(workbook, SHEET1, change)


def inflated(workbook, megabytes):
    """The workbook with `megabytes` of blanks inside its first sheet's XML: a
    valid workbook that compresses to a few kilobytes (a zip bomb in small)."""
    padding = " " * (megabytes * 1024 * 1024)
    return rewrite_part(workbook, SHEET1, lambda xml: xml.replace("</sheetData>", f"</sheetData>{padding}", 1))


def with_cached_value(workbook, ref, value):
    """The formula at `ref` given the saved result Excel would have stored with it
    (openpyxl writes formulas without one)."""

    def change(xml):
        cell = re.compile(rf'<c r="{ref}"([^>]*)>(<f>.*?</f>)(?:<v\s*/>|<v></v>)?</c>')
        assert cell.search(xml), f"no formula at {ref}"
        return cell.sub(lambda m: f'<c r="{ref}"{m.group(1)} t="str">{m.group(2)}<v>{value}</v></c>', xml, count=1)

    return rewrite_part(workbook, SHEET1, change)
