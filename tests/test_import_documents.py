"""Bulk import of existing documents (gk import-documents, gk_pages.importing):
good and bad files, line-numbered errors, nothing written on error, re-import
without duplicates, the JSON output, the admin upload → preview → confirm, and
the demo data."""

import datetime
import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from taggit.models import Tag
from wagtail.documents import get_document_model
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    PageLogEntry,
    Revision,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)

from gk_columns.models import Catalogue
from gk_columns.uploads import upload_path
from gk_pages.disclosure import INDEX_KEPT_SERIAL_MAX, IndexNumberCounter
from gk_pages.importing import (
    MAX_LINE_CHARS,
    MAX_LINES,
    PREVIEW_ROWS,
    Action,
    ArchiveSource,
    DocumentImporter,
    FileSource,
    ImportSourceError,
    LinesSource,
    body_to_rich_text,
    import_documents,
)
from gk_pages.management.commands.load_topics import load_topics
from gk_pages.models import ColumnPage, DocumentPage, OrganisationPage
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)
Document = get_document_model()


# -- building blocks ----------------------------------------------------------------------


def _catalogue(org, domain, items):
    catalogue = filed_catalogue(org, [entry_values(domain, l1, l2) for l1, l2 in items])
    catalogue.publish()
    return catalogue


@pytest.fixture
def county(portal, settings, tmp_path):
    """测试县教育局 (code jyj) with five columns, one of them retired and two sharing
    the name 工作动态; 测试县甲镇 with columns of its own; the topic list."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GK_PRIVATE_UPLOAD_DIR = tmp_path / "private"
    # Tests below set up the review workflows they need themselves.
    settings.GK_REVIEW_WORKFLOW = False
    load_topics()
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    org = make_org("测试县教育局", code="jyj")
    items = [
        ("教育政策", "政策文件"),
        ("招生入学", "招生政策"),
        ("学生资助", "资助政策"),
        ("教育概况", "工作动态"),
        ("民办教育", "工作动态"),
        ("教育概况", "已废止事项"),
    ]
    first = _catalogue(org, domain, items)
    # A new version without 已废止事项 retires its column (content kept).
    second = Catalogue.new_draft(org, copy_from=first)
    second.entries.filter(item_l2="已废止事项").delete()
    second.submit()
    second.file()
    second.publish()
    township = make_org("测试县甲镇人民政府", code="jiazhen")
    _catalogue(township, domain, [("教育政策", "政策文件")])
    columns = {
        c.entry.item_l1 + "/" + c.entry.item_l2 if c.title == "工作动态" else c.title: c
        for c in ColumnPage.objects.filter(entry__catalogue__organisation=org).select_related("entry")
    }
    return SimpleNamespace(
        org=org, township=township, columns=columns, township_column=ColumnPage.objects.get(entry__catalogue__organisation=township)
    )


def line(**values):
    base = {"title": "关于做好2024年义务教育学校招生入学工作的通知", "column": "招生政策", "published_date": "2024-05-22"}
    base.update(values)
    return {k: v for k, v in base.items() if v is not None}


def write_jsonl(path, rows):
    """Rows are dicts (written as JSON) or strings (written as they are)."""
    text = "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def run(county, tmp_path, rows, name="documents.jsonl", **kwargs):
    kwargs.setdefault("today", TODAY)
    return import_documents(county.org, FileSource(write_jsonl(tmp_path / name, rows)), **kwargs)


def snapshot():
    """Everything an import may write."""
    return {
        "pages": DocumentPage.objects.count(),
        "revisions": Revision.objects.count(),
        "documents": Document.objects.count(),
        "counters": sorted(IndexNumberCounter.objects.values_list("organisation_id", "year", "last_serial")),
        "log": PageLogEntry.objects.count(),
        "tags": Tag.objects.count(),
    }


def errors(result):
    return [(e.line, e.field, e.message) for e in result.errors]


GOOD = [
    line(
        index_number="jyj/2021-00005",
        doc_number="测教发[2021]5号",
        title="关于印发《测试县义务教育阶段学生资助管理办法》的通知",
        column="资助政策",
        written_date="2021年4月28日",
        published_date="2021/5/3",
        topic="教育",
        genre="通知",
        is_normative=True,
        effective_date="2021-06-01",
        body="<p style='color:red'>各学校：</p><script>alert(1)</script><p>现将办法印发给你们。</p>",
        tags=["学生资助", "规范性文件"],
        attachments=[{"path": "附件/资助名单.txt", "title": "资助名单"}],
        _old_id="OLD-0001",
    ),
    line(topic="科技、教育\\教育", genre="通知", body="第一段。\n第二段 <不是标签>。", tags="招生，义务教育"),
    line(
        title="关于2025年教师招聘面试评委抽取工作的请示",
        column="政策文件",
        published_date="2025-03-20",
        genre="请示",
        disclosure_attribute="不予公开",
        non_disclosure_ground="过程性信息",
        non_disclosure_reason="请示报告属于过程性信息",
    ),
    line(
        title="2024年秋季学期寄宿生生活补助发放情况公示",
        column="资助政策",
        published_date="2024-11-20",
        genre="公示",
        disclosure_attribute="删减后公开",
        non_disclosure_ground="个人隐私",
        non_disclosure_reason="名单中的身份证号码已删除",
        redaction_confirmed=True,
    ),
]


@pytest.fixture
def good_file(tmp_path):
    (tmp_path / "附件").mkdir()
    (tmp_path / "附件" / "资助名单.txt").write_text("张*　四年级　500元\n", encoding="utf-8")
    return write_jsonl(tmp_path / "good.jsonl", GOOD)


# -- a good file ---------------------------------------------------------------------------


def test_good_file_creates_publishes_and_keeps_the_metadata(county, good_file, client):
    result = import_documents(county.org, FileSource(good_file), today=TODAY)

    assert result.ok and result.written, errors(result)
    assert result.counts == {
        "lines": 4, "created": 4, "published": 3, "submitted": 0, "drafts": 1, "skipped": 0, "errors": 0
    }
    normative, notice, withheld, redacted = (d.page for d in result.documents)

    # Where and how it was written: a child of the matched column, saved as a revision and published.
    assert normative.get_parent().pk == county.columns["资助政策"].pk
    assert normative.live and normative.live_revision_id == normative.latest_revision_id
    assert normative.index_number == "jyj/2021-00005"  # kept as the old system gave it
    assert normative.doc_number == "测教发〔2021〕5号" and normative.doc_number_normalised == "测教发〔2021〕5号"
    assert normative.issuing_org == county.org
    assert (normative.written_date, normative.published_date) == (datetime.date(2021, 4, 28), datetime.date(2021, 5, 3))
    assert normative.effective_date == datetime.date(2021, 6, 1) and normative.is_normative
    assert str(normative.topic) == "科技、教育\\教育" and normative.genre == "通知"
    assert normative.first_published_at.date() == datetime.date(2021, 5, 3)  # its own date, not the migration's
    assert sorted(normative.tags.names()) == ["学生资助", "规范性文件"]
    assert normative.body == "<p>各学校：</p><p>现将办法印发给你们。</p>"  # cleaned like pasted HTML
    [attachment] = normative.attachments
    stored = attachment.value["document"]
    assert attachment.value["title"] == "资助名单" and stored.collection.name == county.org.name
    with stored.open_file() as handle:
        assert handle.read().decode() == "张*　四年级　500元\n"
    entry = PageLogEntry.objects.get(page=normative, action="gk.document_import")
    assert entry.data == {"source": "good.jsonl", "line": 1}

    # A number is allocated at publication, by the year of 发布日期.
    assert notice.live and notice.index_number == "jyj/2024-00001"
    assert sorted(notice.tags.names()) == ["义务教育", "招生"]
    assert notice.body == "<p>第一段。</p><p>第二段 &lt;不是标签&gt;。</p>"
    # The kept number moved the 2021 counter past it: no later document gets it again.
    assert IndexNumberCounter.objects.get(organisation=county.org, year=2021).last_serial == 5

    # 不予公开: a draft with its ground, never live, numbered only if it ever goes live.
    assert not withheld.live and withheld.first_published_at is None and withheld.index_number is None
    assert (withheld.non_disclosure_ground, withheld.non_disclosure_reason) == ("过程性信息", "请示报告属于过程性信息")
    assert redacted.live and redacted.disclosure_note == "此件删减后公开"

    # Readers see the published ones in the column and nothing of the withheld one.
    assert client.get(notice.url).status_code == 200
    assert client.get(withheld.url).status_code == 404
    listing = client.get(county.columns["政策文件"].url).content.decode()
    assert withheld.title not in listing


def test_dates_in_the_usual_chinese_spellings(county, tmp_path):
    result = run(
        county,
        tmp_path,
        [
            line(title="甲", written_date="2024年5月3日", published_date="2024.5.6"),
            line(title="乙", published_date="2024-05-06 09:30:00"),
        ],
    )
    assert result.ok, errors(result)
    assert [d.page.published_date for d in result.documents] == [datetime.date(2024, 5, 6)] * 2
    assert result.documents[0].page.written_date == datetime.date(2024, 5, 3)


def test_dry_run_writes_nothing(county, good_file):
    before = snapshot()
    result = import_documents(county.org, FileSource(good_file), dry_run=True, today=TODAY)
    assert result.ok and not result.written
    assert [d.action for d in result.documents] == [Action.PUBLISH, Action.PUBLISH, Action.DRAFT, Action.PUBLISH]
    assert snapshot() == before


def test_no_publish_imports_everything_as_drafts(county, good_file):
    result = import_documents(county.org, FileSource(good_file), publish=False, today=TODAY)
    assert result.ok and result.counts["published"] == 0 and result.counts["drafts"] == 4
    assert not DocumentPage.objects.live().exists()
    # A number from the file is the document's and stays with it; none is allocated.
    assert list(DocumentPage.objects.exclude(index_number=None).values_list("index_number", flat=True)) == [
        "jyj/2021-00005"
    ]


# -- importing again -------------------------------------------------------------------------


def test_the_same_file_twice_adds_nothing(county, good_file):
    import_documents(county.org, FileSource(good_file), today=TODAY)
    before = snapshot()
    again = import_documents(county.org, FileSource(good_file), today=TODAY)
    assert again.ok and again.counts["created"] == 0 and again.counts["skipped"] == 4
    assert [d.matched_by for d in again.documents] == ["index_number", "title_date", "title_date", "title_date"]
    assert snapshot() == before


def test_reimport_matches_by_index_number_then_doc_number_then_title_and_date(county, tmp_path):
    first = run(
        county,
        tmp_path,
        [
            line(title="甲通知", index_number="jyj/2022-00003", published_date="2022-03-01"),
            line(title="乙通知", doc_number="测教发〔2023〕7号", published_date="2023-03-01"),
            line(title="丙通知", published_date="2024-03-01"),
        ],
        name="first.jsonl",
    )
    assert first.ok and first.counts["created"] == 3
    before = snapshot()
    # As another export of the same documents would write them.
    second = run(
        county,
        tmp_path,
        [
            line(title="甲通知", index_number="jyj/2022-00003", published_date="2022-03-02"),  # date corrected
            line(title="乙通知（修订稿）", doc_number="测教发(2023)第07号", published_date="2023-03-05"),
            line(title="丙通知", published_date="2024-03-01", doc_number="测教发〔2024〕1号"),
            line(title="丁通知", published_date="2024-04-01"),
        ],
        name="second.jsonl",
    )
    assert second.ok, errors(second)
    assert [(d.action, d.matched_by) for d in second.documents] == [
        ("skip", "index_number"),
        ("skip", "doc_number"),
        ("skip", "title_date"),
        ("publish", ""),
    ]
    assert [d.existing_id for d in second.documents[:3]] == [d.page.pk for d in first.documents]
    assert DocumentPage.objects.count() == before["pages"] + 1


# -- bad files: every error with its line, nothing written -----------------------------------------


def test_bad_dates_are_reported_by_line_and_nothing_is_written(county, tmp_path):
    before = snapshot()
    result = run(
        county,
        tmp_path,
        [
            line(title="第一条，本身没有问题"),
            line(title="月份不对", published_date="2024-13-01"),
            line(title="看不懂", published_date="去年五月"),
            line(title="没有发布日期", published_date=None),
            line(title="成文晚于发布", written_date="2024-06-01", published_date="2024-05-01"),
            line(title="未来", published_date="2027-01-05"),
        ],
    )
    assert not result.ok and not result.written
    assert errors(result) == [
        (2, "published_date", "发布日期“2024-13-01”不是有效的日期。"),
        (3, "published_date", "发布日期“去年五月”无法识别：请写成 2021-05-03（也可写 2021年5月3日 或 2021/5/3）。"),
        (4, "published_date", "缺少发布日期（迁移的信息须保留原发布日期）。"),
        (5, "written_date", "成文日期不能晚于发布日期。"),
        (6, "published_date", "发布日期 2027-01-05 晚于今天（2026-11-21）。"),
    ]
    assert snapshot() == before


def test_unknown_ambiguous_and_retired_columns(county, tmp_path):
    result = run(
        county,
        tmp_path,
        [
            line(column="招生政册"),
            line(column="工作动态"),
            line(column="民办教育/工作动态"),
            line(title="全角空格也认得", column="　招生 政策 "),
            line(column="已废止事项"),
            line(column=None),
            line(column="政策文件", issuing_org="jiazhen"),
        ],
    )
    found = {(line_no, field): message for line_no, field, message in errors(result)}
    assert found[(1, "column")] == "“测试县教育局”没有名为“招生政册”的栏目。是否指：招生政策？"
    assert found[(2, "column")].startswith("栏目“工作动态”不唯一，可能是：“义务教育/教育概况/工作动态”、“义务教育/民办教育/工作动态”")
    assert (3, "column") not in found and (4, "column") not in found  # qualified, and normalised
    assert found[(5, "column")].startswith("栏目“已废止事项”已撤销")
    assert found[(6, "column")] == "缺少栏目：请填写 column（二级事项或栏目名称），或在导入时指定默认栏目。"
    # Another organisation's documents do not go into this one's columns (the model's rule, at check time).
    assert "“测试县甲镇人民政府”不能在“测试县教育局”的栏目中发布信息" in found[(7, "issuing_org")]
    assert len(found) == 5 and DocumentPage.objects.count() == 0


def test_a_default_column_serves_lines_without_one(county, tmp_path):
    result = run(county, tmp_path, [line(column=None), line(title="另一条", column="政策文件")], default_column="资助政策")
    assert result.ok, errors(result)
    assert [d.page.get_parent().title for d in result.documents] == ["资助政策", "政策文件"]
    bad = run(county, tmp_path, [line(column=None)], default_column="没有这个栏目")
    assert errors(bad) == [(None, "column", "默认栏目：“测试县教育局”没有名为“没有这个栏目”的栏目。")]


def test_duplicate_index_numbers_in_the_file_and_in_the_database(county, tmp_path):
    held = run(county, tmp_path, [line(title="已有的信息", index_number="jyj/2022-00010")], name="earlier.jsonl")
    assert held.ok
    before = snapshot()
    result = run(
        county,
        tmp_path,
        [
            line(title="甲", index_number="jyj/2023-00001"),
            line(title="乙", index_number="jyj/2023-00001"),
            line(title="丙", index_number="jyj/2022-00010"),
            line(title="丁", index_number="jyj-2023-1"),
            line(title="戊", index_number="jiazhen/2023-00002"),
        ],
    )
    assert errors(result) == [
        (2, "index_number", "索引号“jyj/2023-00001”与第1行重复。"),
        (
            3,
            "index_number",
            f"索引号“jyj/2022-00010”已被“已有的信息”（页面 {held.documents[0].page.pk}）使用："
            "索引号不能重复，请核对原系统的索引号，或删去此项由系统在发布时分配。",
        ),
        (4, "index_number", "索引号“jyj-2023-1”格式不正确：应为“机构代码/年份-序号”，如 jyj/2021-00005。"),
        (
            5,
            "index_number",
            "索引号“jiazhen/2023-00002”的机构代码“jiazhen”与发布机构“测试县教育局”的代码“jyj”不一致。",
        ),
    ]
    assert snapshot() == before


def test_withheld_line_needs_a_ground_and_a_reason_and_stays_a_draft(county, tmp_path, client):
    withheld = {"title": "关于招聘考试命题的请示", "disclosure_attribute": "不予公开", "published_date": "2025-02-01"}
    bad = run(county, tmp_path, [line(), line(**withheld), line(**{**withheld, "title": "第二份请示", "non_disclosure_ground": "过程性信息"})])
    assert errors(bad) == [
        (2, "non_disclosure_ground", "公开属性为“不予公开”时须选择《政府信息公开条例》规定的依据。"),
        (2, "non_disclosure_reason", "公开属性为“不予公开”时须写明理由。"),
        (3, "non_disclosure_reason", "公开属性为“不予公开”时须写明理由。"),
    ]
    assert DocumentPage.objects.count() == 0

    good = run(county, tmp_path, [line(**withheld, non_disclosure_ground="过程性信息", non_disclosure_reason="请示属于过程性信息")])
    assert good.ok and good.counts["drafts"] == 1 and good.counts["published"] == 0
    page = good.documents[0].page
    assert not page.live and not DocumentPage.objects.live().filter(pk=page.pk).exists()
    assert client.get(page.url).status_code == 404
    assert page.title not in client.get(county.columns["招生政策"].url).content.decode()
    assert page.title not in client.get("/sitemap.xml").content.decode()
    # 源头认定 is in the page history with its ground.
    entry = PageLogEntry.objects.get(page=page, action="gk.disclosure_attribute_change")
    assert (entry.data["new"], entry.data["ground"]) == ("不予公开", "过程性信息")


def test_field_errors_are_all_collected(county, tmp_path):
    result = run(
        county,
        tmp_path,
        [
            "{这不是 JSON}",
            '["数组"]',
            line(title="", genre="通报函", validity="有时有效", topic="不存在的分类", tags=[1, 2], publised_date="x"),
            line(doc_number="第五号文件", is_normative="也许", issuing_org="不存在的局"),
            line(topic="其他", disclosure_attribute="删减后公开", non_disclosure_ground="不属于主动公开范围", non_disclosure_reason="x"),
            line(attachments=["没有的文件.pdf", "../etc/passwd.exe"]),
        ],
    )
    found = {(n, f) for n, f, _ in errors(result)}
    assert {(1, None), (2, None)} <= found
    assert {(3, "title"), (3, "genre"), (3, "validity"), (3, "topic"), (3, "tags"), (3, "publised_date")} <= found
    assert {(4, "doc_number"), (4, "is_normative"), (4, "issuing_org")} <= found
    assert {(5, "topic"), (5, "non_disclosure_ground")} <= found
    messages = {(n, f): m for n, f, m in errors(result)}
    assert messages[(3, "publised_date")] == "未知字段“publised_date”。是否指 published_date？"
    assert messages[(5, "topic")].startswith("主题分类“其他”不唯一")
    attachment_errors = [m for n, f, m in errors(result) if n == 6]
    assert attachment_errors == ["附件文件不存在：没有的文件.pdf", "附件文件不存在：../etc/passwd.exe"]


def test_a_failure_while_writing_rolls_the_whole_file_back(county, tmp_path, monkeypatch):
    """The check phase misses nothing it knows about; should the model still refuse
    a line when it is published (here: the check is switched off), everything
    written before it — pages, revisions, numbers, attachments — goes too."""
    (tmp_path / "名单.txt").write_text("名单", encoding="utf-8")
    rows = [
        line(title="第一条", index_number="jyj/2020-00009", attachments=["名单.txt"], tags=["招生"]),
        line(title="第二条"),
        line(title="第三条：甲镇的信息", issuing_org="jiazhen"),
        line(title="第四条"),
    ]
    before = snapshot()
    monkeypatch.setattr("gk_pages.importing.publication_problems", lambda *args, **kwargs: {})
    result = run(county, tmp_path, rows)

    assert not result.ok and not result.written
    assert [e.line for e in result.errors] == [3, 3]
    assert "“测试县甲镇人民政府”不能在“测试县教育局”的栏目中发布信息" in result.errors[0].message
    assert result.errors[1].message == "因此行出错，整个文件均未导入（已全部回滚）。"
    assert all(d.page is None for d in result.documents)
    assert snapshot() == before
    media = tmp_path / "media" / "documents"
    assert not media.exists() or not list(media.iterdir())  # the stored attachment was removed


# -- sources ---------------------------------------------------------------------------------


def test_body_html_and_plain_text():
    cleaned, notices = body_to_rich_text(
        "<html><head><title>旧系统</title><style>p{}</style></head><body>"
        "<div>第一段<a href='javascript:alert(1)'>链接</a></div><img src='a.png'>"
        "<table><tr><th>学段</th><th>人数</th></tr><tr><td>小学</td><td>120</td></tr></table></body></html>"
    )
    assert cleaned == "<p>第一段<a>链接</a></p><p>学段　人数</p><p>小学　120</p>"
    assert notices == ["正文中的 1 张图片未导入：请作为附件导入，或在编辑器中重新插入。", "正文中的表格已按行转为段落，请核对。"]
    assert body_to_rich_text("甲\r\n\r\n乙 & 丙") == ("<p>甲</p><p>乙 &amp; 丙</p>", [])
    assert body_to_rich_text("") == ("", [])


def test_gb18030_files_and_zip_packages(county, tmp_path):
    path = tmp_path / "gbk.jsonl"
    path.write_bytes(json.dumps(line(), ensure_ascii=False).encode("gb18030"))
    result = import_documents(county.org, FileSource(path), dry_run=True, today=TODAY)
    assert result.ok and result.notices[0].message == "文件不是 UTF-8 编码，已按 GB18030 读取。"

    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("导出/信息.jsonl", json.dumps(line(attachments=["附件/名单.txt", "../../外面.txt"]), ensure_ascii=False))
        archive.writestr("导出/附件/名单.txt", "名单")
    package.seek(0)
    source = ArchiveSource(package, "导出.zip")
    result = import_documents(county.org, source, today=TODAY)
    assert errors(result) == [(1, "attachments", "附件路径不能指向压缩包之外。")]
    package.seek(0)
    with zipfile.ZipFile(package) as archive:
        fixed = io.BytesIO()
        with zipfile.ZipFile(fixed, "w") as out:
            out.writestr("导出/信息.jsonl", json.dumps(line(attachments=["附件/名单.txt"]), ensure_ascii=False))
            out.writestr("导出/附件/名单.txt", archive.read("导出/附件/名单.txt"))
    fixed.seek(0)
    result = import_documents(county.org, ArchiveSource(fixed, "导出.zip"), today=TODAY)
    assert result.ok, errors(result)
    [attachment] = result.documents[0].page.attachments
    assert attachment.value["document"].title == "名单"


# -- hostile files: oversized 索引号, deep nesting, size limits -------------------------------------


def test_oversized_index_numbers_are_refused_by_the_check_and_kept_ones_leave_room(county, tmp_path):
    """Finding 8: serials the counter cannot hold (or that would leave no room for
    later publications) are that line's error in the check — the preview — not a
    failure when writing, and nothing moves a counter."""
    before = snapshot()
    rows = [
        line(title="甲", index_number="jyj/2021-99999999999999999999"),
        line(title="乙", index_number="jyj/2026-9223372036854775807", published_date="2026-01-05"),
        line(title="丙", index_number=f"jyj/2026-{INDEX_KEPT_SERIAL_MAX + 1}", published_date="2026-01-05"),
        line(title="丁", index_number="jyj/2026-000007", published_date="2026-01-05"),
    ]
    for dry_run in (True, False):
        result = run(county, tmp_path, rows, dry_run=dry_run)
        assert not result.written
        assert [(n, f) for n, f, _ in errors(result)] == [(n, "index_number") for n in (1, 2, 3, 4)]
    messages = [m for _, _, m in errors(result)]
    assert messages[0] == (
        "索引号“jyj/2021-99999999999999999999”的序号超出范围：序号应在 1 至 999999 之间（至多 6 位数字）。"
    )
    assert "序号超出范围" in messages[1]
    assert "保留原系统的索引号时，序号不能超过 899999" in messages[2]
    assert "应写作“jyj/2026-00007”" in messages[3]
    assert snapshot() == before

    kept = run(county, tmp_path, [line(title="戊", index_number=f"jyj/2026-{INDEX_KEPT_SERIAL_MAX}", published_date="2026-01-05")])
    assert kept.ok and kept.written, errors(kept)
    later = run(county, tmp_path, [line(title="己", published_date="2026-02-01")], name="later.jsonl")
    assert later.ok and later.documents[0].page.index_number == "jyj/2026-900000"


def test_the_counter_refuses_what_the_check_let_through_against_its_line(county, tmp_path, monkeypatch):
    """Should a kept serial above the limit ever reach the writing phase, the counter
    itself refuses it: reported against its line, the whole file rolled back."""
    monkeypatch.setattr("gk_pages.importing.index_number_problem", lambda *args, **kwargs: None)
    before = snapshot()
    result = run(county, tmp_path, [line(title="甲"), line(title="乙", index_number="jyj/2026-950000", published_date="2026-01-05")])
    assert not result.written
    assert errors(result) == [
        (2, "index_number", "保留的索引号序号须在 1 至 899999 之间，而不是 950000。"),
        (2, None, "因此行出错，整个文件均未导入（已全部回滚）。"),
    ]
    assert snapshot() == before


def test_deep_nesting_is_that_lines_error(county, tmp_path):
    """Finding 9: 100,000 "[" (or a body nested as deep) is one line's error, in the
    check and on the command line, not a RecursionError."""
    nested_field = json.dumps(line(title="乙"), ensure_ascii=False)[:-1] + ', "_old": ' + "[" * 30 + "]" * 30 + "}"
    rows = ["[" * 100_000, line(title="甲"), nested_field, line(title="丙", body="<b>" * 100_000), '{"a": ' * 100_000]
    result = run(county, tmp_path, rows, dry_run=True)
    too_deep = "JSON 嵌套过深（至多 20 层）：每行应为一个 JSON 对象，字段值为文本、列表或简单对象。"
    assert errors(result) == [
        (1, None, too_deep),
        (3, None, too_deep),
        (4, "body", "正文 HTML 嵌套过深（超过 100 层）：请精简正文的格式后重新导入。"),
        (5, None, too_deep),
    ]
    assert str(result.errors[0]).startswith("第1行：JSON 嵌套过深")

    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_documents", str(tmp_path / "documents.jsonl"), org="jyj", stdout=out, stderr=io.StringIO())
    assert failed.value.returncode == 1
    assert "第1行：JSON 嵌套过深" in out.getvalue() and "第4行 body（正文）：正文 HTML 嵌套过深" in out.getvalue()
    assert DocumentPage.objects.count() == 0


def test_line_length_and_line_count_are_bounded(county, tmp_path):
    result = run(county, tmp_path, [line(body="字" * MAX_LINE_CHARS), line(title="乙")], dry_run=True)
    [(number, name, message)] = errors(result)
    assert (number, name) == (1, None)
    assert message.startswith("此行过长（") and f"每行至多 {MAX_LINE_CHARS} 个" in message

    many = tmp_path / "many.jsonl"
    many.write_text("\n".join(json.dumps(line(title=f"第{n}条")) for n in range(MAX_LINES + 1)), encoding="utf-8")
    message = f"文件共有 {MAX_LINES + 1} 行信息，超过一次导入的上限 {MAX_LINES} 行：请拆分为多个文件分别导入。"
    with pytest.raises(ImportSourceError) as refused:
        FileSource(many)
    assert str(refused.value) == message
    with pytest.raises(CommandError, match=message):
        call_command("import_documents", str(many), org="jyj", stdout=io.StringIO(), stderr=io.StringIO())


# -- the command -----------------------------------------------------------------------------


def test_command_text_output_progress_and_exit_status(county, good_file, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_documents", str(good_file), org="jyj", today="2026-11-21", stdout=out, stderr=err)
    assert "已导入到测试县教育局：新建 4 条（发布 3 条、草稿 1 条），已存在跳过 0 条。" in out.getvalue()
    assert "写入 4/4（100%）" in err.getvalue()

    bad = write_jsonl(tmp_path / "bad.jsonl", [line(title="另一条"), line(title="坏日期", published_date="2024-02-30")])
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_documents", str(bad), org="jyj", stdout=out, stderr=io.StringIO())
    assert failed.value.returncode == 1 and "未写入任何数据" in str(failed.value)
    assert "第2行 published_date（发布日期）：发布日期“2024-02-30”不是有效的日期。" in out.getvalue()

    with pytest.raises(CommandError, match="没有代码为“nope”的公开主体"):
        call_command("import_documents", str(bad), org="nope")
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_documents", str(tmp_path / "missing.jsonl"), org="jyj")


def test_command_json_output(county, good_file, tmp_path):
    out = io.StringIO()
    call_command("import_documents", str(good_file), org="jyj", format="json", dry_run=True, stdout=out, stderr=io.StringIO())
    data = json.loads(out.getvalue())
    assert (data["ok"], data["dry_run"], data["written"]) == (True, True, False)
    assert data["counts"]["created"] == 4 and data["errors"] == []
    assert data["documents"][0] == {
        "line": 1,
        "title": "关于印发《测试县义务教育阶段学生资助管理办法》的通知",
        "column": "资助政策",
        "action": "publish",
        "note": "",
        "index_number": "jyj/2021-00005",
        "doc_number": "测教发〔2021〕5号",
        "published_date": "2021-05-03",
        "disclosure_attribute": "主动公开",
        "page_id": None,
        "matched_by": "",
    }
    assert DocumentPage.objects.count() == 0

    bad = write_jsonl(tmp_path / "bad.jsonl", [line(), line(column="没有")])
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_documents", str(bad), org="jyj", format="json", stdout=out, stderr=io.StringIO())
    data = json.loads(out.getvalue())
    assert data["ok"] is False and data["counts"]["errors"] == 1
    assert data["errors"] == [{"line": 2, "field": "column", "message": "“测试县教育局”没有名为“没有”的栏目。"}]


# -- the admin -------------------------------------------------------------------------------


def _upload(client, rows_or_bytes, org, name="documents.jsonl", **extra):
    if isinstance(rows_or_bytes, bytes):
        data = rows_or_bytes
    else:
        data = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows_or_bytes).encode()
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(
        reverse("gk_pages_import:upload"), {"file": upload, "organisation": org.pk, "publish": "on", **extra}
    )


def test_admin_upload_preview_confirm_as_superuser(county, admin_client, settings):
    url = reverse("gk_pages_import:upload")
    page = admin_client.get(url)
    assert page.status_code == 200
    choices = [str(o) for o in page.context["form"].fields["organisation"].queryset]
    assert choices == ["测试县教育局", "测试县甲镇人民政府"]

    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("信息.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in [
            line(attachments=["名单.txt"]),
            line(title="不予公开的请示", disclosure_attribute="不予公开", non_disclosure_ground="过程性信息", non_disclosure_reason="过程稿"),
            line(title="默认栏目中的一条", column=None),
        ]))
        archive.writestr("名单.txt", "名单")
    response = _upload(admin_client, package.getvalue(), county.org, name="迁移.zip", column="政策文件")
    assert response.status_code == 302
    preview = admin_client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "将新建 <strong>3</strong> 条" in html and "发布 <strong>2</strong> 条" in html and "草稿 <strong>1</strong> 条" in html
    assert "确认导入" in html and html.count('class="import-row"') == 3
    assert DocumentPage.objects.count() == 0 and Document.objects.count() == 0  # previewing writes nothing

    done = admin_client.post(preview.context["confirm_url"], {"confirm": "1"})
    org_page = OrganisationPage.objects.get(organisation=county.org)
    assert done.status_code == 302 and done["Location"] == reverse("wagtailadmin_explore", args=[org_page.pk])
    assert [str(m) for m in get_messages(done.wsgi_request)] == [
        "已导入到测试县教育局：新建 3 条（发布 2 条、草稿 1 条），已存在跳过 0 条。"
    ]
    pages = {p.title: p for p in DocumentPage.objects.all()}
    assert pages["默认栏目中的一条"].get_parent().title == "政策文件" and pages["默认栏目中的一条"].live
    assert pages["不予公开的请示"].live is False
    assert pages[line()["title"]].owner.username == "admin"
    assert not list(settings.GK_PRIVATE_UPLOAD_DIR.iterdir())  # the upload is removed
    admin_client.post(preview.context["confirm_url"], {"confirm": "1"})  # the token is spent
    assert DocumentPage.objects.count() == 3


def test_admin_upload_is_kept_privately_until_confirmed(county, admin_client, settings):
    """A pending upload may hold 不予公开 text: it is never stored under the public
    MEDIA_ROOT, and it is deleted once imported."""
    secret = line(
        title="不予公开的内部请示",
        disclosure_attribute="不予公开",
        non_disclosure_ground="过程性信息",
        non_disclosure_reason="内部研究稿",
    )
    response = _upload(admin_client, [secret], county.org)
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    stored = upload_path(admin_client.session["gk_document_imports"][token]["upload"])
    assert stored.read_bytes().decode() == json.dumps(secret, ensure_ascii=False)
    assert stored.parent == settings.GK_PRIVATE_UPLOAD_DIR
    assert not stored.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert token not in stored.name  # the URL's token does not name the file
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]

    preview = admin_client.get(response["Location"])
    assert preview.status_code == 200 and stored.exists()
    done = admin_client.post(preview.context["confirm_url"], {"confirm": "1"})
    assert done.status_code == 302 and DocumentPage.objects.filter(title="不予公开的内部请示").exists()
    assert not stored.exists()
    assert token not in admin_client.session["gk_document_imports"]


def test_admin_preview_lists_every_error_and_refuses_to_confirm(county, admin_client, settings):
    response = _upload(admin_client, [line(), line(published_date="2024-02-30"), line(column="没有这个栏目")], county.org)
    preview = admin_client.get(response["Location"])
    html = preview.content.decode()
    assert "发现 2 处错误" in html
    assert "<td>第2行</td>" in html and "发布日期“2024-02-30”不是有效的日期。" in html
    assert "<td>第3行</td>" in html and "没有名为“没有这个栏目”的栏目" in html
    assert "确认导入</button>" not in html
    confirmed = admin_client.post(preview.context["confirm_url"], {"confirm": "1"})
    assert confirmed.status_code == 200 and "发现 2 处错误" in confirmed.content.decode()
    assert DocumentPage.objects.count() == 0
    admin_client.post(preview.context["confirm_url"], {"cancel": "1"})
    assert not list(settings.GK_PRIVATE_UPLOAD_DIR.iterdir())


def test_admin_upload_rejects_other_files_and_unknown_default_columns(county, admin_client):
    response = _upload(admin_client, b"\x00", county.org, name="documents.xlsx")
    assert response.status_code == 200 and "只支持 .jsonl 文件或 .zip 压缩包。" in response.content.decode()
    response = _upload(admin_client, [line()], county.org, column="没有这个栏目")
    assert response.status_code == 200 and "没有名为“没有这个栏目”的栏目" in response.content.decode()


def test_admin_hostile_lines_are_errors_in_the_preview_and_at_confirm_not_500(county, admin_client, settings):
    response = _upload(
        admin_client, b"[" * 100_000 + b"\n" + json.dumps(line(index_number="jyj/2021-99999999999999999999")).encode(), county.org
    )
    preview = admin_client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200 and "发现 2 处错误" in html
    assert "JSON 嵌套过深" in html and "的序号超出范围" in html and "确认导入</button>" not in html
    confirmed = admin_client.post(preview.context["confirm_url"], {"confirm": "1"})
    assert confirmed.status_code == 200 and "的序号超出范围" in confirmed.content.decode()
    assert DocumentPage.objects.count() == 0 and not IndexNumberCounter.objects.exists()


@pytest.fixture
def parses(monkeypatch):
    """The sources DocumentImporter.parse() read, in order."""
    seen = []
    parse = DocumentImporter.parse

    def counting(self, source, **kwargs):
        seen.append(source.name)
        return parse(self, source, **kwargs)

    monkeypatch.setattr(DocumentImporter, "parse", counting)
    return seen


def test_admin_preview_reads_the_file_once_and_pages_through_the_kept_result(county, admin_client, settings, parses):
    """Finding 15: the upload is checked once; every page of the preview reads the
    kept result. A changed file or 重新检查 reads it again; confirming checks again
    against the database before writing."""
    rows = [line(title=f"第{n}条通知", published_date="2024-05-22") for n in range(1, 2 * PREVIEW_ROWS + 6)]
    response = _upload(admin_client, rows, county.org)
    url = response["Location"]
    pages = [admin_client.get(url), admin_client.get(url + "?p=2"), admin_client.get(url + "?p=3"), admin_client.get(url)]
    assert [p.status_code for p in pages] == [200] * 4
    assert len(parses) == 1
    html = [p.content.decode() for p in pages]
    assert [h.count('class="import-row"') for h in html] == [PREVIEW_ROWS, PREVIEW_ROWS, 5, PREVIEW_ROWS]
    assert "<td>第1行</td>" in html[0] and "<td>第1行</td>" not in html[1]
    assert f"<td>第{PREVIEW_ROWS + 1}行</td>" in html[1] and f"第 {PREVIEW_ROWS + 1}–{2 * PREVIEW_ROWS} 条（共 {len(rows)} 条）" in html[1]
    assert f"共 <strong>{len(rows)}</strong> 行" in html[2]

    # Kept privately next to the upload, and keyed to the file's content.
    token = url.rstrip("/").rsplit("/", 1)[-1]
    stored = upload_path(admin_client.session["gk_document_imports"][token]["upload"])
    [kept] = [p for p in stored.parent.iterdir() if p != stored]
    assert kept.name.startswith(stored.name) and kept.stat().st_mode & 0o777 == 0o600
    stored.write_text(json.dumps(line(title="换过的文件"), ensure_ascii=False), encoding="utf-8")
    changed = admin_client.get(url).content.decode()
    assert len(parses) == 2 and "换过的文件" in changed and changed.count('class="import-row"') == 1
    admin_client.get(url + "?p=1")
    assert len(parses) == 2

    rechecked = admin_client.get(url + "?recheck=1")
    assert rechecked.status_code == 302 and rechecked["Location"] == url and len(parses) == 3

    done = admin_client.post(pages[0].context["confirm_url"], {"confirm": "1"})
    assert done.status_code == 302 and len(parses) == 4
    assert list(DocumentPage.objects.values_list("title", flat=True)) == ["换过的文件"]
    assert not list(settings.GK_PRIVATE_UPLOAD_DIR.iterdir())  # the upload and what was kept with it


def test_admin_confirm_checks_again_against_the_database(county, admin_client, tmp_path, parses):
    response = _upload(admin_client, [line(index_number="jyj/2022-00010")], county.org)
    url = response["Location"]
    preview = admin_client.get(url)
    assert "确认导入</button>" in preview.content.decode()
    # Meanwhile another document takes the number.
    run(county, tmp_path, [line(title="先导入的另一条信息", index_number="jyj/2022-00010")])
    parses.clear()

    confirmed = admin_client.post(preview.context["confirm_url"], {"confirm": "1"})
    assert confirmed.status_code == 200 and "已被“先导入的另一条信息”" in confirmed.content.decode()
    assert list(DocumentPage.objects.values_list("title", flat=True)) == ["先导入的另一条信息"]
    # From now on the preview shows that check, without reading the file again.
    again = admin_client.get(url).content.decode()
    assert "已被“先导入的另一条信息”" in again and "确认导入</button>" not in again
    assert len(parses) == 1


@pytest.fixture
def editor(county, django_user_model):
    """An editor of 测试县教育局: add, change and publish on its page only."""
    group = Group.objects.create(name="测试县教育局编辑（测试）")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    org_page = OrganisationPage.objects.get(organisation=county.org)
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(group=group, page=org_page, permission=Permission.objects.get(codename=codename))
    user = django_user_model.objects.create_user("jyj_editor", password="pw")
    user.groups.add(group)
    return user


def test_admin_organisation_editor_imports_only_into_their_own_organisation(county, editor, client):
    client.force_login(editor)
    page = client.get(reverse("gk_pages_import:upload"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["organisation"].queryset) == [county.org]
    assert reverse("gk_pages_import:upload") in client.get(reverse("wagtailadmin_home")).content.decode()  # the menu item

    # Another organisation cannot be chosen, not even by posting its id.
    refused = _upload(client, [line(column="政策文件")], county.township)
    assert refused.status_code == 200 and refused.context["form"].errors["organisation"]
    assert DocumentPage.objects.count() == 0

    response = _upload(client, [line()], county.org)
    preview = client.get(response["Location"])
    done = client.post(preview.context["confirm_url"], {"confirm": "1"})
    assert done.status_code == 302
    [created] = DocumentPage.objects.all()
    assert created.live and created.owner == editor and created.get_parent().pk == county.columns["招生政策"].pk

    # And the importer itself keeps to the user's columns, whatever calls it.
    result = import_documents(county.township, LinesSource([(1, json.dumps(line(column="政策文件")))]), user=editor, dry_run=True)
    assert errors(result) == [(1, "column", "您没有在栏目“政策文件”中添加信息的权限。")]


def test_admin_import_needs_page_rights(county, client, django_user_model):
    url = reverse("gk_pages_import:upload")
    assert client.get(url).status_code == 302  # to the login page
    user = django_user_model.objects.create_user("reader", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    refused = client.get(url)
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    assert url not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_editor_import_under_a_review_workflow_is_submitted_not_published(county, editor, client):
    reviewers = Group.objects.create(name="测试县教育局审核（测试）")
    task = GroupApprovalTask.objects.create(name="审核")
    task.groups.set([reviewers])
    workflow = Workflow.objects.create(name="测试县教育局信息发布审核")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=county.columns["招生政策"])

    result = import_documents(
        county.org, LinesSource([(1, json.dumps(line())), (2, json.dumps(line(title="乙", column="政策文件")))]), user=editor
    )
    assert result.ok, errors(result)
    assert [d.action for d in result.documents] == [Action.SUBMIT, Action.PUBLISH]
    submitted, published = (d.page for d in result.documents)
    assert not DocumentPage.objects.get(pk=submitted.pk).live and published.live
    state = WorkflowState.objects.get(object_id=str(submitted.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS and state.workflow == workflow

    # The command line (an operator, no user) publishes directly.
    direct = import_documents(county.org, LinesSource([(1, json.dumps(line(title="丙")))]))
    assert direct.documents[0].action == Action.PUBLISH and direct.documents[0].page.live


def test_header_button_on_column_pages(county, admin_client):
    column = county.columns["资助政策"]
    html = admin_client.get(reverse("wagtailadmin_explore", args=[column.pk])).content.decode()
    assert reverse("gk_pages_import:upload") + f"?organisation={county.org.pk}&amp;column=" in html


# -- demo data ---------------------------------------------------------------------------------


def test_demo_documents_import_once(settings, tmp_path, demo_county):
    import random

    from gk_columns.models import Organisation
    from gk_pages.models import PortalHomePage
    from gkportal.demodata.importing import DEMO_FILE, ensure_imported_documents

    settings.MEDIA_ROOT = tmp_path
    organisations = {o.code: o for o in Organisation.objects.all()}
    kwargs = {
        "portal": PortalHomePage.objects.first(), "organisations": organisations, "today": TODAY, "rng": random.Random(1), "log": lambda m: None
    }
    ensure_imported_documents(**kwargs)
    titles = [json.loads(text)["title"] for text in DEMO_FILE.read_text(encoding="utf-8").splitlines() if text.strip()]
    imported = DocumentPage.objects.filter(title__in=titles, issuing_org=organisations["jyj"])
    assert len(titles) >= 30 and imported.count() == len(titles)
    assert imported.filter(live=False).count() == 2  # the 依申请公开 and 不予公开 ones
    assert imported.filter(index_number="jyj/2023-00014", is_normative=True, live=True).exists()
    assert Document.objects.filter(collection__name=organisations["jyj"].name).count() == 2

    before = snapshot()
    result = ensure_imported_documents(**kwargs)
    assert result.counts["created"] == 0 and result.counts["skipped"] == len(titles)
    assert snapshot() == before
