from django.apps import AppConfig


class GkPortalConfig(AppConfig):
    name = "gkportal"
    verbose_name = "政务公开门户"
