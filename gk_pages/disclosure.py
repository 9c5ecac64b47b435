"""Disclosure metadata as a behaviour shared by document-like pages (公开属性源头认定).

`DisclosureMixin` carries the metadata Chinese disclosure portals show with
every item — 索引号, 发布机构, 文号, 成文日期, 发布日期, 主题分类, 文种,
有效性, 公开属性 — and the rules that go with it, enforced where Wagtail
publishes rather than in a template or one form:

* Only 主动公开 and 删减后公开 (with the redaction confirmed) items can be live,
  and only in a column of their own organisation (or one it may publish to).
  Every path that makes a page live writes its row through `save()` — the
  publish action, scheduled publishing, workflow approval, bulk publish, copy,
  alias, the API — and `save()` refuses (see `publication_problems`), even when
  called with clean=False; `clean()` applies the same rule to live pages, which
  is how the admin forms show it next to the field.
  Two paths need more: a scheduled publication never writes a live row until
  `publish_scheduled`, so the publish action itself refuses to schedule
  (`DisclosurePublishPageRevisionAction`); and a move re-saves a plain Page, so
  `pre_page_move` checks the destination.
* 索引号 `<organisation code>/<year>-<serial>` is allocated at first publication
  from `IndexNumberCounter` under a row lock, never reused, never changed.
* Every change of 公开属性 or 有效性 is written to the page's history
  (PageLogEntry actions ``gk.disclosure_attribute_change`` / ``gk.validity_change``).

A concrete page type composes the mixin before Page and supplies `body` and a
`tags` ClusterTaggableManager (taggit needs a through model per page type):
``class DocumentPage(DisclosureMixin, Page)``.
"""

import logging
import re

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.dispatch import receiver
from django.utils import timezone
from wagtail import blocks
from wagtail.actions.publish_page_revision import PublishPageRevisionAction
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.log_actions import log
from wagtail.models import Locale, Revision
from wagtail.signals import pre_page_move
from wagtail_localize.fields import SynchronizedField

from .admin_scope import ScopedCopyForm, ScopedPageChoicesMixin
from .doc_numbers import (  # noqa: F401  (re-exported: the metadata's public API)
    DocNumber,
    format_doc_number,
    normalise_doc_number,
    parse_doc_number,
    validate_doc_number,
)

logger = logging.getLogger(__name__)


# -- vocabularies ---------------------------------------------------------------------
# Stored values are the Chinese words themselves (as in gk_columns.vocab), so rows,
# exports and the search index read alike. Labels are spelled out: Django would
# otherwise derive English ones from the member names.


class DisclosureAttribute(models.TextChoices):
    """公开属性, decided when the document is drafted (源头认定)."""

    PROACTIVE = "主动公开", "主动公开"
    REDACTED = "删减后公开", "删减后公开"
    ON_REQUEST = "依申请公开", "依申请公开"
    WITHHELD = "不予公开", "不予公开"


PUBLISHABLE = frozenset({DisclosureAttribute.PROACTIVE, DisclosureAttribute.REDACTED})


class NonDisclosureGround(models.TextChoices):
    """The legal ground for not disclosing (all or part) proactively, by the
    article of 《中华人民共和国政府信息公开条例》(2019) that provides it."""

    STATE_SECRET = "国家秘密", "第十四条：依法确定为国家秘密"
    PROHIBITED_BY_LAW = "法律、行政法规禁止公开", "第十四条：法律、行政法规禁止公开"
    SECURITY_AND_STABILITY = (
        "危及“三安全一稳定”",
        "第十四条：公开后可能危及国家安全、公共安全、经济安全、社会稳定",
    )
    TRADE_SECRET = "商业秘密", "第十五条：涉及商业秘密，公开会对第三方合法权益造成损害"
    PERSONAL_PRIVACY = "个人隐私", "第十五条：涉及个人隐私，公开会对第三方合法权益造成损害"
    INTERNAL_AFFAIRS = "内部事务信息", "第十六条：内部事务信息（人事管理、后勤管理、内部工作流程等）"
    PROCESS_INFORMATION = "过程性信息", "第十六条：过程性信息（讨论记录、过程稿、磋商信函、请示报告等）"
    ENFORCEMENT_FILE = "行政执法案卷信息", "第十六条：行政执法案卷信息"
    NOT_PROACTIVE_SCOPE = (
        "不属于主动公开范围",
        "第十九条、第二十条：不属于应当主动公开的范围（可依申请获取）",
    )


# Withholding or redacting needs an exception of articles 14–16; information that is
# merely outside the proactive scope (articles 19–20) is what 依申请公开 is for.
_EXCEPTIONS = frozenset(NonDisclosureGround) - {NonDisclosureGround.NOT_PROACTIVE_SCOPE}
GROUNDS_BY_ATTRIBUTE = {
    DisclosureAttribute.REDACTED: _EXCEPTIONS,
    DisclosureAttribute.WITHHELD: _EXCEPTIONS,
    DisclosureAttribute.ON_REQUEST: frozenset(NonDisclosureGround),
}


class Validity(models.TextChoices):
    """有效性 of a document (kept for normative documents above all)."""

    VALID = "有效", "有效"
    EXPIRED = "失效", "失效"
    REPEALED = "废止", "废止"
    AMENDED = "已修改", "已修改"


class Genre(models.TextChoices):
    """文种: the fifteen of 《党政机关公文处理工作条例》 (2012, art. 8) and the
    kinds of normative text portals list besides them."""

    RESOLUTION = "决议", "决议"
    DECISION = "决定", "决定"
    ORDER = "命令（令）", "命令（令）"
    COMMUNIQUE = "公报", "公报"
    ANNOUNCEMENT = "公告", "公告"
    PUBLIC_NOTICE = "通告", "通告"
    OPINION = "意见", "意见"
    NOTICE = "通知", "通知"
    BULLETIN = "通报", "通报"
    REPORT = "报告", "报告"
    REQUEST = "请示", "请示"
    REPLY = "批复", "批复"
    MOTION = "议案", "议案"
    LETTER = "函", "函"
    MINUTES = "纪要", "纪要"
    MEASURES = "办法", "办法"
    PROVISIONS = "规定", "规定"
    RULES = "细则", "细则"
    PLAN = "方案", "方案"
    PROGRAMME = "规划", "规划"
    PUBLICITY = "公示", "公示"
    OTHER = "其他", "其他"


# -- 索引号 ----------------------------------------------------------------------------------

# A serial has at most six digits: 999999 per organisation and year is far more than
# any organisation publishes, and what portals print. It is written with at least five
# (zero-padded, as format_index_number writes it) and never with more leading zeros,
# so each serial has one spelling and the unique constraint on the text is uniqueness
# of the number.
INDEX_SERIAL_MAX = 999_999
# Serials kept from an older system move the counter past them; they may not take it
# closer to the maximum than this, so the organisation's later publications of that
# year still find numbers.
INDEX_SERIAL_HEADROOM = 100_000
INDEX_KEPT_SERIAL_MAX = INDEX_SERIAL_MAX - INDEX_SERIAL_HEADROOM

# The shape only; the serial's range and spelling are index_number_problem's to judge
# (a long run of digits is never converted to an int).
INDEX_NUMBER_RE = re.compile(r"^(?P<code>[-a-zA-Z0-9_]+)/(?P<year>\d{4})-(?P<serial>\d+)$")


def format_index_number(code, year, serial):
    if not 1 <= serial <= INDEX_SERIAL_MAX:
        raise ValueError(f"索引号序号超出范围：{serial}")
    return f"{code}/{year}-{serial:05d}"


def _shown(text, limit=40):
    """A value from outside, short enough to repeat in a message."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def index_number_problem(text, *, code=None, kept=False):
    """Why `text` is not a 索引号 this portal can hold, or None. `code` (the issuing
    organisation's) makes the example concrete; `kept` applies the limit for numbers
    kept from an older system (INDEX_KEPT_SERIAL_MAX)."""
    text = str(text or "").strip()
    match = INDEX_NUMBER_RE.match(text)
    if match is None:
        example = f"，如 {code}/2021-00005" if code else "，如 xzf/2021-00005"
        return f"索引号“{_shown(text)}”格式不正确：应为“机构代码/年份-序号”{example}。"
    significant = match["serial"].lstrip("0")
    # Compared by length before int(): Python refuses to convert very long digit strings.
    if not significant or len(significant) > len(str(INDEX_SERIAL_MAX)) or int(significant) > INDEX_SERIAL_MAX:
        return f"索引号“{_shown(text)}”的序号超出范围：序号应在 1 至 {INDEX_SERIAL_MAX} 之间（至多 6 位数字）。"
    serial = int(significant)
    canonical = format_index_number(match["code"], int(match["year"]), serial)
    if text != canonical:
        return (
            f"索引号“{_shown(text)}”的序号写法不规范：应写作“{canonical}”"
            "（序号不足 5 位时前面补 0，不多加 0），以免同一序号有两种写法。"
        )
    if kept and serial > INDEX_KEPT_SERIAL_MAX:
        return (
            f"索引号“{text}”的序号 {serial} 过大：保留原系统的索引号时，序号不能超过 {INDEX_KEPT_SERIAL_MAX}，"
            "以便为本机构该年度以后发布的信息留出序号。请核对原系统的索引号，或删去此项由系统在发布时分配。"
        )
    return None


def validate_index_number(value):
    problem = index_number_problem(value)
    if problem:
        raise ValidationError(problem, code="index_number")


def parse_index_number(text):
    """(organisation code, year, serial) of a well-formed 索引号, else None."""
    if index_number_problem(text):
        return None
    match = INDEX_NUMBER_RE.match(str(text).strip())
    return match["code"], int(match["year"]), int(match["serial"])


def index_numbers_exhausted_message(organisation, year):
    return (
        f"“{organisation}”{year}年的索引号已用完（每个机构每年至多 {INDEX_SERIAL_MAX} 个），"
        "无法为本信息分配索引号，信息未发布：请联系系统管理员核查该年度的索引号计数器。"
    )


class IndexNumberCounterQuerySet(models.QuerySet):
    def locked(self, organisation, year):
        """The counter of `organisation` and `year` (created when missing), locked
        until the surrounding transaction ends."""
        self.bulk_create([self.model(organisation=organisation, year=year)], ignore_conflicts=True)
        return self.select_for_update().get(organisation=organisation, year=year)

    def reserve(self, organisation, year, serial):
        """Move the counter past `serial`, a number kept from an older system, so that
        no number allocated later repeats it. Refuses serials that would leave the
        organisation's later publications of that year without numbers."""
        if not 1 <= serial <= INDEX_KEPT_SERIAL_MAX:
            raise ValidationError(
                f"保留的索引号序号须在 1 至 {INDEX_KEPT_SERIAL_MAX} 之间，而不是 {_shown(serial)}。", code="index_number"
            )
        with transaction.atomic():
            counter = self.locked(organisation, year)
            if counter.last_serial < serial:
                counter.last_serial = serial
                counter.save(update_fields=["last_serial"])
        return counter

    def exhausted(self, organisation, year):
        """Whether no serial is left for `organisation` in `year`."""
        return self.filter(organisation=organisation, year=year, last_serial__gte=INDEX_SERIAL_MAX).exists()


class IndexNumberCounter(models.Model):
    """The last serial handed out per organisation and year. Rows are only ever
    incremented, under a row lock, so a serial is never handed out twice — not
    even after the document that had it is deleted."""

    organisation = models.ForeignKey(
        "gk_columns.Organisation", verbose_name="公开主体", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField("年份")
    last_serial = models.PositiveIntegerField("已用最大序号", default=0)

    objects = IndexNumberCounterQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "索引号计数器"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="gk_one_index_counter_per_org_year")
        ]

    def __str__(self):
        return f"{self.organisation} {self.year}：{self.last_serial}"


def numbered_models():
    """Every concrete page type that carries a 索引号 (they share the counters)."""
    return [m for m in apps.get_models() if issubclass(m, DisclosureMixin)]


def index_number_taken(number):
    return any(m._default_manager.filter(index_number=number).exists() for m in numbered_models())


def allocate_index_number(organisation, year):
    """The next unused 索引号 of `organisation` for `year`.

    Call inside the transaction that publishes: the counter row stays locked
    until it commits, which is what keeps parallel publishes apart. Numbers
    already present (kept by an import) are skipped rather than repeated. When
    the year's serials are used up, publication is refused with the reason
    (PublicationRefused) and the counter is left as it was."""
    with transaction.atomic():
        counter = IndexNumberCounter.objects.locked(organisation, year)
        serial = counter.last_serial
        while True:
            serial += 1
            if serial > INDEX_SERIAL_MAX:
                raise PublicationRefused({"index_number": index_numbers_exhausted_message(organisation, year)})
            number = format_index_number(organisation.code, year, serial)
            if not index_number_taken(number):
                break
        counter.last_serial = serial
        counter.save(update_fields=["last_serial"])
    return number


class DisclosureReview(models.Model):
    """One yearly re-evaluation (年度评估) of a 依申请公开 / 不予公开 item: who decided
    what, when and why. Converting to 主动公开 makes the item publishable; it does not
    publish it (that still goes through the organisation's review workflow)."""

    class Outcome(models.TextChoices):
        KEPT = "kept", "维持原公开属性"
        CONVERTED = "converted", "转为主动公开"

    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name="信息", on_delete=models.CASCADE, related_name="disclosure_reviews"
    )
    reviewed_at = models.DateTimeField("评估时间", default=timezone.now, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评估人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField("评估结论", max_length=10, choices=Outcome.choices)
    attribute_before = models.CharField("评估前公开属性", max_length=10, choices=DisclosureAttribute.choices)
    attribute_after = models.CharField("评估后公开属性", max_length=10, choices=DisclosureAttribute.choices)
    reason = models.TextField("评估理由")

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        verbose_name = verbose_name_plural = "公开属性年度评估"

    def __str__(self):
        return f"{self.page} {self.get_outcome_display()}（{self.reviewed_at:%Y-%m-%d}）"


# -- 主题分类 --------------------------------------------------------------------------------


class TopicQuerySet(models.QuerySet):
    def leaves(self):
        """The topics an item is filed under: second-level ones, and first-level ones without children."""
        return self.filter(children__isnull=True)


class TopicManager(models.Manager.from_queryset(TopicQuerySet)):
    def get_queryset(self):
        # str() names the parent (综合政务\政务公开); choosers list every topic.
        return super().get_queryset().select_related("parent")


class Topic(models.Model):
    """主题分类: the State Council's two-level subject classification (fixtures/topics.json,
    loaded by `gk load-topics`)."""

    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name="上级分类", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveIntegerField("排序", default=0)

    objects = TopicManager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = verbose_name_plural = "主题分类"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="gk_topic_unique_name_per_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent__isnull=True), name="gk_topic_unique_top_level_name"
            ),
        ]

    def __str__(self):
        # As 中国政府网 writes it: 综合政务\政务公开.
        return f"{self.parent.name}\\{self.name}" if self.parent_id else self.name


# -- the rules ---------------------------------------------------------------------------------


class PublicationRefused(ValidationError):
    """A page may not be (or stay) live as it is. The messages say why and what to do."""


def _paths_above(page, parent=None):
    """The paths from the tree root down to `parent` (default: the parent of `page`)."""
    if parent is None:
        if not page.path or page.depth is None or page.depth <= 1:
            return []
        parent_path = page.path[: -page.steplen]
    else:
        parent_path = parent.path
    return [parent_path[:end] for end in range(page.steplen, len(parent_path) + 1, page.steplen)]


def column_organisation(page, parent=None):
    """The organisation owning the column `page` sits in (or would sit in under
    `parent`): the nearest ColumnPage at or above the parent. None outside columns."""
    paths = _paths_above(page, parent)
    if not paths:
        return None
    ColumnPage = apps.get_model("gk_pages", "ColumnPage")
    # Two lookups by key rather than one five-table join: inside a long transaction
    # (setup-demo, an import) PostgreSQL plans the join on stale statistics and each
    # call took half a second.
    entry_id = ColumnPage.objects.filter(path__in=paths).order_by("-depth").values_list("entry_id", flat=True).first()
    if entry_id is None:
        return None
    CatalogueEntry = apps.get_model("gk_columns", "CatalogueEntry")
    return CatalogueEntry.objects.select_related("catalogue__organisation").get(pk=entry_id).catalogue.organisation


def in_retired_column(page, parent=None):
    """Whether the column `page` sits in (or would sit in under `parent`) is retired:
    its catalogue entry was removed, and nothing in it may go live (gk_columns.sync)."""
    paths = _paths_above(page, parent)
    ColumnPage = apps.get_model("gk_pages", "ColumnPage")
    return bool(paths) and ColumnPage.objects.filter(path__in=paths, retired=True).exists()


def may_publish_into(issuing_org, column_org):
    """Whether `issuing_org` may publish into the columns of `column_org`: always its
    own, and others only when listed in `Organisation.may_publish_to`."""
    if issuing_org is None or column_org is None or issuing_org.pk == column_org.pk:
        return True
    return issuing_org.may_publish_to.filter(pk=column_org.pk).exists()


def default_language_code():
    """The language of the default locale, where translations have their source (no query)."""
    return get_supported_content_language_variant(settings.LANGUAGE_CODE)


def translation_source(page):
    """The source of `page` when it is a translation: the page of its translation key in
    the default locale, as {pk, title, live, disclosure_attribute, redaction_confirmed};
    None for the source itself, an alias, or a page written in its own language only.
    One query."""
    if page.alias_of_id:
        return None
    return (
        type(page)._default_manager.filter(
            translation_key=page.translation_key,
            locale__language_code=default_language_code(),
            alias_of__isnull=True,
        )
        .exclude(pk=page.pk)
        .values("pk", "title", "live", "disclosure_attribute", "redaction_confirmed")
        .first()
    )


def translation_source_problem(page, *, same_attribute=True):
    """Why `page` may not be live because of its source (gk_pages.translations), or None.

    A translation is public only while its source is: live, with a 公开属性 that lets
    the public see it, and the same 公开属性 as the translation (a translation of the
    full text may not stay public once the source is public only in redacted form);
    `same_attribute=False` leaves out the last (for a translation about to be updated
    from its source, which brings the source's 公开属性 along)."""
    source = translation_source(page)
    if source is None:
        return None
    title = _shown(source["title"])
    if not source["live"]:
        return f"原文“{title}”未发布，译本不能发布：译本只能随原文公开，请先发布原文，再发布译本。"
    attribute = source["disclosure_attribute"]
    disclosed = attribute == DisclosureAttribute.PROACTIVE or (
        attribute == DisclosureAttribute.REDACTED and source["redaction_confirmed"]
    )
    if not disclosed:
        return f"原文“{title}”的公开属性为“{attribute}”，不能公开，译本也不能发布。"
    if same_attribute and page.disclosure_attribute != attribute:
        return (
            f"译本的公开属性“{page.disclosure_attribute}”与原文“{attribute}”不一致，不能发布："
            "请先按原文的现行版本更新译本（公开属性随之与原文一致），再发布译本。"
        )
    return None


def publication_problems(page, parent=None, *, was_live=None):
    """{field: message} of what stops `page` (with its current field values) from
    being live under `parent` (default: where it is). Empty when it may be published."""
    problems = {}
    attribute = page.disclosure_attribute
    if attribute not in PUBLISHABLE:
        message = f"{attribute}的信息不能主动发布：请将公开属性改为主动公开或删减后公开，或不发布。"
        if was_live is None:
            was_live = bool(page.pk) and type(page)._default_manager.filter(pk=page.pk, live=True).exists()
        if was_live:
            message += f"已发布的信息如需改为{attribute}，请先取消发布，再修改公开属性。"
        problems["disclosure_attribute"] = message
    elif attribute == DisclosureAttribute.REDACTED:
        if not page.non_disclosure_ground or not (page.non_disclosure_reason or "").strip():
            problems["non_disclosure_reason"] = (
                "删减后公开的信息须写明删减的依据和理由：请在“公开属性”中选择依据、填写理由后再发布。"
            )
        if not page.redaction_confirmed:
            problems["redaction_confirmed"] = (
                "删减后公开的信息须确认公开的是删减后的版本：请核对正文和附件均已删去不予公开的内容，"
                "勾选“已确认为删减后的版本”后再发布。"
            )
    if in_retired_column(page, parent):
        problems[NON_FIELD_ERRORS] = (
            "所在栏目已停用（对应的目录事项已从公开目录中删除），栏目中的信息不能发布。"
            "如该事项恢复，目录发布后栏目随之恢复，届时再发布；信息仍需公开的，请移到现行栏目中发布。"
        )
    column_org = column_organisation(page, parent)
    issuing_org = page.issuing_org if page.issuing_org_id else column_org
    if issuing_org is None:
        problems["issuing_org"] = "发布前须选择发布机构：索引号按发布机构编号。"
    elif not may_publish_into(issuing_org, column_org):
        problems["issuing_org"] = (
            f"“{issuing_org}”不能在“{column_org}”的栏目中发布信息：请将信息放入本机构的栏目，"
            f"或将发布机构改为“{column_org}”。确需跨机构发布的，由管理员在公开主体“{issuing_org}”"
            f"的“可发布到”中添加“{column_org}”。"
        )
    elif not page.index_number and not page.alias_of_id:
        # Publishing allocates a 索引号; say so here, where every path asks, rather
        # than failing inside the save when the year's serials are used up.
        if IndexNumberCounter.objects.exhausted(issuing_org, page.index_year) and not page.shared_index_number():
            problems["index_number"] = index_numbers_exhausted_message(issuing_org, page.index_year)
    source_problem = translation_source_problem(page)
    if source_problem:
        # About the page as a whole, next to (not in place of) a retired column's message.
        problems[NON_FIELD_ERRORS] = " ".join(filter(None, [problems.get(NON_FIELD_ERRORS), source_problem]))
    return problems


def refuse_unpublishable(page, parent=None, *, was_live=None):
    problems = publication_problems(page, parent, was_live=was_live)
    if problems:
        raise PublicationRefused(problems)


# -- the audit trail -----------------------------------------------------------------------

AUDIT_ACTIONS = {
    "disclosure_attribute": "gk.disclosure_attribute_change",
    "validity": "gk.validity_change",
}


def disclosure_values(page):
    return {field: getattr(page, field) for field in AUDIT_ACTIONS}


def _iso(value):
    return value.isoformat() if value else None


def record_disclosure_changes(page, before, *, user=None, revision=None, reason=""):
    """Write a page-history entry for each audited field that differs from `before`
    ({field: value}; None for a page that did not exist). Returns the entries."""
    entries = []
    for field, action in AUDIT_ACTIONS.items():
        old = before.get(field) if before is not None else None
        new = getattr(page, field)
        if old == new:
            continue
        if old is None and field == "validity" and new == Validity.VALID:
            continue  # a new document being valid is the default, not a decision
        data = {"field": field, "old": old, "new": new, "reason": (reason or "").strip()}
        if field == "disclosure_attribute":
            data.update(ground=page.non_disclosure_ground, ground_reason=page.non_disclosure_reason)
        else:
            data.update(
                effective_date=_iso(page.effective_date),
                expiry_date=_iso(page.expiry_date),
                replaced_by=page.replaced_by_id,
            )
        entries.append(log(instance=page, action=action, user=user, data=data, revision=revision))
    return entries


# -- publishing ----------------------------------------------------------------------------


class DisclosurePublishPageRevisionAction(PublishPageRevisionAction):
    """Wagtail's publish action, refusing before anything is written — scheduling
    included — when the revision may not be live. Pages without the mixin publish as
    before. Registered for Page (the v3 API looks the action up by Page) and used by
    DisclosureMixin.publish (Revision.publish, workflows, bulk and scheduled publishing)."""

    def check(self, skip_permission_checks=False):
        super().check(skip_permission_checks=skip_permission_checks)
        if isinstance(self.object, DisclosureMixin):
            refuse_unpublishable(self.object)


# -- the behaviour -----------------------------------------------------------------------


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label="文件")
    title = blocks.CharBlock(label="显示名称", required=False, help_text="留空则用文件标题。")

    class Meta:
        icon = "doc-full"
        label = "附件"


# Fields whose change can make a live row unpublishable; a save that writes none of
# them (Wagtail's bookkeeping saves with update_fields) leaves the live row as it was.
_GUARDED_FIELDS = frozenset(
    {
        "live",
        "path",
        "issuing_org",
        "disclosure_attribute",
        "redaction_confirmed",
        "non_disclosure_ground",
        "non_disclosure_reason",
    }
)


class DisclosureMixin(models.Model):
    """公开属性与元数据: the behaviour of every document-like page type.

    Columns with a default carry it in the database as well (db_default), so rows
    written by plain SQL — the benchmark loader, a bulk migration — are valid too.
    """

    index_number = models.CharField(
        "索引号",
        max_length=64,
        null=True,
        blank=True,
        editable=False,
        help_text="首次发布时由系统按“机构代码/年份-序号”分配，此后不再改变。",
    )
    # The 索引号 is unique per language: a translation shares its source's number,
    # an alias shows its source's number without owning it (null here).
    index_locale = models.ForeignKey(
        Locale,
        verbose_name="索引号所属语言",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issuing_org = models.ForeignKey(
        "gk_columns.Organisation",
        verbose_name="发布机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空则取栏目所属公开主体。",
    )
    doc_number = models.CharField(
        "文号",
        max_length=100,
        blank=True,
        validators=[validate_doc_number],
        default="",
        db_default="",
        help_text="如 聊政办发〔2021〕5号；方括号、圆括号等写法保存时统一为六角括号。",
    )
    doc_number_normalised = models.CharField(
        "文号（检索用）", max_length=100, blank=True, editable=False, db_index=True, default="", db_default=""
    )
    written_date = models.DateField("成文日期", null=True, blank=True)
    published_date = models.DateField("发布日期", default=timezone.localdate, db_index=True)
    topic = models.ForeignKey(
        Topic,
        verbose_name="主题分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"children__isnull": True},
    )
    genre = models.CharField("文种", max_length=10, choices=Genre.choices, blank=True, default="", db_default="")
    is_normative = models.BooleanField(
        "行政规范性文件",
        default=False,
        db_default=False,
        help_text="规范性文件须填写文号，并列入规范性文件库管理有效性。",
    )

    validity = models.CharField(
        "有效性",
        max_length=10,
        choices=Validity.choices,
        default=Validity.VALID,
        db_default=Validity.VALID.value,
        db_index=True,
    )
    effective_date = models.DateField("施行日期", null=True, blank=True)
    expiry_date = models.DateField("失效日期", null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name="替代文件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        help_text="本文件被修改、废止或失效时，指向取代它的文件。",
    )

    disclosure_attribute = models.CharField(
        "公开属性",
        max_length=10,
        choices=DisclosureAttribute.choices,
        default=DisclosureAttribute.PROACTIVE,
        db_default=DisclosureAttribute.PROACTIVE.value,
        db_index=True,
        help_text="只有主动公开、删减后公开的信息可以发布。",
    )
    non_disclosure_ground = models.CharField(
        "不公开（删减）依据",
        max_length=20,
        choices=NonDisclosureGround.choices,
        blank=True,
        default="",
        db_default="",
        help_text="公开属性不是主动公开时必选。",
    )
    non_disclosure_reason = models.TextField(
        "理由说明", blank=True, default="", db_default="", help_text="公开属性不是主动公开时必填。"
    )
    # 年度评估: the day the 公开属性 was last decided (at creation, on a change, or by a
    # yearly re-evaluation). Non-public items older than a year are due again.
    attribute_reviewed_on = models.DateField("公开属性认定（评估）日期", null=True, blank=True, editable=False)
    redaction_confirmed = models.BooleanField(
        "已确认为删减后的版本",
        default=False,
        db_default=False,
        help_text="删减后公开：确认正文和附件均已删去不予公开的内容后勾选。",
    )

    attachments = StreamField(
        [("attachment", AttachmentBlock())],
        blank=True,
        verbose_name="附件",
        default=list,
        db_default=models.Value("[]", output_field=models.TextField()),
    )

    # A page type's own copies get a number of their own when they are published.
    exclude_fields_in_copy = ["index_number", "index_locale"]

    # 公开属性 is decided once, on the source (源头认定): wagtail-localize copies it into
    # the translation on every update, and the translator may not override it.
    override_translatable_fields = [
        SynchronizedField("disclosure_attribute", overridable=False),
        SynchronizedField("non_disclosure_ground", overridable=False),
        SynchronizedField("redaction_confirmed", overridable=False),
    ]

    # Set per save by the admin form (or by code that changes the audited fields)
    # and written to the history with the change; never stored on the page.
    change_reason = ""

    basic_panels = [
        MultiFieldPanel(
            [
                FieldPanel("index_number", read_only=True),
                FieldPanel("issuing_org"),
                FieldPanel("doc_number"),
                FieldPanel("written_date"),
                FieldPanel("published_date"),
                FieldPanel("topic"),
                FieldPanel("genre"),
                FieldPanel("is_normative"),
                FieldPanel("tags"),
            ],
            heading="基本信息",
        ),
    ]
    disclosure_panels = [
        MultiFieldPanel(
            [
                FieldPanel("disclosure_attribute", widget=forms.RadioSelect),
                FieldPanel("non_disclosure_ground"),
                FieldPanel("non_disclosure_reason"),
                FieldPanel("redaction_confirmed"),
            ],
            heading="公开属性",
        ),
        MultiFieldPanel(
            [
                FieldPanel("validity"),
                FieldPanel("effective_date"),
                FieldPanel("expiry_date"),
                FieldPanel("replaced_by"),
            ],
            heading="有效性",
        ),
        MultiFieldPanel(
            [
                HelpPanel("修改公开属性或有效性时填写，连同修改人、时间和新旧值记入页面历史。"),
                FieldPanel("change_reason"),
            ],
            heading="变更说明",
        ),
        MultiFieldPanel([FieldPanel("attachments")], heading="附件"),
    ]

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["index_number", "index_locale"], name="%(app_label)s_%(class)s_unique_index_number"
            )
        ]

    # -- reading ------------------------------------------------------------------

    @property
    def is_publishable(self):
        return not publication_problems(self, was_live=False)

    @property
    def is_disclosed(self):
        """Whether this version's 公开属性 lets the public see it and its attachments:
        主动公开, or 删减后公开 with the redaction confirmed (no query)."""
        attribute = self.disclosure_attribute
        return attribute == DisclosureAttribute.PROACTIVE or (
            attribute == DisclosureAttribute.REDACTED and self.redaction_confirmed
        )

    @property
    def disclosure_note(self):
        """What the printed document says under its text (此件公开发布 / 此件删减后公开)."""
        return {
            DisclosureAttribute.PROACTIVE: "此件公开发布",
            DisclosureAttribute.REDACTED: "此件删减后公开",
        }.get(self.disclosure_attribute, "")

    @property
    def shows_validity(self):
        """Normative documents always state their validity; others once it is not 有效
        or dates make it worth saying."""
        return bool(
            self.is_normative or self.validity != Validity.VALID or self.effective_date or self.expiry_date
        )

    @property
    def public_replacement(self):
        """The 替代文件 as public pages name it: the replacing page while the public is
        shown it (gk_pages.shown), else None — a replacement that is a draft, not
        disclosed, or in a password or login column is neither linked nor named.
        For a list of pages, gk_pages.shown.public_replacements settles all at once."""
        from .shown import public_replacement  # gk_pages.shown builds on this module

        return public_replacement(self)

    # -- rules ----------------------------------------------------------------------

    def clean(self):
        super().clean()
        errors = {}
        if self.written_date and self.published_date and self.written_date > self.published_date:
            errors["written_date"] = "成文日期不能晚于发布日期。"
        if self.doc_number:
            self.doc_number = format_doc_number(self.doc_number)
        if self.is_normative and not self.doc_number:
            errors["doc_number"] = "行政规范性文件须填写文号。"

        attribute = self.disclosure_attribute
        if attribute == DisclosureAttribute.PROACTIVE:
            # Nothing is withheld, so no ground applies (the history keeps earlier ones).
            self.non_disclosure_ground = ""
            self.non_disclosure_reason = ""
            self.redaction_confirmed = False
        else:
            allowed = GROUNDS_BY_ATTRIBUTE.get(attribute, frozenset())
            if not self.non_disclosure_ground:
                errors["non_disclosure_ground"] = f"公开属性为“{attribute}”时须选择《政府信息公开条例》规定的依据。"
            elif self.non_disclosure_ground not in allowed:
                errors["non_disclosure_ground"] = (
                    f"“{self.get_non_disclosure_ground_display()}”不能作为{attribute}的依据："
                    "删减后公开、不予公开须依据条例第十四条至第十六条。"
                )
            if not (self.non_disclosure_reason or "").strip():
                errors["non_disclosure_reason"] = f"公开属性为“{attribute}”时须写明理由。"

        if self.effective_date and self.expiry_date and self.expiry_date < self.effective_date:
            errors["expiry_date"] = "失效日期不能早于施行日期。"
        if self.index_number and self._state.adding and not self.alias_of_id:
            # A new page brought with a number (an import); an allocated number is never changed.
            problem = index_number_problem(self.index_number, code=self.issuing_org.code if self.issuing_org_id else None)
            if problem:
                errors["index_number"] = problem
        if self.replaced_by_id:
            if self.pk and self.replaced_by_id == self.pk:
                errors["replaced_by"] = "替代文件不能是本文件。"
            elif self.validity == Validity.VALID:
                errors["validity"] = "已被其他文件替代的文件，有效性应为失效、废止或已修改。"
        if errors:
            raise ValidationError(errors)
        if self.live:
            problems = publication_problems(self)
            if problems:
                raise ValidationError(problems)

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        written = None if update_fields is None else set(update_fields)
        adding = self.pk is None
        if written is None or "doc_number" in written:
            self.doc_number_normalised = normalise_doc_number(self.doc_number)
        if self.locale_id is None:
            self.locale = self.get_default_locale()
        if written is None:
            if self.issuing_org_id is None:
                organisation = column_organisation(self)
                self.issuing_org_id = organisation.pk if organisation is not None else None
            self.index_locale_id = None if self.alias_of_id else self.locale_id

        with transaction.atomic():
            if self.live and (written is None or written & _GUARDED_FIELDS):
                # The hard stop for paths that save without clean() (clean=False copies,
                # alias updates): a row is never written live when it may not be.
                refuse_unpublishable(self)
            stored = None
            if not adding and (written is None or "index_number" in written):
                stored = type(self)._default_manager.filter(pk=self.pk).values_list("index_number", flat=True).first()
                if stored and self.index_number != stored:
                    raise ValidationError({"index_number": f"索引号一经分配不能更改（原为 {stored}）。"})
            if self.index_number and not stored and not self.alias_of_id and (written is None or "index_number" in written):
                # A number given from outside (an import, code) rather than allocated:
                # the counter is never to see an ill-formed or out-of-range serial.
                problem = index_number_problem(self.index_number)
                if problem:
                    raise ValidationError({"index_number": problem})
            if self.live and not self.index_number and (written is None or "live" in written):
                self.assign_index_number()
                if written is not None:
                    kwargs["update_fields"] = sorted(written | {"index_number", "index_locale"})
            if adding and written is None and self.attribute_reviewed_on is None:
                self.attribute_reviewed_on = timezone.localdate()
            result = super().save(*args, **kwargs)
            if adding:
                # 源头认定: the attribute a document was created with is the first entry of its history.
                record_disclosure_changes(self, None, reason=self.change_reason or self.non_disclosure_reason)
        return result

    def assign_index_number(self):
        """Give the page its 索引号 (a translation takes its source's)."""
        if self.index_number or self.alias_of_id:
            return
        self.index_locale_id = self.locale_id
        shared = self.shared_index_number()
        if shared:
            self.index_number = shared
            return
        organisation = self.issuing_org if self.issuing_org_id else column_organisation(self)
        if organisation is None:
            raise PublicationRefused({"issuing_org": "发布前须选择发布机构：索引号按发布机构编号。"})
        self.index_number = allocate_index_number(organisation, self.index_year)

    @property
    def index_year(self):
        """The year whose serials the 索引号 is allocated from: that of 发布日期."""
        return (self.published_date or timezone.localdate()).year

    def shared_index_number(self):
        """The 索引号 a translation takes from its source (or another translation), if any."""
        return (
            type(self)._default_manager.filter(translation_key=self.translation_key)
            .exclude(pk=self.pk)
            .exclude(index_number__isnull=True)
            .exclude(index_number="")
            .values_list("index_number", flat=True)
            .first()
        )

    def with_content_json(self, content):
        # The 索引号 belongs to the document, not to a revision: publishing or reverting
        # to any revision keeps the number the page already has.
        obj = super().with_content_json(content)
        obj.index_number = self.index_number
        obj.index_locale_id = self.index_locale_id
        obj.attribute_reviewed_on = self.attribute_reviewed_on
        return obj

    def save_revision(self, user=None, *args, **kwargs):
        before = getattr(self, "_disclosure_baseline", None)
        if before is None:
            before = self._stored_disclosure_values()
        if before is not None and before.get("disclosure_attribute") != self.disclosure_attribute:
            # A changed 公开属性 is a new decision: the yearly re-evaluation counts from
            # today. The date is the document's fact (kept on the row whatever revision
            # is published), so it is written to the row as well as to the revision.
            self.attribute_reviewed_on = timezone.localdate()
            type(self)._default_manager.filter(pk=self.pk).update(attribute_reviewed_on=self.attribute_reviewed_on)
        revision = super().save_revision(user, *args, **kwargs)
        if before is not None:
            record_disclosure_changes(self, before, user=user, revision=revision, reason=self.change_reason)
        self._disclosure_baseline = None
        self.change_reason = ""
        return revision

    def _stored_disclosure_values(self):
        """The audited values before this edit: the previous revision's, else the row's."""
        if self.pk is None:
            return None
        if self.latest_revision_id:
            content = (
                Revision.objects.filter(pk=self.latest_revision_id).values_list("content", flat=True).first() or {}
            )
            if all(field in content for field in AUDIT_ACTIONS):
                return {field: content[field] for field in AUDIT_ACTIONS}
        return type(self)._default_manager.filter(pk=self.pk).values(*AUDIT_ACTIONS).first()

    def publish(
        self, revision, user=None, changed=True, log_action=True, previous_revision=None, skip_permission_checks=False
    ):
        action = DisclosurePublishPageRevisionAction(
            revision, user=user, changed=changed, log_action=log_action, previous_revision=previous_revision
        )
        try:
            return action.execute(skip_permission_checks=skip_permission_checks)
        except PublicationRefused as refusal:
            if log_action != "wagtail.publish.scheduled":
                raise
            # publish_scheduled goes through every due revision in one loop; one that may
            # not go live must neither stop the others nor fail again on every run. Its
            # schedule is cancelled and the page history says why.
            Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=None)
            log(
                instance=self,
                action="gk.publish_refused",
                data={"revision": revision.pk, "reasons": refusal.messages},
                revision=revision,
            )
            logger.warning("Scheduled publication refused: %s pk=%s %s", self, self.pk, refusal.messages)
            return None


# -- admin forms -------------------------------------------------------------------------

# Fields a submission may leave out (an API client, a test, an older form) without
# changing them; the others behave as Django's ModelForm does.
_KEPT_WHEN_OMITTED = ("disclosure_attribute", "validity", "attachments")


class DisclosurePageForm(ScopedPageChoicesMixin, WagtailAdminPageForm):
    """The page editor's form: shows the publishing rules next to the fields they
    concern instead of after a draft was saved, and asks why 公开属性/有效性 changed."""

    change_reason = forms.CharField(
        label="变更理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="修改公开属性或有效性时必填。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        page = self.instance
        self._creating = page.pk is None
        if self._creating:
            # Wagtail's create view would save a new page live before publishing its
            # revision; saved as a draft, it goes live only through the publish action.
            page.live = False
        self._baseline = None if self._creating else disclosure_values(page)
        if self.is_bound:
            for name in _KEPT_WHEN_OMITTED:
                field = self.fields.get(name)
                omitted = field is not None and field.widget.value_omitted_from_data(
                    self.data, self.files, self.add_prefix(name)
                )
                if omitted:
                    del self.fields[name]

    def requests_publication(self):
        """Whether the submitted action publishes now or at the end of a workflow."""
        data = self.data
        return bool(
            data.get("action-publish")
            or data.get("action-submit")
            or data.get("action-restart-workflow")
            or (data.get("action-workflow-action") and data.get("workflow-action-name") == "approve")
        )

    def clean(self):
        cleaned = super().clean()
        if self._baseline is not None:
            changed = [f for f in AUDIT_ACTIONS if f in cleaned and cleaned[f] != self._baseline[f]]
            if changed and not (cleaned.get("change_reason") or "").strip():
                self.add_error("change_reason", "修改公开属性或有效性须填写变更理由（将记入页面历史）。")
        return cleaned

    def _post_clean(self):
        super()._post_clean()  # builds the instance and runs the model's clean()
        page = self.instance
        page.change_reason = self.cleaned_data.get("change_reason", "")
        page._disclosure_baseline = self._baseline
        in_workflow = not self._creating and page.workflow_in_progress
        if self.errors or not (self.requests_publication() or in_workflow):
            return
        parent = self.parent_page if self._creating else None
        for field, message in publication_problems(page, parent, was_live=False).items():
            if in_workflow and not self.requests_publication():
                message = "该信息正在审核流程中，审核通过即发布：" + message
            self.add_error(field if field in self.fields else None, message)


class DisclosureCopyForm(ScopedCopyForm):
    """Copying a live document keeps it live (or makes a live alias) only where it
    may be published."""

    def clean(self):
        cleaned = super().clean()
        page = self.page.specific
        parent = cleaned.get("new_parent_page")
        goes_live = page.live and (cleaned.get("publish_copies") or cleaned.get("alias"))
        if goes_live and parent is not None and isinstance(page, DisclosureMixin):
            for message in publication_problems(page, parent, was_live=False).values():
                self.add_error("new_parent_page", message)
        return cleaned


# -- moves ---------------------------------------------------------------------------------


@receiver(pre_page_move)
def refuse_unpublishable_move(sender, instance, parent_page_after, **kwargs):
    """A move re-saves a plain Page, past the document's own save(); a live
    document therefore asks here whether it may be live in its new column."""
    page = instance if isinstance(instance, DisclosureMixin) else instance.specific
    if isinstance(page, DisclosureMixin) and page.live:
        refuse_unpublishable(page, parent_page_after, was_live=False)
