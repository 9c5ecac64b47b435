from django.apps import AppConfig


class GkPagesConfig(AppConfig):
    name = "gk_pages"
    verbose_name = "公开页面"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401 — registers the system checks
