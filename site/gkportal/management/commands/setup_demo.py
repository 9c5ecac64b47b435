"""Load the demo region (示例县): organisations, filed and published catalogues,
synced columns and a few hundred documents whose dates give the coverage
report a realistic mix. Idempotent: running it again adds nothing."""

import datetime
import json
import random
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from gk_columns.fixtures import FIXTURES_DIR, load_domains, load_standard_items
from gk_columns.models import Catalogue, CatalogueEntry, Domain, Organisation, StandardItem
from gk_columns.sync import EDITOR_GROUP_SUFFIX, ColumnSync
from gk_columns.validators import make_uscc
from gk_columns.vocab import Level
from gk_columns.workingdays import seed_from_library
from gk_pages.models import ColumnPage, DocumentPage, PortalHomePage, PortalIdentity

DEMO_FILE = FIXTURES_DIR / "demo_region.json"
ADMIN_USERNAME = ADMIN_PASSWORD = "admin"
EDITOR_PASSWORD = "demo12345"
DOCUMENT_KINDS = ("的通知", "的公告", "情况公示", "工作方案", "实施细则", "信息公开", "结果公示")


class Command(BaseCommand):
    help = "加载示例县演示数据（公开主体、已备案并发布的公开目录、栏目与公开信息），可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20261121, help="随机种子（决定演示文档的分布）")
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None, help="以该日期为“今天”生成文档日期")

    def handle(self, *args, seed, today, **options):
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        spec = json.loads(Path(DEMO_FILE).read_text(encoding="utf-8"))
        with transaction.atomic():
            load_domains()
            load_standard_items(stdout=None)
            seed_from_library()
            portal = self.ensure_portal(spec["portal"])
            organisations = self.ensure_organisations(spec)
            self.ensure_catalogues(organisations, spec)
            plan = ColumnSync(portal=portal).apply()
            self.log(f"栏目同步：新建 {len(plan.create)}，更新 {len(plan.update)}，撤销 {len(plan.retire)}")
            created = self.ensure_documents(organisations)
            self.log(f"新增公开信息 {created} 条")
            self.ensure_orphan(organisations["jyj"])
            self.ensure_pending_version(organisations["czj"])
            self.ensure_users(organisations)
        total = DocumentPage.objects.count()
        columns = ColumnPage.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"示例县已就绪：公开主体 {len(organisations)} 个，栏目 {columns} 个，公开信息 {total} 条。"
                f"管理员 {ADMIN_USERNAME} / {ADMIN_PASSWORD}；各单位编辑 <代码>_editor / {EDITOR_PASSWORD}（如 jyj_editor）。"
            )
        )

    def log(self, message):
        self.stdout.write(message)
        self.stdout.flush()

    # -- structure ------------------------------------------------------------

    def ensure_portal(self, spec):
        portal = PortalHomePage.objects.order_by("path").first()
        if portal is None:
            root = Page.get_first_root_node()
            portal = root.add_child(
                instance=PortalHomePage(
                    title=spec["title"],
                    slug=spec["slug"],
                    locale=Locale.get_default(),
                    intro="<p>本专栏按照《中华人民共和国政府信息公开条例》和基层政务公开标准目录，集中发布示例县各单位主动公开的政府信息。</p>",
                )
            )
            self.log(f"创建信息公开专栏首页：{portal.title}")
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site.objects.create(hostname="localhost", port=80, root_page=portal, is_default_site=True, site_name="示例县")
        elif site.root_page_id != portal.pk:
            old_root = site.root_page
            site.root_page = portal
            site.site_name = "示例县"
            site.save()
            # Wagtail's placeholder welcome page has no place in the portal.
            if old_root.specific_class is Page and old_root.depth == 2 and not old_root.get_children().exists():
                old_root.delete()
        PortalIdentity.objects.get_or_create(
            site=site,
            defaults={"sponsor": "示例县人民政府办公室", "site_code": "3715990001", "icp_number": "示ICP备00000000号"},
        )
        return portal

    def ensure_organisations(self, spec):
        region = spec["region_code"][:6]
        by_code = {}
        for n, item in enumerate(spec["organisations"], start=1):
            parent_code = item.get("parent") or (None if item["kind"] == "county" else "xzf")
            if item["kind"] in ("township", "zone"):
                parent_code = "xzf"
            org, created = Organisation.objects.get_or_create(
                code=item["code"],
                defaults={
                    "name": item["name"],
                    "short_name": item.get("short_name", ""),
                    "kind": item["kind"],
                    "parent": by_code.get(parent_code),
                    "credit_code": make_uscc(f"11{region}MB{n:07d}"),
                    "order": n,
                },
            )
            by_code[org.code] = org
        self.log(f"公开主体：{len(by_code)} 个")
        return by_code

    def domains_for(self, item):
        if item["domains"] == ["*"]:
            return list(Domain.objects.all())
        wanted = item["domains"]
        return [d for d in Domain.objects.all() if any(w in d.name or d.name in w for w in wanted)]

    def ensure_catalogues(self, organisations, spec):
        for item in spec["organisations"]:
            org = organisations[item["code"]]
            if org.catalogues.exists():
                continue
            items = self.standard_items_for(org, self.domains_for(item))
            catalogue = Catalogue.objects.create(organisation=org, version=1, note="依据标准目录编制")
            entries = []
            for order, standard in enumerate(items, start=1):
                entry = CatalogueEntry(catalogue=catalogue, standard_item=standard, order=order)
                for field in ("domain_id", "item_l1", "item_l2", "content", "basis", "time_limit", "subject",
                              "channels", "audience", "mode", "level", "five_publics"):
                    setattr(entry, field, getattr(standard, field))
                if org.kind == Organisation.Kind.TOWNSHIP and order % 17 == 0:
                    entry.not_applicable = True
                    entry.not_applicable_reason = f"{org.short_name or org.name}辖区内无此类事项（因地制宜）。"
                entry.save()
                entries.append(entry)
            catalogue.submit()
            catalogue.file(filing_number=f"示政公备〔{self.today.year}〕{org.order}号")
            catalogue.publish(sync=False)
            self.log(f"  {org.name}：目录 {len(entries)} 项，已备案并发布")

    def standard_items_for(self, org, domains):
        level = org.level.value
        items = [s for s in StandardItem.objects.filter(domain__in=domains).select_related("domain") if level in s.level]
        if not items and org.kind == Organisation.Kind.VILLAGE:
            # Few standard catalogues list 村级 items; villages then disclose the
            # township items that reach them through 村务公开栏.
            names = ("社会救助", "涉农补贴", "扶贫", "农村危房改造")
            items = [
                s for s in StandardItem.objects.select_related("domain")
                if Level.TOWNSHIP.value in s.level and any(n in s.domain.name for n in names)
            ]
        if not items:
            # The fixtures do not yet hold every domain's catalogue; give such a
            # department a slice of the county-level items so the demo stays whole.
            pool = [s for s in StandardItem.objects.select_related("domain") if level in s.level]
            start = (org.order * 7) % max(len(pool), 1)
            items = (pool[start:] + pool[:start])[:12]
        return items

    # -- content ---------------------------------------------------------------

    def ensure_documents(self, organisations):
        created = 0
        columns = list(
            ColumnPage.objects.filter(retired=False)
            .select_related("entry__catalogue__organisation", "entry__domain")
            .order_by("path")
        )
        for i, column in enumerate(columns):
            if column.numchild:
                continue
            org = column.entry.catalogue.organisation
            # Decided per column (by its lineage), so a second run leaves empty columns empty.
            self.rng = random.Random(f"{self.seed}-{column.entry.lineage}")
            state = self.rng.random()
            if state < 0.12:
                continue  # an empty column: the report must show some
            if state < 0.30:
                dates = [self.today - datetime.timedelta(days=self.rng.randint(200, 700)) for _ in range(self.rng.randint(1, 2))]
            else:
                dates = [self.today - datetime.timedelta(days=self.rng.randint(0, 75)) for _ in range(self.rng.randint(1, 3))]
            for published in sorted(dates):
                self.add_document(column, org, published)
                created += 1
            if (i + 1) % 100 == 0:
                self.log(f"  已处理栏目 {i + 1}/{len(columns)}")
        # Keep at least 300 documents for a realistic portal even on small fixtures.
        fresh_columns = [c for c in columns if c.live]
        while DocumentPage.objects.count() < 300 and fresh_columns:
            column = self.rng.choice(fresh_columns)
            self.add_document(column, column.entry.catalogue.organisation, self.today - datetime.timedelta(days=self.rng.randint(0, 60)))
            created += 1
        return created

    def add_document(self, column, org, published):
        entry = column.entry
        subject = entry.item_l2 or entry.item_l1
        title = f"{org.short_name or org.name}关于{published.year}年{subject}{self.rng.choice(DOCUMENT_KINDS)}"
        written = published - datetime.timedelta(days=self.rng.randint(0, 10))
        body = (
            f"<p>根据{entry.basis or '《中华人民共和国政府信息公开条例》'}的规定，现将{subject}有关情况公开如下。</p>"
            f"<p>{entry.content or subject}</p>"
            f"<p>联系单位：{org.name}。</p>"
        )
        moment = timezone.make_aware(datetime.datetime.combine(published, datetime.time(9, 30)))
        column.add_child(
            instance=DocumentPage(
                title=title[:250],
                body=body,
                issuing_org=org,
                written_date=written,
                published_date=published,
                first_published_at=moment,
                last_published_at=moment,
            )
        )
        column.numchild += 1

    def ensure_orphan(self, org):
        """Publish a second version of one catalogue without one of its items, so
        the coverage report has a retired column whose content is kept."""
        if org.catalogues.count() > 1:
            return
        current = org.current_catalogue()
        column = (
            ColumnPage.objects.filter(entry__catalogue=current, numchild__gt=0).order_by("path").first()
        )
        if column is None:
            return
        draft = Catalogue.new_draft(org, copy_from=current)
        draft.note = "合并重复事项"
        draft.save(update_fields=["note"])
        draft.entries.filter(lineage=column.entry.lineage).delete()
        draft.submit()
        draft.file(filing_number=f"示政公备〔{self.today.year}〕{org.order}-2号")
        plan = draft.publish()
        self.log(f"{org.name} 发布目录第2版：撤销栏目 {', '.join(r['title'] for r in plan.retire)}（内容保留）")

    def ensure_pending_version(self, org):
        """One organisation has a new version waiting for filing (shows the workflow)."""
        if org.catalogues.filter(status=Catalogue.Status.SUBMITTED).exists() or org.catalogues.count() > 1:
            return
        draft = Catalogue.new_draft(org)
        draft.note = "新增预算绩效信息公开事项"
        draft.save(update_fields=["note"])
        entry = draft.entries.first()
        if entry is not None:
            CatalogueEntry.objects.create(
                catalogue=draft,
                domain=entry.domain,
                item_l1="预算绩效",
                item_l2="绩效自评结果",
                content="部门整体支出绩效自评报告、项目支出绩效自评结果",
                basis="《中华人民共和国预算法》《中共中央 国务院关于全面实施预算绩效管理的意见》",
                time_limit="每年9月底前",
                subject=org.name,
                channels=["政府网站"],
                audience=["全社会"],
                mode=["主动"],
                level=["县级"],
                order=999,
            )
            draft.submit()

    def ensure_users(self, organisations):
        User = get_user_model()
        if not User.objects.filter(username=ADMIN_USERNAME).exists():
            User.objects.create_superuser(ADMIN_USERNAME, "admin@example.invalid", ADMIN_PASSWORD)
        for code in ("jyj", "mzj", "cgz"):
            org = organisations[code]
            user, created = User.objects.get_or_create(
                username=f"{code}_editor", defaults={"first_name": org.short_name or org.name, "last_name": "编辑"}
            )
            if created:
                user.set_password(EDITOR_PASSWORD)
                user.save()
            group = Group.objects.filter(name=f"{org.name}{EDITOR_GROUP_SUFFIX}").first()
            if group:
                user.groups.add(group)
