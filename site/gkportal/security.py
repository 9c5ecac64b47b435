"""Login protection of the reference site (django-axes, configured in settings)."""

from django.conf import settings
from django.shortcuts import render


def client_ip(request):
    """The visitor's address for counting failed logins: the reverse proxy's header
    named by GK_CLIENT_IP_HEADER (its last entry, the one the proxy added) when set,
    else REMOTE_ADDR."""
    header = getattr(settings, "GK_CLIENT_IP_HEADER", "")
    if header:
        address = request.META.get(header, "").split(",")[-1].strip()
        if address:
            return address
    return request.META.get("REMOTE_ADDR", "")


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
