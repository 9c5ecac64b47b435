"""Start-up checks of the reference site.

Registered under the tag STARTUP, so that they run with `gk check`, `gk migrate`
and every other command, and from gkportal.wsgi before gunicorn serves a request
(gunicorn runs no system checks itself). They are not tagged `staticfiles`:
`gk collectstatic`, which runs only those, must still run to fix what they find.
"""

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

STARTUP = "gk_startup"


@checks.register(STARTUP)
def check_static_manifest(app_configs, **kwargs):
    """gkportal.E001: in production, static files are served by their hashed names,
    read from the manifest that `gk collectstatic` writes; without it every page
    that links a stylesheet answers 500."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin) or storage.read_manifest() is not None:
        return []
    return [
        checks.Error(
            f"生产模式（GK_PRODUCTION=1）下缺少静态文件清单 {storage.path(storage.manifest_name)}，"
            "所有页面将无法显示（服务器错误 500）。",
            hint="请先运行 gk collectstatic --noinput 收集静态文件，再启动服务。",
            id="gkportal.E001",
        )
    ]


def refuse_to_start_if_misconfigured():
    """Raise ImproperlyConfigured with every start-up error (for the WSGI entry point)."""
    errors = [message for message in checks.run_checks(tags=[STARTUP]) if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(f"{error}\n  {error.hint}" for error in errors))
