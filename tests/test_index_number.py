"""索引号: `<organisation code>/<year>-<serial>`, assigned at first publication,
unique, never reused, never changed — also when documents are published in parallel."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.actions.copy_page import CopyPageAction
from wagtail.actions.create_alias import CreatePageAliasAction
from wagtail.models import Locale

from gk_pages.disclosure import (
    INDEX_KEPT_SERIAL_MAX,
    INDEX_SERIAL_MAX,
    IndexNumberCounter,
    PublicationRefused,
    allocate_index_number,
    format_index_number,
    index_number_problem,
    parse_index_number,
    publication_problems,
)
from gk_pages.models import DocumentPage
from tests.test_disclosure import build_org, draft, form_data, published, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(portal):
    return build_org("测试县教育局", "jyj")


@pytest.fixture
def township(portal):
    return build_org("测试县甲镇人民政府", "jiazhen")


def number_of(page):
    return DocumentPage.objects.get(pk=page.pk).index_number


def test_format_and_parse():
    assert format_index_number("xzf", 2026, 12) == "xzf/2026-00012"
    assert format_index_number("xzf", 2026, 123456) == "xzf/2026-123456"
    assert parse_index_number("xzf/2026-00012") == ("xzf", 2026, 12)
    assert parse_index_number("11370000MB0000001X/2021-00005") == ("11370000MB0000001X", 2021, 5)
    for bad in ("xzf/2026-12", "xzf-2026-00012", "/2026-00012", "xzf/26-00012", "", None):
        assert parse_index_number(bad) is None


def test_serials_are_bounded_to_six_digits_with_one_spelling():
    """Finding 8: a serial is 1–999999, written as format_index_number writes it;
    anything longer is refused before it is converted to a number."""
    assert INDEX_SERIAL_MAX == 999_999
    assert parse_index_number("xzf/2026-999999") == ("xzf", 2026, 999_999)
    assert parse_index_number("xzf/2026-00001") == ("xzf", 2026, 1)
    for bad in (
        "xzf/2026-1000000",
        "xzf/2026-9223372036854775807",
        "xzf/2021-99999999999999999999",
        "xzf/2021-" + "9" * 100_000,  # longer than Python converts to int
        "xzf/2021-" + "0" * 100_000,
        "xzf/2026-00000",
        "xzf/2026-000012",  # the same serial as xzf/2026-00012, spelt differently
        "xzf/2026-012345",
    ):
        assert parse_index_number(bad) is None
    assert index_number_problem("jyj/2021-99999999999999999999") == (
        "索引号“jyj/2021-99999999999999999999”的序号超出范围：序号应在 1 至 999999 之间（至多 6 位数字）。"
    )
    assert index_number_problem("jyj/2021-" + "9" * 100_000).startswith("索引号“jyj/2021-9999999999")
    assert len(index_number_problem("jyj/2021-" + "9" * 100_000)) < 100  # the value is not echoed whole
    assert "应写作“jyj/2026-00012”" in index_number_problem("jyj/2026-000012")
    # Kept from an older system, a number must leave room for later publications.
    assert index_number_problem(f"jyj/2026-{INDEX_KEPT_SERIAL_MAX}", kept=True) is None
    assert "不能超过 899999" in index_number_problem(f"jyj/2026-{INDEX_KEPT_SERIAL_MAX + 1}", kept=True)
    with pytest.raises(ValueError):
        format_index_number("xzf", 2026, INDEX_SERIAL_MAX + 1)


def test_the_model_refuses_numbers_out_of_range(county):
    """Whatever brings a number (an import, code, an API), the row is never written
    with a serial the counter cannot hold."""
    for bad in ("jyj/2026-9223372036854775807", "jyj/2021-99999999999999999999", "jyj/2026-000003"):
        page = DocumentPage(title="带来索引号的信息", published_date=datetime.date(2026, 1, 5), index_number=bad)
        page.issuing_org = county.org
        with pytest.raises(ValidationError) as refused:
            page.full_clean(exclude=["path", "depth", "slug"])
        assert "index_number" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            county.column.add_child(instance=page)
        assert "索引号" in refused.value.message_dict["index_number"][0]
    assert not DocumentPage.objects.filter(title="带来索引号的信息").exists()
    assert not IndexNumberCounter.objects.exists()
    # A page without a number (or with its own, unchanged) is not affected.
    page = published(county.column)
    page.title = "改了标题"
    page.save()


def test_allocation_stops_at_the_maximum_with_a_reason(county):
    IndexNumberCounter.objects.create(organisation=county.org, year=2026, last_serial=INDEX_SERIAL_MAX - 1)
    assert allocate_index_number(county.org, 2026) == "jyj/2026-999999"
    with pytest.raises(PublicationRefused) as refused:
        allocate_index_number(county.org, 2026)
    assert "2026年的索引号已用完" in refused.value.message_dict["index_number"][0]
    assert IndexNumberCounter.objects.get(organisation=county.org, year=2026).last_serial == INDEX_SERIAL_MAX
    # Other years go on.
    assert allocate_index_number(county.org, 2025) == "jyj/2025-00001"


def test_an_exhausted_year_refuses_publication_where_it_is_asked_not_with_a_500(county, admin_client):
    """Counters pushed to the end (as an import could before the limit) block nothing
    silently: every publishing path says why, and nothing is written."""
    IndexNumberCounter.objects.create(organisation=county.org, year=2026, last_serial=INDEX_SERIAL_MAX)
    page = draft(county.column)
    assert "2026年的索引号已用完" in publication_problems(page)["index_number"]

    with pytest.raises(PublicationRefused):
        page.get_latest_revision().publish()
    assert number_of(page) is None and not DocumentPage.objects.get(pk=page.pk).live

    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = admin_client.post(url, form_data(page, **{"action-publish": "action-publish"}))
    assert response.status_code == 200
    assert "2026年的索引号已用完" in text(response)
    assert not DocumentPage.objects.get(pk=page.pk).live
    assert IndexNumberCounter.objects.get(organisation=county.org, year=2026).last_serial == INDEX_SERIAL_MAX

    # Documents of another year are unaffected.
    assert number_of(published(county.column, published_date=datetime.date(2025, 6, 1))) == "jyj/2025-00001"


def test_kept_numbers_leave_room_in_the_counter(county):
    with pytest.raises(ValidationError):
        IndexNumberCounter.objects.reserve(county.org, 2026, INDEX_KEPT_SERIAL_MAX + 1)
    with pytest.raises(ValidationError):
        IndexNumberCounter.objects.reserve(county.org, 2026, 9223372036854775807)
    assert not IndexNumberCounter.objects.exists()
    IndexNumberCounter.objects.reserve(county.org, 2026, INDEX_KEPT_SERIAL_MAX)
    IndexNumberCounter.objects.reserve(county.org, 2026, 5)  # never moves back
    assert number_of(published(county.column)) == "jyj/2026-900000"


def test_assigned_at_first_publication_not_at_draft_save(county):
    page = draft(county.column)
    page.title = "修改后的标题"
    page.save_revision()
    assert number_of(page) is None
    page.get_latest_revision().publish()
    assert number_of(page) == "jyj/2026-00001"


def test_serials_run_per_organisation_and_year(county, township):
    first = published(county.column)
    second = published(county.other_column)
    other_org = published(township.column)
    older = published(county.column, published_date=datetime.date(2025, 12, 30))
    assert [number_of(p) for p in (first, second, other_org, older)] == [
        "jyj/2026-00001",
        "jyj/2026-00002",
        "jiazhen/2026-00001",
        "jyj/2025-00001",
    ]
    assert IndexNumberCounter.objects.get(organisation=county.org, year=2026).last_serial == 2


def test_never_changed_by_later_edits_reverts_or_republication(county):
    page = published(county.column)
    number = number_of(page)
    first_revision = page.live_revision

    page = DocumentPage.objects.get(pk=page.pk)
    page.title = "第二版"
    page.save_revision().publish()
    assert number_of(page) == number

    # Reverting to the first revision (which was saved before the number existed).
    assert first_revision.content["index_number"] is None
    DocumentPage.objects.get(pk=page.pk).publish(first_revision, previous_revision=first_revision)
    assert number_of(page) == number

    page = DocumentPage.objects.get(pk=page.pk)
    page.unpublish()
    DocumentPage.objects.get(pk=page.pk).get_latest_revision().publish()
    assert number_of(page) == number

    page = DocumentPage.objects.get(pk=page.pk)
    page.index_number = "jyj/2026-00099"
    with pytest.raises(ValidationError) as refused:
        page.save()
    assert "索引号一经分配不能更改" in refused.value.messages[0]
    assert number_of(page) == number


def test_read_only_in_the_admin(county, admin_client):
    page = published(county.column)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    html = admin_client.get(url).content.decode()
    assert "jyj/2026-00001" in html
    assert 'name="index_number"' not in html
    response = admin_client.post(url, form_data(page, index_number="jyj/2026-00077", **{"action-publish": "1"}))
    assert response.status_code == 302
    assert number_of(page) == "jyj/2026-00001"


def test_never_reused_after_a_document_is_deleted(county):
    published(county.column)
    second = published(county.column)
    assert number_of(second) == "jyj/2026-00002"
    second.delete()
    assert number_of(published(county.column)) == "jyj/2026-00003"


def test_numbers_kept_by_an_import_are_skipped(county):
    imported = county.column.add_child(
        instance=DocumentPage(title="迁移来的旧文件", published_date=datetime.date(2026, 1, 5), index_number="jyj/2026-00002")
    )
    assert number_of(imported) == "jyj/2026-00002"
    assert [number_of(published(county.column)) for _ in range(3)] == [
        "jyj/2026-00001",
        "jyj/2026-00003",
        "jyj/2026-00004",
    ]


def test_the_database_refuses_duplicates(county):
    first = published(county.column)
    second = published(county.column)
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentPage.objects.filter(pk=second.pk).update(index_number=number_of(first))


def test_copies_get_their_own_number_aliases_and_translations_share_it(county):
    source = published(county.column)
    copy = CopyPageAction(source, to=county.other_column, update_attrs={"slug": "fuben"}, keep_live=True).execute()
    draft_copy = CopyPageAction(
        source, to=county.other_column, update_attrs={"slug": "caogao"}, keep_live=False
    ).execute()
    assert number_of(copy) == "jyj/2026-00002"
    assert number_of(draft_copy) is None

    # 一文多栏: an alias in another column of the organisation shows the same number.
    alias = CreatePageAliasAction(
        DocumentPage.objects.get(pk=source.pk), parent=county.other_column, update_slug="bieming"
    ).execute()
    alias = DocumentPage.objects.get(pk=alias.pk)
    assert alias.live and alias.index_number == number_of(source) and alias.index_locale_id is None

    # A translation is the same information in another language: same number.
    tibetan = Locale.objects.create(language_code="bo")
    translation = DocumentPage.objects.get(pk=source.pk).copy_for_translation(tibetan, copy_parents=True)
    assert translation.index_number is None
    translation.save_revision().publish()
    translation = DocumentPage.objects.get(pk=translation.pk)
    assert translation.live and translation.index_number == number_of(source)
    assert translation.index_locale == tibetan
    assert IndexNumberCounter.objects.get(organisation=county.org).last_serial == 2


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite writes one transaction at a time")
def test_allocation_locks_its_counter_row(county):
    """The SELECT … FOR UPDATE that keeps parallel publishes apart."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        assert allocate_index_number(county.org, 2026) == "jyj/2026-00001"
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locking) == 1 and "gk_pages_indexnumbercounter" in locking[0]


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real parallelism need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_first_publications_get_distinct_consecutive_serials(portal):
    county = build_org("测试县教育局", "jyj")
    workers = 8
    pages = [draft(county.column if n % 2 else county.other_column, title=f"并发发布{n}") for n in range(workers)]
    barrier = threading.Barrier(workers)
    errors = []

    def publish(pk):
        try:
            revision = DocumentPage.objects.get(pk=pk).get_latest_revision()
            barrier.wait(timeout=30)
            revision.publish()
        except Exception as exc:  # noqa: BLE001 — reported below with the thread's result
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(page.pk,)) for page in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    numbers = sorted(DocumentPage.objects.filter(pk__in=[p.pk for p in pages]).values_list("index_number", flat=True))
    print("parallel 索引号:", numbers)
    serials = [parse_index_number(n)[2] for n in numbers]
    assert serials == list(range(1, workers + 1))
    assert IndexNumberCounter.objects.get(organisation=county.org, year=2026).last_serial == workers
