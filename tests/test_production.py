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


# -- password guessing (django-axes, gkportal.security) ---------------------------------------------


@pytest.fixture
def staff(db):
    from django.contrib.auth import get_user_model

    make = get_user_model().objects.create_superuser
    return make("jyj_editor", password="correct-horse"), make("mzj_editor", password="battery-staple")


def admin_login(client, username, password, address="10.0.0.1"):
    return client.post("/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client):
    return client.get("/admin/").status_code == 200


def test_sixth_try_with_the_right_password_is_refused(client, staff, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert admin_login(client, "jyj_editor", "guess").status_code == 200  # the form again, with an error
    assert admin_login(client, "jyj_editor", "guess").status_code == 429  # the fifth failure locks
    response = admin_login(client, "jyj_editor", "correct-horse")
    assert response.status_code == 429
    text = response.content.decode()
    assert "登录已暂时锁定" in text and "连续 5 次登录失败" in text and "30 分钟后再试" in text
    assert not logged_in(client)


def test_lockout_is_per_username_and_address(client, staff):
    for _ in range(5):
        admin_login(client, "jyj_editor", "guess")
    assert admin_login(client, "jyj_editor", "correct-horse").status_code == 429
    # The same user from another address, and another user from the same address, log in.
    assert admin_login(client, "jyj_editor", "correct-horse", address="10.0.0.2").status_code == 302
    assert logged_in(client)
    client.logout()
    assert admin_login(client, "mzj_editor", "battery-staple").status_code == 302
    assert logged_in(client)


def test_fewer_failures_than_the_limit_do_not_lock(client, staff):
    for _ in range(4):
        admin_login(client, "jyj_editor", "guess")
    assert admin_login(client, "jyj_editor", "correct-horse").status_code == 302


def test_lockout_follows_the_proxy_header_when_configured(client, staff, settings):
    settings.GK_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    for _ in range(5):
        client.post("/admin/login/", {"username": "jyj_editor", "password": "guess"}, HTTP_X_REAL_IP="203.0.113.7")
    # Behind the proxy every request has the proxy's REMOTE_ADDR; the visitor is the header.
    locked = client.post(
        "/admin/login/", {"username": "jyj_editor", "password": "correct-horse"}, HTTP_X_REAL_IP="203.0.113.7"
    )
    assert locked.status_code == 429
    other = client.post(
        "/admin/login/", {"username": "jyj_editor", "password": "correct-horse"}, HTTP_X_REAL_IP="203.0.113.8"
    )
    assert other.status_code == 302


# -- HTTPS and Content-Security-Policy -----------------------------------------------------------------


def production_settings(**env):
    """The settings module's values as it computes them in production from `env`."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, gkportal.settings as s;"
        "print(json.dumps({k: getattr(s, k, None) for k in ("
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER',"
        "'SESSION_COOKIE_SECURE')}))"
    )
    environment = {**os.environ, "GK_PRODUCTION": "1", "DJANGO_SECRET_KEY": "test-secret", **env}
    out = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_production_defaults_hsts_for_a_year_and_leaves_redirects_to_the_proxy():
    values = production_settings()
    assert values == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
    }
    values = production_settings(GK_SSL_REDIRECT="1", GK_PROXY_SSL_HEADER="HTTP_X_REAL_PROTO,https", GK_HSTS_SECONDS="600")
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_REAL_PROTO", "https"]


@pytest.mark.django_db
def test_https_headers_in_production(portal):
    from django.test import Client

    with override_settings(
        SECURE_HSTS_SECONDS=31536000,
        SECURE_SSL_REDIRECT=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    ):
        client = Client()  # the middleware reads these settings when it is loaded
        plain = client.get("/search/")
        assert plain.status_code == 301 and plain["Location"] == "https://testserver/search/"
        secure = client.get("/search/", HTTP_X_FORWARDED_PROTO="https")
        assert secure.status_code == 200
        assert secure["Strict-Transport-Security"] == "max-age=31536000"


def directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_public_pages_get_the_strict_policy_and_the_admin_a_relaxed_one(client, portal):
    public = directives(client.get(portal.url))
    assert public["script-src"] == ["'self'"] and public["style-src"] == ["'self'"]
    assert public["object-src"] == ["'none'"] and public["frame-ancestors"] == ["'self'"]
    assert directives(client.get("/search/"))["script-src"] == ["'self'"]

    admin = directives(client.get("/admin/login/"))
    assert "'unsafe-inline'" in admin["style-src"] and "'unsafe-inline'" in admin["script-src"]
    assert admin["object-src"] == ["'none'"] and admin["frame-ancestors"] == ["'self'"]
