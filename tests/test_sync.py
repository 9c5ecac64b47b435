"""Column sync: the one-column-per-proactive-item invariant."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from gk_columns.models import Catalogue
from gk_columns.sync import ColumnSync
from gk_columns.vocab import Mode
from gk_pages.models import ColumnPage, DocumentPage, DomainPage, OrganisationPage
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def edu():
    return make_domain("义务教育", code="edu", order=1)


@pytest.fixture
def aid():
    return make_domain("社会救助", code="aid", order=2)


@pytest.fixture
def org(portal):
    return make_org("测试县教育局", code="jyj")


def publish_catalogue(org, entries):
    catalogue = filed_catalogue(org, entries)
    catalogue.publish()
    return catalogue


def test_publishing_creates_one_column_per_proactive_entry(org, edu, portal):
    publish_catalogue(
        org,
        [
            entry_values(edu, "义务教育招生", "招生政策"),
            entry_values(edu, "义务教育招生", "招生结果"),
            entry_values(edu, "学校概况", "办学情况", mode=[Mode.ON_REQUEST.value]),
            entry_values(edu, "学校概况", "校车", not_applicable=True, not_applicable_reason="本县无校车"),
        ],
    )
    org_page = OrganisationPage.objects.get(organisation=org)
    assert org_page.get_parent().specific == portal
    columns = ColumnPage.objects.child_of(DomainPage.objects.get(organisation=org, domain=edu))
    assert sorted(c.title for c in columns) == ["招生政策", "招生结果"]
    assert all(c.live for c in columns)
    assert ColumnSync().plan().as_dict() == {"create": [], "update": [], "retire": []}


def test_sync_is_idempotent_and_dry_run_writes_nothing(org, edu):
    catalogue = filed_catalogue(org, [entry_values(edu, "招生", "招生政策")])
    catalogue.publish(sync=False)
    out = []
    call_command("sync_columns", "--dry-run", "--format", "json", stdout=_Collect(out))
    planned = json.loads("".join(out))
    assert [item["title"] for item in planned["create"] if item["type"] == "column"] == ["招生政策"]
    assert ColumnPage.objects.count() == 0

    out.clear()
    call_command("sync_columns", "--format", "json", stdout=_Collect(out))
    assert ColumnPage.objects.count() == 1
    out.clear()
    call_command("sync_columns", "--format", "json", stdout=_Collect(out))
    assert json.loads("".join(out)) == {"create": [], "update": [], "retire": []}


def test_new_version_renames_moves_and_retires(org, edu, aid):
    v1 = publish_catalogue(
        org,
        [
            entry_values(edu, "招生", "招生政策"),
            entry_values(edu, "招生", "划片范围"),
            entry_values(edu, "学生资助", "资助政策"),
        ],
    )
    policy = ColumnPage.objects.get(title="招生政策")
    doc = policy.add_child(instance=DocumentPage(title="2026年招生工作方案", body="<p>方案</p>"))
    zoning = ColumnPage.objects.get(title="划片范围")
    zoning_doc = zoning.add_child(instance=DocumentPage(title="学区划分", body="<p>划分</p>"))

    v2 = Catalogue.new_draft(org, copy_from=v1)
    v2.entries.filter(item_l2="招生政策").update(item_l2="招生入学政策")
    v2.entries.filter(item_l2="资助政策").update(domain=aid)
    v2.entries.filter(item_l2="划片范围").delete()
    v2.submit()
    v2.file()
    plan = v2.publish()

    assert {u["title"]: set(u["changes"]) for u in plan.update} == {
        "招生入学政策": {"entry", "title"},
        "资助政策": {"entry", "domain"},
    }
    assert [r["title"] for r in plan.retire] == ["划片范围"]

    policy.refresh_from_db()
    assert policy.title == "招生入学政策" and policy.live
    assert policy.entry.catalogue == v2
    assert doc.get_parent().pk == policy.pk  # content stays with the column

    moved = ColumnPage.objects.get(title="资助政策")
    assert moved.get_parent().specific.domain == aid

    zoning.refresh_from_db()
    assert zoning.retired and not zoning.live and zoning.retired_at
    assert DocumentPage.objects.filter(pk=zoning_doc.pk).exists()  # retired, never deleted

    assert not ColumnSync().plan()
    v1.refresh_from_db()
    assert v1.status == Catalogue.Status.SUPERSEDED


def test_entry_coming_back_restores_retired_column(org, edu):
    v1 = publish_catalogue(org, [entry_values(edu, "招生", "招生政策"), entry_values(edu, "招生", "划片范围")])
    v2 = Catalogue.new_draft(org, copy_from=v1)
    removed = v2.entries.get(item_l2="划片范围")
    lineage = removed.lineage
    removed.delete()
    v2.status = Catalogue.Status.FILED
    v2.save()
    v2.publish()
    column = ColumnPage.objects.get(title="划片范围")
    assert column.retired

    v3 = Catalogue.new_draft(org, copy_from=v1)
    assert v3.entries.filter(lineage=lineage).exists()
    v3.status = Catalogue.Status.FILED
    v3.save()
    plan = v3.publish()
    assert [u["changes"].get("restore") for u in plan.update if u["title"] == "划片范围"] == [True]
    column.refresh_from_db()
    assert column.live and not column.retired
    assert ColumnPage.objects.filter(title="划片范围").count() == 1


def test_retired_column_cannot_be_republished_by_hand(org, edu):
    v1 = publish_catalogue(org, [entry_values(edu, "招生", "招生政策")])
    v2 = Catalogue.new_draft(org, copy_from=v1)
    v2.entries.all().delete()
    v2.entries.create(**entry_values(edu, "招生", "其他事项"))
    v2.status = Catalogue.Status.FILED
    v2.save()
    v2.publish()
    column = ColumnPage.objects.get(title="招生政策")
    assert column.retired
    with pytest.raises(ValidationError, match="栏目已撤销"):
        column.save_revision().publish()
    column.refresh_from_db()
    assert not column.live


def test_one_column_per_entry_is_a_database_constraint(org, edu):
    publish_catalogue(org, [entry_values(edu, "招生", "招生政策"), entry_values(edu, "招生", "划片范围")])
    first, second = ColumnPage.objects.order_by("path")
    # The model refuses it with a readable message …
    with pytest.raises(ValidationError):
        first.get_parent().add_child(instance=ColumnPage(title="重复", slug="dup", entry=first.entry, locale=first.locale))
    # … and the database refuses it even when the model is bypassed.
    with pytest.raises(IntegrityError), transaction.atomic():
        ColumnPage.objects.filter(pk=second.pk).update(entry=first.entry)


def test_catalogue_workflow_refuses_out_of_order_steps(org, edu):
    catalogue = filed_catalogue(org, [entry_values(edu, "招生", "招生政策")])
    with pytest.raises(ValidationError, match="不能执行“提交”"):
        catalogue.submit()
    with pytest.raises(ValidationError, match="必须填写原因"):
        catalogue.return_for_changes("")
    catalogue.return_for_changes("缺少公开依据")
    assert catalogue.status == Catalogue.Status.RETURNED
    catalogue.submit()
    catalogue.file(filing_number="备〔2026〕3号")
    catalogue.publish()
    assert catalogue.status == Catalogue.Status.PUBLISHED and catalogue.published_at


def test_not_applicable_needs_a_reason_in_the_database(org, edu):
    catalogue = filed_catalogue(org, [])
    with pytest.raises(IntegrityError), transaction.atomic():
        catalogue.entries.create(**entry_values(edu, "校车", not_applicable=True, not_applicable_reason=""))


def test_diff_between_versions_is_readable(org, edu):
    v1 = publish_catalogue(org, [entry_values(edu, "招生", "招生政策"), entry_values(edu, "招生", "划片范围")])
    v2 = Catalogue.new_draft(org, copy_from=v1)
    v2.entries.filter(item_l2="招生政策").update(time_limit="实时公开")
    v2.entries.filter(item_l2="划片范围").delete()
    v2.entries.create(**entry_values(edu, "学生资助", "资助名单"))
    diff = v2.diff(v1)
    assert diff["added"] == ["义务教育｜学生资助｜资助名单"]
    assert diff["removed"] == ["义务教育｜招生｜划片范围"]
    assert diff["changed"] == [
        {
            "title": "义务教育｜招生｜招生政策",
            "changes": {"time_limit": ("信息形成或者变更之日起20个工作日内", "实时公开")},
        }
    ]


class _Collect:
    def __init__(self, sink):
        self.sink = sink

    def write(self, text):
        self.sink.append(text)

    def flush(self):
        pass
