"""The standard disclosure catalogue: domains, standard items, organisations and
their filed catalogues, plus the working-day calendar and coverage snapshots.

Pages never appear here: the catalogue talks to the page tree only through
gk_columns.sync (column sync) and gk_columns.coverage (coverage queries).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone

from . import timelimits
from .validators import ChoiceListValidator, validate_uscc
from .vocab import Audience, Channel, FivePublic, Level, Mode


class Domain(models.Model):
    """领域: a domain of the standard catalogue (义务教育, 社会救助, …)."""

    code = models.SlugField("代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    order = models.PositiveIntegerField("排序", default=0)
    is_pilot = models.BooleanField("26个试点领域之一", default=False)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = verbose_name_plural = "领域"

    def __str__(self):
        return self.name


def _choice_list_validator(choices, label):
    return ChoiceListValidator([c.value for c in choices], label)


class CatalogueElements(models.Model):
    """The elements of one catalogue row (要素), shared by the standard item and an
    organisation's entry so that both say the same thing in the same fields."""

    domain = models.ForeignKey(Domain, verbose_name="领域", on_delete=models.PROTECT, related_name="+")
    item_l1 = models.CharField("一级事项", max_length=200)
    item_l2 = models.CharField("二级事项", max_length=200, blank=True)
    content = models.TextField("公开内容（要素）", blank=True)
    basis = models.TextField("公开依据", blank=True)
    time_limit = models.CharField("公开时限", max_length=500, blank=True)
    time_limit_rule = models.JSONField("公开时限规则", default=dict, blank=True, editable=False)
    subject = models.CharField("公开主体", max_length=300, blank=True)
    channels = models.JSONField(
        "公开渠道和载体", default=list, blank=True, validators=[_choice_list_validator(Channel, "公开渠道和载体")]
    )
    audience = models.JSONField(
        "公开对象", default=list, blank=True, validators=[_choice_list_validator(Audience, "公开对象")]
    )
    mode = models.JSONField("公开方式", default=list, blank=True, validators=[_choice_list_validator(Mode, "公开方式")])
    level = models.JSONField("公开层级", default=list, blank=True, validators=[_choice_list_validator(Level, "公开层级")])
    five_publics = models.JSONField(
        "五公开", default=list, blank=True, validators=[_choice_list_validator(FivePublic, "五公开")]
    )
    order = models.PositiveIntegerField("序号", default=0)

    class Meta:
        abstract = True

    @property
    def title(self):
        """The column title: the 二级事项, or the 一级事项 where there is none."""
        return self.item_l2 or self.item_l1

    @property
    def is_proactive(self):
        return Mode.PROACTIVE.value in (self.mode or [])

    @property
    def rule(self):
        return timelimits.TimeLimitRule.from_dict(self.time_limit_rule) if self.time_limit_rule else timelimits.parse(
            self.time_limit
        )

    def save(self, *args, **kwargs):
        # The parsed rule is derived data: recompute it whenever the text may have changed.
        self.time_limit_rule = timelimits.parse(self.time_limit).to_dict()
        super().save(*args, **kwargs)

    def element_values(self):
        """The elements as a plain dict (the import/export and diff vocabulary)."""
        return {
            "domain": self.domain.name,
            "item_l1": self.item_l1,
            "item_l2": self.item_l2,
            "content": self.content,
            "basis": self.basis,
            "time_limit": self.time_limit,
            "subject": self.subject,
            "channels": list(self.channels),
            "audience": list(self.audience),
            "mode": list(self.mode),
            "level": list(self.level),
            "five_publics": list(self.five_publics),
        }


class StandardItem(CatalogueElements):
    """A row of a published standard catalogue: the template organisations start from."""

    source = models.CharField("来源", max_length=500, blank=True, help_text="发布该标准目录的机关及文件/网址")

    class Meta:
        ordering = ["domain__order", "order", "pk"]
        verbose_name = verbose_name_plural = "标准目录事项"
        indexes = [models.Index(fields=["domain", "order"])]

    def __str__(self):
        return f"{self.domain.name}｜{self.item_l1}｜{self.item_l2}" if self.item_l2 else f"{self.domain.name}｜{self.item_l1}"


class Organisation(models.Model):
    """公开主体: a body that discloses (county government, department, township …)."""

    class Kind(models.TextChoices):
        COUNTY_GOVERNMENT = "county", "县（区）人民政府"
        DEPARTMENT = "department", "县级部门"
        TOWNSHIP = "township", "乡镇（街道）"
        VILLAGE = "village", "村（社区）"
        DEVELOPMENT_ZONE = "zone", "开发区（园区）"
        OTHER = "other", "其他单位"

    name = models.CharField("名称", max_length=200)
    short_name = models.CharField("简称", max_length=50, blank=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级机构", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, null=True, blank=True, validators=[validate_uscc]
    )
    code = models.SlugField(
        "索引号机构代码",
        max_length=40,
        unique=True,
        help_text="索引号的前缀（如统一社会信用代码或本地机构代码），发布后不宜修改。",
    )
    order = models.PositiveIntegerField("排序", default=0)
    # A county office publishing into a township's columns on its behalf, a department
    # publishing jointly: cross-organisation publishing is an explicit grant, never implied.
    may_publish_to = models.ManyToManyField(
        "self",
        verbose_name="可发布到",
        symmetrical=False,
        blank=True,
        related_name="publishers",
        help_text="本机构除本机构栏目外，还可以在哪些公开主体的栏目中发布信息。",
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = verbose_name_plural = "公开主体"

    def __str__(self):
        return self.name

    def clean(self):
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "上级机构不能是本机构。"})

    @property
    def level(self):
        """The catalogue level (公开层级) this kind of organisation discloses at."""
        return {
            self.Kind.TOWNSHIP: Level.TOWNSHIP,
            self.Kind.VILLAGE: Level.VILLAGE,
        }.get(self.kind, Level.COUNTY)

    def current_catalogue(self):
        return self.catalogues.filter(status=Catalogue.Status.PUBLISHED).order_by("-version").first()


class CatalogueQuerySet(models.QuerySet):
    def current(self):
        """The published version of each organisation (one row per organisation)."""
        return self.filter(status=Catalogue.Status.PUBLISHED)


class Catalogue(models.Model):
    """One version of an organisation's catalogue, moving 草稿 → 已提交 → 已备案 → 已发布.

    Only one version per organisation is 已发布 at a time; publishing a newer one
    marks the previous one 已替代. Publishing is what drives the column sync.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        FILED = "filed", "已备案"
        PUBLISHED = "published", "已发布"
        RETURNED = "returned", "退回"
        SUPERSEDED = "superseded", "已替代"

    # The moves each step allows; anything else is refused in the model.
    TRANSITIONS = {
        "submit": ({Status.DRAFT, Status.RETURNED}, Status.SUBMITTED),
        "file": ({Status.SUBMITTED}, Status.FILED),
        "return": ({Status.SUBMITTED, Status.FILED}, Status.RETURNED),
        "publish": ({Status.FILED}, Status.PUBLISHED),
    }

    organisation = models.ForeignKey(
        Organisation, verbose_name="公开主体", on_delete=models.PROTECT, related_name="catalogues"
    )
    version = models.PositiveIntegerField("版本")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField("说明", blank=True)
    return_reason = models.TextField("退回原因", blank=True)
    filing_number = models.CharField("备案号", max_length=100, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="创建人"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="提交人"
    )
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="备案人"
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="退回人"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="发布人"
    )

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "-version"]
        verbose_name = verbose_name_plural = "公开目录"
        permissions = [
            ("file_catalogue", "可备案或退回公开目录"),
            ("publish_catalogue", "可发布公开目录并同步栏目"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "version"], name="gk_catalogue_unique_version"),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status="published"),
                name="gk_catalogue_one_published_per_org",
            ),
        ]

    def __str__(self):
        return f"{self.organisation.name} 公开目录 第{self.version}版（{self.get_status_display()}）"

    # -- versions -------------------------------------------------------

    @classmethod
    def next_version_number(cls, organisation):
        return (cls.objects.filter(organisation=organisation).aggregate(m=Max("version"))["m"] or 0) + 1

    @classmethod
    @transaction.atomic
    def new_draft(cls, organisation, user=None, copy_from=None):
        """A new draft version, copying every entry of `copy_from` (default: the
        current published version) so that column identity (lineage) carries over."""
        if copy_from is None:
            copy_from = organisation.current_catalogue()
        draft = cls.objects.create(
            organisation=organisation, version=cls.next_version_number(organisation), created_by=user
        )
        if copy_from is not None:
            entries = []
            for entry in copy_from.entries.all():
                entry.pk = None
                entry.catalogue = draft
                entries.append(entry)
            CatalogueEntry.objects.bulk_create(entries)
        return draft

    # -- workflow -------------------------------------------------------

    @property
    def is_editable(self):
        """Entries may change only before submission (or after being returned)."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def available_actions(self):
        return [action for action, (sources, _) in self.TRANSITIONS.items() if self.status in sources]

    def _move(self, action, user):
        allowed_from, target = self.TRANSITIONS[action]
        if self.status not in allowed_from:
            raise ValidationError(
                "第%(version)d版当前状态为“%(status)s”，不能执行“%(action)s”。",
                params={
                    "version": self.version,
                    "status": self.get_status_display(),
                    "action": {"submit": "提交", "file": "备案", "return": "退回", "publish": "发布"}[action],
                },
            )
        self.status = target
        now = timezone.now()
        stamp = {"submit": "submitted", "file": "filed", "return": "returned", "publish": "published"}[action]
        setattr(self, f"{stamp}_at", now)
        setattr(self, f"{stamp}_by", user if user and user.is_authenticated else None)

    @transaction.atomic
    def submit(self, user=None):
        if not self.entries.exists():
            raise ValidationError("目录没有任何事项，不能提交。")
        problems = [e for e in self.entries.all() if e.not_applicable and not e.not_applicable_reason.strip()]
        if problems:
            raise ValidationError("以下事项标记为不适用但没有填写理由：{}".format("、".join(e.title for e in problems)))
        self._move("submit", user)
        self.save()

    @transaction.atomic
    def file(self, user=None, filing_number=""):
        self._move("file", user)
        if filing_number:
            self.filing_number = filing_number
        self.save()

    @transaction.atomic
    def return_for_changes(self, reason, user=None):
        if not (reason or "").strip():
            raise ValidationError("退回必须填写原因。")
        self._move("return", user)
        self.return_reason = reason.strip()
        self.save()

    @transaction.atomic
    def publish(self, user=None, sync=True):
        """Publish this version (superseding the previous one) and apply the column sync.

        Returns the sync plan that was applied (or None when sync=False)."""
        # Lock the organisation's catalogues so two publishes cannot both win.
        list(Catalogue.objects.select_for_update().filter(organisation_id=self.organisation_id))
        self._move("publish", user)
        Catalogue.objects.filter(organisation_id=self.organisation_id, status=self.Status.PUBLISHED).exclude(
            pk=self.pk
        ).update(status=self.Status.SUPERSEDED)
        self.save()
        if not sync:
            return None
        from .sync import ColumnSync

        return ColumnSync(organisations=[self.organisation]).apply()

    # -- reading --------------------------------------------------------

    def required_entries(self):
        """Entries that must have a column: proactive and applicable."""
        # 公开方式 is a JSON list; filtering in Python keeps SQLite and PostgreSQL alike.
        return [e for e in self.entries.select_related("domain") if e.requires_column]

    def diff(self, other):
        """What changed from `other` (an earlier version) to this one, entry by entry.

        Returns {"added": [...], "removed": [...], "changed": [{"title", "changes": {field: (old, new)}}]}.
        Entries are matched by lineage, the identity that survives versions.
        """
        mine = {e.lineage: e for e in self.entries.select_related("domain")}
        theirs = {e.lineage: e for e in other.entries.select_related("domain")} if other else {}
        result = {"added": [], "removed": [], "changed": []}
        for lineage, entry in mine.items():
            if lineage not in theirs:
                result["added"].append(entry.label)
                continue
            before, after = theirs[lineage].diff_values(), entry.diff_values()
            changes = {k: (before[k], after[k]) for k in after if before.get(k) != after[k]}
            if changes:
                result["changed"].append({"title": entry.label, "changes": changes})
        for lineage, entry in theirs.items():
            if lineage not in mine:
                result["removed"].append(entry.label)
        return result


def entry_label(domain_name, item_l1, item_l2):
    """How an entry is named in reports and diffs: 领域｜一级事项｜二级事项."""
    return "｜".join(x for x in (domain_name, item_l1, item_l2) if x)


class CatalogueEntry(CatalogueElements):
    """One row of an organisation's catalogue version.

    `lineage` is the entry's identity across versions: a new version copies it,
    and the column sync uses it to find the column an entry already has.
    """

    catalogue = models.ForeignKey(Catalogue, verbose_name="目录版本", on_delete=models.CASCADE, related_name="entries")
    standard_item = models.ForeignKey(
        StandardItem,
        verbose_name="对应标准事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
        help_text="留空表示本地新增事项。",
    )
    lineage = models.UUIDField("事项标识", default=uuid.uuid4, editable=False, db_index=True)
    not_applicable = models.BooleanField("不适用", default=False)
    not_applicable_reason = models.TextField("不适用理由", blank=True)

    class Meta:
        ordering = ["catalogue", "domain__order", "order", "pk"]
        verbose_name = verbose_name_plural = "目录事项"
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "lineage"], name="gk_entry_unique_lineage_per_version"),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | ~Q(not_applicable_reason=""),
                name="gk_entry_not_applicable_needs_reason",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return entry_label(self.domain.name, self.item_l1, self.item_l2)

    @property
    def requires_column(self):
        return self.is_proactive and not self.not_applicable

    def clean(self):
        if self.not_applicable and not self.not_applicable_reason.strip():
            raise ValidationError({"not_applicable_reason": "标记为不适用时必须写明理由（因地制宜须可审计）。"})

    def diff_values(self):
        values = self.element_values()
        values["not_applicable"] = self.not_applicable
        values["not_applicable_reason"] = self.not_applicable_reason
        return values


class CalendarDay(models.Model):
    """A day that breaks the Monday–Friday pattern: a public holiday, or a
    weekend made a working day by 调休. Seeded from chinesecalendar and editable
    here, because a library release only knows the years already announced."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日（休息）"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50, blank=True)
    source = models.CharField("来源", max_length=100, blank=True, default="手工维护")

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "节假日与调休"

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """A year whose holiday notice (国务院办公厅关于节假日安排的通知) is entered
    completely. Dates in years not listed here (and unknown to the library) are
    computed Monday–Friday and marked provisional."""

    year = models.PositiveIntegerField("年份", unique=True)
    complete = models.BooleanField("已按国务院通知完整录入", default=True)
    source = models.CharField("来源", max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = "节假日年度"

    def __str__(self):
        return str(self.year)


class CoverageSnapshot(models.Model):
    """Stored coverage figures, so auditors can compare over time."""

    generated_at = models.DateTimeField("生成时间", default=timezone.now, db_index=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name="公开主体", on_delete=models.CASCADE, related_name="coverage_snapshots"
    )
    required = models.PositiveIntegerField("应设栏目")
    with_column = models.PositiveIntegerField("已设栏目")
    live_column = models.PositiveIntegerField("已发布栏目")
    with_content = models.PositiveIntegerField("有内容栏目")
    fresh = models.PositiveIntegerField("更新及时")
    stale = models.PositiveIntegerField("更新不及时")
    unparsed_rule = models.PositiveIntegerField("时限未解析")
    orphans = models.PositiveIntegerField("孤立栏目")
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)
    figures = models.JSONField("明细", default=dict, blank=True)

    class Meta:
        ordering = ["-generated_at", "organisation"]
        verbose_name = verbose_name_plural = "覆盖率快照"
        indexes = [models.Index(fields=["organisation", "generated_at"])]

    def __str__(self):
        return f"{self.organisation} {self.generated_at:%Y-%m-%d %H:%M} {self.score}"
