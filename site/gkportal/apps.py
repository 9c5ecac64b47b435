from django.apps import AppConfig


class GkPortalConfig(AppConfig):
    name = "gkportal"
    verbose_name = "政务公开门户"

    def ready(self):
        from . import checks  # noqa: F401 — registers the start-up checks
