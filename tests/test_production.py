"""Production mode of the reference site: start-up checks."""

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from gkportal.checks import check_static_manifest, refuse_to_start_if_misconfigured

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture
def production_static(tmp_path):
    with override_settings(PRODUCTION=True, STORAGES=MANIFEST_STORAGE, STATIC_ROOT=tmp_path):
        yield tmp_path


def test_production_without_collected_static_refuses_to_start(production_static):
    [error] = check_static_manifest(None)
    assert error.id == "gkportal.E001"
    assert str(production_static / "staticfiles.json") in error.msg and "gk collectstatic" in error.hint
    # Every command, and the WSGI entry point, stop before serving 500s.
    with pytest.raises(SystemCheckError, match="gkportal.E001"):
        call_command("check")
    with pytest.raises(ImproperlyConfigured, match="gk collectstatic"):
        refuse_to_start_if_misconfigured()


def test_collectstatic_is_not_blocked_by_the_check_it_asks_for(production_static):
    from django.contrib.staticfiles.management.commands.collectstatic import Command

    assert Command.requires_system_checks == [checks.Tags.staticfiles]
    assert [m.id for m in checks.run_checks(tags=Command.requires_system_checks) if m.is_serious()] == []


def test_collected_static_passes(production_static):
    (production_static / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": "x"}')
    assert check_static_manifest(None) == []
    refuse_to_start_if_misconfigured()


def test_development_needs_no_manifest(tmp_path):
    with override_settings(PRODUCTION=False, STATIC_ROOT=tmp_path):
        assert check_static_manifest(None) == []
