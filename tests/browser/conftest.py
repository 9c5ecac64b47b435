"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium).

No browser is downloaded: the system Chromium must be installed
(`apt-get install -y chromium fonts-noto-cjk`). Without it the `browser`
fixture FAILS, so that CI never passes by skipping.

Tests use pytest-django's `live_server`, so their data must be committed:
mark them `django_db(transaction=True)`. Indexing then runs on each real
commit, into an index prefix of this module's own (`browser_index`).
"""

import os
from pathlib import Path

import pytest
from django.test import override_settings

from search import indices
from search.client import is_available
from tests.conftest import SESSION_PREFIX

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(
            f"浏览器测试需要 Debian 的 Chromium（{CHROMIUM}）：先运行 apt-get update && apt-get install -y chromium fonts-noto-cjk。",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the ORM calls
    # the tests make between browser steps are synchronous all the same.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def browser_index():
    """A fresh alias for the default locale under a prefix of its own, deleted afterwards."""
    if not is_available(timeout=5):
        pytest.fail("Elasticsearch 不可用：浏览器测试需要真实节点，先运行 make es。", pytrace=False)
    from django.conf import settings

    with override_settings(GK_SEARCH_INDEX_PREFIX=f"{SESSION_PREFIX}browser"):
        indices.drop_prefix()
        indices.ensure_alias(settings.LANGUAGE_CODE)
        yield indices.alias_name(settings.LANGUAGE_CODE)
        indices.drop_prefix()
