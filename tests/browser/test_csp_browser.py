"""The Content-Security-Policy (gkportal.security) breaks nothing: the public search
page, a document page, the admin login and Wagtail's page editor load and work in
Chromium without a single policy violation."""

import re

import pytest
from django.contrib.auth import get_user_model

from search.client import get_client
from tests.factories import make_portal
from tests.search.builders import build_tree, publish_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def violations(page, console):
    return page.evaluate("window.__cspViolations") + [m for m in console if "Content Security Policy" in m]


def test_pages_work_under_the_content_security_policy(browser_index, browser_page, live_server):
    make_portal()
    tree = build_tree("测试县教育局", code="jyj")
    document = publish_document(tree.columns[0], "关于做好2026年义务教育招生工作的通知", body="<p>正文</p>")
    get_client().indices.refresh(index=browser_index)
    get_user_model().objects.create_superuser("admin", password="admin-pass")
    page = browser_page
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)

    # The public search page: its script runs (suggestions, the within-search field).
    response = page.goto(f"{live_server.url}/search/?q=教育")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert document.title in page.locator(".search-hit__title a").all_inner_texts()
    assert violations(page, console) == []

    page.goto(f"{live_server.url}{document.url}")
    assert page.locator("h1").inner_text() == document.title
    assert page.evaluate("getComputedStyle(document.body).margin") is not None
    assert violations(page, console) == []

    # Wagtail's admin under its own policy: log in, open the page editor.
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin-pass")
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto(f"{live_server.url}/admin/pages/{document.pk}/edit/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_title").input_value() == document.title
    assert violations(page, console) == []
