"""Small page trees for search tests, built the way the portal builds them:
columns by the column sync, documents published through revisions."""

from dataclasses import dataclass
from itertools import count

from gk_pages.models import ColumnPage, DocumentPage, OrganisationPage
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

_serial = count(1)


@dataclass
class Tree:
    org: object
    catalogue: object
    org_page: OrganisationPage
    columns: list


def build_tree(name="测试县教育局", code=None):
    """An organisation with a published catalogue of two proactive entries; the
    column sync makes and publishes its organisation, domain and column pages."""
    n = next(_serial)
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    org = make_org(name, code=code or f"search-org-{n}")
    catalogue = filed_catalogue(
        org,
        [entry_values(domain, "教育政策", "政策文件"), entry_values(domain, "招生入学", "招生政策")],
    )
    catalogue.publish()
    org_page = OrganisationPage.objects.get(organisation=org)
    columns = list(ColumnPage.objects.filter(entry__catalogue=catalogue).order_by("entry__order"))
    return Tree(org=org, catalogue=catalogue, org_page=org_page, columns=columns)


def publish_document(column, title, body="", **fields):
    """A document created as a draft under `column` and published through a revision
    (so that Wagtail's page_published signal fires, as for an editor)."""
    page = DocumentPage(title=title, slug=f"doc-{next(_serial)}", body=body, live=False, **fields)
    column.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page
