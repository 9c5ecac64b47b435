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
from gk_pages.disclosure import DisclosureAttribute, Genre, NonDisclosureGround, Topic
from gk_pages.management.commands.load_topics import load_topics
from gk_pages.models import ColumnPage, DocumentPage, PortalHomePage, PortalIdentity
from gkportal.demodata.importing import ensure_imported_documents
from gkportal.demodata.interpretations import ensure_interpretations
from gkportal.demodata.validity import ensure_non_public_items, ensure_normative_library
from gkportal.demodata.workflows import ensure_review_roles

DEMO_STEPS = (
    ensure_imported_documents,
    ensure_review_roles,
    ensure_normative_library,
    ensure_non_public_items,
    ensure_interpretations,
)

DEMO_FILE = FIXTURES_DIR / "demo_region.json"
ADMIN_USERNAME = ADMIN_PASSWORD = "admin"
EDITOR_PASSWORD = "demo12345"
# Title endings of the generated documents and the 文种 each one is.
DOCUMENT_KINDS = {
    "的通知": Genre.NOTICE,
    "的公告": Genre.ANNOUNCEMENT,
    "情况公示": Genre.PUBLICITY,
    "工作方案": Genre.PLAN,
    "实施细则": Genre.RULES,
    "信息公开": None,
    "结果公示": Genre.PUBLICITY,
}
# Kinds issued as numbered documents (with a 文号), as real offices do.
NUMBERED_KINDS = {"的通知", "工作方案", "实施细则"}
# 领域 → 主题分类 (first level, second level) of the State Council's subject list.
DOMAIN_TOPICS = {
    "城乡规划": ("城乡建设、环境保护", "城市规划"),
    "重大建设项目": ("国民经济管理、国有资产监管", "重大建设项目"),
    "公共资源交易": ("国民经济管理、国有资产监管", "其他"),
    "财政预决算": ("财政、金融、审计", "财政"),
    "安全生产": ("市场监管、安全生产监管", "安全生产监管"),
    "税收管理": ("财政、金融、审计", "税务"),
    "征地补偿": ("国土资源、能源", "土地"),
    "国有土地上房屋征收与补偿": ("城乡建设、环境保护", "城乡建设（含住房）"),
    "农村危房改造": ("城乡建设、环境保护", "城乡建设（含住房）"),
    "生态环境": ("城乡建设、环境保护", "环境监测、保护与治理"),
    "公共文化服务": ("文化、广电、新闻出版", "文化"),
    "公共法律服务": ("公安、安全、司法", "司法"),
    "扶贫": ("民政、扶贫、救灾", "扶贫"),
    "救灾": ("民政、扶贫、救灾", "减灾救灾"),
    "社会救助": ("民政、扶贫、救灾", "社会福利"),
    "养老服务": ("民政、扶贫、救灾", "社会福利"),
    "户籍管理": ("公安、安全、司法", "公安"),
    "涉农补贴": ("农业、林业、水利", "农业、畜牧业、渔业"),
    "就业": ("劳动、人事、监察", "劳动就业"),
    "社会保险": ("劳动、人事、监察", "社会保障"),
    "义务教育": ("科技、教育", "教育"),
    "医疗卫生": ("卫生、体育", "卫生"),
    "食品药品监管": ("市场监管、安全生产监管", "食品药品监管"),
    "城市综合执法": ("城乡建设、环境保护", "城乡建设（含住房）"),
    "保障性住房": ("城乡建设、环境保护", "城乡建设（含住房）"),
    "市政服务": ("城乡建设、环境保护", "城乡建设（含住房）"),
    "政务服务": ("综合政务", "政务公开"),
    "交通运输": ("工业、交通", "公路"),
}
DEFAULT_TOPIC = ("综合政务", "其他")
# Share of 公示 documents published with personal data removed (删减后公开).
REDACTED_SHARE = 0.15


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
            load_topics()
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
            # The lifecycle features, each with its own idempotent demo step
            # (site/gkportal/demodata/). Order matters: imports go into columns the
            # generator has already filled, interpretations need the policies.
            context = {"portal": portal, "organisations": organisations, "today": self.today, "log": self.log}
            for step in DEMO_STEPS:
                step(rng=random.Random(f"{seed}-{step.__name__}"), **context)
        total = DocumentPage.objects.count()
        columns = ColumnPage.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"示例县已就绪：公开主体 {len(organisations)} 个，栏目 {columns} 个，公开信息 {total} 条。"
                f"管理员 {ADMIN_USERNAME} / {ADMIN_PASSWORD}；各单位编辑 <代码>_editor / {EDITOR_PASSWORD}（如 jyj_editor）；"
                f"教育局、城关镇的保密审查员 <代码>_reviewer、审核员 <代码>_approver（密码同编辑）。"
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
        self.topics = {(t.parent.name if t.parent else None, t.name): t for t in Topic.objects.select_related("parent")}
        self.serials = {}
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
        kind = self.rng.choice(list(DOCUMENT_KINDS))
        title = f"{org.short_name or org.name}关于{published.year}年{subject}{kind}"
        written = published - datetime.timedelta(days=self.rng.randint(0, 10))
        body = (
            f"<p>根据{entry.basis or '《中华人民共和国政府信息公开条例》'}的规定，现将{subject}有关情况公开如下。</p>"
            f"<p>{entry.content or subject}</p>"
            f"<p>联系单位：{org.name}。</p>"
        )
        moment = timezone.make_aware(datetime.datetime.combine(published, datetime.time(9, 30)))
        page = DocumentPage(
            title=title[:250],
            body=body,
            issuing_org=org,
            written_date=written,
            published_date=published,
            first_published_at=moment,
            last_published_at=moment,
            genre=DOCUMENT_KINDS[kind] or "",
            topic=self.topics.get(DOMAIN_TOPICS.get(entry.domain.name, DEFAULT_TOPIC))
            or self.topics.get(DEFAULT_TOPIC),
        )
        if kind in NUMBERED_KINDS:
            page.doc_number = self.next_doc_number(org, written.year)
        if DOCUMENT_KINDS[kind] == Genre.PUBLICITY and self.rng.random() < REDACTED_SHARE:
            page.disclosure_attribute = DisclosureAttribute.REDACTED
            page.non_disclosure_ground = NonDisclosureGround.PERSONAL_PRIVACY
            page.non_disclosure_reason = "公示名单中的身份证号码、联系电话、家庭住址等个人信息已作隐藏处理。"
            page.redaction_confirmed = True
        column.add_child(instance=page)
        column.numchild += 1

    def next_doc_number(self, org, year):
        """A 文号 like 示教体发〔2026〕12号: 机关代字 from the organisation's short name,
        serials counting up per organisation and year."""
        name = (org.short_name or org.name).removeprefix("示例县").removeprefix("县")
        name = name.replace("政府办", "政办")
        for suffix in ("人民政府办公室", "人民政府", "办事处", "管理委员会", "委员会", "局", "中心"):
            name = name.removesuffix(suffix)
        prefix = f"示{name[:2]}发"
        serial = self.serials.get((org.pk, year), 0) + 1
        self.serials[(org.pk, year)] = serial
        return f"{prefix}〔{year}〕{serial}号"

    def ensure_orphan(self, org):
        """Publish a second version of one catalogue without one of its items, so
        the coverage report has a retired column whose content is kept."""
        if org.catalogues.count() > 1:
            return
        current = org.current_catalogue()
        # Always the organisation's first column (which columns the generator leaves
        # empty varies from run to run), given content if it has none: the later demo
        # steps import into the other columns and must find them live.
        column = ColumnPage.objects.filter(entry__catalogue=current).order_by("path").first()
        if column is None:
            return
        if not column.numchild:
            self.add_document(column, org, self.today - datetime.timedelta(days=400))
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
