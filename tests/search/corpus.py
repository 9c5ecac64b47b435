"""A small realistic portal for query-side tests: two organisations in two
domains, four columns and eight documents with dates over three years and
文号 written the standard way (GB/T 9704: 〔〕).

Documents are published through revisions, so indexing runs as for an editor
(wrap the call in django_capture_on_commit_callbacks(execute=True)).
"""

import datetime
from dataclasses import dataclass, field

from django.db import models

from gk_pages.models import ColumnPage, DocumentPage, OrganisationPage
from search.indexing import IndexContext, document_for
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

from .builders import publish_document

# (key, column, title, body, published, 文号)
DOCUMENTS = [
    (
        "enrolment",
        "招生政策",
        "关于做好2026年义务教育招生工作的通知",
        "<p>各乡镇中心学校：</p><p>现将2026年义务教育阶段学校招生入学工作安排如下，请认真贯彻执行。</p>",
        datetime.date(2026, 3, 2),
        "示教发〔2026〕3号",
    ),
    (
        "districts",
        "招生政策",
        "示例县义务教育学校学区划分方案",
        "<p>根据《中华人民共和国义务教育法》，结合我县实际，制定本学区划分方案。</p>",
        datetime.date(2025, 6, 10),
        "示教发〔2025〕21号",
    ),
    (
        "school_bus",
        "政策文件",
        "关于印发《示例县校车安全管理办法》的通知",
        "<p>为加强校车安全管理，保障乘坐校车学生的人身安全，制定本办法。</p>",
        datetime.date(2025, 9, 1),
        "示政办发〔2025〕12号",
    ),
    (
        "fees",
        "政策文件",
        "2024年教育收费标准公示",
        "<p>义务教育阶段公办学校免收学费、杂费，寄宿生住宿费按核定标准收取。</p>",
        datetime.date(2024, 8, 20),
        "",
    ),
    (
        "minimum_living",
        "最低生活保障",
        "关于提高城乡最低生活保障标准的通知",
        "<p>经县人民政府同意，自2025年7月1日起提高城乡低保标准。</p>",
        datetime.date(2025, 7, 1),
        "示民发〔2025〕8号",
    ),
    (
        "living_funds",
        "最低生活保障",
        "2026年第一季度城乡低保资金发放情况公示",
        "<p>现将一季度低保资金发放情况予以公示，接受社会监督。</p>",
        datetime.date(2026, 4, 8),
        "",
    ),
    (
        "destitute",
        "特困人员救助供养",
        "特困人员救助供养工作实施细则",
        "<p>为做好特困人员救助供养工作，保障特困人员基本生活，制定本细则。</p>",
        datetime.date(2024, 12, 15),
        "示民发〔2024〕30号",
    ),
    (
        "temporary_aid",
        "特困人员救助供养",
        "关于开展2025年度临时救助工作的通知",
        "<p>各乡镇人民政府：为切实做好临时救助工作，现就有关事项通知如下。教育救助一并纳入。</p>",
        datetime.date(2025, 3, 18),
        "示民发〔2025〕2号",
    ),
]


def doc_number_is_a_field():
    try:
        return isinstance(DocumentPage._meta.get_field("doc_number"), models.Field)
    except Exception:  # noqa: BLE001 — any failure means no
        return False


@dataclass
class Corpus:
    education: object
    civil: object
    org_pages: dict
    columns: dict  # title -> ColumnPage
    docs: dict = field(default_factory=dict)  # key -> DocumentPage

    @property
    def structure_ids(self):
        return {p.pk for p in self.org_pages.values()} | {c.pk for c in self.columns.values()}

    @property
    def all_ids(self):
        return self.structure_ids | {d.pk for d in self.docs.values()}


def _organisation(name, code, domain, items):
    org = make_org(name, code=code)
    catalogue = filed_catalogue(org, [entry_values(domain, l1, l2, subject=name) for l1, l2 in items])
    catalogue.publish()
    return org


def build_corpus(index=None):
    """Organisations, columns and documents. With `index` (an IndexProbe), 文号
    are written to the index directly when DocumentPage has no doc_number field
    yet (the lifecycle work adds it): the serializer reads the attribute."""
    education_domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    aid_domain = make_domain("社会救助", code="shehui-jiuzhu", order=2)
    education = _organisation(
        "测试县教育局", "edu", education_domain, [("教育政策", "政策文件"), ("招生入学", "招生政策")]
    )
    civil = _organisation(
        "测试县民政局", "mz", aid_domain, [("最低生活保障", "最低生活保障"), ("特困人员救助供养", "特困人员救助供养")]
    )
    org_pages = {o.code: OrganisationPage.objects.get(organisation=o) for o in (education, civil)}
    columns = {c.title: c for c in ColumnPage.objects.filter(entry__catalogue__organisation__in=[education, civil])}
    corpus = Corpus(education, civil, org_pages, columns)
    with_field = doc_number_is_a_field()
    for key, column, title, body, published, doc_number in DOCUMENTS:
        extra = {"doc_number": doc_number} if with_field and doc_number else {}
        corpus.docs[key] = publish_document(columns[column], title, body, published_date=published, **extra)
    if not with_field and index is not None:
        write_doc_numbers(corpus, index)
    return corpus


def write_doc_numbers(corpus, index):
    """Before DocumentPage has doc_number: serialize with the attribute set and
    write the documents to the index directly."""
    numbers = {key: number for key, _, _, _, _, number in DOCUMENTS if number}
    for key, number in numbers.items():
        page = DocumentPage.objects.get(pk=corpus.docs[key].pk)
        page.doc_number = number
        ctx = IndexContext()
        ctx.prepare([page])
        index.client.index(index=index.alias, id=str(page.pk), document=document_for(page, ctx))
    index.refresh()
