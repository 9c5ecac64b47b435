"""Security of the reference site: login protection (django-axes) and the
Content-Security-Policy (django-csp), both configured in gkportal.settings."""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.shortcuts import render

from search.hotwords import client_address

# The visitor's address for counting failed logins (AXES_CLIENT_IP_CALLABLE): read as
# the search reads it to count queries once per visitor, from GK_CLIENT_IP_HEADER
# behind a proxy, so both follow one setting the same way.
client_ip = client_address


def lockout_response(request, original_response=None, credentials=None):
    """The page shown (HTTP 429) while a username is locked out from an address."""
    from axes.helpers import get_client_username, get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff_timedelta": cool_off,
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "gkportal/login_locked.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with two policies: the strict CONTENT_SECURITY_POLICY
    for the public site, whose templates carry no inline script or style, and the
    GK_ADMIN_CSP_DIRECTIVES replacements under GK_ADMIN_CSP_PREFIXES (Wagtail's admin
    and its previews, which use inline styles and a few inline scripts)."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(tuple(settings.GK_ADMIN_CSP_PREFIXES)):
            parts.replace = {**settings.GK_ADMIN_CSP_DIRECTIVES, **(parts.replace or {})}
        return parts
