from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "search"
    verbose_name = "站内搜索"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import serializers, signals  # noqa: F401 - registers page serializers and signal receivers
