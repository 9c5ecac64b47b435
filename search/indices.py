"""Index names and lifecycle: one alias per locale over versioned concrete indices.

    alias      <prefix>-<language code>                  gk-zh-hans
    concrete   <prefix>-<language code>-<20-digit time>   gk-zh-hans-20261121083015123456

The portal reads and writes through the alias. A rebuild creates a new concrete
index, loads it, and moves the alias in one `_aliases` call; while it loads,
changes are written to both (see `write_targets`). A concrete index without the
alias is "building" for BUILD_MAX_AGE after its name's time, and an orphan
(left by a rebuild that died) after that: orphans receive nothing and the
next rebuild deletes them.
"""

import datetime
import re

from django.conf import settings
from django.utils import timezone

from .client import BULK_TIMEOUT, get_client
from .documents import index_body

BUILD_MAX_AGE = datetime.timedelta(hours=6)
STAMP_FORMAT = "%Y%m%d%H%M%S%f"


def prefix():
    return settings.GK_SEARCH_INDEX_PREFIX


def alias_name(language_code):
    """The alias the portal searches for a locale: gk-zh-hans."""
    return f"{prefix()}-{language_code.lower()}"


def all_aliases_pattern():
    return f"{prefix()}-*"


def new_index_name(language_code, now=None):
    now = now or timezone.now()
    return f"{alias_name(language_code)}-{now.astimezone(datetime.UTC).strftime(STAMP_FORMAT)}"


def parse_index_name(name):
    """(language_code, created) for a concrete index of this prefix, else None."""
    match = re.fullmatch(rf"{re.escape(prefix())}-(?P<code>.+)-(?P<stamp>\d{{20}})", name)
    if not match:
        return None
    created = datetime.datetime.strptime(match["stamp"], STAMP_FORMAT).replace(tzinfo=datetime.UTC)
    return match["code"], created


def smartcn_available(client=None):
    """Whether the cluster has the smartcn_tokenizer (official analysis-smartcn
    plugin, or search/es/plugin on the local node)."""
    client = client or get_client()
    try:
        client.indices.analyze(tokenizer="smartcn_tokenizer", text="测试")
    except Exception:  # noqa: BLE001 — any failure means no
        return False
    return True


def layout(client=None):
    """What exists for this prefix: {language_code: {"alias": name, "live": [concrete
    indices behind the alias], "building": [...], "orphans": [...]}}."""
    client = client or get_client()
    found = client.indices.get_alias(index=all_aliases_pattern(), expand_wildcards="open")
    now = timezone.now()
    result = {}
    for name, info in sorted(found.body.items() if hasattr(found, "body") else found.items()):
        parsed = parse_index_name(name)
        if parsed is None:
            continue
        code, created = parsed
        alias = alias_name(code)
        entry = result.setdefault(code, {"alias": alias, "live": [], "building": [], "orphans": []})
        if alias in info.get("aliases", {}):
            entry["live"].append(name)
        elif now - created < BUILD_MAX_AGE:
            entry["building"].append(name)
        else:
            entry["orphans"].append(name)
    return result


def write_targets(client=None, current=None):
    """{language_code: [names to write a document to]}: the alias, plus any index
    being built, so that a change made during a rebuild reaches the new index too."""
    current = current if current is not None else layout(client)
    targets = {}
    for code, entry in current.items():
        names = [entry["alias"]] if entry["live"] else []
        targets[code] = names + entry["building"]
    return targets


def create_index(language_code, *, client=None, alias=False, bulk_loading=False, meta=None):
    """Create a new concrete index for a locale and return its name. With
    alias=True the alias is attached in the same request (first index of a locale)."""
    client = client or get_client()
    # meta["synonyms"]: the fingerprint of the synonym rules the documents are
    # expanded with (index_status compares it with the current rules).
    meta = meta or {}
    name = new_index_name(language_code)
    extra = {"refresh_interval": "-1"} if bulk_loading else {}
    extra.update(getattr(settings, "GK_SEARCH_INDEX_SETTINGS", {}))
    body = index_body(
        name,
        smartcn=smartcn_available(client),
        meta={"locale": language_code, "created": timezone.now().isoformat(), **meta},
        shards=getattr(settings, "GK_SEARCH_SHARDS", 1),
        replicas=getattr(settings, "GK_SEARCH_REPLICAS", 0),
        extra_settings=extra,
    )
    if alias:
        body["aliases"] = {alias_name(language_code): {"is_write_index": True}}
    client.options(request_timeout=BULK_TIMEOUT).indices.create(index=name, **body)
    return name


def ensure_alias(language_code, client=None, meta=None):
    """The alias for a locale, creating an empty index behind it if there is none."""
    client = client or get_client()
    alias = alias_name(language_code)
    if not client.indices.exists_alias(name=alias):
        create_index(language_code, client=client, alias=True, meta=meta)
    return alias


def swap_alias(language_code, new_index, client=None):
    """Point the locale's alias at `new_index` only, atomically. Returns the
    indices the alias left."""
    client = client or get_client()
    alias = alias_name(language_code)
    old = []
    if client.indices.exists_alias(name=alias):
        old = sorted(client.indices.get_alias(name=alias).body)
    actions = [{"remove": {"index": name, "alias": alias}} for name in old if name != new_index]
    actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
    client.indices.update_aliases(actions=actions)
    return [name for name in old if name != new_index]


def delete_indices(names, client=None):
    client = client or get_client()
    for name in names:
        # Explicit names only: clusters refuse wildcard deletes by default, and
        # a pattern could reach another prefix's indices.
        client.indices.delete(index=name, ignore_unavailable=True)


def drop_prefix(client=None):
    """Delete every index of the current prefix (tests, `search-index drop`)."""
    client = client or get_client()
    found = client.indices.get_alias(index=all_aliases_pattern(), expand_wildcards="all")
    names = [n for n in found.body if parse_index_name(n) is not None]
    delete_indices(names, client)
    return names
