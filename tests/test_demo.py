"""`gk setup-demo` builds the demo county that `make run` serves, idempotently."""

import datetime
import io

import pytest
from django.core.management import call_command

from gk_columns.coverage import compute_coverage
from gk_columns.models import Catalogue, Organisation
from gk_columns.sync import ColumnSync
from gk_pages.models import ColumnPage, DocumentPage

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)


def test_demo_region_is_realistic_and_idempotent(demo_county):

    kinds = {kind: Organisation.objects.filter(kind=kind).count() for kind, _ in Organisation.Kind.choices}
    assert kinds["county"] == 1
    assert kinds["department"] >= 15
    assert kinds["township"] >= 8
    assert kinds["village"] >= 3
    assert DocumentPage.objects.live().count() >= 300
    assert Catalogue.objects.filter(status=Catalogue.Status.PUBLISHED).count() == Organisation.objects.count()
    assert Catalogue.objects.filter(status=Catalogue.Status.SUBMITTED).exists()  # one version awaits filing

    totals = compute_coverage(today=TODAY).as_dict()["totals"]
    assert totals["required"] == totals["with_column"] > 0
    assert totals["fresh"] > 0 and totals["stale"] > 0
    assert totals["with_content"] < totals["live_column"]  # some columns are empty
    assert totals["orphans"] >= 1  # a retired column whose content is kept
    assert ColumnPage.objects.filter(retired=True, numchild__gt=0).exists()

    counts = (Organisation.objects.count(), ColumnPage.objects.count(), DocumentPage.objects.count())
    call_command("setup_demo", today=TODAY, stdout=io.StringIO())
    assert (Organisation.objects.count(), ColumnPage.objects.count(), DocumentPage.objects.count()) == counts
    assert not ColumnSync().plan()
