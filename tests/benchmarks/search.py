"""Search benchmark: `run(args)` after tests.benchmarks has set Django up on
the benchmark database, or on its own:

    python -m tests.benchmarks.search [--quick] [--search-docs 100000] [--search-rounds 20] [--keep-search-index]

Measured side by side in one run:
  * rebuild throughput through the real path, search.indexing.rebuild(), over
    the benchmark pages in the database (documents/s; --quick stops after a
    sample of them);
  * a corpus of --search-docs documents (default 100,000; --quick 5,000) of
    realistic Chinese text made from the fixtures' vocabulary (standard
    catalogue items, their content and legal basis, the demo region's
    organisations, 文号 such as 示政办发〔2025〕12号), generated as index
    documents (the serializers' output) and bulk-loaded into an alias of its
    own — benchmark pages are too few and too alike for search timings;
  * p50/p95 of /search/api/ through django.test.Client for a fixed mix of
    queries (plain, 文号, pinyin, two-level 二次搜索, with filters), pointed at
    that alias;
  * p50/p95 of the raw Elasticsearch requests that view sends (recorded from
    the view, replayed with the same client: the floor);
  * p50/p95 of Wagtail's own Elasticsearch backend answering the same plain
    queries through Page.objects.search() over the benchmark pages (its own
    index, filled with `update_index`).

Targets: the view's p95 within 1.5× the raw requests' p95, and below Wagtail's backend.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FULL_DOCS = 100_000
QUICK_DOCS = 5_000
QUICK_REBUILD_SAMPLE = 5_000
CORPUS_VERSION = 1
REBUILD_PREFIX = "gkbench"
CORPUS_PREFIX = "gkbenchq"
WAGTAIL_BACKEND = "gkbench_wagtail"
WAGTAIL_INDEX_PREFIX = "gkbenchwt_"
TARGET_RATIO = 1.5


def add_arguments(parser):
    """The options run() reads (each has a default, so run() works without them)."""
    parser.add_argument("--quick", action="store_true", help="小规模：5000 条语料、重建抽样 5000 页")
    parser.add_argument("--search-docs", type=int, default=None, help="检索语料条数（默认 100000）")
    parser.add_argument("--search-rounds", type=int, default=None, help="每个查询测量的轮数（默认 20，--quick 为 5）")
    parser.add_argument("--keep-search-index", action="store_true", help="保留检索语料索引，下次运行直接复用")
    parser.add_argument("--skip-rebuild-measure", action="store_true", help="不测重建吞吐（调试检索时用）")


def _option(args, name, default):
    value = getattr(args, name, None)
    return default if value is None else value


# -- corpus ------------------------------------------------------------------------------------

# 主题分类 of the State Council's 政府信息公开 theme classification, by domain.
TOPICS = {
    "yiwu-jiaoyu": "科技、教育",
    "shehui-jiuzhu": "民政、扶贫、救灾",
    "shehui-baoxian": "劳动、人事、监察",
    "shenong-butie": "农业、林业、水利",
    "zhongda-jianshe-xiangmu": "国民经济管理、国有资产监管",
    "nongcun-weifang-gaizao": "城乡建设、环境保护",
    "fangwu-zhengshou": "城乡建设、环境保护",
    "huji-guanli": "公安、安全、司法",
    "chengshi-zonghe-zhifa": "城乡建设、环境保护",
    "gonggong-wenhua-fuwu": "文化、广电、新闻出版",
    "anquan-shengchan": "市场监管、安全生产监管",
    "shizheng-fuwu": "城乡建设、环境保护",
    "gonggong-falv-fuwu": "公安、安全、司法",
}
GENRES = ["通知", "通知", "通知", "公告", "通告", "意见", "决定", "报告", "批复", "函", "方案", "办法"]
LEADS = ["关于做好", "关于开展", "关于印发", "关于进一步加强", "关于公布", "关于调整", ""]
TAILS = ["工作", "管理", "有关事项", "实施方案", "情况", "结果"]
SENTENCES = [
    "各乡镇人民政府、街道办事处，县直各有关部门：",
    "为深入贯彻落实{basis}，进一步做好{item}工作，结合我县实际，现将有关事项{genre}如下。",
    "一、{item_l1}。{content}",
    "二、各单位要高度重视，加强组织领导，明确责任分工，确保{item}各项工作落到实处。",
    "三、{org}负责本{genre}的解释，联系电话：0530-{phone}。",
    "请于{year}年{month}月{day}日前将{item}有关情况书面报送{org}。",
    "本{genre}自印发之日起施行，有效期五年。",
    "{org}将会同有关部门加强监督检查，对工作推进不力的单位予以通报。",
    "特此{genre}。",
]


def load_vocabulary():
    """Domains, standard items and organisations from the repository's fixtures."""
    from gk_columns.fixtures import CATALOGUE_DIR, FIXTURES_DIR

    domains = {d["code"]: d["name"] for d in json.loads((FIXTURES_DIR / "domains.json").read_text(encoding="utf-8"))}
    items = {}
    for path in sorted(CATALOGUE_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        items[data["domain"]] = [
            {k: " ".join(str(item.get(k, "")).split()) for k in ("item_l1", "item_l2", "content", "basis")}
            for item in data["items"]
        ]
    region = json.loads((FIXTURES_DIR / "demo_region.json").read_text(encoding="utf-8"))
    organisations = []
    for n, org in enumerate(region["organisations"], start=1):
        own = [code for code, name in domains.items() if name in org.get("domains", []) and code in items]
        short = org.get("short_name") or org["name"]
        # 示政办发, 示教体发 …: the county's one-character abbreviation, the office's, 发.
        abbreviation = "示" + short.removeprefix("县").removesuffix("局").removesuffix("办公室")[:2] + "发"
        organisations.append(
            {"id": n, "code": org["code"], "name": org["name"], "domains": own or sorted(items), "prefix": abbreviation}
        )
    return domains, items, organisations


def generate_corpus(size, seed=20261121):
    """`size` index documents (dicts as search.indexing.document_for makes them)."""
    from search.analysis import (
        completion_inputs,
        normalise_doc_number,
        normalise_index_number,
        pinyin_suffix_tokens,
        title_pinyin,
    )

    rng = random.Random(seed)
    domains, items, organisations = load_vocabulary()
    domain_ids = {code: n for n, code in enumerate(sorted(domains), start=1)}
    columns = {}
    serials = {}
    today = datetime.date(2026, 11, 21)
    now = datetime.datetime(2026, 11, 21, 8, 0, tzinfo=datetime.UTC).isoformat()

    def column_of(org, domain, item):
        key = (org["id"], domain, item["item_l2"] or item["item_l1"])
        if key not in columns:
            columns[key] = {"id": 1_000_000 + len(columns), "title": key[2]}
        return columns[key]

    for n in range(1, size + 1):
        org = rng.choice(organisations)
        domain = rng.choice(org["domains"])
        item = rng.choice(items[domain])
        column = column_of(org, domain, item)
        published = today - datetime.timedelta(days=int(rng.triangular(0, 2500, 200)))
        genre = rng.choice(GENRES)
        topic_item = item["item_l2"] or item["item_l1"]
        title = f"{rng.choice(LEADS)}{published.year}年{topic_item}{rng.choice(TAILS)}的{genre}"
        if rng.random() < 0.15:
            title = f"{org['name']}{title}"
        doc_number = ""
        if genre in ("通知", "意见", "决定", "办法", "方案", "批复") and rng.random() < 0.6:
            serial = serials[(org["prefix"], published.year)] = serials.get((org["prefix"], published.year), 0) + 1
            doc_number = f"{org['prefix']}〔{published.year}〕{serial}号"
        values = {
            "basis": item["basis"] or "《中华人民共和国政府信息公开条例》",
            "item": topic_item,
            "item_l1": item["item_l1"],
            "content": item["content"] or topic_item,
            "genre": genre,
            "org": org["name"],
            "phone": f"{rng.randint(1000000, 9999999)}",
            "year": published.year,
            "month": rng.randint(1, 12),
            "day": rng.randint(1, 28),
        }
        body = "".join(s.format(**values) for s in rng.sample(SENTENCES, rng.randint(4, len(SENTENCES))))
        syllables, initials = pinyin = title_pinyin(title)
        index_number = f"{org['code']}/{published.year}-{n:05d}"
        normative = genre in ("办法", "意见", "决定") and rng.random() < 0.5
        yield {
            "page_id": n,
            "page_type": "document",
            "page_type_label": "公开信息",
            "title": title,
            "title_pinyin": pinyin_suffix_tokens(syllables),
            "title_initials": pinyin_suffix_tokens(initials),
            "body": body,
            "synonyms": [],
            "doc_number": normalise_doc_number(doc_number),
            "doc_number_display": doc_number,
            "index_number": normalise_index_number(index_number),
            "organisation": {"id": org["id"], "name": org["name"], "code": org["code"]},
            "domain": {"id": domain_ids[domain], "code": domain, "name": domains[domain]},
            "column": column,
            "doc_type": genre,
            "topic": TOPICS.get(domain, "综合政务"),
            "validity": rng.choice(["失效", "废止", "已修改"]) if normative and rng.random() < 0.2 else ("有效" if normative else ""),
            "disclosure_attribute": "主动公开",
            "published_date": published.isoformat(),
            "written_date": (published - datetime.timedelta(days=rng.randint(0, 10))).isoformat(),
            "year": published.year,
            "first_published_at": now,
            "last_published_at": now,
            "tags": [],
            "locale": "zh-hans",
            "url": f"/xxgk/{org['code']}/{domain}/c{column['id']}/d{n}/",
            "path": f"0001{n:016d}",
            "ancestor_ids": [org["id"] + 500_000, column["id"]],
            "suggest": {"input": completion_inputs(title, doc_number, pinyin)},
            "indexed_at": now,
        }


# -- helpers --------------------------------------------------------------------------------------


@contextmanager
def prefix(name):
    from django.test import override_settings

    with override_settings(GK_SEARCH_INDEX_PREFIX=name):
        yield


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def ms(seconds):
    return seconds * 1000


class EnoughSampled(Exception):
    """Stops a rebuild once the sample is measured (--quick)."""


# -- 1. rebuild through the real path --------------------------------------------------------------------


def measure_rebuild(args, out):
    from search import indices
    from search.indexing import candidate_queryset, rebuild

    quick = _option(args, "quick", False)
    with prefix(REBUILD_PREFIX):
        total = candidate_queryset().count()
        state = {"start": None, "done": 0, "indexed": 0, "last": 0}
        limit = QUICK_REBUILD_SAMPLE if quick else None

        def progress(code, done, total_pages, indexed):
            if state["start"] is None:
                state["start"] = time.perf_counter()
            state["done"], state["indexed"] = done, indexed
            if total_pages and done - state["last"] >= max(1, total_pages // 10):
                state["last"] = done
                out.write(f"  重建进度 {done}/{total_pages}\n")
                out.flush()
            if limit and indexed >= limit:
                raise EnoughSampled

        started = time.perf_counter()
        try:
            results = rebuild(progress=progress)
            seconds = time.perf_counter() - started
            documents = sum(r.documents for r in results)
            sampled = False
        except EnoughSampled:
            seconds = time.perf_counter() - started
            documents = state["indexed"]
            sampled = True
        finally:
            indices.drop_prefix()
    return {"pages": total, "documents": documents, "seconds": seconds, "rate": documents / seconds, "sampled": sampled}


# -- 2. the corpus ------------------------------------------------------------------------------------------


def load_corpus(size, out, keep):
    """The bench alias with `size` generated documents (reused when it is already there)."""
    from django.conf import settings
    from elasticsearch import helpers

    from search import indices
    from search.client import BULK_TIMEOUT, get_client
    from search.indices import alias_name

    client = get_client()
    marker = f"v{CORPUS_VERSION}:{size}"
    with prefix(CORPUS_PREFIX):
        alias = alias_name(settings.LANGUAGE_CODE)
        if keep and client.indices.exists_alias(name=alias):
            mapping = client.indices.get_mapping(index=alias).body
            meta = next(iter(mapping.values()))["mappings"].get("_meta", {}).get("gk", {})
            if meta.get("bench") == marker and client.count(index=alias)["count"] == size:
                out.write(f"  复用已有语料索引 {alias}（{size} 条）\n")
                return alias, None
        indices.drop_prefix(client)
        name = indices.create_index(settings.LANGUAGE_CODE, client=client, bulk_loading=True, meta={"bench": marker})
        started = time.perf_counter()
        actions = ({"_index": name, "_id": str(d["page_id"]), "_source": d} for d in generate_corpus(size))
        loaded = 0
        for ok, _ in helpers.parallel_bulk(
            client.options(request_timeout=BULK_TIMEOUT), actions, chunk_size=1000, thread_count=2, raise_on_error=True
        ):
            loaded += ok
            if loaded % 20000 == 0:
                out.write(f"  语料写入 {loaded}/{size}\n")
                out.flush()
        client.indices.put_settings(index=name, settings={"index": {"refresh_interval": None}})
        client.indices.refresh(index=name)
        client.options(request_timeout=BULK_TIMEOUT).indices.forcemerge(index=name, max_num_segments=5)
        indices.swap_alias(settings.LANGUAGE_CODE, name, client)
        seconds = time.perf_counter() - started
        return alias, {"documents": loaded, "seconds": seconds, "rate": loaded / seconds}


def query_mix(alias):
    """The fixed mix: (category, label, params), with 文号 and organisations taken
    from the corpus so that they exist."""
    from search.client import get_client

    client = get_client()
    numbers = client.search(
        index=alias,
        query={"bool": {"filter": [{"prefix": {"doc_number": "示政办发"}}]}},
        sort=[{"page_id": "asc"}],
        size=3,
        source=["doc_number_display"],
    )["hits"]["hits"]
    numbers = [h["_source"]["doc_number_display"] for h in numbers]
    orgs = client.search(index=alias, size=0, aggs={"o": {"terms": {"field": "organisation.id", "size": 3}}})
    org_ids = [b["key"] for b in orgs["aggregations"]["o"]["buckets"]]
    variants = [
        lambda s: s,
        lambda s: s.replace("〔", "[").replace("〕", "]"),
        lambda s: s.replace("〔", "（").replace("〕", "）").replace("号", " 号"),
    ]
    plain = ["义务教育", "最低生活保障", "安全生产", "危房改造", "行政处罚", "工伤保险", "户口登记", "补助"]
    mix = [("普通", q, {"q": q}) for q in plain]
    mix += [("文号", v(n), {"q": v(n)}) for n, v in zip(numbers, variants, strict=False)]
    mix += [("拼音", q, {"q": q}) for q in ("yiwujiaoyu", "ywjy", "weifanggaizao", "wfgz")]
    mix += [
        ("二次搜索", "通知 ⊂ 义务教育 ⊂ 2025", {"q": "通知", "within": ["义务教育", "2025"]}),
        ("二次搜索", "公示 ⊂ 补助 ⊂ 资金", {"q": "公示", "within": ["补助", "资金"]}),
        ("二次搜索", "办法 ⊂ 安全 ⊂ 管理", {"q": "办法", "within": ["安全", "管理"]}),
    ]
    mix += [
        ("带筛选", "补助 + 机构", {"q": "补助", "org": org_ids[:1]}),
        ("带筛选", "教育 + 文种 + 2025年", {"q": "教育", "doctype": "通知", "from": "2025-01-01", "to": "2025-12-31"}),
        ("带筛选", "救助 + 领域 + 有效", {"q": "救助", "domain": "shehui-jiuzhu", "validity": "有效"}),
        ("带筛选", "按日期 + 两个机构", {"q": "管理", "org": org_ids[:2], "sort": "date"}),
    ]
    return mix, plain


# -- 3. view vs raw requests --------------------------------------------------------------------------------


def record_requests(client, params):
    """The Elasticsearch calls one API request makes: [(method, kwargs)]."""
    import search.query as query

    calls = []
    original = query._call

    def recording(method, **kwargs):
        calls.append((method, kwargs))
        return original(method, **kwargs)

    query._call = recording
    try:
        response = client.get("/search/api/", params)
    finally:
        query._call = original
    assert response.status_code == 200, response.content[:500]
    return calls, response.json()


def measure(alias, mix, plain, rounds, wagtail_search, cold):
    """Interleaved rounds: each query through the view, then its recorded raw
    requests, then (plain queries) Wagtail's backend — so that the noise of a
    shared machine falls on all three alike. With `cold`, Elasticsearch's
    shard request cache is emptied before each timed call (the facets request
    is otherwise answered from it when a query repeats)."""
    from django.test import Client

    from search.client import get_client
    from search.query import search_client

    client = Client()
    es = search_client()
    admin = get_client()

    def clear():
        if cold:
            admin.indices.clear_cache(index=f"{alias},{WAGTAIL_INDEX_PREFIX}*", request=True)

    recorded = {}
    with prefix(CORPUS_PREFIX):
        for _, label, params in mix:
            calls, data = record_requests(client, params)
            if data["degraded"]:
                raise RuntimeError(f"视图进入了降级模式：{label}")
            recorded[label] = calls
        for q in plain:
            wagtail_search(q)
        view, raw = {label: [] for _, label, _ in mix}, {label: [] for _, label, _ in mix}
        wagtail = {q: [] for q in plain}
        totals = {}
        def through_view(label, params):
            start = time.perf_counter()
            response = client.get("/search/api/", params)
            view[label].append(time.perf_counter() - start)
            totals[label] = response.json()["total"]

        def raw_requests(label, params):
            start = time.perf_counter()
            for method, kwargs in recorded[label]:
                getattr(es, method)(index=alias, **kwargs)
            raw[label].append(time.perf_counter() - start)

        def through_wagtail(label, params):
            if label in wagtail:
                start = time.perf_counter()
                wagtail_search(label)
                wagtail[label].append(time.perf_counter() - start)

        for n in range(rounds):
            # Every other round in reverse order: no one goes first every time.
            steps = (through_view, raw_requests, through_wagtail)
            for _, label, params in mix:
                for step in steps if n % 2 == 0 else reversed(steps):
                    clear()
                    step(label, params)
    return view, raw, wagtail, totals, {label: len(calls) for label, calls in recorded.items()}


# -- 4. Wagtail's own Elasticsearch backend -----------------------------------------------------------------


def wagtail_backend_class():
    """Wagtail's Elasticsearch 8 backend with analysis the local node can run.

    Its stock index settings define `ngram`/`edge_ngram` tokenizers and
    `asciifolding`/`ngram`/`edge_ngram` filters, which come from the
    analysis-common module that the integ-test-zip node lacks (index creation
    fails with "Unknown tokenizer type [ngram]"). Only the autocomplete
    analyzers use them; full-text search fields use the standard analyzer,
    which this keeps."""
    from wagtail.search.backends.elasticsearch8 import Elasticsearch8SearchBackend

    class LocalNodeElasticsearch8Backend(Elasticsearch8SearchBackend):
        settings = {
            "settings": {
                "analysis": {
                    "analyzer": {
                        "ngram_analyzer": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]},
                        "edgengram_analyzer": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]},
                    }
                }
            }
        }

    return LocalNodeElasticsearch8Backend


def stock_wagtail_backend_error(url):
    """What the stock backend says when it creates its index on this node, or None."""
    from wagtail.models import Page
    from wagtail.search.backends.elasticsearch8 import Elasticsearch8SearchBackend

    backend = Elasticsearch8SearchBackend({"URLS": [url], "INDEX_PREFIX": WAGTAIL_INDEX_PREFIX + "stock_"})
    index = backend.get_index_for_model(Page)
    try:
        index.put()
    except Exception as exc:  # noqa: BLE001 — reported as the failed step
        return f"{type(exc).__name__}: {exc}"
    finally:
        drop_wagtail_indices()
    return None


@contextmanager
def wagtail_backend(sample=None):
    """Wagtail's Elasticsearch backend configured next to the default one, its
    index filled with `update_index` (--quick: the first `sample` pages through
    the backend's own bulk path). Yields (search function, pages, seconds)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings
    from wagtail.models import Page
    from wagtail.search.backends import get_search_backend

    # A dotted path get_search_backend can import: the class is made on demand.
    sys.modules[__name__].LocalNodeElasticsearch8Backend = wagtail_backend_class()
    backends = {
        **settings.WAGTAILSEARCH_BACKENDS,
        WAGTAIL_BACKEND: {
            "BACKEND": f"{__name__}.LocalNodeElasticsearch8Backend",
            "URLS": [settings.ELASTICSEARCH_URL],
            "INDEX_PREFIX": WAGTAIL_INDEX_PREFIX,
            "AUTO_UPDATE": False,
            "TIMEOUT": 120,
        },
    }
    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        started = time.perf_counter()
        if sample:
            backend = get_search_backend(WAGTAIL_BACKEND)
            index = backend.get_index_for_model(Page)
            index.delete()
            index.put()
            by_model = {}
            for page in Page.objects.live().specific().order_by("pk")[:sample]:
                by_model.setdefault(type(page), []).append(page)
            for model, chunk in by_model.items():
                index.add_model(model)
                index.add_items(model, chunk)
            index.refresh()
            loaded = sum(len(chunk) for chunk in by_model.values())
        else:
            call_command("update_index", backend_name=WAGTAIL_BACKEND, verbosity=0, stdout=open(os.devnull, "w"))
            loaded = Page.objects.count()
        seconds = time.perf_counter() - started

        def search(q):
            return list(Page.objects.live().search(q, backend=WAGTAIL_BACKEND)[:10])

        try:
            yield search, loaded, seconds
        finally:
            drop_wagtail_indices()


def drop_wagtail_indices():
    """Delete the benchmark backend's indices by name (its atomic rebuild puts
    an alias over a concrete index, and clusters refuse wildcard deletes)."""
    from search.client import get_client

    client = get_client()
    for name in client.indices.get(index=f"{WAGTAIL_INDEX_PREFIX}*", expand_wildcards="all").body:
        client.indices.delete(index=name, ignore_unavailable=True)


# -- report --------------------------------------------------------------------------------------------------


def run(args, out=None):
    """Run the search benchmark and print it. Returns 0 when both targets are met, else 1."""
    from django.conf import settings

    from search.client import get_client, is_available

    out = out or sys.stdout
    quick = _option(args, "quick", False)
    size = _option(args, "search_docs", QUICK_DOCS if quick else FULL_DOCS)
    rounds = _option(args, "search_rounds", 5 if quick else 20)
    keep = _option(args, "keep_search_index", False)
    if not is_available(timeout=5):
        out.write(f"\n站内搜索基准：Elasticsearch 不可用（{settings.ELASTICSEARCH_URL}），先运行 make es。\n")
        return 1

    out.write("\n站内搜索\n")
    rebuild = None if _option(args, "skip_rebuild_measure", False) else measure_rebuild(args, out)
    alias, load = load_corpus(size, out, keep)
    mix, plain = query_mix(alias)
    stock_error = stock_wagtail_backend_error(settings.ELASTICSEARCH_URL)
    with wagtail_backend(sample=QUICK_REBUILD_SAMPLE if quick else None) as (wagtail_search, wagtail_pages, wagtail_seconds):
        found = {q: len(wagtail_search(q)) for q in plain}
        runs = {
            mode: measure(alias, mix, plain, rounds, wagtail_search, cold=(mode == "冷"))
            for mode in ("冷", "热")
        }
    if not keep:
        with prefix(CORPUS_PREFIX):
            from search import indices

            indices.drop_prefix(get_client())

    if rebuild:
        note = f"（抽样前 {rebuild['documents']} 条后停止）" if rebuild["sampled"] else ""
        out.write(
            f"\n重建索引（search.indexing.rebuild，数据库中可索引页面 {rebuild['pages']} 个）{note}\n"
            f"  写入 {rebuild['documents']} 条，用时 {rebuild['seconds']:.1f} s，吞吐 {rebuild['rate']:.0f} 条/秒\n"
        )
    if load:
        out.write(f"检索语料：{load['documents']} 条，批量写入 {load['seconds']:.1f} s（{load['rate']:.0f} 条/秒）\n")
    else:
        out.write(f"检索语料：{size} 条（复用）\n")
    out.write(
        f"Wagtail 自带 Elasticsearch 后端：{wagtail_pages} 个页面，update_index 用时 {wagtail_seconds:.1f} s\n"
    )
    if stock_error:
        out.write(
            f"  原版后端在本地节点上建索引失败：{stock_error[:200]}\n"
            "  改用同一后端、仅把自动补全分析器换成标准分词的子类测量（全文字段本来就用标准分词）。\n"
        )
    met = True
    for mode, (view, raw, wagtail_times, totals, request_counts) in runs.items():
        title = "冷：每次计时前清空 Elasticsearch 请求缓存" if mode == "冷" else "热：同一查询重复，分面请求可由请求缓存作答"
        met &= report(out, title, mix, plain, rounds, view, raw, wagtail_times, totals, request_counts, found)
    return 0 if met else 1


def report(out, title, mix, plain, rounds, view, raw, wagtail_times, totals, request_counts, found):
    out.write(f"\n/search/api/、其发出的 Elasticsearch 请求与 Wagtail 后端（{title}；每个查询 {rounds} 轮，毫秒）\n")
    out.write(f"  {'类别':<8}{'查询':<22}{'命中':>8}{'请求数':>6}{'视图p50':>9}{'视图p95':>9}{'原始p50':>9}{'原始p95':>9}{'p95之比':>8}\n")
    by_category = {}
    for category, label, _ in mix:
        v, r = view[label], raw[label]
        by_category.setdefault(category, ([], []))
        by_category[category][0].extend(v)
        by_category[category][1].extend(r)
        ratio = percentile(v, 95) / percentile(r, 95)
        out.write(
            f"  {category:<6}{label[:16]:<18}{totals[label]:>10}{request_counts[label]:>8}"
            f"{ms(percentile(v, 50)):>11.1f}{ms(percentile(v, 95)):>9.1f}"
            f"{ms(percentile(r, 50)):>9.1f}{ms(percentile(r, 95)):>9.1f}{ratio:>9.2f}\n"
        )
    all_view, all_raw = [], []
    for category, (v, r) in by_category.items():
        all_view += v
        all_raw += r
        out.write(
            f"  {'（' + category + '）':<26}{ms(percentile(v, 50)):>31.1f}{ms(percentile(v, 95)):>9.1f}"
            f"{ms(percentile(r, 50)):>9.1f}{ms(percentile(r, 95)):>9.1f}{percentile(v, 95) / percentile(r, 95):>9.2f}\n"
        )
    view_p95, raw_p95 = percentile(all_view, 95), percentile(all_raw, 95)
    out.write(
        f"  {'（全部）':<26}{ms(percentile(all_view, 50)):>31.1f}{ms(view_p95):>9.1f}"
        f"{ms(percentile(all_raw, 50)):>9.1f}{ms(raw_p95):>9.1f}{view_p95 / raw_p95:>9.2f}\n"
    )
    plain_view = [t for q in plain for t in view[q]]
    wt = [t for q in plain for t in wagtail_times[q]]
    out.write(f"  普通查询：{'':<10}{'p50':>8}{'p95':>8}\n")
    out.write(f"    Wagtail 后端（Page.objects.search）{ms(percentile(wt, 50)):>8.1f}{ms(percentile(wt, 95)):>8.1f}\n")
    out.write(f"    本项目 /search/api/          {ms(percentile(plain_view, 50)):>8.1f}{ms(percentile(plain_view, 95)):>8.1f}\n")
    out.write(f"    Wagtail 后端前10条的条数：{'，'.join(f'{q} {n}' for q, n in found.items())}\n")
    within_target = view_p95 <= TARGET_RATIO * raw_p95
    below_wagtail = percentile(plain_view, 95) < percentile(wt, 95)
    out.write(
        f"  目标：视图 p95 ≤ {TARGET_RATIO} × 原始请求 p95：{'达到' if within_target else '未达到'}"
        f"（{view_p95 / raw_p95:.2f}×）；普通查询视图 p95 低于 Wagtail 后端：{'达到' if below_wagtail else '未达到'}"
        f"（{ms(percentile(plain_view, 95)):.1f} ms 对 {ms(percentile(wt, 95)):.1f} ms）\n"
    )
    return within_target and below_wagtail




# -- on its own ---------------------------------------------------------------------------------------------


def _standalone(argv=None):
    """Set Django up on a benchmark database of its own (var/bench-search), built
    with gkportal.benchdata when missing, then run()."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.search")
    add_arguments(parser)
    parser.add_argument("--documents", type=int, default=None, help="基准页面中的公开信息条数（默认 60000，--quick 为 3000）")
    parser.add_argument("--rebuild", action="store_true", help="丢弃缓存的基准数据库")
    args = parser.parse_args(argv)
    documents = args.documents or (3000 if args.quick else 60000)
    orgs, entries = (20, 20) if args.quick else (300, 200)
    data_dir = ROOT / "var" / "bench-search"
    marker = data_dir / "params.json"
    params = {"orgs": orgs, "entries": entries, "documents": documents, "version": 1}
    fresh = args.rebuild or not marker.exists() or json.loads(marker.read_text()) != params
    if fresh and data_dir.exists():
        import shutil

        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["GK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gkportal.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command
        from wagtail.models import Site

        from gk_pages.models import PortalHomePage
        from gkportal.benchdata import build_benchmark_portal

        call_command("migrate", verbosity=0)
        call_command("load_standard_catalogue", verbosity=0, stdout=open(os.devnull, "w"))
        build_benchmark_portal(orgs, entries, documents, stdout=sys.stdout)
        portal = PortalHomePage.objects.order_by("-path").first()
        Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": portal})
        marker.write_text(json.dumps(params))
    return run(args)


if __name__ == "__main__":
    sys.exit(_standalone())
