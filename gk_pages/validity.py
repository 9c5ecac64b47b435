"""有效性: the normative-document library, cleanups and the validity check.

* ``library_documents(portal)`` — the documents the public 规范性文件库 lists:
  live, public (no view restriction), 主动/删减后公开, marked 行政规范性文件,
  anywhere under the portal. ``LibraryFilter`` reads the library's query string
  (发布机构, 成文年份, 有效性, 关键词) and never fails on junk.
* ``cleanup_item_problems(items)`` — what is wrong with the items of a 清理结果
  (a document that is not normative, one listed twice, an applied item edited
  afterwards …); used by the page form (``CleanupResultPageForm``) and by
  ``CleanupResultPage.clean`` for code that does not go through the admin.
* ``apply_cleanup(page, user)`` — publishing a 清理结果 applies each item's
  decision to its document, once (see the function for how drafts are kept).
  Connected to Wagtail's ``page_published`` signal, so every path that
  publishes (editor, workflow approval, schedule, bulk, API) applies it.
* ``validity_problems(today, organisation=None)`` — live documents still
  marked 有效 that should not be: past their 失效日期, replaced by another
  document, or declared otherwise by a published cleanup. The rows of
  ``gk validity-review`` and of the admin report 规范性文件有效性核查.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, ExtractYear
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.log_actions import log
from wagtail.models import Page, Revision
from wagtail.signals import page_published

from .admin_scope import ScopedPageChoicesMixin
from .disclosure import DisclosurePublishPageRevisionAction, Validity, disclosure_values, numbered_models
from .shown import shown, shown_ids

logger = logging.getLogger(__name__)

LIBRARY_PAGE_SIZE = 30
ALL = "全部"
CURRENT_LIST_TITLE = "现行有效规范性文件目录"
# The order a cleanup announcement lists its outcomes in, with the words it uses.
DECISION_HEADINGS = {
    Validity.VALID: "继续有效",
    Validity.AMENDED: "修改",
    Validity.EXPIRED: "宣布失效",
    Validity.REPEALED: "废止",
}
# Declaring a document 失效/废止 ends it: without an end date of its own it ends on the cleanup date.
ENDING_DECISIONS = frozenset({Validity.EXPIRED, Validity.REPEALED})
CLEANUP_LOG_ACTION = "gk.cleanup_applied"


def cleanup_reason(page):
    """The reason written to a document's history when a cleanup changes it."""
    return f"规范性文件清理：{page.title}"


def _document_model():
    return apps.get_model("gk_pages", "DocumentPage")


# -- the library ----------------------------------------------------------------------------


def library_documents(portal):
    """Normative documents the public may see under `portal`.

    Only DocumentPage: it is the one page type with the disclosure behaviour that
    can be a 行政规范性文件 (an interpretation never is). Only what the public is
    shown (gk_pages.shown): not below an unpublished page (a retired column), nor
    a row whose 公开属性 was written around the publish rules."""
    return (
        shown(_document_model().objects.descendant_of(portal))
        .filter(is_normative=True)
        .annotate(library_year=ExtractYear(Coalesce("written_date", "published_date")))
    )


class LibraryFilterForm(forms.Form):
    """The library's filters, as GET parameters. Invalid values are ignored one by
    one (the others still apply), never an error page."""

    VALIDITY_CHOICES = [
        (Validity.VALID.value, "现行有效"),
        (Validity.AMENDED.value, "已修改"),
        (Validity.EXPIRED.value, "失效"),
        (Validity.REPEALED.value, "废止"),
        (ALL, "全部"),
    ]

    validity = forms.ChoiceField(label="有效性", choices=VALIDITY_CHOICES, required=False)
    org = forms.ChoiceField(label="发布机构", required=False)
    year = forms.TypedChoiceField(label="成文年份", coerce=int, required=False, empty_value=None)
    q = forms.CharField(label="文件名称或文号", max_length=100, required=False)

    def __init__(self, data, *, organisations, years):
        super().__init__(data)
        self.fields["org"].choices = [("", "全部机构")] + [(org.code, org.name) for org in organisations]
        self.fields["year"].choices = [("", "全部年份")] + [(year, f"{year}年") for year in years]

    def value(self, name, default=None):
        if not self.is_bound:
            return default
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


@dataclass
class LibraryListing:
    """What the library page shows for one query string."""

    form: LibraryFilterForm
    documents: object  # a Page of the paginated queryset
    title: str
    is_current_list: bool
    validity: str
    organisation: str = ""
    year: int | None = None
    keyword: str = ""
    ignored: list = field(default_factory=list)


def library_listing(portal, request, paginate):
    from gk_columns.models import Organisation

    from .disclosure import normalise_doc_number

    base = library_documents(portal)
    facets = list(base.order_by().values_list("issuing_org_id", "library_year").distinct())
    organisations = Organisation.objects.filter(pk__in={org for org, _ in facets if org}).order_by("order", "pk")
    years = sorted({year for _, year in facets if year}, reverse=True)
    data = request.GET if any(key in request.GET for key in ("validity", "org", "year", "q")) else None
    form = LibraryFilterForm(data, organisations=organisations, years=years)

    validity = form.value("validity", Validity.VALID.value)
    documents = base if validity == ALL else base.filter(validity=validity)
    organisation = form.value("org")
    if organisation:
        documents = documents.filter(issuing_org__code=organisation)
    year = form.value("year")
    if year:
        documents = documents.filter(library_year=year)
    keyword = (form.value("q") or "").strip()
    if keyword:
        documents = documents.filter(
            Q(title__icontains=keyword) | Q(doc_number__icontains=keyword)
            | Q(doc_number_normalised__contains=normalise_doc_number(keyword))
        )
    documents = documents.select_related("issuing_org", "replaced_by").order_by(
        Coalesce("written_date", "published_date").desc(), "-pk"
    )

    labels = dict(LibraryFilterForm.VALIDITY_CHOICES)
    narrowed = bool(organisation or year or keyword)
    is_current_list = validity == Validity.VALID and not narrowed
    if validity == Validity.VALID:
        title = CURRENT_LIST_TITLE
    elif validity == ALL:
        title = "全部规范性文件"
    else:
        title = f"{labels[validity]}的规范性文件"
    ignored = [form.fields[name].label for name in form.errors] if form.is_bound else []
    return LibraryListing(
        form=form,
        documents=paginate(request, documents, LIBRARY_PAGE_SIZE),
        title=title,
        is_current_list=is_current_list,
        validity=validity,
        organisation=organisation or "",
        year=year,
        keyword=keyword,
        ignored=ignored,
    )


# -- cleanup results: the public page ---------------------------------------------------------


@dataclass
class CleanupGroup:
    decision: str
    heading: str
    items: list  # [{item, document, linkable, replacement, replacement_linkable}]


def cleanup_groups(page):
    """The items of a cleanup result grouped by decision, in the order announcements
    use (继续有效, 修改, 宣布失效, 废止). A document is linked only while the public
    is shown it (gk_pages.shown)."""
    DocumentPage = _document_model()
    items = list(page.items.all())
    ids = {item.document_id for item in items if item.document_id} | {
        item.replaced_by_id for item in items if item.replaced_by_id
    }
    documents = {doc.pk: doc for doc in DocumentPage.objects.filter(pk__in=ids).select_related("issuing_org")}
    public = shown_ids(documents.values())
    groups = {decision: CleanupGroup(decision, heading, []) for decision, heading in DECISION_HEADINGS.items()}
    for item in sorted(items, key=lambda item: (item.sort_order or 0, item.pk or 0)):
        if item.decision not in groups:
            continue
        document = documents.get(item.document_id)
        replacement = documents.get(item.replaced_by_id)
        groups[item.decision].items.append(
            {
                "item": item,
                "document": document,
                "linkable": item.document_id in public,
                "replacement": replacement,
                "replacement_linkable": item.replaced_by_id in public,
            }
        )
    return [group for group in groups.values() if group.items]


# -- cleanup results: validation ------------------------------------------------------------


def cleanup_item_problems(items):
    """{index: {field: message}} for the items (CleanupResultItem instances, saved or
    not) of one cleanup result, in their order."""
    items = list(items)
    DocumentPage = _document_model()
    ids = {item.document_id for item in items if item.document_id}
    documents = {
        doc.pk: doc
        for doc in DocumentPage.objects.filter(pk__in=ids).only("title", "is_normative", "live", "latest_revision", "alias_of")
    }
    applied = {}
    saved = [item.pk for item in items if item.pk]
    if saved:
        CleanupResultItem = apps.get_model("gk_pages", "CleanupResultItem")
        applied = {
            row["pk"]: row
            for row in CleanupResultItem.objects.filter(pk__in=saved, applied_at__isnull=False).values(
                "pk", "document_id", "decision", "replaced_by_id", "applied_at"
            )
        }

    problems = {}
    seen = {}

    def add(index, name, message):
        problems.setdefault(index, {}).setdefault(name, message)

    for index, item in enumerate(items):
        stored = applied.get(item.pk)
        if stored is not None:
            # Applied already: what it said is history, whatever became of the document since.
            if (
                stored["document_id"] != item.document_id
                or stored["decision"] != item.decision
                or stored["replaced_by_id"] != item.replaced_by_id
            ):
                add(
                    index,
                    "decision",
                    f"该项清理结论已于{timezone.localtime(stored['applied_at']):%Y-%m-%d}执行，"
                    "不能再修改文件、结论或替代文件；如需变更，请另行发布清理结果。",
                )
            if item.document_id:
                seen.setdefault(item.document_id, index)
            continue
        document = documents.get(item.document_id)
        if item.document_id is None:
            add(index, "document", "请选择被清理的规范性文件。")
        elif document is None:
            add(index, "document", "所选文件不存在或已被删除。")
        elif document.alias_of_id:
            add(index, "document", f"《{document.title}》是另一文件的别名页面，请选择原文件。")
        else:
            if not _is_normative(document):
                add(index, "document", f"《{document.title}》不是行政规范性文件，不能列入规范性文件清理结果。")
            if item.document_id in seen:
                add(index, "document", f"《{document.title}》已列为本清理结果第{seen[item.document_id] + 1}项，同一文件只能列一次。")
            else:
                seen[item.document_id] = index
        if item.replaced_by_id:
            if item.replaced_by_id == item.document_id:
                add(index, "replaced_by", "替代文件不能是被清理的文件本身。")
            elif item.decision == Validity.VALID:
                add(index, "replaced_by", "继续有效的文件不填写替代文件。")
    return problems


def _is_normative(document):
    """A live document is what the public sees; a draft is judged by its latest version."""
    if document.live or not document.latest_revision_id:
        return document.is_normative
    return document.get_latest_revision_as_object().is_normative


class CleanupResultPageForm(ScopedPageChoicesMixin, WagtailAdminPageForm):
    """The editor's form for a 清理结果: checks the items together, as submitted (the
    page's own clean() would only see the items of the previous version)."""

    def clean(self):
        cleaned = super().clean()
        self.instance._cleanup_items_checked = True
        formset = self.formsets.get("items")
        if formset is None:
            return cleaned
        kept = []
        for form in formset.forms:
            if not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty extra form
            kept.append(form)
        problems = cleanup_item_problems([form.instance for form in kept])
        for index, errors in problems.items():
            for name, message in errors.items():
                kept[index].add_error(name if name in kept[index].fields else None, message)
        if problems:
            self.add_error(None, "清理结果中有文件不符合要求，请按各项下的提示修改。")
        return cleaned


def check_cleanup_items(page):
    """CleanupResultPage.clean for code that does not use the admin form."""
    problems = cleanup_item_problems(page.items.all())
    if problems:
        messages = []
        for index, errors in sorted(problems.items()):
            messages.extend(f"第{index + 1}项：{message}" for message in errors.values())
        raise ValidationError(messages)


# -- cleanup results: applying them ---------------------------------------------------------


@dataclass
class CleanupOutcome:
    applied: list = field(default_factory=list)  # [(item, old validity, new validity)]
    unchanged: list = field(default_factory=list)  # [item] whose document already said so
    failed: list = field(default_factory=list)  # [(item, message)]

    def __bool__(self):
        return bool(self.applied or self.unchanged or self.failed)


class CleanupNotApplicable(Exception):
    pass


def apply_cleanup(page, user=None):
    """Apply the decisions of the published cleanup result `page` to its documents.

    Each item is applied once: it is claimed by setting ``applied_at`` with a
    conditional UPDATE, so a second publication (or two at once) finds nothing
    left to do. An item that cannot be applied (the document was deleted, is no
    longer normative, or may not stay live as it is) keeps ``applied_at`` empty and
    is listed by ``validity_problems`` until someone fixes it and publishes the
    cleanup again. The outcome is written to the cleanup page's history."""
    CleanupResultItem = apps.get_model("gk_pages", "CleanupResultItem")
    outcome = CleanupOutcome()
    reason = cleanup_reason(page)
    end_date = page.cleanup_date or timezone.localdate()
    done = set()
    pending = CleanupResultItem.objects.filter(page=page, applied_at__isnull=True).select_related("document")
    for item in pending.order_by("sort_order", "pk"):
        try:
            with transaction.atomic():
                claimed = CleanupResultItem.objects.filter(pk=item.pk, applied_at__isnull=True).update(
                    applied_at=timezone.now()
                )
                if not claimed:
                    continue  # another publication got there first
                if item.document_id is None:
                    raise CleanupNotApplicable("文件已被删除")
                if item.document_id in done:
                    raise CleanupNotApplicable("同一文件在本清理结果中重复列出，只执行第一项")
                change = apply_decision(
                    item.document_id,
                    decision=item.decision,
                    replaced_by_id=item.replaced_by_id,
                    end_date=end_date,
                    user=user,
                    reason=reason,
                )
        except (CleanupNotApplicable, ValidationError) as error:
            message = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
            outcome.failed.append((item, message))
            logger.warning("Cleanup item %s of %s not applied: %s", item.pk, page.pk, message)
            continue
        done.add(item.document_id)
        if change is None:
            outcome.unchanged.append(item)
        else:
            outcome.applied.append((item, *change))
    if outcome:
        _log_outcome(page, outcome, user)
    return outcome


def apply_decision(document_id, *, decision, replaced_by_id, end_date, user, reason):
    """Change one document's 有效性 as a cleanup decided. Returns (old, new) or None
    when the document already said so.

    The change goes through the model, as an editor's would: the live content (the
    row) gets the new values, is validated (full_clean) and saved as a revision —
    which writes the audit entry (gk.validity_change, with `reason`) — and that
    revision is published. An editor's pending draft is not published with it: it is
    saved again afterwards, with the same change, as the newest revision, so the
    editor finds their work where they left it (and a schedule or a review in
    progress goes on with it). A document that is not live only gets the new
    revision. Callers hold a transaction (apply_cleanup does)."""
    DocumentPage = _document_model()
    locked = DocumentPage.objects.select_for_update().filter(pk=document_id).values_list("pk", flat=True)
    if not list(locked):
        raise CleanupNotApplicable("文件已被删除")
    document = DocumentPage.objects.get(pk=document_id)
    if document.alias_of_id:
        raise CleanupNotApplicable(f"《{document.title}》是别名页面，应清理其原文件")
    pending = None
    if document.latest_revision_id and document.latest_revision_id != document.live_revision_id and (
        document.has_unpublished_changes or not document.live
    ):
        pending = Revision.objects.get(pk=document.latest_revision_id)
    current = document if document.live or pending is None else pending.as_object()
    if not current.is_normative:
        raise CleanupNotApplicable(f"《{current.title}》已不是行政规范性文件")

    values = _decided_values(current, decision, replaced_by_id, end_date)
    if all(getattr(current, name) == value for name, value in values.items()):
        return None
    old = current.validity
    baseline = disclosure_values(current)
    for name, value in values.items():
        setattr(current, name, value)
    current._disclosure_baseline = baseline
    current.change_reason = reason

    if not document.live:
        # As the page editor does for a page that is not live: the row follows the draft.
        current.full_clean()
        current.save(clean=False)
        current.save_revision(user=user, log_action=True, clean=False)
        return old, current.validity

    if current.go_live_at and current.go_live_at > timezone.now():
        current.go_live_at = None  # the change is due now, not at a later go-live time
    revision = current.save_revision(user=user, log_action=True)
    action = DisclosurePublishPageRevisionAction(revision, user=user, changed=True, log_action=True)
    # Publishing cancels a workflow in progress; the review of the editor's draft
    # is not the cleanup's business, so the workflow is left running.
    action.object._current_workflow_states = []
    # A cleanup is an act of the government (its office publishes it): it changes
    # the documents of every organisation, whoever may publish them.
    action.execute(skip_permission_checks=True)

    if pending is not None:
        draft = pending.as_object()
        for name, value in _decided_values(draft, decision, replaced_by_id, end_date).items():
            setattr(draft, name, value)
        # The change is recorded once, for the live version; re-saving the draft is not another decision.
        draft._disclosure_baseline = disclosure_values(draft)
        draft.save_revision(
            user=user, log_action=True, clean=False, approved_go_live_at=pending.approved_go_live_at
        )
    return old, decision


def _decided_values(document, decision, replaced_by_id, end_date):
    values = {"validity": decision}
    if decision == Validity.VALID:
        values["replaced_by_id"] = None
    elif replaced_by_id:
        values["replaced_by_id"] = replaced_by_id
    if decision in ENDING_DECISIONS and document.expiry_date is None:
        values["expiry_date"] = end_date
        if document.effective_date and document.effective_date > end_date:
            values["expiry_date"] = document.effective_date
    return values


def _log_outcome(page, outcome, user):
    def row(item, **extra):
        document = item.document
        return {
            "item": item.pk,
            "document": item.document_id,
            "title": document.title if document else "",
            "decision": item.decision,
            **extra,
        }

    data = {
        "applied": [row(item, old=old, new=new) for item, old, new in outcome.applied],
        "unchanged": [row(item) for item in outcome.unchanged],
        "failed": [row(item, reason=message) for item, message in outcome.failed],
    }
    log(instance=page, action=CLEANUP_LOG_ACTION, user=user, data=data, revision=page.live_revision)


@receiver(page_published)
def apply_published_cleanup(sender, instance, revision, **kwargs):
    if sender._meta.label != "gk_pages.CleanupResultPage":
        return
    # The publishing user when the page was published through Page.publish (editor,
    # workflow, bulk action); otherwise whoever saved the revision.
    user = getattr(instance, "_publishing_user", None) or revision.user
    apply_cleanup(instance, user=user)


def latest_cleanup_outcome(page):
    """The history entry of the cleanup applied when `page`'s current live version was published."""
    PageLogEntry = apps.get_model("wagtailcore", "PageLogEntry")
    live_revision_id = Page.objects.filter(pk=page.pk).values_list("live_revision_id", flat=True).first()
    if live_revision_id is None:
        return None
    return (
        PageLogEntry.objects.filter(page_id=page.pk, action=CLEANUP_LOG_ACTION, revision_id=live_revision_id)
        .order_by("-timestamp", "-pk")
        .first()
    )


# -- the validity check ------------------------------------------------------------------------

REASON_LABELS = {
    "expired": "已过失效日期",
    "superseded": "已被替代",
    "cleanup": "清理结论未落实",
}


@dataclass
class ValidityFinding:
    """One live document marked 有效 that should not be."""

    page_id: int
    title: str
    doc_number: str
    organisation: str
    organisation_code: str
    organisation_order: int
    is_normative: bool
    effective_date: datetime.date | None
    expiry_date: datetime.date | None
    reasons: list  # [(code, explanation)]
    edit_url: str
    page_type: str = ""

    @property
    def reason_codes(self):
        return [code for code, _ in self.reasons]

    @property
    def reason_labels(self):
        return "、".join(REASON_LABELS[code] for code in self.reason_codes)

    @property
    def reason_text(self):
        return "；".join(text for _, text in self.reasons)

    def as_dict(self):
        return {
            "page_id": self.page_id,
            "title": self.title,
            "doc_number": self.doc_number,
            "organisation": self.organisation,
            "organisation_code": self.organisation_code,
            "page_type": self.page_type,
            "is_normative": self.is_normative,
            "effective_date": _iso(self.effective_date),
            "expiry_date": _iso(self.expiry_date),
            "reasons": [{"code": code, "label": REASON_LABELS[code], "detail": text} for code, text in self.reasons],
            "edit_url": self.edit_url,
        }


def _iso(value):
    return value.isoformat() if value else None


def admin_url(name, *args):
    """An admin URL as a path, absolute when WAGTAILADMIN_BASE_URL is set (for command output)."""
    path = reverse(name, args=args)
    base = (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")
    return base + path


def validity_problems(today=None, organisation=None, *, within=None, absolute_urls=False):
    """Live documents (every page type with the disclosure behaviour, normative or
    not) marked 有效 although their 失效日期 is before `today`, or although they
    name a replacing document, or although a published cleanup result declared them
    失效/废止/已修改. One finding per document, with every reason that applies;
    ordered by organisation, then title. `within`, a Page queryset, limits the
    findings to those pages (the admin passes what the user may edit)."""
    CleanupResultItem = apps.get_model("gk_pages", "CleanupResultItem")
    today = today or timezone.localdate()
    url = admin_url if absolute_urls else (lambda name, *args: reverse(name, args=args))

    declared = {}
    items = CleanupResultItem.objects.filter(
        page__live=True,
        decision__in=[Validity.EXPIRED, Validity.REPEALED, Validity.AMENDED],
        document__live=True,
        document__validity=Validity.VALID,
    ).select_related("page")
    if organisation is not None:
        items = items.filter(document__issuing_org=organisation)
    for item in items.order_by("page__cleanup_date", "pk"):
        state = "尚未执行" if item.applied_at is None else "执行后又被改回有效"
        declared.setdefault(item.document_id, []).append(
            f"清理结果《{item.page.title}》宣布{DECISION_HEADINGS[item.decision]}，{state}"
        )

    findings = []
    for model in numbered_models():
        documents = model.objects.live().filter(validity=Validity.VALID)
        if organisation is not None:
            documents = documents.filter(issuing_org=organisation)
        if within is not None:
            documents = documents.filter(pk__in=within.values("pk"))
        condition = Q(expiry_date__lt=today) | Q(replaced_by__isnull=False)
        if model is _document_model() and declared:
            condition |= Q(pk__in=list(declared))
        documents = documents.filter(condition).select_related("issuing_org", "replaced_by")
        for document in documents:
            reasons = []
            if document.expiry_date and document.expiry_date < today:
                reasons.append(("expired", f"失效日期 {document.expiry_date:%Y-%m-%d} 已过，仍标为有效"))
            if document.replaced_by_id:
                reasons.append(("superseded", f"已被《{document.replaced_by.title}》替代，仍标为有效"))
            for text in declared.get(document.pk, []) if model is _document_model() else []:
                reasons.append(("cleanup", text))
            org = document.issuing_org
            findings.append(
                ValidityFinding(
                    page_id=document.pk,
                    title=document.title,
                    doc_number=document.doc_number,
                    organisation=org.name if org else "",
                    organisation_code=org.code if org else "",
                    organisation_order=org.order if org else 0,
                    is_normative=document.is_normative,
                    effective_date=document.effective_date,
                    expiry_date=document.expiry_date,
                    reasons=reasons,
                    edit_url=url("wagtailadmin_pages:edit", document.pk),
                    page_type=str(model._meta.verbose_name),
                )
            )
    findings.sort(key=lambda f: (f.organisation_order, f.organisation_code, f.title, f.page_id))
    return findings


FINDING_COLUMNS = [
    ("reason_labels", "问题"),
    ("title", "文件名称"),
    ("doc_number", "文号"),
    ("organisation", "发布机构"),
    ("expiry_date", "失效日期"),
    ("reason_text", "说明"),
    ("edit_url", "编辑地址"),
]


def finding_cells(finding):
    cells = []
    for name, _ in FINDING_COLUMNS:
        value = getattr(finding, name)
        cells.append(value.isoformat() if isinstance(value, datetime.date) else (value or ""))
    return cells
