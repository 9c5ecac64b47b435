import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gkportal.settings")
application = get_wsgi_application()

# Refuse to serve with a configuration that would answer every request with 500
# (gunicorn runs no system checks of its own).
from gkportal.checks import refuse_to_start_if_misconfigured  # noqa: E402 — needs the apps loaded

refuse_to_start_if_misconfigured()
