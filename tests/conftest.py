import pytest

from tests.factories import make_portal


@pytest.fixture
def portal(db):
    """The 信息公开专栏 home page as the default site's root."""
    return make_portal()
