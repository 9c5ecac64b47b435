"""Data the search needs besides pages: editors' synonym lists, the durable
queue of index changes (replayed when Elasticsearch was unreachable), the
staff-curated 热门搜索 words and the once-per-client-per-day query counting."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel
from wagtail.models import Orderable

# Editors type Chinese punctuation; all of these separate terms.
TERM_SEPARATORS = re.compile(r"[,，、;；\n]+")
ONE_WAY = "=>"
MAX_TERM_LENGTH = 50


def split_terms(text):
    return [t.strip() for t in TERM_SEPARATORS.split(text or "") if t.strip()]


class SynonymSet(ClusterableModel):
    """A named group of synonym rules (e.g. 社会救助常用简称), switched on or off as a whole.
    Rules take effect when the index is rebuilt (`gk search-index rebuild`)."""

    name = models.CharField("名称", max_length=100, unique=True)
    enabled = models.BooleanField("启用", default=True)
    note = models.TextField("说明", blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    panels = [
        HelpPanel("同义词在重建搜索索引（gk search-index rebuild）后生效；停用整组后同样需要重建。"),
        FieldPanel("name"),
        FieldPanel("enabled"),
        FieldPanel("note"),
        InlinePanel("synonyms", heading="同义词规则", label="规则"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "同义词组"

    def __str__(self):
        return self.name

    def rule_count(self):
        return self.synonyms.count()


class Synonym(Orderable):
    """One rule: equivalent terms (“低保，最低生活保障”: searching any finds
    documents containing any), or a one-way rule (“低保 => 最低生活保障”: a
    document containing 最低生活保障 is also found by 低保, not the reverse)."""

    synonym_set = ParentalKey(SynonymSet, verbose_name="同义词组", on_delete=models.CASCADE, related_name="synonyms")
    terms = models.CharField(
        "同义词",
        max_length=500,
        help_text="用逗号或顿号分隔的同义词，如“低保，最低生活保障”；"
        "单向规则写作“简称 => 全称”，表示含全称的信息也能用简称搜到，反之不然。",
    )

    panels = [FieldPanel("terms")]

    class Meta(Orderable.Meta):
        verbose_name = verbose_name_plural = "同义词规则"

    def __str__(self):
        return self.terms

    def rule(self):
        """(query_terms, document_terms): a document containing any of
        document_terms is also found by any of query_terms."""
        if ONE_WAY in self.terms:
            left, right = self.terms.split(ONE_WAY, 1)
            return split_terms(left), split_terms(right)
        terms = split_terms(self.terms)
        return terms, terms

    def clean(self):
        if self.terms.count(ONE_WAY) > 1:
            raise ValidationError({"terms": "一条规则只能有一个“=>”。"})
        query_terms, document_terms = self.rule()
        if ONE_WAY in self.terms:
            if not query_terms or not document_terms:
                raise ValidationError({"terms": "单向规则“=>”两边都要有词。"})
        elif len(query_terms) < 2:
            raise ValidationError({"terms": "至少要有两个词，用逗号或顿号分隔。"})
        too_long = [t for t in query_terms + document_terms if len(t) > MAX_TERM_LENGTH]
        if too_long:
            raise ValidationError({"terms": f"每个词不超过{MAX_TERM_LENGTH}个字：{too_long[0]}"})


class PendingIndexChange(models.Model):
    """An index change not yet applied to Elasticsearch.

    Written in the same transaction as the page change (so a crash between the
    commit and the indexing loses nothing), deleted once applied. Rows that stay
    are the ones whose indexing failed; `gk search-index update` and the next
    successful indexing replay them."""

    class Action(models.TextChoices):
        INDEX = "index", "更新该页"
        SUBTREE = "subtree", "更新该页及其下级"
        DELETE = "delete", "删除"

    page_id = models.IntegerField("页面ID", db_index=True)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    created_at = models.DateTimeField("记录时间", auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_attempt_at = models.DateTimeField("最近尝试", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = verbose_name_plural = "待同步的索引变更"

    def __str__(self):
        return f"{self.get_action_display()} #{self.page_id}"


# -- 热门搜索 ----------------------------------------------------------------------------------

HOT_WORD_MAX_LENGTH = 20


class HotWordQuerySet(models.QuerySet):
    def shown(self):
        """The hot words the public sees, in the order staff gave them."""
        return self.filter(shown=True).order_by("order", "pk")


class HotWord(models.Model):
    """A 热门搜索 word shown to the public (search page and no-result page).

    Staff write or approve every one (admin: 站内搜索 → 热门搜索词; 检索词统计 lists
    what visitors search as suggestions): visitors' own text never reaches the
    public list by itself."""

    text = models.CharField(
        "搜索词",
        max_length=HOT_WORD_MAX_LENGTH,
        unique=True,
        help_text=f"公众在搜索页看到并可点击的词，不超过{HOT_WORD_MAX_LENGTH}个字。",
    )
    shown = models.BooleanField("展示", default=True, help_text="取消勾选即从公众页面撤下，记录保留。")
    order = models.PositiveIntegerField("排序", default=0, help_text="数字小的排在前面。")
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = HotWordQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = verbose_name_plural = "热门搜索词"

    def __str__(self):
        return self.text

    def clean(self):
        from .forms import clean_text

        # As a query is cleaned, so that the link searches exactly what is shown.
        self.text = clean_text(self.text)
        if not self.text:
            raise ValidationError({"text": "请填写搜索词。"})


class CountedQueryQuerySet(models.QuerySet):
    def count_once(self, query_string, client, day):
        """Record that `client` searched `query_string` on `day`; True the first
        time only (then the query is counted)."""
        _, created = self.get_or_create(day=day, client=client, query_string=query_string)
        return created


class CountedQuery(models.Model):
    """A query already counted today for one client, so that a visitor
    repeating a search counts once a day (search.hotwords.log_query).

    `client` is a keyed hash of the visitor's address and the day
    (search.hotwords.client_token), never the address itself, and cannot be
    linked across days; rows of earlier days are deleted."""

    day = models.DateField("日期", db_index=True)
    client = models.CharField("访客标识（散列）", max_length=32)
    query_string = models.CharField("检索词", max_length=255)

    objects = CountedQueryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "已计数的检索"
        constraints = [
            models.UniqueConstraint(fields=["day", "client", "query_string"], name="search_count_query_once_per_client_day")
        ]

    def __str__(self):
        return f"{self.day} {self.query_string}"
