"""热门搜索: the public sees only what staff approved; visitors' queries are
counted for staff, once per client and day, without storing addresses."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from wagtail.contrib.search_promotions.models import Query

from search import hotwords
from search.models import CountedQuery, HotWord

from .corpus import build_corpus

pytestmark = pytest.mark.django_db

SEARCH = "/search/"
API = "/search/api/"
SPAM = "请访问赌博网站xx.com"
TERMS = "/admin/search/terms/"
HOT_WORDS = "/admin/search/hot-words/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def corpus(portal, index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        corpus = build_corpus(index)
    index.refresh()
    return corpus


def soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def shown_hot_words(client, params=None):
    return [a.get_text() for a in soup(client.get(SEARCH, params or {})).select(".search-hot a")]


def hits(text):
    query = Query.objects.filter(query_string=text).first()
    return query.hits if query else 0


def test_visitors_queries_never_reach_the_public_pages(client, corpus):
    for n in range(20):
        client.get(SEARCH, {"q": SPAM}, REMOTE_ADDR=f"203.0.113.{n}")
    assert hits(SPAM.lower()) == 20  # counted, for staff

    assert shown_hot_words(client) == []
    assert SPAM not in soup(client.get(SEARCH)).get_text()
    no_results = soup(client.get(SEARCH, {"q": "义务效育"}))
    assert no_results.select_one(".search-empty") and SPAM not in no_results.get_text()
    for params in ({"q": "义务效育"}, {"q": "通知"}):
        assert SPAM not in client.get(API, params).content.decode()
    assert SPAM not in soup(client.get(corpus.org_pages["edu"].url)).get_text()
    assert SPAM not in soup(client.get("/")).get_text()


def test_staff_approved_hot_words_are_shown_in_their_order(client, corpus):
    HotWord.objects.create(text="低保", order=2)
    HotWord.objects.create(text="义务教育", order=1)
    HotWord.objects.create(text="已撤下的词", order=0, shown=False)
    assert shown_hot_words(client) == ["义务教育", "低保"]
    assert shown_hot_words(client, {"q": "义务效育"}) == ["义务教育", "低保"]
    link = soup(client.get(SEARCH)).select_one(".search-hot a")["href"]
    assert link == "/search/?q=%E4%B9%89%E5%8A%A1%E6%95%99%E8%82%B2"


def test_a_client_counts_once_a_day_and_its_address_is_not_stored(client, corpus, settings, monkeypatch):
    for _ in range(3):
        client.get(SEARCH, {"q": "  Xiaoche  "}, REMOTE_ADDR="198.51.100.7")
    assert hits("xiaoche") == 1
    client.get(SEARCH, {"q": "xiaoche"}, REMOTE_ADDR="198.51.100.8")
    assert hits("xiaoche") == 2

    # Behind the reverse proxy: its header tells visitors apart (the last address is the proxy's own entry).
    settings.GK_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    for forwarded in ("1.1.1.1, 192.0.2.10", "2.2.2.2, 192.0.2.10", "192.0.2.11"):
        client.get(SEARCH, {"q": "xiaoche"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert hits("xiaoche") == 4

    stored = repr(list(CountedQuery.objects.values()))
    for address in ("198.51.100.7", "198.51.100.8", "192.0.2.10", "192.0.2.11", "10.0.0.1"):
        assert address not in stored
    assert {len(c) for c in CountedQuery.objects.values_list("client", flat=True)} == {hotwords.CLIENT_TOKEN_LENGTH}

    # The next day the same visitor counts again, and yesterday's tokens are gone.
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    monkeypatch.setattr(hotwords.timezone, "localdate", lambda: tomorrow)
    settings.GK_CLIENT_IP_HEADER = ""
    client.get(SEARCH, {"q": "xiaoche"}, REMOTE_ADDR="198.51.100.7")
    assert hits("xiaoche") == 5
    assert set(CountedQuery.objects.values_list("day", flat=True)) == {tomorrow}


# -- the admin -------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("hotwordadmin", "h@example.com", "pw")
    client.force_login(user)
    return client


def test_staff_see_visitors_queries_and_approve_one_as_hot_word(staff_client, corpus):
    for n in range(3):
        staff_client.get(SEARCH, {"q": "低保标准"}, REMOTE_ADDR=f"203.0.113.{n}")
    staff_client.get(SEARCH, {"q": SPAM}, REMOTE_ADDR="203.0.113.9")

    terms = soup(staff_client.get(TERMS))
    rows = {row.select("td")[0].get_text(strip=True): row for row in terms.select("tbody tr")}
    assert set(rows) == {"低保标准", SPAM.lower()}
    assert rows["低保标准"].select("td")[1].get_text(strip=True) == "3"
    approve = rows["低保标准"].select_one("td a")["href"]
    assert approve.startswith(f"{HOT_WORDS}new/?text=")

    form = soup(staff_client.get(approve))
    assert form.select_one("input[name=text]")["value"] == "低保标准"
    response = staff_client.post(f"{HOT_WORDS}new/", {"text": " 低保标准 ", "shown": "on", "order": "0", "note": ""})
    assert response.status_code == 302
    assert list(HotWord.objects.values_list("text", "shown")) == [("低保标准", True)]
    assert "低保标准" in soup(staff_client.get(HOT_WORDS)).select_one("table").get_text()

    assert shown_hot_words(staff_client) == ["低保标准"]
    terms = soup(staff_client.get(TERMS))
    approved = next(r for r in terms.select("tbody tr") if r.select("td")[0].get_text(strip=True) == "低保标准")
    assert approved.select_one("td a") is None  # nothing left to approve

    response = staff_client.post(f"{HOT_WORDS}new/", {"text": "   ", "shown": "on", "order": "0"})
    assert response.status_code == 200 and "请填写搜索词" in response.content.decode()


def test_only_users_who_may_add_hot_words_see_the_statistics(client, corpus):
    user = get_user_model().objects.create_user("editor", "e@example.com", "pw")
    editors = Group.objects.create(name="仅可进入后台")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(editors)
    client.force_login(user)
    client.get(SEARCH, {"q": "某个检索词"})
    response = client.get(TERMS)
    assert response.status_code in (302, 403) and "某个检索词" not in response.content.decode()

    editors.permissions.add(Permission.objects.get(codename="add_hotword"))
    assert "某个检索词" in soup(client.get(TERMS)).get_text()
