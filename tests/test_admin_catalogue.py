"""The catalogue in the Wagtail admin: listings, forms and the filing workflow."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from gk_columns.models import Catalogue, CatalogueEntry, Organisation
from gk_pages.models import ColumnPage
from tests.factories import entry_values, make_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def setup(portal):
    edu = make_domain("义务教育", code="edu")
    org = make_org("测试县教育局", code="jyj")
    return edu, org


@pytest.mark.parametrize(
    "name",
    ["gk_domain", "gk_standard_item", "gk_organisation", "gk_catalogue", "gk_catalogue_entry", "gk_calendar_day"],
)
def test_listing_and_add_form_render(admin_client, setup, name):
    assert admin_client.get(reverse(f"{name}:index")).status_code == 200
    assert admin_client.get(reverse(f"{name}:add")).status_code == 200


def test_listing_search_filter_and_export(admin_client, setup):
    response = admin_client.get(reverse("gk_organisation:index"), {"q": "教育"})
    assert "测试县教育局" in response.content.decode()
    response = admin_client.get(reverse("gk_organisation:index"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_organisation_form_validates_credit_code(admin_client, setup):
    response = admin_client.post(
        reverse("gk_organisation:add"),
        {"name": "某某乡人民政府", "kind": "township", "credit_code": "11370000MB0000000X", "code": "mmx", "order": 0},
    )
    assert response.status_code == 200
    assert "校验码错误" in response.content.decode()
    assert not Organisation.objects.filter(code="mmx").exists()


def test_new_version_copies_current_entries(admin_client, setup):
    edu, org = setup
    v1 = make_catalogue(org, [entry_values(edu, "招生", "招生政策")], status=Catalogue.Status.FILED)
    v1.publish()
    response = admin_client.post(reverse("gk_catalogue:add"), {"organisation": org.pk, "note": "年度更新", "copy_current": "on"})
    assert response.status_code == 302
    v2 = Catalogue.objects.get(organisation=org, version=2)
    assert v2.status == Catalogue.Status.DRAFT
    assert list(v2.entries.values_list("lineage", flat=True)) == list(v1.entries.values_list("lineage", flat=True))


def test_entry_form_uses_tick_boxes_and_refuses_edits_after_submission(admin_client, setup):
    edu, org = setup
    catalogue = make_catalogue(org, [entry_values(edu, "招生", "招生政策")])
    entry = catalogue.entries.get()
    url = reverse("gk_catalogue_entry:edit", args=[entry.pk])
    page = admin_client.get(url).content.decode()
    assert 'type="checkbox" name="channels" value="政府网站"' in page

    data = {
        "catalogue": catalogue.pk,
        "domain": edu.pk,
        "item_l1": "招生",
        "item_l2": "招生入学政策",
        "content": "招生范围",
        "time_limit": "实时公开",
        "channels": ["政府网站", "两微一端"],
        "audience": ["全社会"],
        "mode": ["主动"],
        "level": ["县级"],
        "order": 1,
    }
    assert admin_client.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert entry.item_l2 == "招生入学政策" and entry.channels == ["政府网站", "两微一端"]
    assert entry.time_limit_rule["text"] == "实时公开"

    catalogue.submit()
    data["item_l2"] = "再次修改"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "不能修改事项" in response.content.decode()
    entry.refresh_from_db()
    assert entry.item_l2 == "招生入学政策"


def test_workflow_through_admin_previews_and_applies_sync(admin_client, setup):
    edu, org = setup
    catalogue = make_catalogue(org, [entry_values(edu, "招生", "招生政策"), entry_values(edu, "招生", "划片范围")])
    inspect = admin_client.get(reverse("gk_catalogue:inspect", args=[catalogue.pk])).content.decode()
    assert "提交备案" in inspect and "划片范围" in inspect

    assert admin_client.post(reverse("gk_catalogue:action", args=[catalogue.pk, "submit"])).status_code == 302
    response = admin_client.post(reverse("gk_catalogue:action", args=[catalogue.pk, "return"]), {"reason": ""})
    assert "必须填写原因" in response.content.decode()
    admin_client.post(reverse("gk_catalogue:action", args=[catalogue.pk, "file"]), {"filing_number": "备〔2026〕1号"})
    catalogue.refresh_from_db()
    assert catalogue.status == Catalogue.Status.FILED and catalogue.filing_number == "备〔2026〕1号"

    preview = admin_client.get(reverse("gk_catalogue:action", args=[catalogue.pk, "publish"])).content.decode()
    assert "新建" in preview and "招生政策" in preview
    assert ColumnPage.objects.count() == 0  # previewing writes nothing

    admin_client.post(reverse("gk_catalogue:action", args=[catalogue.pk, "publish"]))
    catalogue.refresh_from_db()
    assert catalogue.status == Catalogue.Status.PUBLISHED
    assert sorted(ColumnPage.objects.values_list("title", flat=True)) == ["划片范围", "招生政策"]


def test_workflow_steps_need_their_permissions(client, setup):
    edu, org = setup
    catalogue = make_catalogue(org, [entry_values(edu, "招生", "招生政策")], status=Catalogue.Status.FILED)
    user = get_user_model().objects.create_user("clerk", password="pw")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.post(reverse("gk_catalogue:action", args=[catalogue.pk, "publish"]))
    assert response.status_code in (302, 403)
    catalogue.refresh_from_db()
    assert catalogue.status == Catalogue.Status.FILED


def test_diff_view(admin_client, setup):
    edu, org = setup
    v1 = make_catalogue(org, [entry_values(edu, "招生", "招生政策")], status=Catalogue.Status.FILED)
    v1.publish()
    v2 = Catalogue.new_draft(org)
    CatalogueEntry.objects.create(catalogue=v2, **entry_values(edu, "学生资助", "资助名单"))
    page = admin_client.get(reverse("gk_catalogue:diff", args=[v2.pk])).content.decode()
    assert "新增事项" in page and "资助名单" in page
