"""Editors maintain synonyms in the Wagtail admin."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from search.models import PendingIndexChange, SynonymSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("searchadmin", "a@example.com", "pw")
    client.force_login(user)
    return client


def test_synonym_sets_are_created_with_their_rules(admin_client):
    response = admin_client.get("/admin/search/synonyms/")
    assert response.status_code == 200
    assert "同义词组" in response.content.decode()

    data = nested_form_data(
        {
            "name": "社会救助简称",
            "enabled": "on",
            "note": "重建索引后生效",
            "synonyms": inline_formset([{"terms": "低保，最低生活保障"}, {"terms": "五保 => 特困人员供养"}]),
        }
    )
    response = admin_client.post("/admin/search/synonyms/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    synonym_set = SynonymSet.objects.get(name="社会救助简称")
    rules = [s.terms for s in synonym_set.synonyms.order_by("sort_order")]
    assert rules == ["低保，最低生活保障", "五保 => 特困人员供养"]

    listing = admin_client.get("/admin/search/synonyms/").content.decode()
    assert "社会救助简称" in listing and "规则数" in listing


def test_invalid_rules_are_refused_with_a_chinese_message(admin_client):
    data = nested_form_data({"name": "错误示例", "synonyms": inline_formset([{"terms": "低保"}])})
    response = admin_client.post("/admin/search/synonyms/new/", data)
    assert response.status_code == 200
    assert "至少要有两个词" in response.content.decode()
    assert not SynonymSet.objects.exists()


def test_pending_changes_are_visible_to_staff(admin_client):
    PendingIndexChange.objects.create(page_id=42, action="index", attempts=2, last_error="ConnectionError: 拒绝连接")
    page = admin_client.get("/admin/search/pending/").content.decode()
    assert "待同步的索引变更" in page and "拒绝连接" in page
