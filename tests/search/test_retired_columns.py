"""Retired columns take their items offline (gk_columns.sync), and nothing below an
unpublished page is public anywhere: URL, lists, sitemap, 规范性文件库, search,
cross links (gk_pages.visibility). Here beside the search tests for the real index
(`index`, tests/search/conftest.py)."""

import datetime
from itertools import count
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from wagtail.models import Page, PageLogEntry

from gk_columns.models import Catalogue
from gk_columns.sync import RETIRED_WITH_COLUMN_ACTION, ColumnSync
from gk_pages.models import (
    ColumnPage,
    DocumentPage,
    DomainPage,
    InterpretationPage,
    NormativeLibraryPage,
    OrganisationPage,
)
from gk_pages.visibility import hidden_paths, reachable
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

_slugs = count(1)


def publish(column, page):
    page.live = False
    page.slug = f"item-{next(_slugs)}"
    column.add_child(instance=page)
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


def file_and_publish(catalogue):
    catalogue.submit()
    catalogue.file()
    return catalogue.publish()


@pytest.fixture
def county(portal, index, django_capture_on_commit_callbacks):
    """测试县教育局 with two columns (政策文件 to be retired, 招生政策 kept), a normative
    document and its interpretation in 政策文件, a notice in 招生政策, and the
    portal's 规范性文件库; everything published and indexed."""
    library = portal.add_child(instance=NormativeLibraryPage(title="规范性文件库", slug="library", live=False))
    library.save_revision().publish()
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    org = make_org("测试县教育局", code="jyj")
    with django_capture_on_commit_callbacks(execute=True):
        catalogue = filed_catalogue(org, [entry_values(domain, "教育政策", "政策文件"), entry_values(domain, "招生入学", "招生政策")])
        catalogue.publish()
        policies, admissions = ColumnPage.objects.filter(entry__catalogue=catalogue).order_by("entry__order")
        normative = publish(
            policies,
            DocumentPage(
                title="测试县义务教育学生资助管理办法",
                is_normative=True,
                doc_number="测教规〔2024〕1号",
                published_date=datetime.date(2024, 5, 3),
            ),
        )
        reading = InterpretationPage(title="学生资助管理办法解读", published_date=datetime.date(2024, 5, 6))
        reading.policies = [normative]
        reading = publish(policies, reading)
        notice = publish(admissions, DocumentPage(title="2026年招生简章", published_date=datetime.date(2026, 4, 1)))
    return SimpleNamespace(
        org=org,
        catalogue=catalogue,
        policies=policies,
        admissions=admissions,
        normative=normative,
        reading=reading,
        notice=notice,
        library=library,
        portal=portal,
    )


def without_policies_entry(county):
    draft = Catalogue.new_draft(county.org, copy_from=county.catalogue)
    draft.entries.filter(item_l2="政策文件").delete()
    return draft


def text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content.decode(), "html.parser").get_text()


def public_everywhere(client, index, page):
    """Where the public meets `page`: its URL, the home page's latest list, the
    sitemap, the search index (and, for normative documents, the library)."""
    return {
        "url": client.get(page.url).status_code == 200,
        "home": page.title in text(client, "/"),
        "sitemap": page.full_url in client.get("/sitemap.xml").content.decode(),
        "search": page.pk in index.ids(),
    }


# -- the retire path, end to end ----------------------------------------------------------------


def test_retiring_a_column_takes_its_items_offline_everywhere(county, client, index, django_capture_on_commit_callbacks):
    everywhere = {"url": True, "home": True, "sitemap": True, "search": True}
    for page in (county.normative, county.reading, county.notice):
        assert public_everywhere(client, index, page) == everywhere, page.title
    assert county.normative.title in text(client, county.library.url)

    with django_capture_on_commit_callbacks(execute=True):
        plan = file_and_publish(without_policies_entry(county))
    assert [(r["title"], r["live_items"]) for r in plan.retire] == [("政策文件", 2)]

    column = ColumnPage.objects.get(pk=county.policies.pk)
    assert column.retired and not column.live
    nowhere = {"url": False, "home": False, "sitemap": False, "search": False}
    for page in (county.normative, county.reading):
        assert public_everywhere(client, index, page) == nowhere, page.title
        page = Page.objects.get(pk=page.pk)
        assert not page.live and Page.objects.filter(pk=page.pk).exists()  # offline, content kept
        entry = PageLogEntry.objects.get(page=page, action=RETIRED_WITH_COLUMN_ACTION)
        assert entry.data["reason"] == "栏目已停用" and entry.data["column"] == column.pk
    assert client.get(column.url).status_code == 404
    assert column.pk not in index.ids()
    assert county.normative.title not in text(client, county.library.url)
    # The column that stays is untouched.
    assert public_everywhere(client, index, county.notice) == everywhere
    assert not ColumnSync().plan()


def test_translations_go_offline_with_their_column(county, client):
    from gkportal.demodata.interpretations import ensure_translation

    source = ["学生资助管理办法解读", "一、适用范围：本县义务教育阶段学校。"]
    uyghur = ["ئوقۇغۇچىلارغا ياردەم بېرىش چارىسىنىڭ چۈشەندۈرۈشى", "بىرىنچى، قوللىنىش دائىرىسى."]
    reading = InterpretationPage.objects.get(pk=county.reading.pk)
    reading.body = f"<p>{source[1]}</p>"
    reading.save_revision().publish()
    translation = ensure_translation(reading, "ug", source, uyghur)
    assert translation.live and client.get(translation.url).status_code == 200

    plan = file_and_publish(without_policies_entry(county))
    assert [(r["title"], r["live_items"]) for r in plan.retire] == [("政策文件", 3)]
    translation = InterpretationPage.objects.get(pk=translation.pk)
    assert not translation.live and client.get(translation.url).status_code == 404
    assert PageLogEntry.objects.filter(page=translation, action=RETIRED_WITH_COLUMN_ACTION).exists()
    # The Uyghur tree's copy of the column (an alias) went offline with it.
    assert not ColumnPage.objects.filter(alias_of=county.policies, live=True).exists()


def test_dry_run_counts_the_items_that_would_go_offline(county):
    draft = without_policies_entry(county)
    plan = ColumnSync(organisations=[county.org], catalogues={county.org.pk: draft}).plan()
    assert [(r["title"], r["live_items"]) for r in plan.retire] == [("政策文件", 2)]
    assert DocumentPage.objects.get(pk=county.normative.pk).live


def test_reinstated_column_keeps_its_items_as_drafts(county, client):
    file_and_publish(without_policies_entry(county))
    plan = file_and_publish(Catalogue.new_draft(county.org, copy_from=county.catalogue))
    assert [u["changes"].get("restore") for u in plan.update if u["title"] == "政策文件"] == [True]

    column = ColumnPage.objects.get(pk=county.policies.pk)
    assert column.live and not column.retired
    normative = DocumentPage.objects.get(pk=county.normative.pk)
    assert not normative.live and client.get(normative.url).status_code == 404
    assert normative.title not in text(client, column.url)

    # An editor checks it and republishes it consciously.
    normative.save_revision().publish()
    assert client.get(normative.url).status_code == 200
    assert normative.title in text(client, column.url)


def test_nothing_can_be_published_into_a_retired_column(county, client):
    file_and_publish(without_policies_entry(county))
    normative = DocumentPage.objects.get(pk=county.normative.pk)
    with pytest.raises(ValidationError, match="所在栏目已停用"):
        normative.save_revision().publish()
    assert not DocumentPage.objects.get(pk=normative.pk).live

    # Still valid information is moved into a current column and published there.
    normative.move(county.admissions, pos="last-child")
    normative = DocumentPage.objects.get(pk=normative.pk)
    normative.save_revision().publish()
    assert client.get(normative.url).status_code == 200


# -- defence in depth: live pages below an unpublished page --------------------------------------


def test_live_items_below_an_unpublished_column_are_not_public(county, client, index, django_capture_on_commit_callbacks):
    # Taken offline past the sync (plain SQL), its items left live.
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.filter(pk=county.policies.pk).update(live=False)
        from search.indexing import rebuild

        rebuild()
    assert DocumentPage.objects.get(pk=county.normative.pk).live

    nowhere = {"url": False, "home": False, "sitemap": False, "search": False}
    assert public_everywhere(client, index, county.normative) == nowhere
    assert county.normative.title not in text(client, county.library.url)
    assert public_everywhere(client, index, county.notice)["url"]


def test_cross_links_leave_out_pages_below_an_unpublished_column(county, client):
    # The notice's interpretation sits in the column that goes offline; an interpretation
    # in the column that stays explains the normative document that goes offline.
    hidden_reading = InterpretationPage(title="招生简章解读", published_date=datetime.date(2026, 4, 2))
    hidden_reading.policies = [county.notice]
    publish(county.policies, hidden_reading)
    visible_reading = InterpretationPage(title="资助办法问答", published_date=datetime.date(2026, 4, 3))
    visible_reading.policies = [county.normative]
    visible_reading = publish(county.admissions, visible_reading)
    assert "招生简章解读" in text(client, county.notice.url)
    assert county.normative.title in text(client, visible_reading.url)

    Page.objects.filter(pk=county.policies.pk).update(live=False)
    assert "招生简章解读" not in text(client, county.notice.url)
    assert county.normative.title not in text(client, visible_reading.url)


def test_an_unpublished_organisation_page_hides_its_whole_subtree(county, client):
    OrganisationPage.objects.get(organisation=county.org).unpublish()  # descendants left live
    assert DocumentPage.objects.get(pk=county.notice.pk).live
    for page in (county.notice, county.admissions, DomainPage.objects.get(organisation=county.org)):
        assert client.get(page.url).status_code == 404, page.title
    assert county.notice.title not in text(client, "/")
    assert county.notice.full_url not in client.get("/sitemap.xml").content.decode()


def test_nothing_hidden_costs_one_query_and_excludes_nothing(county, django_assert_num_queries):
    pages = DocumentPage.objects.live()
    with django_assert_num_queries(1):
        assert hidden_paths() == []
    with django_assert_num_queries(1):
        assert reachable(pages) is pages
