"""Each organisation's editors reach only their own subtree."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from gk_columns.sync import EDITOR_GROUP_SUFFIX
from gk_pages.models import ColumnPage, DocumentPage, OrganisationPage
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_orgs(portal):
    edu = make_domain("义务教育", code="edu")
    a = make_org("甲镇人民政府", code="jiazhen")
    b = make_org("乙镇人民政府", code="yizhen")
    for org in (a, b):
        filed_catalogue(org, [entry_values(edu, "招生", "招生政策")]).publish()
    return a, b


def editor_of(org):
    user = get_user_model().objects.create_user(f"editor-{org.code}", password="pw")
    user.groups.add(Group.objects.get(name=f"{org.name}{EDITOR_GROUP_SUFFIX}"))
    return user


def test_group_permissions_cover_only_own_subtree(two_orgs):
    a, b = two_orgs
    editor = editor_of(a)
    own = ColumnPage.objects.get(entry__catalogue__organisation=a)
    other = ColumnPage.objects.get(entry__catalogue__organisation=b)
    assert own.permissions_for_user(editor).can_add_subpage()
    assert not other.permissions_for_user(editor).can_add_subpage()
    assert not other.permissions_for_user(editor).can_edit()
    assert not OrganisationPage.objects.get(organisation=b).permissions_for_user(editor).can_edit()


def test_editor_cannot_open_another_organisations_pages_in_admin(client, two_orgs):
    a, b = two_orgs
    client.force_login(editor_of(a))
    own = ColumnPage.objects.get(entry__catalogue__organisation=a)
    other = ColumnPage.objects.get(entry__catalogue__organisation=b)
    doc = other.add_child(instance=DocumentPage(title="乙镇通知"))

    assert client.get(f"/admin/pages/add/gk_pages/documentpage/{own.pk}/").status_code == 200
    assert client.get(f"/admin/pages/add/gk_pages/documentpage/{other.pk}/").status_code in (302, 403)
    response = client.get(f"/admin/pages/{doc.pk}/edit/")
    assert response.status_code in (302, 403)
    response = client.post(f"/admin/pages/{doc.pk}/edit/", {"title": "篡改", "slug": doc.slug})
    doc.refresh_from_db()
    assert doc.title == "乙镇通知"


def test_group_setup_is_idempotent(two_orgs):
    from gk_columns.sync import ColumnSync

    before = Group.objects.count()
    ColumnSync().apply()
    assert Group.objects.count() == before
