"""Builders for catalogue data in tests (plain functions: explicit is clearer than magic)."""

from itertools import count

from wagtail.models import Locale, Page, Site

from gk_columns.models import Catalogue, CatalogueEntry, Domain, Organisation
from gk_columns.validators import make_uscc
from gk_columns.vocab import Audience, Channel, Level, Mode

_serial = count(1)


def make_domain(name="义务教育", code=None, order=0, is_pilot=True):
    domain, _ = Domain.objects.get_or_create(
        name=name, defaults={"code": code or f"d{next(_serial)}", "order": order, "is_pilot": is_pilot}
    )
    return domain


def make_org(name=None, code=None, kind=Organisation.Kind.DEPARTMENT, parent=None):
    n = next(_serial)
    return Organisation.objects.create(
        name=name or f"测试县第{n}局",
        kind=kind,
        parent=parent,
        code=code or f"org{n}",
        credit_code=make_uscc(f"11370000MB{n:07d}"),
    )


def entry_values(domain, item_l1, item_l2="", **extra):
    values = {
        "domain": domain,
        "item_l1": item_l1,
        "item_l2": item_l2,
        "content": f"{item_l2 or item_l1}的有关信息",
        "basis": "《中华人民共和国政府信息公开条例》",
        "time_limit": "信息形成或者变更之日起20个工作日内",
        "subject": "测试县教育局",
        "channels": [Channel.WEBSITE.value],
        "audience": [Audience.PUBLIC.value],
        "mode": [Mode.PROACTIVE.value],
        "level": [Level.COUNTY.value],
    }
    values.update(extra)
    return values


def make_catalogue(org, entries, status=Catalogue.Status.DRAFT):
    """A catalogue version with `entries` (dicts for CatalogueEntry), left in `status`
    without running the workflow (use .publish() to exercise it)."""
    catalogue = Catalogue.objects.create(
        organisation=org, version=Catalogue.next_version_number(org), status=status
    )
    for order, values in enumerate(entries, start=1):
        CatalogueEntry.objects.create(catalogue=catalogue, order=order, **values)
    return catalogue


def filed_catalogue(org, entries):
    return make_catalogue(org, entries, status=Catalogue.Status.FILED)


def ensure_wagtail_roots():
    """The default locale, root page and root collection that Wagtail's migrations
    make. A transactional test (live_server, threads) flushes every table, taking
    them with it: recreate them. Returns (locale, root page)."""
    from wagtail.models import Collection

    locale, _ = Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return locale, root


def make_portal():
    """The 信息公开专栏 home page as the default site's root."""
    from gk_pages.models import PortalHomePage

    locale, root = ensure_wagtail_roots()
    home = root.add_child(instance=PortalHomePage(title="信息公开", slug="gk-portal-home", locale=locale))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "测试县"}
    )
    return home
