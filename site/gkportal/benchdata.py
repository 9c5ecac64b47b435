"""Large benchmark data sets, built fast.

Creating tens of thousands of pages one by one through Wagtail takes most of
an hour; benchmarks need them in a minute. This writes the same rows Wagtail
would (treebeard paths, url paths, specific-table rows) in bulk. It is for
benchmarks only: no revisions, no log entries, no signals.
"""

import datetime
import random
import uuid
from itertools import cycle

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import Locale, Page

from gk_columns import timelimits
from gk_columns.models import Catalogue, CatalogueEntry, Domain, Organisation, StandardItem
from gk_columns.validators import make_uscc
from gk_pages.models import ColumnPage, DocumentPage, DomainPage, OrganisationPage, PortalHomePage

BATCH = 2000


def insert_specific_rows(model, rows):
    """INSERT rows (dicts keyed by column) into a page type's own table.

    Django's bulk_create refuses multi-table inheritance, so the specific
    part of each page goes in with a plain executemany."""
    if not rows:
        return
    columns = list(rows[0])
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [tuple(r[c] for c in columns) for r in rows[start : start + BATCH]])


class TreeWriter:
    """Appends children under parents, tracking treebeard paths and numchild."""

    def __init__(self, locale):
        self.locale = locale
        self.numchild = {}
        self.now = timezone.now()

    def child(self, parent_path, parent_depth, parent_url, content_type, title, slug, live=True, when=None):
        position = self.numchild.get(parent_path, 0) + 1
        self.numchild[parent_path] = position
        return Page(
            title=title,
            draft_title=title,
            slug=slug,
            content_type=content_type,
            live=live,
            has_unpublished_changes=False,
            path=Page._get_path(parent_path, parent_depth + 1, position),
            depth=parent_depth + 1,
            numchild=0,
            url_path=f"{parent_url}{slug}/",
            locale=self.locale,
            translation_key=uuid.uuid4(),
            first_published_at=when or self.now,
            last_published_at=when or self.now,
        )

    def save(self, pages):
        for start in range(0, len(pages), BATCH):
            # SQLite ≥ 3.35 and PostgreSQL return the new primary keys.
            Page.objects.bulk_create(pages[start : start + BATCH])
        assert all(p.pk for p in pages), "the database did not return primary keys from bulk insert"
        return pages

    def finish(self):
        for path, count in self.numchild.items():
            Page.objects.filter(path=path).update(numchild=count)


@transaction.atomic
def build_benchmark_portal(organisations=300, entries_per_org=200, documents=60000, seed=1, stdout=None):
    """A portal with `organisations` × `entries_per_org` published entries, one
    column each, and `documents` documents spread over the columns."""
    rng = random.Random(seed)
    say = (lambda msg: stdout.write(msg + "\n")) if stdout else (lambda msg: None)
    locale = Locale.get_default()
    types = {m: ContentType.objects.get_for_model(m) for m in (PortalHomePage, OrganisationPage, DomainPage, ColumnPage, DocumentPage)}
    domains = list(Domain.objects.all()) or [Domain.objects.create(code="bench", name="基准测试", order=1)]
    standard = list(StandardItem.objects.select_related("domain")) or []
    rules = {}

    root = Page.get_first_root_node()
    writer = TreeWriter(locale)
    writer.numchild[root.path] = root.numchild
    portal = writer.save([writer.child(root.path, root.depth, root.url_path, types[PortalHomePage], "基准测试门户", f"bench-{uuid.uuid4().hex[:8]}")])[0]
    insert_specific_rows(PortalHomePage, [{"page_ptr_id": portal.pk, "intro": ""}])

    say(f"公开主体与目录：{organisations} × {entries_per_org}")
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(name=f"基准测试单位{n:04d}", kind=Organisation.Kind.DEPARTMENT, code=f"bench{seed}-{n:04d}",
                         credit_code=make_uscc(f"11{seed % 100:02d}0000B{n:08d}"), order=10000 + n)
            for n in range(1, organisations + 1)
        ]
    )
    catalogues = Catalogue.objects.bulk_create(
        [Catalogue(organisation=o, version=1, status=Catalogue.Status.PUBLISHED, published_at=writer.now) for o in orgs]
    )
    templates = cycle(standard) if standard else None
    entries = []
    for catalogue in catalogues:
        for n in range(entries_per_org):
            item = next(templates) if templates else None
            text = item.time_limit if item else "信息形成或者变更之日起20个工作日内"
            if text not in rules:
                rules[text] = timelimits.parse(text).to_dict()
            entries.append(
                CatalogueEntry(
                    catalogue=catalogue, order=n + 1, domain=item.domain if item else domains[n % len(domains)],
                    item_l1=item.item_l1 if item else f"事项{n // 10}", item_l2=f"{item.item_l2 if item else '子项'}{n:03d}",
                    content=item.content if item else "", time_limit=text, time_limit_rule=rules[text],
                    channels=["政府网站"], audience=["全社会"], mode=["主动"], level=["县级"],
                )
            )
    for start in range(0, len(entries), BATCH):
        CatalogueEntry.objects.bulk_create(entries[start : start + BATCH])
    entries = list(CatalogueEntry.objects.filter(catalogue__in=catalogues).select_related("domain").order_by("catalogue_id", "order"))

    say("页面树：公开主体页、领域页、栏目")
    org_pages = writer.save([writer.child(portal.path, portal.depth, portal.url_path, types[OrganisationPage], o.name, o.code) for o in orgs])
    insert_specific_rows(OrganisationPage, [{"page_ptr_id": p.pk, "structure_locale_id": locale.pk, "organisation_id": o.pk, "intro": ""} for p, o in zip(org_pages, orgs, strict=False)])
    org_page_by_catalogue = {c.pk: p for c, p in zip(catalogues, org_pages, strict=False)}
    org_by_catalogue = {c.pk: o for c, o in zip(catalogues, orgs, strict=False)}

    domain_keys = sorted({(e.catalogue_id, e.domain_id) for e in entries})
    domain_by_id = {d.pk: d for d in Domain.objects.all()}
    domain_pages = writer.save([
        writer.child(org_page_by_catalogue[c].path, org_page_by_catalogue[c].depth, org_page_by_catalogue[c].url_path,
                     types[DomainPage], domain_by_id[d].name, domain_by_id[d].code)
        for c, d in domain_keys
    ])
    insert_specific_rows(DomainPage, [
        {"page_ptr_id": p.pk, "structure_locale_id": locale.pk, "organisation_id": org_by_catalogue[c].pk, "domain_id": d, "intro": ""}
        for p, (c, d) in zip(domain_pages, domain_keys, strict=False)
    ])
    domain_page = dict(zip(domain_keys, domain_pages, strict=False))

    column_pages = writer.save([
        writer.child(domain_page[(e.catalogue_id, e.domain_id)].path, domain_page[(e.catalogue_id, e.domain_id)].depth,
                     domain_page[(e.catalogue_id, e.domain_id)].url_path, types[ColumnPage], e.item_l2, f"c{e.pk}")
        for e in entries
    ])
    insert_specific_rows(ColumnPage, [
        {"page_ptr_id": p.pk, "structure_locale_id": locale.pk, "entry_id": e.pk, "intro": "", "retired": False, "retired_at": None}
        for p, e in zip(column_pages, entries, strict=False)
    ])

    say(f"公开信息：{documents} 条")
    today = timezone.localdate()
    docs, rows_meta = [], []
    pairs = list(zip(column_pages, entries, strict=False))
    for n in range(documents):
        # Mostly round-robin, with some columns drawn at random so counts per column vary.
        column, entry = rng.choice(pairs) if n % 7 == 0 else pairs[n % len(pairs)]
        published = today - datetime.timedelta(days=rng.randint(0, 720))
        when = timezone.make_aware(datetime.datetime.combine(published, datetime.time(9)))
        docs.append(writer.child(column.path, column.depth, column.url_path, types[DocumentPage], f"关于{entry.item_l2}的公告（{n}）", f"d{n}", when=when))
        rows_meta.append((published, org_by_catalogue[entry.catalogue_id].pk))
    writer.save(docs)
    insert_specific_rows(DocumentPage, [
        {"page_ptr_id": p.pk, "body": "<p>基准测试正文。</p>", "issuing_org_id": org_id, "written_date": published, "published_date": published}
        for p, (published, org_id) in zip(docs, rows_meta, strict=False)
    ])
    writer.finish()
    say("完成")
    return portal, orgs


@transaction.atomic
def add_documents(column, count, start=None):
    """Append `count` live documents under `column` (bulk, for render benchmarks)."""
    locale = Locale.get_default()
    writer = TreeWriter(locale)
    writer.numchild[column.path] = column.numchild
    content_type = ContentType.objects.get_for_model(DocumentPage)
    org_id = column.entry.catalogue.organisation_id
    today = start or timezone.localdate()
    dates = [today - datetime.timedelta(days=n % 365) for n in range(count)]
    pages = writer.save([
        writer.child(column.path, column.depth, column.url_path, content_type, f"{column.title}公告（{n}）", f"x{column.numchild + n + 1}")
        for n in range(count)
    ])
    insert_specific_rows(DocumentPage, [
        {"page_ptr_id": p.pk, "body": "<p>正文</p>", "issuing_org_id": org_id, "written_date": d, "published_date": d}
        for p, d in zip(pages, dates, strict=False)
    ])
    writer.finish()
