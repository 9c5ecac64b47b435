import pytest
from wagtail.models import Locale, Page, Site

from gk_pages.models import PortalHomePage


@pytest.fixture
def portal(db):
    """The 信息公开专栏 home page as the default site's root."""
    locale = Locale.get_default()
    root = Page.get_first_root_node()
    home = root.add_child(instance=PortalHomePage(title="信息公开", slug="gk-portal-home", locale=locale))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "测试县"}
    )
    return home
