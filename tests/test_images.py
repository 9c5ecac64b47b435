"""Image files (图片): original images are served to nobody; renditions only while a page
the public can see shows the image, or to staff who work with it; everyone else gets 404,
whether or not they know the file name (gk_pages.images, gk_pages.views.documents)."""

import importlib
import re
from contextlib import contextmanager
from io import BytesIO
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.files.images import ImageFile
from django.http import Http404
from django.test import RequestFactory, override_settings
from django.urls import resolve
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection, PageViewRestriction

from gk_columns.sync import EDITOR_GROUP_SUFFIX
from gk_pages.disclosure import DisclosureAttribute, NonDisclosureGround
from gk_pages.models import ColumnPage, DocumentPage, OrganisationPage
from gk_pages.views import documents as document_views
from tests.factories import entry_values, filed_catalogue, make_domain, make_org

pytestmark = pytest.mark.django_db

Image = get_image_model()
User = get_user_model()
# What a rich-text image embed of format "left" renders (Wagtail's default image formats).
EMBED_FILTER = "width-500"
WITHHELD = {
    "disclosure_attribute": DisclosureAttribute.WITHHELD,
    "non_disclosure_ground": NonDisclosureGround.PROCESS_INFORMATION,
    "non_disclosure_reason": "请示报告属于过程性信息",
}


# -- building blocks ------------------------------------------------------------------------


def publish_catalogue(name, code):
    org = make_org(name, code=code)
    domain = make_domain("义务教育", code="yiwu-jiaoyu", order=1)
    filed_catalogue(org, [entry_values(domain, "教育政策", "政策文件"), entry_values(domain, "招生入学", "招生政策")]).publish()
    columns = list(ColumnPage.objects.filter(entry__catalogue__organisation=org).order_by("entry__order"))
    collection = Collection.get_first_root_node().get_children().get(name=org.name)
    return SimpleNamespace(org=org, org_page=OrganisationPage.objects.get(organisation=org), columns=columns, collection=collection)


@pytest.fixture
def county(portal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Wagtail caches renditions by image id, and ids come back after a test's rollback.
    for cache in caches.all():
        cache.clear()
    return publish_catalogue("测试县教育局", "jyj")


def upload(title, collection):
    buffer = BytesIO()
    PILImage.new("RGB", (640, 40), (200, 30, 30)).save(buffer, "PNG")
    return Image.objects.create(title=title, collection=collection, file=ImageFile(buffer, name=f"{title}.png"))


def item(column, title, image, *, publish=True, **fields):
    """A document showing `image` in its body, published through a revision unless `publish` is False."""
    page = DocumentPage(
        title=title,
        slug=f"doc-{DocumentPage.objects.count() + 1}",
        body=f'<p>{title}</p><embed embedtype="image" id="{image.pk}" format="left" alt="{title}配图"/>',
        live=False,
        **fields,
    )
    column.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return DocumentPage.objects.get(pk=page.pk)


def rendition_url(image):
    """The URL a page's <img> points at: the rendition an editor's preview or a visitor made."""
    return image.get_rendition(EMBED_FILTER).url


def img_sources(response):
    return re.findall(r'<img[^>]*\ssrc="([^"]+)"', response.content.decode())


def statuses(client, url):
    """The status of `url` through the site's URLconf and through DEBUG's (with its media route)."""
    answers = [client.get(url).status_code]
    with development_urls():
        answers.append(client.get(url).status_code)
    return answers


# -- the public --------------------------------------------------------------------------------


def test_a_public_page_s_images_are_served_through_their_renditions(county, client):
    image = upload("招生范围示意图", county.collection)
    page = item(county.columns[0], "招生范围公告", image)

    [source] = img_sources(client.get(page.url))
    assert source.startswith("/media/images/") and source == rendition_url(image)
    # Through the site's own URLconf (production), not only DEBUG's media route.
    assert resolve(source).func is document_views.serve_rendition
    response = client.get(source)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "no-cache" in response["Cache-Control"] and "private" not in response["Cache-Control"]


def test_original_images_are_served_to_nobody(county, client, admin_client):
    image = upload("招生范围示意图", county.collection)
    item(county.columns[0], "招生范围公告", image)
    for name in (image.file.name, f"images/../{image.file.name}", f"./{image.file.name}", "original_images/"):
        with pytest.raises(Http404):
            document_views.serve_media(RequestFactory().get("/media/x"), name)
    with development_urls():
        assert client.get(image.file.url).status_code == 404
        assert admin_client.get(image.file.url).status_code == 404  # staff too: the admin shows renditions
        assert client.get(rendition_url(image)).status_code == 200


@pytest.mark.parametrize("case", ["draft", "withheld", "unpublished", "password", "retired"])
def test_renditions_of_images_only_non_public_items_show_are_not_served(county, client, case):
    image = upload(f"内部示意图{case}", county.collection)
    column = county.columns[0]
    if case == "password":
        PageViewRestriction.objects.create(page=column, restriction_type=PageViewRestriction.PASSWORD, password="x")
    page = item(column, "内部请示", image, publish=case not in {"draft", "withheld"}, **(WITHHELD if case == "withheld" else {}))
    url = rendition_url(image)  # as an editor's preview would have made it: the name is no secret
    if case == "unpublished":
        assert statuses(client, url) == [200, 200]
        page.unpublish()
    if case == "retired":
        assert statuses(client, url) == [200, 200]
        ColumnPage.objects.get(pk=column.pk).unpublish()
    assert statuses(client, url) == [404, 404]
    # Answered like a file that does not exist.
    assert statuses(client, url.replace(".png", "x.png")) == [404, 404]


def test_an_image_shown_by_a_public_page_stays_public_when_a_withheld_one_shows_it_too(county, client):
    image = upload("校区分布图", county.collection)
    item(county.columns[1], "内部请示", image, publish=False, **WITHHELD)
    assert client.get(rendition_url(image)).status_code == 404
    item(county.columns[0], "学区划分公告", image)
    assert client.get(rendition_url(image)).status_code == 200


def test_a_file_in_the_renditions_folder_without_a_rendition_is_not_served(county, client, settings):
    stray = settings.MEDIA_ROOT / "images" / "stray.png"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"png")
    assert statuses(client, "/media/images/stray.png") == [404, 404]
    assert statuses(client, "/media/images/") == [404, 404]


# -- staff ---------------------------------------------------------------------------------------


def test_staff_who_work_with_the_image_see_its_renditions(county, client, admin_client):
    township = publish_catalogue("测试县甲镇人民政府", "jiazhen")
    image = upload("内部示意图", county.collection)
    item(county.columns[0], "内部请示", image, publish=False)
    url = rendition_url(image)

    response = admin_client.get(url)
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    editor = User.objects.create_user("jyj_editor", password="x")
    editor.groups.add(Group.objects.get(name=f"{county.org.name}{EDITOR_GROUP_SUFFIX}"))
    client.force_login(editor)
    assert client.get(url).status_code == 200
    other = User.objects.create_user("jiazhen_editor", password="x")
    other.groups.add(Group.objects.get(name=f"{township.org.name}{EDITOR_GROUP_SUFFIX}"))
    client.force_login(other)
    assert client.get(url).status_code == 404


# -- cost ---------------------------------------------------------------------------------------


def test_a_rendition_costs_a_fixed_number_of_queries(county, client, django_assert_num_queries):
    """Decided per request from current data: the rendition, the pages showing its
    image, their view restrictions and the pages above them — however many pages show it."""
    image = upload("招生范围示意图", county.collection)
    item(county.columns[0], "招生范围公告", image)
    url = rendition_url(image)
    with django_assert_num_queries(QUERIES_PER_RENDITION):
        assert client.get(url).status_code == 200
    for n in range(5):
        item(county.columns[n % 2], f"转载公告{n}", image)
    with django_assert_num_queries(QUERIES_PER_RENDITION):
        assert client.get(url).status_code == 200


QUERIES_PER_RENDITION = 6


# -- URLs ----------------------------------------------------------------------------------------


@contextmanager
def development_urls():
    """The site's URLconf as DEBUG builds it (with its media route), for the block."""
    import gkportal.urls

    try:
        with override_settings(DEBUG=True):
            urls = importlib.reload(gkportal.urls)
        with override_settings(ROOT_URLCONF=urls.__name__):
            yield urls
    finally:
        importlib.reload(gkportal.urls)


def test_renditions_go_through_the_guarded_view_with_and_without_debug():
    assert resolve("/media/images/a.width-500.png").func is document_views.serve_rendition
    with development_urls() as urls:
        assert resolve("/media/images/a.width-500.png", urlconf=urls).func is document_views.serve_rendition
        assert resolve("/media/original_images/a.png", urlconf=urls).func is document_views.serve_media
