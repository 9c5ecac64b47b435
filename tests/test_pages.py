"""Page rules and public rendering of the disclosure portal's page types."""

import datetime
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale, Page, PageViewRestriction, get_page_models
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import rich_text

from gk_columns.models import Catalogue
from gk_columns.vocab import Audience, Level, Mode
from gk_pages.models import (
    COLUMN_PAGE_SIZE,
    ColumnPage,
    DocumentPage,
    DomainPage,
    InterpretationPage,
    NormativeLibraryPage,
    OrganisationPage,
    PortalHomePage,
)
from gk_pages.templatetags.gk_pages_tags import content_lang, language_tag
from tests.factories import entry_values, make_catalogue, make_domain, make_org, make_portal

pytestmark = pytest.mark.django_db

STRUCTURE_PAGES = (OrganisationPage, DomainPage, ColumnPage)


# -- building a small portal ------------------------------------------------------


@dataclass
class Tree:
    portal: PortalHomePage
    catalogue: Catalogue
    org_page: OrganisationPage
    domain_page: DomainPage
    column: ColumnPage
    empty_column: ColumnPage
    document: DocumentPage


def build_tree(portal):
    """One organisation with a published catalogue and the pages the column sync
    would make for it, plus one document."""
    education = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    assistance = make_domain("社会救助", code="shehui-jiuzhu", order=2)
    org = make_org("测试县教育局", code="jiaoyuju")
    catalogue = make_catalogue(
        org,
        [
            entry_values(education, "教育政策", "政策文件"),
            entry_values(
                education,
                "学校名录",
                "",
                audience=[Audience.SPECIFIC.value],
                level=[Level.COUNTY.value, Level.TOWNSHIP.value],
            ),
            entry_values(
                assistance,
                "最低生活保障",
                "申请条件",
                mode=[Mode.PROACTIVE.value, Mode.ON_REQUEST.value],
                level=[Level.TOWNSHIP.value, Level.VILLAGE.value],
            ),
            entry_values(education, "校车管理", "校车线路", not_applicable=True, not_applicable_reason="本县未开通校车"),
        ],
        status=Catalogue.Status.PUBLISHED,
    )
    catalogue.filing_number = "测政公备〔2024〕3号"
    catalogue.published_at = timezone.make_aware(datetime.datetime(2024, 3, 15, 10, 0))
    catalogue.save()
    policy_entry, directory_entry = catalogue.entries.order_by("order")[:2]

    locale = portal.locale
    org_page = portal.add_child(
        instance=OrganisationPage(title=org.name, slug="jiaoyuju", organisation=org, locale=locale)
    )
    domain_page = org_page.add_child(
        instance=DomainPage(title=education.name, slug="yiwu-jiaoyu", organisation=org, domain=education, locale=locale)
    )
    column = domain_page.add_child(
        instance=ColumnPage(title=policy_entry.title, slug="zhengce-wenjian", entry=policy_entry, locale=locale)
    )
    empty_column = domain_page.add_child(
        instance=ColumnPage(title=directory_entry.title, slug="xuexiao-minglu", entry=directory_entry, locale=locale)
    )
    document = column.add_child(
        instance=DocumentPage(
            title="测试县2024年义务教育招生工作方案",
            slug="zhaosheng-fangan",
            body="<p>为做好2024年义务教育招生工作，制定本方案。</p>",
            written_date=datetime.date(2024, 4, 1),
            published_date=datetime.date(2024, 4, 3),
        )
    )
    return Tree(portal, catalogue, org_page, domain_page, column, empty_column, document)


def add_documents(column, count, start=0):
    """`count` live documents, newest first by index, each a day apart."""
    newest = datetime.date(2024, 6, 30)
    for n in range(start, start + count):
        column.add_child(
            instance=DocumentPage(
                title=f"测试信息{n:03d}",
                slug=f"xinxi-{n:03d}",
                published_date=newest - datetime.timedelta(days=n),
                issuing_org_id=column.entry.catalogue.organisation_id,
            )
        )


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def listed_titles(response):
    return [li.a.get_text(strip=True) for li in soup(response).select("ul.item-list > li")]


# -- page rules (Wagtail's assertions) ----------------------------------------------


class PageTypeRulesTests(WagtailPageTestCase):
    def test_portal_home_is_created_under_the_root(self):
        self.assertCanCreateAt(Page, PortalHomePage)
        self.assertAllowedParentPageTypes(PortalHomePage, {Page})
        self.assertAllowedSubpageTypes(PortalHomePage, {OrganisationPage, NormativeLibraryPage})

    def test_structure_pages_sit_where_the_sync_puts_them(self):
        self.assertAllowedParentPageTypes(OrganisationPage, {PortalHomePage})
        self.assertAllowedSubpageTypes(OrganisationPage, {DomainPage})
        self.assertAllowedParentPageTypes(DomainPage, {OrganisationPage})
        self.assertAllowedSubpageTypes(DomainPage, {ColumnPage})
        self.assertAllowedParentPageTypes(ColumnPage, {DomainPage})
        self.assertAllowedSubpageTypes(ColumnPage, {DocumentPage, InterpretationPage})

    def test_structure_pages_cannot_be_created_by_hand_anywhere(self):
        for model in STRUCTURE_PAGES:
            self.assertFalse(model.is_creatable, model)
            for parent in get_page_models():
                self.assertNotIn(model, parent.creatable_subpage_models(), f"{model.__name__} under {parent.__name__}")

    def test_document_page_only_under_a_column(self):
        self.assertCanCreateAt(ColumnPage, DocumentPage)
        self.assertAllowedParentPageTypes(DocumentPage, {ColumnPage})
        self.assertAllowedSubpageTypes(DocumentPage, set())
        for parent in get_page_models():
            if parent is not ColumnPage:
                self.assertCanNotCreateAt(parent, DocumentPage)


class PageTreeTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = build_tree(make_portal())

    def pages(self):
        t = self.tree
        return [t.portal, t.org_page, t.domain_page, t.column, t.document]

    def login(self):
        # django-axes counts failed logins per request (address): authenticate needs one.
        user = self.create_test_user()
        self.assertTrue(self.client.login(request=HttpRequest(), username=user.get_username(), password="password"))
        return user

    def test_every_page_is_routable_and_renderable(self):
        for page in self.pages():
            self.assertPageIsRoutable(page)
            self.assertPageIsRenderable(page)
        self.assertPageIsRoutable(self.tree.org_page, "catalogue/")
        self.assertPageIsRenderable(self.tree.org_page, "catalogue/")
        self.assertPageIsRenderable(self.tree.column, query_data={"page": "2"})

    def test_every_page_is_editable(self):
        for page in self.pages():
            self.assertPageIsEditable(page)

    def test_admin_refuses_to_add_structure_pages(self):
        self.login()
        parents = {OrganisationPage: self.tree.portal, DomainPage: self.tree.org_page, ColumnPage: self.tree.domain_page}
        for model, parent in parents.items():
            url = reverse("wagtailadmin_pages:add", args=["gk_pages", model._meta.model_name, parent.pk])
            # Wagtail answers a refused admin view with a redirect and a message (or 403).
            self.assertIn(self.client.get(url).status_code, (302, 403), model.__name__)

    def test_editor_creates_a_document_in_a_column(self):
        self.login()
        self.assertCanCreate(
            self.tree.column,
            DocumentPage,
            {
                "title": "关于公布2024年学校招生范围的通告",
                "slug": "zhaosheng-fanwei",
                "written_date": "2024-05-06",
                "published_date": "2024-05-08",
                "body": rich_text("<p>现将招生范围公布如下。</p>"),
            },
        )
        created = DocumentPage.objects.get(slug="zhaosheng-fanwei")
        self.assertTrue(created.live)
        self.assertEqual(created.get_parent().pk, self.tree.column.pk)
        self.assertEqual(created.issuing_org_id, self.tree.catalogue.organisation_id)


# -- public rendering ---------------------------------------------------------------


@pytest.fixture
def tree(portal):
    return build_tree(portal)


def test_base_template_landmarks_language_and_skip_link(client, tree):
    html = soup(client.get(tree.column.url))
    assert html.html["lang"] == "zh-Hans"
    first_link = html.body.find("a")
    assert "skip-link" in first_link["class"] and first_link["href"] == "#main"
    assert html.find("main", id="main") is not None
    assert html.find("header") is not None and html.find("footer") is not None
    assert html.find("nav", attrs={"aria-label": "当前位置"}) is not None
    assert "测试县" in html.title.get_text() and "政策文件" in html.title.get_text()
    assert html.select_one(".site-name").get_text(strip=True) == "测试县"


def test_header_search_form_gets_search_with_q(client, tree):
    form = soup(client.get(tree.portal.url)).find("form", attrs={"role": "search"})
    assert form["action"] == "/search/"
    assert form["method"].lower() == "get"
    field = form.find("input", attrs={"name": "q"})
    assert form.find("label", attrs={"for": field["id"]}) is not None


def test_breadcrumb_runs_from_the_portal_home(client, tree):
    html = soup(client.get(tree.document.url))
    crumbs = html.select("nav.breadcrumbs li")
    assert [c.get_text(strip=True) for c in crumbs] == [
        "信息公开",
        "测试县教育局",
        "义务教育",
        "政策文件",
        "测试县2024年义务教育招生工作方案",
    ]
    assert [c.a["href"] for c in crumbs[:-1]] == [
        tree.portal.url,
        tree.org_page.url,
        tree.domain_page.url,
        tree.column.url,
    ]
    assert crumbs[-1].find(attrs={"aria-current": "page"}) is not None
    # The portal home is where the trail starts: it has none of its own.
    assert soup(client.get(tree.portal.url)).select("nav.breadcrumbs") == []


def test_care_mode_toggle_sets_the_body_class_and_is_kept_on_links(client, tree):
    plain = soup(client.get(tree.column.url))
    assert "care" not in plain.body.get("class", [])
    toggle = plain.select_one(".mode-switch a")
    assert toggle.get_text(strip=True).startswith("关怀版") and toggle["href"] == "?care=1"

    add_documents(tree.column, COLUMN_PAGE_SIZE + 1)
    care = soup(client.get(tree.column.url, {"care": "1", "page": "2"}))
    assert "care" in care.body["class"]
    back = care.select_one(".mode-switch a")
    assert back.get_text(strip=True) == "退出关怀版" and back["href"] == "?page=2"
    assert all("care=1" in li.a["href"] for li in care.select("ul.item-list > li"))
    assert all("care=1" in a["href"] for a in care.select("nav.breadcrumbs a"))
    assert all("care=1" in a["href"] for a in care.select("nav.pagination a"))
    assert care.find("form", attrs={"role": "search"}).find("input", attrs={"name": "care", "value": "1"})
    # Any other value is the standard version.
    assert "care" not in soup(client.get(tree.column.url, {"care": "yes"})).body.get("class", [])


def test_portal_home_lists_organisations_by_kind_and_latest_documents(client, tree):
    response = client.get(tree.portal.url)
    assert response.status_code == 200
    html = soup(response)
    section = html.find("section", attrs={"aria-labelledby": "organisations-heading"})
    assert section.find("h3").get_text(strip=True) == "县级部门"
    assert section.find("a", string="测试县教育局")["href"] == tree.org_page.url
    assert listed_titles(response) == ["测试县2024年义务教育招生工作方案"]


def test_organisation_page_lists_domains_columns_and_the_catalogue(client, tree):
    html = soup(client.get(tree.org_page.url))
    assert html.h1.get_text(strip=True) == "测试县教育局"
    section = html.find("section", class_="domain-section")
    assert section.h2.a["href"] == tree.domain_page.url
    assert [a.get_text(strip=True) for a in section.select("li a")] == ["政策文件", "学校名录"]
    assert html.select_one(".page-links a")["href"] == tree.org_page.url + "catalogue/"


def test_domain_page_lists_its_columns(client, tree):
    html = soup(client.get(tree.domain_page.url))
    assert html.h1.get_text(strip=True) == "义务教育"
    assert [a["href"] for a in html.select("main ul.link-grid a")] == [tree.column.url, tree.empty_column.url]


def test_column_page_shows_entry_elements_and_items(client, tree):
    response = client.get(tree.column.url)
    html = soup(response)
    elements = {
        div.dt.get_text(strip=True): div.dd.get_text(strip=True) for div in html.select(".entry-elements dl > div")
    }
    assert elements == {
        "公开内容": "政策文件的有关信息",
        "公开依据": "《中华人民共和国政府信息公开条例》",
        "公开时限": "信息形成或者变更之日起20个工作日内",
        "公开主体": "测试县教育局",
        "公开渠道": "政府网站",
    }
    item = html.select_one("ul.item-list > li")
    assert item.a["href"] == tree.document.url
    assert item.time["datetime"] == "2024-04-03"
    assert "暂无信息" not in response.content.decode()


def test_empty_column_says_no_information(client, tree):
    response = client.get(tree.empty_column.url)
    assert response.status_code == 200
    assert soup(response).select_one(".column-items .empty").get_text(strip=True) == "暂无信息"
    assert listed_titles(response) == []


def test_document_page_shows_metadata_and_body(client, tree):
    html = soup(client.get(tree.document.url))
    assert html.h1.get_text(strip=True) == "测试县2024年义务教育招生工作方案"
    meta = {div.dt.get_text(strip=True): div.dd.get_text(strip=True) for div in html.select(".doc-meta dl > div")}
    assert meta == {
        "索引号": "jiaoyuju/2024-00001",
        "发布机构": "测试县教育局",
        "成文日期": "2024年04月01日",
        "发布日期": "2024年04月03日",
    }
    assert "为做好2024年义务教育招生工作" in html.select_one(".document__body").get_text()


def test_column_pagination(client, tree):
    tree.document.delete()
    add_documents(tree.column, 25)
    first = client.get(tree.column.url)
    assert len(listed_titles(first)) == COLUMN_PAGE_SIZE == 20
    assert listed_titles(first)[0] == "测试信息000"
    second = client.get(tree.column.url, {"page": "2"})
    assert listed_titles(second) == [f"测试信息{n:03d}" for n in range(20, 25)]
    current = soup(second).select_one("nav.pagination [aria-current=page]")
    assert current.get_text(strip=True) == "第2页"

    for bad, expected in (("abc", 20), ("-1", 20), ("0", 20), ("9999", 5)):
        response = client.get(tree.column.url, {"page": bad})
        assert response.status_code == 200, bad
        assert len(listed_titles(response)) == expected, bad


def test_draft_and_restricted_documents_stay_out_of_lists(client, tree):
    draft = tree.column.add_child(instance=DocumentPage(title="尚未发布的草稿", slug="caogao", live=False))
    restricted = tree.column.add_child(instance=DocumentPage(title="仅限登录用户的文件", slug="shouxian"))
    PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.LOGIN)
    assert draft.pk and restricted.live

    for url in (tree.column.url, tree.portal.url):
        response = client.get(url)
        body = response.content.decode()
        assert listed_titles(response) == ["测试县2024年义务教育招生工作方案"]
        assert "尚未发布的草稿" not in body and "仅限登录用户的文件" not in body


def test_catalogue_subpage_renders_the_national_table(client, tree):
    response = client.get(tree.org_page.url + "catalogue/")
    assert response.status_code == 200
    html = soup(response)
    assert html.h1.get_text(strip=True) == "测试县教育局政务公开事项标准目录"
    meta = {div.dt.get_text(strip=True): div.dd.get_text(strip=True) for div in html.select(".catalogue-meta > div")}
    assert meta == {"版本": "第1版", "备案号": "测政公备〔2024〕3号", "发布日期": "2024年03月15日"}

    tables = html.select(".table-scroll > table")
    assert [t.caption.get_text(strip=True) for t in tables] == ["义务教育", "社会救助"]
    head_rows = tables[0].thead.find_all("tr")
    assert [th.get_text(strip=True) for th in head_rows[0].find_all("th")] == [
        "序号", "公开事项", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
        "公开对象", "公开方式", "公开层级",
    ]  # fmt: skip
    assert [th.get_text(strip=True) for th in head_rows[1].find_all("th")] == [
        "一级事项", "二级事项", "全社会", "特定群体", "主动", "依申请", "县级", "乡级", "村级",
    ]  # fmt: skip
    assert all(th.get("scope") in ("col", "colgroup") for th in tables[0].thead.find_all("th"))

    def rows(table):
        result = []
        for tr in table.tbody.find_all("tr"):
            cells = tr.find_all("td")
            marks = ["√" if "√" in td.get_text() else "" for td in cells[8:]]
            result.append([td.get_text(strip=True) for td in cells[:3]] + marks)
        return result

    # The not-applicable entry (校车管理) is not part of the public table.
    assert rows(tables[0]) == [
        ["1", "教育政策", "政策文件", "√", "", "√", "", "√", "", ""],
        ["2", "学校名录", "", "", "√", "√", "", "√", "√", ""],
    ]
    assert rows(tables[1]) == [["3", "最低生活保障", "申请条件", "√", "", "√", "√", "", "√", "√"]]
    # Screen readers hear 是/否 rather than the √ symbol.
    mark_cell = tables[0].tbody.tr.find_all("td")[8]
    assert mark_cell.find(attrs={"aria-hidden": "true"}).get_text() == "√"
    assert mark_cell.select_one(".visually-hidden").get_text() == "是"
    # The catalogue page trails back to its organisation.
    crumbs = html.select("nav.breadcrumbs li")
    assert crumbs[-2].a["href"] == tree.org_page.url
    assert crumbs[-1].get_text(strip=True) == "政务公开事项标准目录"


def test_catalogue_subpage_without_a_published_catalogue(client, portal):
    org = make_org("测试县统计局", code="tongjiju")
    make_catalogue(org, [entry_values(make_domain(), "统计数据")])  # a draft is not public
    page = portal.add_child(
        instance=OrganisationPage(title=org.name, slug="tongjiju", organisation=org, locale=portal.locale)
    )
    response = client.get(page.url + "catalogue/")
    assert response.status_code == 200
    html = soup(response)
    assert html.select("table") == []
    assert "尚未发布" in html.select_one("main .empty").get_text()
    assert "统计数据" not in response.content.decode()


def test_column_render_queries_do_not_grow_with_documents(client, tree, django_assert_num_queries):
    tree.document.delete()
    add_documents(tree.column, 10)
    url = tree.column.url
    client.get(url)  # warm the per-process caches (content types, site root paths)
    with CaptureQueriesContext(connection) as ten:
        response = client.get(url)
    # Count now: each request start resets the connection's query log.
    ten_queries = len(ten.captured_queries)
    assert len(listed_titles(response)) == 10

    add_documents(tree.column, 190, start=10)
    client.get(url)
    with django_assert_num_queries(ten_queries):
        response = client.get(url)
    assert len(listed_titles(response)) == COLUMN_PAGE_SIZE
    assert soup(response).select_one(".pagination__status").get_text(strip=True) == "共 200 条，第 1/10 页"


def test_footer_identifiers_come_from_context(rf, portal):
    request = rf.get("/")
    bare = BeautifulSoup(render_to_string("base.html", {}, request=request), "html.parser")
    assert bare.select(".site-footer__ids") == []
    assert "网站标识码" not in bare.footer.get_text()

    context = {"gk_site_code": "3713000001", "gk_icp_number": "鲁ICP备00000000号"}
    html = BeautifulSoup(render_to_string("base.html", context, request=request), "html.parser")
    items = [li.get_text(strip=True) for li in html.select(".site-footer__ids li")]
    assert items == ["网站标识码：3713000001", "鲁ICP备00000000号"]
    assert html.select_one(".site-footer__ids a")["href"] == "https://beian.miit.gov.cn/"


def test_missing_page_answers_404_in_the_portal_layout(client, portal):
    response = client.get("/no-such-column/")
    assert response.status_code == 404
    html = soup(response)
    assert html.html["lang"] == "zh-Hans"
    assert html.h1.get_text(strip=True) == "页面不存在"
    assert html.find("form", attrs={"role": "search"}) is not None


def test_server_error_page_needs_no_request_or_database():
    html = BeautifulSoup(render_to_string("500.html"), "html.parser")
    assert html.html["lang"] == "zh-Hans"
    assert html.h1.get_text(strip=True) == "服务暂时不可用"


def test_translated_content_is_marked_with_its_language(db):
    assert language_tag("zh-hans") == "zh-Hans"
    assert language_tag("zh-cn") == "zh-CN"
    chinese = DocumentPage(title="中文", locale=Locale.get_default())
    tibetan = DocumentPage(title="བོད", locale=Locale.objects.create(language_code="bo"))
    uyghur = DocumentPage(title="ئۇيغۇر", locale=Locale.objects.create(language_code="ug"))
    assert content_lang(chinese) == ""
    assert content_lang(tibetan) == ' lang="bo"'
    assert content_lang(uyghur) == ' lang="ug" dir="rtl"'


# -- the portal home: latest items and the 规范性文件库 link ------------------------------------


def add_interpretations(column, count, start=0, policies=()):
    """`count` live Q&A interpretations, newest first by index, dated like add_documents."""
    newest = datetime.date(2024, 6, 30)
    for n in range(start, start + count):
        page = InterpretationPage(
            title=f"测试解读{n:03d}",
            slug=f"jiedu-{n:03d}",
            published_date=newest - datetime.timedelta(days=n),
            form="问答",
        )
        page.policies = list(policies)
        column.add_child(instance=page)


def latest_items(response):
    section = soup(response).select_one(".home-grid__latest")
    return [
        (li.a.get_text(strip=True), li.select_one(".item-list__kind").get_text(strip=True) if li.select_one(".item-list__kind") else "")
        for li in section.select("ul.item-list > li")
    ]


def test_portal_home_latest_mixes_interpretations_and_documents(client, tree):
    interpretation = InterpretationPage(
        title="《测试县2024年义务教育招生工作方案》解读",
        slug="zhaosheng-fangan-jiedu",
        published_date=datetime.date(2024, 4, 5),
        form="问答",
    )
    interpretation.policies = [tree.document]
    tree.column.add_child(instance=interpretation)
    draft = InterpretationPage(title="招生工作解读（草稿）", slug="caogao", published_date=datetime.date(2024, 4, 9), live=False)
    tree.column.add_child(instance=draft)

    response = client.get(tree.portal.url)
    assert latest_items(response) == [
        ("《测试县2024年义务教育招生工作方案》解读", "政策解读（问答）"),
        ("测试县2024年义务教育招生工作方案", ""),
    ]
    link = soup(response).select_one(".home-grid__latest a")
    assert link["href"] == interpretation.url
    # The column's list marks it the same way (one shared include).
    column_items = soup(client.get(tree.column.url)).select("ul.item-list > li")
    assert column_items[0].select_one(".item-list__kind").get_text(strip=True) == "政策解读（问答）"


def test_portal_home_queries_do_not_grow_with_items(client, tree, django_assert_num_queries):
    add_documents(tree.column, 2)
    add_interpretations(tree.column, 2, start=2, policies=[tree.document])
    url = tree.portal.url
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    few_queries = len(few.captured_queries)

    add_documents(tree.column, 20, start=4)
    add_interpretations(tree.column, 20, start=24)
    client.get(url)
    with django_assert_num_queries(few_queries):
        response = client.get(url)
    items = latest_items(response)
    assert len(items) == 10
    assert [title for title, _ in items[:4]] == ["测试信息000", "测试信息001", "测试解读002", "测试解读003"]


def test_normative_library_is_linked_once_live(client, tree):
    def library_links(response):
        html = soup(response)
        return [a["href"] for a in html.select(".site-nav a, .home-library a")]

    assert library_links(client.get(tree.portal.url)) == []
    library = tree.portal.add_child(instance=NormativeLibraryPage(title="规范性文件库", slug="guifanxing-wenjian"))
    response = client.get(tree.portal.url)
    assert library_links(response) == [library.url, library.url]
    # Every page's navigation leads there, and marks it on the library itself.
    assert library_links(client.get(tree.document.url)) == [library.url]
    nav_link = soup(client.get(library.url)).select_one(".site-nav a")
    assert (nav_link["href"], nav_link["aria-current"]) == (library.url, "page")
    # 关怀版 is kept on the link.
    assert soup(client.get(tree.portal.url, {"care": "1"})).select_one(".site-nav a")["href"] == f"{library.url}?care=1"

    library.unpublish()
    assert library_links(client.get(tree.portal.url)) == []
