"""Links from public pages to other pages name only what the public is shown
(gk_pages.shown): rich-text page links (gk_pages.rich_text), 替代文件, 相关解读,
解读的政策, other language versions, the documents of a 清理结果 and its library;
and the password form of restricted pages and document collections."""

import datetime
from itertools import count

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from wagtail.forms import PasswordViewRestrictionForm
from wagtail.models import Collection, CollectionViewRestriction, Locale, Page, PageViewRestriction
from wagtail.rich_text import expand_db_html

from gk_pages.models import DocumentPage, InterpretationPage, NormativeLibraryPage
from gk_pages.shown import is_shown, shown, shown_ids
from tests.test_validity import build_org, cleanup

pytestmark = pytest.mark.django_db

_serial = count(1)


def document(column, title, *, slug, publish=True, **fields):
    """A normative document drafted and (by default) published through a revision."""
    values = {
        "is_normative": True,
        "doc_number": f"测政办规〔2024〕{next(_serial)}号",
        "written_date": datetime.date(2024, 3, 1),
        "published_date": datetime.date(2024, 3, 4),
    }
    page = DocumentPage(title=title, slug=slug, live=False, **{"body": "<p>正文。</p>", **values, **fields})
    column.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return DocumentPage.objects.get(pk=page.pk)


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def link(page, text):
    return f'<a linktype="page" id="{page.pk}">{text}</a>'


def unpublish_in_place(page):
    """As a row written around Wagtail (plain SQL): the page goes offline, its children stay live."""
    Page.objects.filter(pk=page.pk).update(live=False)


def set_attribute(page, **values):
    """A live row whose 公开属性 was written around the publish rules (bulk SQL, an import)."""
    type(page).objects.filter(pk=page.pk).update(**values)


@pytest.fixture
def county(portal):
    return build_org("测试县人民政府办公室", "xzf")


@pytest.fixture
def bureau(portal):
    return build_org("测试县人力资源和社会保障局", "rsj")


@pytest.fixture
def library(portal):
    page = NormativeLibraryPage(title="行政规范性文件库", slug="gfxwj", live=False)
    portal.add_child(instance=page)
    page.save_revision().publish()
    return NormativeLibraryPage.objects.get(pk=page.pk)


@pytest.fixture
def targets(county, bureau):
    """One page of each kind the public must not be shown, and two it must."""
    password_doc = document(county.column, "密码保护的文件", slug="mima-wenjian")
    PageViewRestriction.objects.create(page=password_doc, restriction_type="password", password="mima-123")
    login_doc = document(county.other_column, "登录可见的文件", slug="denglu-wenjian")
    PageViewRestriction.objects.create(page=county.other_column, restriction_type="login")
    on_request = document(county.column, "依申请公开的文件", slug="yishenqing-wenjian")
    set_attribute(on_request, disclosure_attribute="依申请公开")
    unconfirmed = document(county.column, "删减未确认的文件", slug="shanjian-wenjian")
    set_attribute(
        unconfirmed,
        disclosure_attribute="删减后公开",
        non_disclosure_ground="涉及个人隐私",
        non_disclosure_reason="含个人信息",
        redaction_confirmed=False,
    )
    below_offline = document(bureau.column, "撤下栏目中的文件", slug="chexia-wenjian")
    unpublish_in_place(bureau.column)
    hidden = {
        "draft": document(county.column, "尚未发布的草稿", slug="caogao-wenjian", publish=False),
        "password": password_doc,
        "login": login_doc,
        "on_request": on_request,
        "unconfirmed": unconfirmed,
        "below_offline": below_offline,
    }
    public = {"document": document(county.column, "公开的文件", slug="gongkai-wenjian"), "column": county.column}
    # As read now from the database (the updates above bypassed the instances).
    fresh = {
        page.pk: page
        for page in Page.objects.filter(pk__in=[p.pk for p in [*hidden.values(), *public.values()]]).specific()
    }
    return {k: fresh[p.pk] for k, p in hidden.items()}, {k: fresh[p.pk] for k, p in public.items()}


# -- B. rich-text page links --------------------------------------------------------------------


def test_rich_text_links_only_pages_the_public_is_shown(client, county, targets):
    hidden, public = targets
    pages = {**hidden, **public}
    body = "<p>" + "".join(link(page, f"链接-{key}") for key, page in pages.items()) + "</p>"
    body += '<p><a linktype="page" id="999999">链接-deleted</a></p>'
    referrer = document(county.column, "引用各类页面的公开文件", slug="yinyong", body=body)

    html = client.get(referrer.url).content.decode()
    anchors = {a.get_text(): a for a in BeautifulSoup(html, "html.parser").select(".document__body a")}
    for key, page in public.items():
        assert anchors[f"链接-{key}"]["href"] == page.url, key
    for key, page in hidden.items():
        anchor = anchors[f"链接-{key}"]
        assert not anchor.has_attr("href"), f"{key}: {anchor}"
        assert page.slug not in html and page.title not in html, key
    assert not anchors["链接-deleted"].has_attr("href")


def test_rich_text_link_queries_do_not_grow_with_links(county, targets, django_assert_num_queries):
    """One field's links are resolved together: the same queries for 2 links as for 14."""
    hidden, public = targets
    interpretation = InterpretationPage(title="公开的解读", slug="gongkai-jiedu", live=False)
    county.column.add_child(instance=interpretation)
    interpretation.save_revision().publish()
    every = [*hidden.values(), *public.values(), InterpretationPage.objects.get(pk=interpretation.pk)]
    # The pages are loaded as their specific types, one query per type: both fields hold all three.
    few = "".join(link(page, "x") for page in (hidden["draft"], public["column"], every[-1]))
    many = "".join(link(page, "x") for page in every * 2)
    expand_db_html(many)  # warm caches (site root paths, content types)
    with CaptureQueriesContext(connection) as queries:
        expand_db_html(few)
    with django_assert_num_queries(len(queries)):
        rendered = expand_db_html(many)
    assert rendered.count("<a href=") == 3 * 2  # the public document, column and interpretation, twice


def test_rich_text_link_goes_to_the_readers_language_version_only_when_shown(county):
    policy = document(county.column, "公开的政策", slug="gongkai-zhengce")
    uyghur = Locale.objects.create(language_code="ug")
    translated = DocumentPage.objects.get(pk=policy.pk).copy_for_translation(uyghur, copy_parents=True)
    translated.save_revision().publish()
    translated = DocumentPage.objects.get(pk=translated.pk)
    html = f"<p>{link(policy, '政策')}</p>"

    # The translation is live, but its column in the Uyghur tree is offline.
    ug_column = translated.get_parent()
    unpublish_in_place(ug_column)
    assert translated.live and not is_shown(translated)
    with translation.override("ug"):
        assert f'href="{policy.url}"' in expand_db_html(html)

    Page.objects.filter(pk=ug_column.pk).update(live=True)
    assert is_shown(translated) and translated.url.startswith("/ug/")
    with translation.override("ug"):
        assert f'href="{translated.url}"' in expand_db_html(html)
    assert f'href="{policy.url}"' in expand_db_html(html)


# -- the rule in its two forms ------------------------------------------------------------------


def test_the_queryset_and_the_instance_forms_of_the_rule_agree(county, targets):
    hidden, public = targets
    everything = [*hidden.values(), *public.values()]
    ids = [page.pk for page in everything]
    expected = {page.pk for page in public.values()}
    assert shown_ids(everything) == expected
    assert shown_ids(Page.objects.filter(pk__in=ids)) == expected  # plain Page instances
    assert set(shown(Page.objects.filter(pk__in=ids)).values_list("pk", flat=True)) == expected
    assert set(shown(DocumentPage.objects.filter(pk__in=ids)).values_list("pk", flat=True)) == {public["document"].pk}


# -- C. links to related pages -------------------------------------------------------------------


def test_replaced_by_is_named_only_while_the_public_is_shown_the_replacement(client, county, targets):
    hidden, public = targets
    for key, replacement in hidden.items():
        old = document(
            county.column, f"已失效的文件-{key}", slug=f"shixiao-{key}", validity="失效", replaced_by=replacement
        )
        assert old.public_replacement is None, key
        html = client.get(old.url).content.decode()
        assert "本文件已失效。" in html, key
        assert replacement.title not in html and replacement.slug not in html, key

    old = document(county.column, "已废止的文件", slug="feizhi", validity="废止", replaced_by=public["document"])
    assert old.public_replacement == public["document"]
    note = soup(client.get(old.url)).select_one(".document__validity")
    assert note.get_text(strip=True) == f"本文件已废止，现行文件见{public['document'].title}。"
    assert note.a["href"] == public["document"].url


def test_the_library_names_only_public_replacements_in_a_fixed_number_of_queries(
    client, county, targets, library, django_assert_num_queries
):
    hidden, public = targets
    document(county.column, "被替代的文件甲", slug="beitidai-jia", validity="失效", replaced_by=hidden["password"])
    document(county.column, "被替代的文件乙", slug="beitidai-yi", validity="失效", replaced_by=public["document"])
    url = library.url + "?validity=全部"
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()
    assert hidden["password"].title not in html and hidden["password"].slug not in html
    table = BeautifulSoup(html, "html.parser").select_one("table.library-table")
    assert [a["href"] for a in table.select(".library-table__replacement a")] == [public["document"].url]

    for key in ("login", "on_request", "below_offline"):
        document(county.column, f"被替代的文件-{key}", slug=f"beitidai-{key}", validity="失效", replaced_by=hidden[key])
    document(county.column, "被替代的文件丙", slug="beitidai-bing", validity="已修改", replaced_by=public["document"])
    with django_assert_num_queries(len(few)):
        html = client.get(url).content.decode()
    for key in ("login", "on_request", "below_offline"):
        assert hidden[key].title not in html and hidden[key].slug not in html, key


def test_related_interpretations_and_policies_list_only_pages_the_public_is_shown(client, county):
    policy = document(county.column, "公开的政策文件", slug="gongkai-zhengce")
    hidden_policy = document(county.column, "依申请公开的政策文件", slug="yishenqing-zhengce")

    def interpretation(title, slug):
        page = InterpretationPage(title=title, slug=slug, live=False)
        page.policies = [policy, hidden_policy]
        county.other_column.add_child(instance=page)
        page.save_revision().publish()
        return InterpretationPage.objects.get(pk=page.pk)

    public = interpretation("公开的解读", "gongkai-jiedu")
    hidden = interpretation("不予公开的解读", "buyu-jiedu")
    set_attribute(hidden, disclosure_attribute="不予公开")
    set_attribute(hidden_policy, disclosure_attribute="依申请公开")

    html = client.get(policy.url).content.decode()
    related = [a.get_text() for a in BeautifulSoup(html, "html.parser").select(".related-interpretations a")]
    assert related == [public.title]
    assert hidden.title not in html and hidden.slug not in html

    html = client.get(public.url).content.decode()
    policies = [a.get_text() for a in BeautifulSoup(html, "html.parser").select(".interpretation__policies a")]
    assert policies == [policy.title]
    assert hidden_policy.title not in html and hidden_policy.slug not in html


def test_other_language_versions_list_only_translations_the_public_is_shown(client, county):
    source = InterpretationPage(title="公开的解读", slug="gongkai-jiedu", live=False)
    county.column.add_child(instance=source)
    source.save_revision().publish()
    uyghur = Locale.objects.create(language_code="ug")
    translated = InterpretationPage.objects.get(pk=source.pk).copy_for_translation(uyghur, copy_parents=True)
    translated.save_revision().publish()
    translated = InterpretationPage.objects.get(pk=translated.pk)
    # Live, but below an offline column of the Uyghur tree: nobody can open it.
    ug_column = translated.get_parent()
    unpublish_in_place(ug_column)
    assert translated.live

    html = client.get(source.url).content.decode()
    assert BeautifulSoup(html, "html.parser").select_one("nav.translations") is None
    assert translated.url not in html

    Page.objects.filter(pk=ug_column.pk).update(live=True)
    nav = soup(client.get(source.url)).select_one("nav.translations")
    assert [a["href"] for a in nav.select("a")] == [translated.url]


def test_a_cleanup_links_only_documents_and_a_library_the_public_is_shown(client, county, bureau, library):
    expire = document(county.column, "测试县行政许可事项清单（2022年版）", slug="qingdan-2022")
    replacement = document(bureau.column, "测试县行政许可事项清单（2025年版）", slug="qingdan-2025")
    page = cleanup(library, [(expire, "失效", replacement)])
    html = soup(client.get(page.url))
    assert html.find("a", string=replacement.title)["href"] == replacement.url
    assert html.select_one(".cleanup-result__back a")["href"] == library.url

    unpublish_in_place(bureau.column)
    html = soup(client.get(page.url))
    assert html.find("a", string=expire.title)["href"] == expire.url
    assert html.find("a", string=replacement.title) is None

    # A library behind a password puts its cleanup results behind it too; a visitor
    # who has the password is shown the result, but links follow the public's rule.
    restriction = PageViewRestriction.objects.create(page=library, restriction_type="password", password="mima-123")
    form = soup(client.get(page.url)).select_one("form.password-required__form")
    assert form is not None
    client.post(form["action"], {"password": "mima-123", "return_url": page.url})
    html = soup(client.get(page.url))
    assert html.find("a", string=expire.title) is not None and html.select_one(".cleanup-result__back") is None
    assert restriction.pk


# -- E. the password form -------------------------------------------------------------------------


def test_the_password_form_is_the_portals_own_in_chinese_and_names_nothing(client, county, targets):
    hidden, _ = targets
    page = hidden["password"]
    DocumentPage.objects.filter(pk=page.pk).update(search_description="受保护的摘要")

    response = client.get(page.url)
    assert response.status_code == 200
    html = soup(response)
    assert html.html["lang"] == "zh-Hans"
    assert html.title.get_text(strip=True).startswith("需要访问密码")
    assert html.find("main", id="main") is not None and html.find("footer") is not None  # the site's layout
    assert html.h1.get_text(strip=True) == "需要访问密码"
    field = html.select_one("form.password-required__form input[type=password]")
    label = html.find("label", attrs={"for": field["id"]})
    assert label.get_text(strip=True) == "访问密码"
    assert html.select_one("form.password-required__form button").get_text(strip=True) == "继续访问"
    text = response.content.decode()
    for secret in (page.title, "受保护的摘要", "Password"):
        assert secret not in text, secret
    assert html.find("nav", attrs={"aria-label": "当前位置"}) is None

    form = html.select_one("form.password-required__form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    wrong = client.post(form["action"], {**data, "password": "cuowu"})
    error = soup(wrong).select_one(".password-required__error")
    assert error.get_text(strip=True) == "密码不正确，请重新输入。"
    assert error["id"] == soup(wrong).select_one("input[type=password]")["aria-describedby"]
    assert page.title not in wrong.content.decode()

    right = client.post(form["action"], {**data, "password": "mima-123"})
    assert right.status_code == 302
    assert page.title in client.get(right["Location"]).content.decode()


def test_the_password_form_is_chinese_whatever_the_language_of_the_page(county, targets):
    """A Uyghur translation's password form is asked while Uyghur is active: the
    portal's labels stay Chinese (Wagtail's form would translate its own)."""
    page = targets[0]["password"]
    request = RequestFactory().get(page.url)
    request.user = AnonymousUser()
    with translation.override("ug"):
        form = PasswordViewRestrictionForm(instance=PageViewRestriction.objects.get(page=page))
        response = page.serve_password_required_response(request, form, "/_util/authenticate_with_password/1/1/")
        html = BeautifulSoup(response.render().content.decode(), "html.parser")
    assert html.h1.get_text(strip=True) == "需要访问密码"
    assert html.select_one("form.password-required__form label").get_text(strip=True) == "访问密码"


def test_the_document_password_form_is_the_portals_own_in_chinese(client, portal):
    collection = Collection.get_first_root_node().add_child(name="内部文件")
    restriction = CollectionViewRestriction.objects.create(
        collection=collection, restriction_type="password", password="mima-123"
    )
    response = client.get(reverse("wagtaildocs_authenticate_with_password", args=[restriction.pk]))
    html = soup(response)
    assert html.html["lang"] == "zh-Hans" and html.h1.get_text(strip=True) == "需要访问密码"
    assert "此文件设有访问密码" in html.get_text()
    field = html.select_one("input[type=password]")
    assert html.find("label", attrs={"for": field["id"]}).get_text(strip=True) == "访问密码"
    assert "Password" not in response.content.decode()

    wrong = client.post(
        reverse("wagtaildocs_authenticate_with_password", args=[restriction.pk]), {"password": "", "return_url": "/"}
    )
    assert soup(wrong).select_one(".password-required__error").get_text(strip=True) == "请输入访问密码。"
