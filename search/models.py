"""Data the search index needs besides pages: editors' synonym lists and the
durable queue of index changes (replayed when Elasticsearch was unreachable)."""

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
