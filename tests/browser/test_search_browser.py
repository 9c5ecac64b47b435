"""The search page in a real browser: type a query, search within the
results, click a facet, open a result."""

import re

import pytest

from search.client import get_client
from tests.factories import make_portal
from tests.search.corpus import build_corpus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def result_titles(page):
    return page.locator(".search-hit__title a").all_inner_texts()


def test_search_refine_filter_and_open(browser_index, browser_page, live_server):
    make_portal()
    build_corpus()  # committed: each publication is indexed on commit
    get_client().indices.refresh(index=browser_index)
    page = browser_page

    # 1. Type a query into the search page's box.
    page.goto(f"{live_server.url}/search/")
    main = page.locator("#main")
    main.get_by_label("搜索词").fill("教育")
    main.get_by_role("button", name="搜索", exact=True).click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    first = set(result_titles(page))
    assert {"关于做好2026年义务教育招生工作的通知", "示例县义务教育学校学区划分方案", "关于开展2025年度临时救助工作的通知"} <= first
    assert page.locator(".search-total strong").inner_text() == str(len(first))
    assert page.locator(".search-hit__title em").first.inner_text() == "教育"

    # 2. Search within these results.
    main.get_by_label("在结果中搜索").fill("义务教育")
    main.get_by_role("button", name="在结果中搜索").click()
    page.wait_for_url(re.compile(r"within="))
    second = set(result_titles(page))
    assert second < first and "关于开展2025年度临时救助工作的通知" not in second
    assert page.locator(".search-chain .search-chip__text").all_inner_texts() == ["教育", "义务教育"]

    # 3. Click a facet: the column 招生政策.
    facet = page.locator(".search-facet").filter(has=page.get_by_role("heading", name="栏目"))
    item = facet.locator("li").filter(has_text="招生政策")
    count = int(item.locator(".search-facet__count").inner_text().rstrip("条"))
    item.get_by_role("link").click()
    page.wait_for_url(re.compile(r"column="))
    third = result_titles(page)
    assert len(third) == count == 2
    assert set(third) == {"关于做好2026年义务教育招生工作的通知", "示例县义务教育学校学区划分方案"}
    assert page.locator(".search-filters .search-chip__text").all_inner_texts() == ["栏目：招生政策"]

    # 4. Open a result.
    page.get_by_role("link", name="关于做好2026年义务教育招生工作的通知").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "关于做好2026年义务教育招生工作的通知"
    assert "/search/" not in page.url
