from django.apps import AppConfig


class GkColumnsConfig(AppConfig):
    name = "gk_columns"
    verbose_name = "公开目录"
    default_auto_field = "django.db.models.BigAutoField"
