"""热门搜索: what the public is shown, and how visitors' queries are counted.

The public list is `hot_words()`: only HotWord entries staff wrote or approved
(admin: 站内搜索 → 热门搜索词). Visitors' queries are counted in Wagtail's query
log (wagtail.contrib.search_promotions: Query, QueryDailyHits) for staff
alone — 检索词统计 in the admin lists them as suggestions to approve — and a
client counts once per query per day, whatever it repeats: the client is a
keyed hash of its address and the day (`client_token`), never the address.

Behind a reverse proxy the address is the proxy's unless
settings.GK_CLIENT_IP_HEADER names the request header in which the proxy
passes the visitor's address (e.g. "HTTP_X_REAL_IP"; for "HTTP_X_FORWARDED_FOR"
the last address, the one the proxy added, is taken). Set it only when every
request passes that proxy, or visitors could choose their address.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from wagtail.contrib.search_promotions.models import Query
from wagtail.search.utils import normalise_query_string

from .models import CountedQuery, HotWord

logger = logging.getLogger(__name__)

HOT_WORD_COUNT = 10
CLIENT_TOKEN_LENGTH = 32


def hot_words(limit=HOT_WORD_COUNT):
    """The hot words shown to the public: staff-approved entries, in their order."""
    return list(HotWord.objects.shown().values_list("text", flat=True)[:limit])


def client_address(request):
    """The visitor's address: the reverse proxy's header named by GK_CLIENT_IP_HEADER
    (its last entry, the one the proxy added) when set, else REMOTE_ADDR. Also the
    address django-axes counts failed logins by (gkportal.security.client_ip)."""
    header = getattr(settings, "GK_CLIENT_IP_HEADER", "")
    if header:
        address = request.META.get(header, "").split(",")[-1].strip()
        if address:
            return address
    return request.META.get("REMOTE_ADDR", "")


def client_token(request, day):
    """A keyed hash (SECRET_KEY) of the client's address and `day`: the same
    client on the same day gives the same token; the address cannot be read
    back, nor tokens of two days linked."""
    value = f"{day.isoformat()}|{client_address(request)}"
    return salted_hmac("search.hotwords.client", value, algorithm="sha256").hexdigest()[:CLIENT_TOKEN_LENGTH]


def log_query(q, request):
    """Count the search in the query log, once per client and day. The log is
    a by-product: a database hiccup here must not cost the answer."""
    if not q:
        return
    day = timezone.localdate()
    query_string = normalise_query_string(q)
    try:
        with transaction.atomic():
            if CountedQuery.objects.count_once(query_string, client_token(request, day), day):
                Query.get(query_string).add_hit(date=day)
        _forget_earlier_days(day)
    except DatabaseError:
        logger.warning("无法记录检索词", exc_info=True)


def _forget_earlier_days(day):
    # Tokens of earlier days can match nothing any more; once a day is enough.
    try:
        first = cache.add(f"gk-search:counted-queries-purged:{day.isoformat()}", True, timeout=24 * 3600)
    except Exception:  # noqa: BLE001 — any cache backend's failure: purge now rather than never
        first = True
    if first:
        CountedQuery.objects.filter(day__lt=day).delete()
