"""年度评估: which 依申请公开 / 不予公开 items are due for their yearly
re-evaluation, recording one (kept or converted to 主动公开), the admin report
公开属性年度评估 with its per-item action, and `gk disclosure-review`
(gk_pages.review)."""

import csv
import datetime
import io
import json
from itertools import count
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission, PageLogEntry, Revision

from gk_pages.disclosure import DisclosureReview
from gk_pages.models import ColumnPage, DocumentPage
from gk_pages.review import anniversary, due_for_review, needs_review, record_review, review_cutoff
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)
_serial = count(1)

ATTRIBUTES = {
    "依申请公开": {
        "disclosure_attribute": "依申请公开",
        "non_disclosure_ground": "不属于主动公开范围",
        "non_disclosure_reason": "仅涉及申请人本人的审批结果",
    },
    "不予公开": {
        "disclosure_attribute": "不予公开",
        "non_disclosure_ground": "过程性信息",
        "non_disclosure_reason": "征求意见稿，尚未形成决定",
    },
    "主动公开": {"disclosure_attribute": "主动公开"},
}


def build_org(name, code):
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    org = make_org(name, code=code)
    catalogue = filed_catalogue(org, [entry_values(domain, "教育政策", "政策文件"), entry_values(domain, "招生入学", "招生政策")])
    catalogue.publish()
    column = ColumnPage.objects.filter(entry__catalogue=catalogue).order_by("entry__order").first()
    return SimpleNamespace(org=org, column=column)


@pytest.fixture
def county(portal):
    return build_org("测试县教育局", "jyj")


@pytest.fixture
def township(portal):
    return build_org("测试县甲镇人民政府", "jiazhen")


def item(column, attribute="不予公开", decided=None, title=None, **fields):
    """A draft decided `attribute` on `decided` (attribute_reviewed_on), as an editor leaves it."""
    n = next(_serial)
    page = DocumentPage(
        title=title or f"关于测试事项的请示（{n}）",
        slug=f"xinxi-{n}",
        body="<p>正文。</p>",
        live=False,
        published_date=datetime.date(2025, 3, 2),
        **ATTRIBUTES[attribute],
        **fields,
    )
    column.add_child(instance=page)
    page.save_revision()
    if decided is not None:
        DocumentPage.objects.filter(pk=page.pk).update(attribute_reviewed_on=decided)
    return DocumentPage.objects.get(pk=page.pk)


def due_ids(today=TODAY, **kwargs):
    return [row.page_id for row in due_for_review(today, **kwargs)]


def text(response):
    return response.content.decode()


# -- when an item is due -----------------------------------------------------------------------


def test_one_year_boundaries():
    assert review_cutoff(datetime.date(2026, 11, 21)) == datetime.date(2025, 11, 21)
    assert anniversary(datetime.date(2025, 11, 21)) == datetime.date(2026, 11, 21)
    # A decision of 29 February is due on 1 March; on 29 February, the 28th of last year is due.
    assert anniversary(datetime.date(2024, 2, 29)) == datetime.date(2025, 3, 1)
    assert review_cutoff(datetime.date(2028, 2, 29)) == datetime.date(2027, 2, 28)
    for day in (datetime.date(2024, 2, 29), datetime.date(2025, 3, 1), datetime.date(2025, 12, 31)):
        for decided in (day - datetime.timedelta(days=n) for n in range(360, 370)):
            assert (anniversary(decided) <= day) == (decided <= review_cutoff(day))


def test_items_are_due_on_the_same_date_a_year_later(county):
    exactly = item(county.column, decided=datetime.date(2025, 11, 21))
    day_before = item(county.column, decided=datetime.date(2025, 11, 20))
    day_after = item(county.column, decided=datetime.date(2025, 11, 22))
    recent = item(county.column, decided=datetime.date(2026, 9, 1))

    rows = {row.page_id: row for row in due_for_review(TODAY)}
    assert set(rows) == {exactly.pk, day_before.pk}
    assert rows[exactly.pk].days_overdue == 0 and rows[exactly.pk].due_on == TODAY
    assert rows[day_before.pk].days_overdue == 1
    assert list(rows) == [day_before.pk, exactly.pk]  # most overdue first
    assert day_after.pk in due_ids(TODAY + datetime.timedelta(days=1))
    assert recent.pk not in due_ids(TODAY + datetime.timedelta(days=200))


def test_both_non_public_attributes_and_only_they_are_due(county):
    on_request = item(county.column, "依申请公开", decided=datetime.date(2024, 1, 1))
    withheld = item(county.column, "不予公开", decided=datetime.date(2024, 1, 1))
    item(county.column, "主动公开", decided=datetime.date(2024, 1, 1))  # a public draft: nothing to re-evaluate
    row = next(row for row in due_for_review(TODAY) if row.page_id == on_request.pk)
    assert (row.attribute, row.ground, row.ground_reason) == ("依申请公开", "不属于主动公开范围", "仅涉及申请人本人的审批结果")
    assert row.ground_label.startswith("第十九条")
    assert sorted(due_ids()) == sorted([on_request.pk, withheld.pk])


def test_without_a_recorded_decision_the_first_revision_counts(county):
    page = item(county.column)
    DocumentPage.objects.filter(pk=page.pk).update(attribute_reviewed_on=None)
    first = page.revisions.order_by("created_at").first()
    Revision.objects.filter(pk=first.pk).update(created_at=timezone.make_aware(datetime.datetime(2025, 11, 21, 23, 30)))
    [row] = due_for_review(TODAY)
    assert (row.last_reviewed, row.last_reviewed_source, row.days_overdue) == (datetime.date(2025, 11, 21), "首次保存", 0)
    assert due_ids(TODAY - datetime.timedelta(days=1)) == []

    # Neither recorded nor revised (a row written by plain SQL): due, as never evaluated.
    DocumentPage.objects.filter(pk=page.pk).update(latest_revision=None)
    page.revisions.all().delete()
    [row] = due_for_review(TODAY)
    assert row.last_reviewed is None and row.last_reviewed_source == "未记录" and row.days_overdue is None


def test_the_latest_version_decides_not_the_row(county):
    # Drafted public, then made 不予公开 by a revision the row never saw (only code does that).
    withheld_in_draft = item(county.column, "主动公开", decided=datetime.date(2024, 5, 1), title="草稿中改为不予公开")
    content = withheld_in_draft.get_latest_revision_as_object()
    for field, value in ATTRIBUTES["不予公开"].items():
        setattr(content, field, value)
    content.save_revision()
    DocumentPage.objects.filter(pk=withheld_in_draft.pk).update(attribute_reviewed_on=datetime.date(2024, 5, 1))
    # The other way round: the row says 依申请公开, the latest version 主动公开.
    converted_in_draft = item(county.column, "依申请公开", decided=datetime.date(2024, 5, 1), title="草稿中改为主动公开")
    content = converted_in_draft.get_latest_revision_as_object()
    content.disclosure_attribute = "主动公开"
    content.non_disclosure_ground = content.non_disclosure_reason = ""
    content.save_revision()

    assert DocumentPage.objects.get(pk=withheld_in_draft.pk).disclosure_attribute == "主动公开"
    [row] = due_for_review(TODAY)
    assert row.page_id == withheld_in_draft.pk and row.attribute == "不予公开" and row.ground == "过程性信息"


def test_live_documents_are_never_listed(county):
    live = item(county.column, "主动公开", decided=datetime.date(2024, 1, 1))
    live.get_latest_revision().publish()
    assert due_ids() == []


def test_organisation_and_scope_filters(county, township):
    ours = item(county.column, decided=datetime.date(2024, 1, 1))
    theirs = item(township.column, decided=datetime.date(2024, 1, 1))
    assert due_ids(organisation=county.org) == [ours.pk]
    assert due_ids(organisation=township.org) == [theirs.pk]
    assert due_ids(within=DocumentPage.objects.filter(pk=theirs.pk)) == [theirs.pk]


def test_the_report_costs_a_fixed_number_of_queries(county, township):
    item(county.column, decided=datetime.date(2024, 1, 1))
    with CaptureQueriesContext(connection) as few:
        due_for_review(TODAY)
    for column in (county.column, township.column) * 3:
        page = item(column, "依申请公开", decided=datetime.date(2024, 2, 1))
        record_review(page, user=None, outcome="kept", reason="依据仍然成立", today=datetime.date(2024, 3, 1))
    with CaptureQueriesContext(connection) as many:
        rows = due_for_review(TODAY)
    assert len(rows) == 7
    assert len(many) == len(few)


# -- recording an evaluation ---------------------------------------------------------------------


def test_keeping_the_attribute_records_who_when_why(county, admin_user):
    page = item(county.column, decided=datetime.date(2025, 1, 10))
    revisions = page.revisions.count()
    before = timezone.now()
    review = record_review(page, user=admin_user, outcome="kept", reason="仍属过程性信息，决定尚未作出", today=TODAY)

    assert (review.reviewed_by, review.outcome, review.reason) == (admin_user, "kept", "仍属过程性信息，决定尚未作出")
    assert (review.attribute_before, review.attribute_after) == ("不予公开", "不予公开")
    assert review.reviewed_at >= before
    page = DocumentPage.objects.get(pk=page.pk)
    assert page.attribute_reviewed_on == TODAY and page.revisions.count() == revisions
    # Kept across versions: publishing or reverting never resets the date.
    assert page.get_latest_revision_as_object().attribute_reviewed_on == TODAY
    entry = PageLogEntry.objects.get(page=page, action="gk.disclosure_review")
    assert entry.user == admin_user and entry.data["reason"] == "仍属过程性信息，决定尚未作出"
    assert due_ids() == [] and due_ids(anniversary(TODAY)) == [page.pk]


def test_converting_makes_the_item_publishable_without_publishing_it(county, admin_user, client):
    page = item(county.column, "依申请公开", decided=datetime.date(2025, 1, 10))
    assert not page.is_publishable
    review = record_review(page, user=admin_user, outcome="converted", reason="审批已办结，结果可向社会公开", today=TODAY)

    assert (review.attribute_before, review.attribute_after) == ("依申请公开", "主动公开")
    page = DocumentPage.objects.get(pk=page.pk)
    assert not page.live and page.first_published_at is None and page.index_number is None
    content = page.get_latest_revision_as_object()
    assert content.disclosure_attribute == "主动公开"
    assert (content.non_disclosure_ground, content.non_disclosure_reason) == ("", "")
    assert content.is_publishable
    assert page.disclosure_attribute == "主动公开"  # a page that is not live follows its draft, as in the editor
    assert client.get(page.url).status_code == 404
    # The audit trail: the attribute change with its reason, and the evaluation.
    change = PageLogEntry.objects.filter(page=page, action="gk.disclosure_attribute_change").latest("timestamp")
    assert (change.data["old"], change.data["new"], change.data["reason"]) == (
        "依申请公开",
        "主动公开",
        "年度评估：审批已办结，结果可向社会公开",
    )
    assert change.user == admin_user and change.revision_id == page.latest_revision_id
    entry = PageLogEntry.objects.get(page=page, action="gk.disclosure_review")
    assert entry.data["outcome"] == "converted" and entry.revision_id == page.latest_revision_id
    assert due_ids(datetime.date(2030, 1, 1)) == []  # no longer a non-public item

    # It goes live only when someone publishes it.
    page.get_latest_revision().publish()
    assert client.get(DocumentPage.objects.get(pk=page.pk).url).status_code == 200


def test_what_cannot_be_recorded(county, admin_user):
    page = item(county.column)
    with pytest.raises(ValidationError, match="请填写评估理由"):
        record_review(page, user=admin_user, outcome="kept", reason="   ")
    with pytest.raises(ValidationError, match="请选择评估结论"):
        record_review(page, user=admin_user, outcome="publish", reason="x")
    public = item(county.column, "主动公开")
    with pytest.raises(ValidationError, match="只有依申请公开、不予公开的信息需要年度评估"):
        record_review(public, user=admin_user, outcome="kept", reason="x")
    public.get_latest_revision().publish()
    with pytest.raises(ValidationError, match="已发布"):
        record_review(public, user=admin_user, outcome="kept", reason="x")
    assert not DisclosureReview.objects.exists()


# -- the admin ---------------------------------------------------------------------------------------


@pytest.fixture
def editor(county, django_user_model):
    """An editor of the county's column (change rights there only)."""
    group = Group.objects.create(name="测试县教育局编辑")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page"):
        GroupPagePermission.objects.create(group=group, page=county.column, permission=Permission.objects.get(codename=codename))
    user = django_user_model.objects.create_user("jyj_bianji", password="pw", first_name="张", last_name="编辑")
    user.groups.add(group)
    return user


def test_the_action_view_records_who_when_and_why(county, editor, client):
    page = item(county.column, decided=datetime.date(2025, 1, 10), title="关于2025年教师职称评审推荐人选的请示")
    client.force_login(editor)
    url = reverse("gk_disclosure_review:review", args=[page.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    assert [i["value"] for i in html.select("input[name=outcome]")] == ["kept", "converted"]
    assert "尚无年度评估记录" in html.get_text()

    response = client.post(url, {"outcome": "kept", "reason": ""})
    assert response.status_code == 200 and not DisclosureReview.objects.exists()

    response = client.post(url, {"outcome": "kept", "reason": "推荐人选仍在审核中", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    review = DisclosureReview.objects.get(page=page)
    assert review.reviewed_by == editor and review.reason == "推荐人选仍在审核中"
    assert DocumentPage.objects.get(pk=page.pk).attribute_reviewed_on == timezone.localdate()

    history = BeautifulSoup(client.get(url).content, "html.parser").get_text()
    assert "推荐人选仍在审核中" in history and "维持原公开属性" in history
    # An unsafe `next` is not followed.
    response = client.post(url, {"outcome": "converted", "reason": "已作出决定，可以公开", "next": "https://example.com/"})
    assert response["Location"] == reverse("gk_disclosure_review:report")
    assert DocumentPage.objects.get(pk=page.pk).get_latest_revision_as_object().disclosure_attribute == "主动公开"
    assert not DocumentPage.objects.get(pk=page.pk).live

    # Converted: nothing left to evaluate; the view says so and refuses another record.
    assert "不需要年度评估" in text(client.get(url))
    assert client.post(url, {"outcome": "kept", "reason": "x"}).status_code in (302, 403)
    assert DisclosureReview.objects.filter(page=page).count() == 2

    history = text(client.get(reverse("wagtailadmin_pages:history", args=[page.pk])))
    assert "年度评估：维持“不予公开”" in history and "年度评估：由“不予公开”转为“主动公开”（待发布）" in history


def test_the_action_view_needs_edit_rights_on_the_page(county, township, editor, client, django_user_model):
    elsewhere = item(township.column, decided=datetime.date(2025, 1, 10))
    client.force_login(editor)
    url = reverse("gk_disclosure_review:review", args=[elsewhere.pk])
    assert client.get(url).status_code in (302, 403)
    response = client.post(url, {"outcome": "converted", "reason": "x"})
    assert response.status_code in (302, 403) and not DisclosureReview.objects.exists()
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")
    assert DocumentPage.objects.get(pk=elsewhere.pk).get_latest_revision_as_object().disclosure_attribute == "不予公开"
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_report_lists_due_items_for_whoever_may_edit_them(county, township, editor, client, admin_client):
    ours = item(county.column, "依申请公开", decided=datetime.date(2024, 6, 1), title="本局到期的依申请公开信息")
    item(township.column, decided=datetime.date(2024, 6, 1), title="他处到期的不予公开信息")
    item(county.column, decided=timezone.localdate(), title="本局新认定的信息")
    url = reverse("gk_disclosure_review:report")

    body = text(admin_client.get(url))
    assert "本局到期的依申请公开信息" in body and "他处到期的不予公开信息" in body and "本局新认定的信息" not in body
    assert reverse("gk_disclosure_review:review", args=[ours.pk]) in body
    assert "他处到期" not in text(admin_client.get(url, {"attribute": "依申请公开"}))
    assert "他处到期" not in text(admin_client.get(url, {"organisation": county.org.pk}))
    assert "本局新认定的信息" in text(admin_client.get(url, {"today": "2040-01-01"}))

    export = admin_client.get(url, {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode().lstrip("\ufeff"))))
    assert rows[0][:4] == ["信息名称", "发布机构", "公开属性", "依据"] and len(rows) == 3

    client.force_login(editor)
    body = text(client.get(url))
    assert "本局到期的依申请公开信息" in body and "他处到期" not in body


def test_the_report_is_refused_to_users_without_page_rights(county, client, django_user_model):
    item(county.column, decided=datetime.date(2024, 6, 1), title="到期信息")
    url = reverse("gk_disclosure_review:report")
    assert client.get(url)["Location"].startswith(reverse("wagtailadmin_login"))
    user = django_user_model.objects.create_user("kanke", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert "到期信息" not in text(client.get(url, follow=True))


def test_buttons_lead_to_the_action_from_the_editor_and_the_listing(county, admin_client):
    page = item(county.column, decided=datetime.date(2025, 1, 10))
    public = item(county.column, "主动公开")
    action = reverse("gk_disclosure_review:review", args=[page.pk])
    assert action in text(admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])))
    assert reverse("gk_disclosure_review:review", args=[public.pk]) not in text(
        admin_client.get(reverse("wagtailadmin_pages:edit", args=[public.pk]))
    )
    listing = text(admin_client.get(reverse("wagtailadmin_explore", args=[county.column.pk])))
    assert action in listing
    assert reverse("gk_disclosure_review:review", args=[public.pk]) not in listing
    assert needs_review(page) and not needs_review(public)


# -- the command ----------------------------------------------------------------------------------


def test_command_formats(county, township, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://gk.example.gov.cn"
    ours = item(county.column, "依申请公开", decided=datetime.date(2025, 10, 1), title="本局依申请公开信息")
    theirs = item(township.column, decided=datetime.date(2024, 10, 1), title="甲镇不予公开信息")

    out = io.StringIO()
    call_command("disclosure_review", "--today", "2026-11-21", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "公开属性年度评估：核查日期 2026-11-21，应评估 2 条。"
    assert lines[2].split()[:3] == ["信息名称", "发布机构", "公开属性"]
    assert lines[4].startswith("甲镇不予公开信息") and lines[5].startswith("本局依申请公开信息")

    out = io.StringIO()
    call_command("disclosure_review", "--today", "2026-11-21", "--format", "json", "--org", "jyj", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["count"] == 1 and payload["organisation"] == "jyj"
    [row] = payload["items"]
    assert row["page_id"] == ours.pk and row["attribute"] == "依申请公开" and row["days_overdue"] == 51
    assert row["review_url"] == f"https://gk.example.gov.cn/admin/reports/disclosure-review/{ours.pk}/"

    out = io.StringIO()
    call_command("disclosure_review", "--today", "2026-11-21", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert out.getvalue().startswith("\ufeff")
    assert [r[0] for r in rows[1:]] == [theirs.title, ours.title]

    out = io.StringIO()
    call_command("disclosure_review", "--today", "2025-01-01", stdout=out)
    assert "应评估 0 条" in out.getvalue()
    with pytest.raises(CommandError, match="未找到公开主体"):
        call_command("disclosure_review", "--org", "none", stdout=io.StringIO())
    with pytest.raises(CommandError, match="日期格式应为"):
        call_command("disclosure_review", "--today", "yesterday", stdout=io.StringIO())
