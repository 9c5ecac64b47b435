"""A document's public life in a real browser: its metadata and 相关解读, the
规范性文件库 and its filters, and a Uyghur translation shown right to left
inside the Chinese portal."""

import datetime
import re
from itertools import count

import pytest

from gk_pages.models import DocumentPage, InterpretationForm, InterpretationPage, NormativeLibraryPage
from gkportal.demodata.interpretations import ensure_translation
from tests.factories import make_portal
from tests.search.builders import build_tree, publish_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = datetime.date
_slugs = count(1)


def publish_interpretation(column, title, policies, **fields):
    """An interpretation drafted under `column` and published through a revision, as an editor would."""
    page = InterpretationPage(title=title, slug=f"jiedu-{next(_slugs)}", live=False, **fields)
    page.policies = policies
    column.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def normative(column, title, day, **fields):
    return publish_document(
        column,
        title,
        body=f"<p>{title}全文。</p>",
        is_normative=True,
        genre="办法",
        doc_number=f"测教规〔{day.year}〕{next(_slugs)}号",
        written_date=day - datetime.timedelta(days=2),
        published_date=day,
        **fields,
    )


def meta(page):
    """{label: value} of the page's metadata block, as the reader sees it."""
    items = page.locator(".doc-meta").first.locator(".doc-meta__item")
    return {
        item.locator("dt").inner_text().rstrip("：:"): item.locator("dd").inner_text()
        for item in items.all()
    }


def test_document_metadata_and_its_interpretation(browser_index, browser_page, live_server):
    make_portal()
    tree = build_tree("测试县教育局", code="jyj")
    column = tree.columns[0]
    policy = normative(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    publish_interpretation(
        column,
        "《测试县义务教育招生入学办法》问答",
        [policy],
        form=InterpretationForm.QA,
        published_date=D(2026, 10, 8),
        body="<p>问：哪些学生可以在本县入学？</p>",
    )
    page = browser_page

    page.goto(f"{live_server.url}{policy.url}")
    assert page.locator("h1").inner_text() == "测试县义务教育招生入学办法"
    shown = meta(page)
    assert shown["索引号"] == policy.index_number and policy.index_number
    assert shown["发布机构"] == "测试县教育局"
    assert shown["文号"] == policy.doc_number
    assert shown["成文日期"] == "2026年09月28日"
    assert shown["发布日期"] == "2026年09月30日"
    assert shown["有效性"] == "有效"
    assert shown["文件类型"] == "行政规范性文件"
    assert page.locator(".document__disclosure-note").inner_text() == "（此件公开发布）"

    related = page.locator(".related-interpretations")
    assert "（问答）" in related.inner_text()
    related.get_by_role("link", name="《测试县义务教育招生入学办法》问答").click()
    page.wait_for_url(re.compile(r"/jiedu-\d+/$"))
    assert page.locator("h1").inner_text() == "《测试县义务教育招生入学办法》问答"
    assert page.locator(".interpretation__form").inner_text() == "问答"

    # …and the interpretation leads back to the policy it explains.
    page.locator(".interpretation__policies").get_by_role("link", name="测试县义务教育招生入学办法").click()
    page.wait_for_url(f"{live_server.url}{policy.url}")
    assert page.locator("h1").inner_text() == "测试县义务教育招生入学办法"


def library_titles(page):
    return page.locator(".library-table tbody th a").all_inner_texts()


def test_normative_library_filters(browser_index, browser_page, live_server):
    portal = make_portal()
    tree = build_tree("测试县教育局", code="jyj")
    column = tree.columns[0]
    normative(column, "测试县学生资助管理办法", D(2026, 3, 2))
    normative(column, "测试县校外培训机构管理办法", D(2019, 5, 6), validity="失效", expiry_date=D(2024, 5, 6))
    publish_document(column, "测试县2026年招生工作通知", published_date=D(2026, 4, 1))  # not normative
    # Drafted as 依申请公开: it may never go live, so the library never lists it.
    withheld = DocumentPage(
        title="测试县学籍管理内部规程",
        slug="neibu-guicheng",
        live=False,
        is_normative=True,
        doc_number="测教规〔2026〕99号",
        disclosure_attribute="依申请公开",
        non_disclosure_ground="内部事务信息",
        non_disclosure_reason="学籍管理内部工作流程，属于内部事务信息。",
        published_date=D(2026, 2, 1),
    )
    column.add_child(instance=withheld)
    withheld.save_revision()
    library = portal.add_child(instance=NormativeLibraryPage(title="规范性文件库", slug="guifanxing-wenjian"))
    page = browser_page

    # The portal's navigation leads to the library.
    page.goto(f"{live_server.url}{portal.url}")
    page.locator(".site-nav").get_by_role("link", name="规范性文件库").click()
    page.wait_for_url(f"{live_server.url}{library.url}")

    # Default: the current list, valid documents only.
    assert page.locator("#library-list-heading").inner_text() == "现行有效规范性文件目录"
    assert library_titles(page) == ["测试县学生资助管理办法"]
    form = page.locator("form.library-filters")
    for label in ("有效性", "发布机构", "成文年份", "文件名称或文号"):
        assert form.get_by_text(label, exact=True).is_visible()
    # Keyboard focus on a filter shows the portal's focus ring.
    form.get_by_label("有效性").focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineColor") == "rgb(255, 191, 0)"

    form.get_by_label("有效性").select_option(label="失效")
    form.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"validity="))
    assert page.locator("#library-list-heading").inner_text() == "失效的规范性文件"
    assert library_titles(page) == ["测试县校外培训机构管理办法"]
    assert page.locator(".library-table tbody td").filter(has_text="失效").count() == 1

    form.get_by_label("有效性").select_option(label="全部")
    form.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"validity=%E5%85%A8%E9%83%A8"))
    assert library_titles(page) == ["测试县学生资助管理办法", "测试县校外培训机构管理办法"]
    page.get_by_role("link", name="返回现行有效目录").click()
    page.wait_for_url(f"{live_server.url}{library.url}")
    assert library_titles(page) == ["测试县学生资助管理办法"]

    # Junk from the address bar: the page still answers, says what it ignored.
    response = page.goto(f"{live_server.url}{library.url}?validity=%3Cscript%3E&year=abc&org=nobody&page=-9&q=" + "测" * 300)
    assert response.status == 200
    assert "已忽略" in page.locator(".library-notice").inner_text()
    assert page.locator("main h1").inner_text() == "规范性文件库"

    # The 依申请公开 draft is nowhere, not even under 全部.
    page.goto(f"{live_server.url}{library.url}?validity=全部")
    assert "测试县学籍管理内部规程" not in page.locator("main").inner_text()
    assert "测试县2026年招生工作通知" not in library_titles(page)


UG_TEXTS = ["招生入学办法解读", "一、适用范围：本县义务教育阶段学校。"]
UG_TRANSLATION = [
    "قوبۇل قىلىش چارىسىنىڭ چۈشەندۈرۈشى",
    "بىرىنچى، قوللىنىش دائىرىسى: ناھىيەمىزدىكى مەجبۇرىي مائارىپ باسقۇچىدىكى مەكتەپلەر.",
]


def direction(page, selector):
    return page.eval_on_selector(selector, "e => getComputedStyle(e).direction")


def test_uyghur_translation_reads_right_to_left_inside_chinese_chrome(browser_index, browser_page, live_server):
    make_portal()
    tree = build_tree("测试县教育局", code="jyj")
    column = tree.columns[0]
    policy = normative(column, "测试县义务教育招生入学办法", D(2026, 9, 30))
    original = publish_interpretation(
        column, UG_TEXTS[0], [policy], published_date=D(2026, 10, 8), body=f"<p>{UG_TEXTS[1]}</p>"
    )
    translation = ensure_translation(original, "ug", UG_TEXTS, UG_TRANSLATION)
    assert translation.url.startswith("/ug/")
    page = browser_page

    page.goto(f"{live_server.url}{translation.url}")
    assert page.locator("h1").inner_text() == UG_TRANSLATION[0]
    assert UG_TRANSLATION[1] in page.locator(".document__body").inner_text()
    main = page.locator("main")
    assert (main.get_attribute("lang"), main.get_attribute("dir")) == ("ug", "rtl")
    assert direction(page, "main") == "rtl"
    assert direction(page, ".document__body") == "rtl"

    # The chrome stays Chinese and left to right: the document, header, footer,
    # and the portal's own labels inside the Uyghur content.
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert direction(page, "html") == "ltr"
    assert direction(page, ".site-header") == "ltr"
    assert direction(page, ".site-footer") == "ltr"
    labels = page.locator(".doc-meta").first.locator("xpath=..")
    assert (labels.get_attribute("lang"), labels.get_attribute("dir")) == ("zh-Hans", "ltr")
    assert direction(page, ".doc-meta") == "ltr"
    assert direction(page, ".translations") == "ltr"

    # Its link back to the Chinese original works.
    page.locator(".translations").get_by_role("link").click()
    page.wait_for_url(f"{live_server.url}{original.url}")
    assert page.locator("main").get_attribute("lang") is None
    assert direction(page, "main") == "ltr"
