"""The reference site: footer identifiers from site settings, 404s, sitemap."""

import pytest
from wagtail.models import Site

from gk_pages.models import PortalIdentity

pytestmark = pytest.mark.django_db


def test_footer_shows_the_sites_identifiers(client, portal):
    PortalIdentity.objects.create(
        site=Site.objects.get(is_default_site=True), sponsor="测试县人民政府办公室", site_code="3715990001"
    )
    html = client.get(portal.url).content.decode()
    assert "主办单位：测试县人民政府办公室" in html
    assert "网站标识码：3715990001" in html


def test_footer_without_identifiers_shows_none(client, portal):
    html = client.get(portal.url).content.decode()
    assert "网站标识码" not in html


def test_unknown_url_answers_404_in_portal_layout(client, portal):
    response = client.get(portal.url + "no-such-page/")
    assert response.status_code == 404
