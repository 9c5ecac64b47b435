"""Page types of the disclosure portal.

PortalHomePage (信息公开专栏) → OrganisationPage (one per 公开主体) → DomainPage
(one per 领域) → ColumnPage (one per proactive catalogue entry) → DocumentPage.

Structure pages below the portal are made by the column sync
(gk_columns.sync), never by hand: their identity is catalogue data, and the
database holds it to one page per organisation / domain / entry in each locale.
"""

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.db.models.functions import Coalesce
from django.shortcuts import render
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Locale, Orderable, Page
from wagtail.search import index

from gk_columns.models import CatalogueEntry, Domain, Organisation

# Imported so that their receivers are connected whenever the models are: the
# reference index, which decides who may download a document, follows each
# publication (attachments); a translation goes offline with its source (translations).
from . import attachments, translations  # noqa: F401
from .admin_scope import ScopedCopyForm
from .disclosure import DisclosureCopyForm, DisclosureMixin, DisclosurePageForm, Validity
from .shown import is_shown, public_replacements, shown

# Imported for its models-free helpers, and so that its page_published receiver
# (applying a published cleanup result) is connected whenever the models are.
from .validity import (
    DECISION_HEADINGS,
    CleanupResultPageForm,
    check_cleanup_items,
    cleanup_groups,
    library_listing,
)
from .visibility import LiveRoutingMixin

COLUMN_PAGE_SIZE = 20


def paginate(request, queryset, per_page):
    """A page of `queryset` for the ?page= parameter; bad numbers fall back
    to the first or last page instead of failing."""
    paginator = Paginator(queryset, per_page)
    number = request.GET.get("page", 1)
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages if str(number).lstrip("-").isdigit() and int(number) > 1 else 1)


def disclosed_items(pages):
    """The documents and interpretations among `pages` that the public may see,
    newest first by 发布日期, as their specific types.

    One ordered query over both tables (their 发布日期 coalesced), then one per page
    type on the page of results, however many items there are. Live rows are
    publishable by construction (DisclosureMixin.save); the rule of what the public
    is shown (gk_pages.shown) keeps rows written around it (bulk SQL) out as well,
    and items below an unpublished page (a retired column) even when live: one
    query more, which finds nothing to exclude in the ordinary course."""
    return (
        shown(pages)
        .type(DocumentPage, InterpretationPage)
        .annotate(item_date=Coalesce("documentpage__published_date", "interpretationpage__published_date"))
        .order_by("-item_date", "-pk")
        .specific()
    )


class StructurePage(LiveRoutingMixin, Page):
    """A page the sync owns: editors may change its intro, not create it. When it
    is not live, nothing below it is reachable either (a retired column's items)."""

    # The page's locale, copied to this table so that uniqueness per locale can be a
    # database constraint (Page.locale lives on the parent table).
    structure_locale = models.ForeignKey(
        Locale, verbose_name="语言", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    # Every page type of this app copies through the scoped form (gk_pages.admin_scope).
    copy_form_class = ScopedCopyForm

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.structure_locale_id = self.locale_id
        return super().save(*args, **kwargs)


class PortalHomePage(LiveRoutingMixin, Page):
    """信息公开专栏: the root of the disclosure portal."""

    intro = RichTextField("简介", blank=True, features=["bold", "italic", "link", "ol", "ul"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["gk_pages.OrganisationPage", "gk_pages.NormativeLibraryPage"]
    copy_form_class = ScopedCopyForm

    class Meta:
        verbose_name = "信息公开专栏首页"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        organisations = (
            OrganisationPage.objects.child_of(self).live().public().select_related("organisation").order_by(
                "organisation__order", "organisation__pk"
            )
        )
        groups = {}
        for page in organisations:
            groups.setdefault(page.organisation.get_kind_display(), []).append(page)
        context["organisation_groups"] = groups.items()
        # 最新公开信息 mixes documents and interpretations the way a column does.
        context["latest_documents"] = disclosed_items(Page.objects.descendant_of(self))[:10]
        return context


class OrganisationPage(RoutablePageMixin, StructurePage):
    """An organisation's own disclosure page (部门/乡镇信息公开)."""

    # Made by the column sync only (Wagtail does not inherit is_creatable).
    is_creatable = False

    organisation = models.ForeignKey(
        Organisation, verbose_name="公开主体", on_delete=models.PROTECT, related_name="pages"
    )
    intro = RichTextField("机构信息与公开指南", blank=True)

    content_panels = Page.content_panels + [
        HelpPanel("本页由目录同步生成，对应公开主体不可更改。"),
        FieldPanel("organisation", read_only=True),
        FieldPanel("intro"),
    ]
    parent_page_types = ["gk_pages.PortalHomePage"]
    subpage_types = ["gk_pages.DomainPage"]

    class Meta:
        verbose_name = "公开主体页"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "structure_locale"], name="gk_one_organisation_page_per_locale"
            )
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        domains = DomainPage.objects.child_of(self).live().public().select_related("domain").order_by(
            "domain__order", "domain__code"
        )
        columns = ColumnPage.objects.descendant_of(self).live().public().select_related("entry").order_by(
            "entry__order", "pk"
        )
        by_parent = {}
        for column in columns:
            by_parent.setdefault(column.path[: -self.steplen], []).append(column)
        context["domain_sections"] = [(domain, by_parent.get(domain.path, [])) for domain in domains]
        return context

    @path("catalogue/", name="catalogue")
    def catalogue(self, request):
        """The published catalogue as the national table (the regulations require it public)."""
        catalogue = self.organisation.current_catalogue()
        entries = []
        if catalogue is not None:
            entries = list(
                catalogue.entries.filter(not_applicable=False).select_related("domain").order_by(
                    "domain__order", "domain__code", "order", "pk"
                )
            )
        return render(
            request,
            "gk_pages/organisation_catalogue.html",
            {"page": self, "self": self, "catalogue": catalogue, "entries": entries},
        )


class DomainPage(StructurePage):
    """领域: groups an organisation's columns of one domain."""

    # Made by the column sync only (Wagtail does not inherit is_creatable).
    is_creatable = False

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", editable=False)
    domain = models.ForeignKey(Domain, verbose_name="领域", on_delete=models.PROTECT, related_name="pages")
    intro = RichTextField("说明", blank=True)

    content_panels = Page.content_panels + [FieldPanel("domain", read_only=True), FieldPanel("intro")]
    parent_page_types = ["gk_pages.OrganisationPage"]
    subpage_types = ["gk_pages.ColumnPage"]

    class Meta:
        verbose_name = "领域页"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "domain", "structure_locale"], name="gk_one_domain_page_per_org_locale"
            )
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["columns"] = ColumnPage.objects.child_of(self).live().public().select_related("entry").order_by(
            "entry__order", "pk"
        )
        return context


class ColumnPage(StructurePage):
    """栏目: the column of one proactive catalogue entry. Retired columns (entry
    gone from the published catalogue) are unpublished and flagged, never deleted."""

    # Made by the column sync only (Wagtail does not inherit is_creatable).
    is_creatable = False

    entry = models.ForeignKey(
        CatalogueEntry, verbose_name="目录事项", on_delete=models.PROTECT, related_name="columns"
    )
    intro = RichTextField("栏目说明", blank=True)
    retired = models.BooleanField("已撤销", default=False, editable=False)
    retired_at = models.DateTimeField("撤销时间", null=True, blank=True, editable=False)

    content_panels = Page.content_panels + [
        HelpPanel("栏目由公开目录同步生成：名称、位置随目录事项变化，目录删除事项时栏目被撤销（内容保留）。"),
        FieldPanel("intro"),
    ]
    parent_page_types = ["gk_pages.DomainPage"]
    subpage_types = ["gk_pages.DocumentPage", "gk_pages.InterpretationPage"]

    class Meta:
        verbose_name = "栏目"
        constraints = [
            # One column per entry, enforced by the database (per locale, so translations fit).
            models.UniqueConstraint(fields=["entry", "structure_locale"], name="gk_one_column_per_entry_locale")
        ]

    def with_content_json(self, content):
        # Which entry a column belongs to and whether it is retired are the sync's
        # facts, not content: publishing or reverting to an old revision keeps them.
        obj = super().with_content_json(content)
        obj.entry_id = self.entry_id
        obj.retired = self.retired
        obj.retired_at = self.retired_at
        return obj

    def clean(self):
        super().clean()
        if self.retired and self.live:
            raise ValidationError(
                "该栏目对应的目录事项已从公开目录中删除，栏目已撤销，不能发布。"
                "如需恢复，请在公开目录中恢复该事项并发布目录。"
            )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        items = disclosed_items(Page.objects.child_of(self))
        context["documents"] = paginate(request, items, COLUMN_PAGE_SIZE)
        context["entry"] = self.entry
        return context


class DocumentPageTag(TaggedItemBase):
    """标签 of a document (django-taggit through model, as Wagtail's tagging docs do it)."""

    content_object = ParentalKey("gk_pages.DocumentPage", on_delete=models.CASCADE, related_name="tagged_items")

    class Meta:
        verbose_name = verbose_name_plural = "信息标签"


class DocumentPage(DisclosureMixin, Page):
    """A disclosed document (信息) with the disclosure metadata behaviour
    (gk_pages.disclosure): 索引号, 文号, 公开属性, 有效性 … and the publishing rules."""

    body = RichTextField("正文", blank=True)
    # The behaviour's 发布机构, declared again to keep the reverse accessor Organisation.documents.
    issuing_org = models.ForeignKey(
        Organisation,
        verbose_name="发布机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        help_text="留空则取栏目所属公开主体。",
    )
    tags = ClusterTaggableManager("标签", through=DocumentPageTag, blank=True)
    requires_interpretation = models.BooleanField(
        "需要政策解读",
        default=False,
        db_default=False,
        help_text="行政规范性文件总是需要解读；其他重要政策文件勾选此项后，同样纳入解读及时性报告。",
    )

    content_panels = (
        Page.content_panels
        + DisclosureMixin.basic_panels
        + [FieldPanel("body"), FieldPanel("requires_interpretation")]
        + DisclosureMixin.disclosure_panels
    )
    base_form_class = DisclosurePageForm
    copy_form_class = DisclosureCopyForm
    search_fields = Page.search_fields + [index.SearchField("body"), index.SearchField("doc_number")]
    parent_page_types = ["gk_pages.ColumnPage"]
    subpage_types = []

    class Meta(DisclosureMixin.Meta):
        verbose_name = "公开信息"

    def column(self):
        parent = self.get_parent()
        return parent.specific if parent else None


class InterpretationForm(models.TextChoices):
    """解读形式, as the State Council's 政策解读 guidance lists them."""

    TEXT = "文字解读", "文字解读"
    GRAPHIC = "图表图解", "图表图解"
    VIDEO = "视频解读", "视频解读"
    QA = "问答", "问答"
    PRESS_CONFERENCE = "新闻发布会", "新闻发布会"
    EXPERT = "专家解读", "专家解读"


class InterpretationPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "gk_pages.InterpretationPage", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = verbose_name_plural = "解读标签"


class InterpretationPage(DisclosureMixin, Page):
    """政策解读: an interpretation of one or more policy documents, published in a
    column with the same disclosure metadata (and rules) as the documents."""

    body = RichTextField("正文", blank=True)
    form = models.CharField("解读形式", max_length=10, choices=InterpretationForm.choices, default=InterpretationForm.TEXT)
    is_follow_up = models.BooleanField(
        "二次解读", default=False, help_text="政策执行中针对社会关切的跟进解读（二次解读、持续解读）。"
    )
    media_url = models.URLField("视频或图解地址", blank=True, help_text="视频解读、图表图解可填写播放或查看地址。")
    policies = ParentalManyToManyField(
        "gk_pages.DocumentPage", verbose_name="解读的政策文件", related_name="interpretations", blank=True
    )
    tags = ClusterTaggableManager("标签", through=InterpretationPageTag, blank=True)

    content_panels = (
        Page.content_panels
        + [
            MultiFieldPanel(
                [FieldPanel("policies"), FieldPanel("form"), FieldPanel("is_follow_up"), FieldPanel("media_url")],
                heading="解读信息",
            )
        ]
        + DisclosureMixin.basic_panels
        + [FieldPanel("body")]
        + DisclosureMixin.disclosure_panels
    )
    base_form_class = DisclosurePageForm
    copy_form_class = DisclosureCopyForm
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["gk_pages.ColumnPage"]
    subpage_types = []

    class Meta(DisclosureMixin.Meta):
        verbose_name = "政策解读"


class NormativeLibraryPage(RoutablePageMixin, LiveRoutingMixin, Page):
    """规范性文件库: the portal's library of 行政规范性文件 with their validity; by
    default it shows the 现行有效规范性文件目录."""

    intro = RichTextField("简介", blank=True, features=["bold", "italic", "link", "ol", "ul"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["gk_pages.PortalHomePage"]
    subpage_types = ["gk_pages.CleanupResultPage"]
    max_count_per_parent = 1
    copy_form_class = ScopedCopyForm

    class Meta:
        verbose_name = "规范性文件库"

    def get_context(self, request, *args, **kwargs):
        """The library lists the normative documents of its portal (the parent's
        subtree), filtered by the query string (gk_pages.validity.library_listing),
        and links the published cleanup results below it."""
        context = super().get_context(request, *args, **kwargs)
        listing = library_listing(self.get_parent(), request, paginate)
        context["listing"] = listing
        # Each row may name its 替代文件: settled for the whole page of rows at once.
        public_replacements(listing.documents.object_list)
        context["documents"] = listing.documents
        context["cleanup_results"] = (
            CleanupResultPage.objects.child_of(self).live().public().order_by("-cleanup_date", "-pk")
        )
        return context


class CleanupResultPage(Page):
    """清理结果: the published outcome of a 规范性文件清理 — which documents stay
    valid and which were declared 失效 / 废止 / 修改."""

    cleanup_date = models.DateField("清理日期", null=True, blank=True)
    intro = RichTextField("清理说明", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("cleanup_date"),
        FieldPanel("intro"),
        InlinePanel("items", heading="清理结果", label="文件"),
    ]
    parent_page_types = ["gk_pages.NormativeLibraryPage"]
    subpage_types = []
    # The admin form checks the submitted items together (a document listed twice …).
    base_form_class = CleanupResultPageForm
    copy_form_class = ScopedCopyForm

    class Meta:
        verbose_name = "规范性文件清理结果"

    def clean(self):
        super().clean()
        # The admin form has checked the items as submitted; during its validation
        # this instance still holds the previous version's items.
        if not getattr(self, "_cleanup_items_checked", False):
            check_cleanup_items(self)

    def publish(self, revision, user=None, **kwargs):
        # Remembered so that applying the cleanup (on page_published) can name who published it.
        self._publishing_user = user
        return super().publish(revision, user=user, **kwargs)

    def with_content_json(self, content):
        # Whether an item has been applied is a fact about the document, not content:
        # publishing an older version must not clear it (and apply the item again).
        obj = super().with_content_json(content)
        obj._publishing_user = getattr(self, "_publishing_user", None)
        if self.pk:
            applied = dict(CleanupResultItem.objects.filter(page_id=self.pk).values_list("pk", "applied_at"))
            for item in obj.items.all():
                if item.pk in applied:
                    item.applied_at = applied[item.pk]
        return obj

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["groups"] = cleanup_groups(self)
        library = self.get_parent()
        context["library"] = library if is_shown(library) else None
        return context


class CleanupResultItem(Orderable):
    """One document's outcome in a cleanup. Publishing the result page applies the
    decision to the document (once: `applied_at` records it)."""

    page = ParentalKey(CleanupResultPage, on_delete=models.CASCADE, related_name="items")
    document = models.ForeignKey(
        "gk_pages.DocumentPage", verbose_name="文件", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(
        "清理结论", max_length=10, choices=Validity.choices, help_text="有效 即继续有效。"
    )
    replaced_by = models.ForeignKey(
        "gk_pages.DocumentPage",
        verbose_name="替代文件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField("说明", max_length=500, blank=True)
    applied_at = models.DateTimeField("已执行时间", null=True, blank=True, editable=False)

    panels = [FieldPanel("document"), FieldPanel("decision"), FieldPanel("replaced_by"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = verbose_name_plural = "清理结果条目"

    def __str__(self):
        title = self.document.title if self.document_id and self.document else "（文件已删除）"
        return f"{title}：{self.decision_label}"

    @property
    def decision_label(self):
        """The decision as a cleanup announcement words it (继续有效 / 修改 / 宣布失效 / 废止)."""
        return DECISION_HEADINGS.get(self.decision, self.decision)


@register_setting(icon="site")
class PortalIdentity(BaseSiteSetting):
    """网站标识: the identifiers every government site shows in its footer."""

    sponsor = models.CharField("主办单位", max_length=200, blank=True)
    site_code = models.CharField("网站标识码", max_length=20, blank=True)
    icp_number = models.CharField("ICP备案号", max_length=50, blank=True)
    psb_number = models.CharField("公安机关备案号", max_length=80, blank=True)

    class Meta:
        verbose_name = "网站标识"
