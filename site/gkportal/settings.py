"""Settings for the reference gk-portal site, all overridable from the environment.

Environment:
  DATABASE_URL        default sqlite:///<GK_DATA_DIR>/gk.sqlite3
  GK_DATA_DIR         where SQLite, media and collected static live (default ./var)
  DJANGO_SECRET_KEY   required when DJANGO_DEBUG is off
  DJANGO_DEBUG        "1" for development (default "1" unless GK_PRODUCTION=1)
  DJANGO_ALLOWED_HOSTS  comma separated
  WAGTAILADMIN_BASE_URL base URL used in admin notifications
  ELASTICSEARCH_URL   the search cluster (default: the local node of `make es`, port GK_ES_PORT or 9200)
  GK_SEARCH_INDEX_PREFIX  prefix of the search indices and aliases (default "gk")
  GK_SEARCH_TIMEOUT, GK_SEARCH_INDEX_TIMEOUT, GK_SEARCH_BREAKER_COOLDOWN, GK_SEARCH_BACKGROUND_INDEXING
                      search timeouts, circuit breaker, background indexing (see search/README.md)
  DJANGO_CACHE_BACKEND, DJANGO_CACHE_LOCATION  Django's cache (default: LocMemCache, per process)
  GK_CLIENT_IP_HEADER  request header with the visitor's address set by the reverse proxy (e.g. HTTP_X_REAL_IP)
  GK_REVIEW_WORKFLOW  "0" to publish without the 保密审查 → 审核 workflow (default on)
  GK_PRIVATE_UPLOAD_DIR  uploaded import files between preview and confirm (default <GK_DATA_DIR>/private/imports)
  DJANGO_EMAIL_BACKEND  where workflow notices go (default SMTP in production, dropped otherwise)
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

PROJECT_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("GK_DATA_DIR", Path.cwd() / "var")).resolve()


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = env_flag("GK_PRODUCTION")
DEBUG = env_flag("DJANGO_DEBUG", default=not PRODUCTION)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "gk-portal-insecure-development-key" if DEBUG else None
)
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "gkportal",
    "gk_columns",
    "gk_pages",
    "search",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "gkportal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "gk_pages.context_processors.portal_identity",
            ],
        },
    },
]

WSGI_APPLICATION = "gkportal.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'gk.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database: concurrent writers queue instead of failing with
    # "database is locked". WAL lets readers go on while one writes; IMMEDIATE takes
    # the write lock when a transaction starts (a deferred one that reads first and
    # then writes cannot wait for it, and fails at once); writers wait up to
    # `timeout` seconds for their turn. Options given in DATABASE_URL win.
    _sqlite_options = {
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("GK_SQLITE_TIMEOUT", "20")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["OPTIONS"] = _sqlite_options | DATABASES["default"].get("OPTIONS", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
] if PRODUCTION else []

# 中文为默认语言；wagtail-localize 负责少数民族语言等译本。
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("bo", "བོད་ཡིག (藏文)"),
    ("ug", "ئۇيغۇرچە (维吾尔文)"),
    ("mn", "ᠮᠣᠩᠭᠣᠯ (蒙古文)"),
    ("en", "English"),
]
LANGUAGES_BIDI = ["ug", "ar", "fa", "he", "ur"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# Imports awaiting confirmation (gk_columns.uploads): outside MEDIA_ROOT, which is
# served publicly, since an upload may hold text that is not to be disclosed.
GK_PRIVATE_UPLOAD_DIR = Path(os.environ.get("GK_PRIVATE_UPLOAD_DIR", DATA_DIR / "private" / "imports"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

WAGTAIL_SITE_NAME = os.environ.get("GK_SITE_NAME", "政府信息公开")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "wps", "ofd", "zip", "rar", "txt", "csv", "jpg", "png"]
# Documents go out only through Wagtail's serve view, where gk_pages.attachments
# decides who may download each one; links never point into MEDIA_ROOT/documents,
# which no web server may serve (see README, production).
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# Event-driven columns (实时/及时/N个工作日) count as stale when their newest live
# item is older than this. 180 days mirrors the national website inspection
# criterion for notice and policy columns (超过6个月未更新).
GK_STALE_AFTER_DAYS = int(os.environ.get("GK_STALE_AFTER_DAYS", "180"))

# 保密审查 → 审核: the column sync gives every organisation a review workflow and
# editors submit rather than publish. Off: editors publish directly.
GK_REVIEW_WORKFLOW = env_flag("GK_REVIEW_WORKFLOW", default=True)
# Text changed at the 审核 step goes back through 保密审查: the confidentiality
# review must have seen what is published.
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True

# Pages and document collections under a password restriction ask for it in the
# portal's own layout and in Chinese, naming nothing of what they protect.
WAGTAIL_PASSWORD_REQUIRED_TEMPLATE = "gkportal/password_required.html"
WAGTAILDOCS_PASSWORD_REQUIRED_TEMPLATE = "gkportal/document_password_required.html"

# Workflow notices go by email; outside production they are dropped instead of
# failing against a mail server that is not there (set DJANGO_EMAIL_BACKEND to
# django.core.mail.backends.console.EmailBackend to read them).
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.dummy.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "gk-portal@localhost")

# The search app's Elasticsearch cluster and index names (see search/README.md).
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL") or f"http://127.0.0.1:{os.environ.get('GK_ES_PORT', '9200')}"
GK_SEARCH_INDEX_PREFIX = os.environ.get("GK_SEARCH_INDEX_PREFIX", "gk")
# Seconds: a public search (then the database answers), an index update after a
# change, and how long a node that did not answer is left alone (search/client.py).
GK_SEARCH_TIMEOUT = float(os.environ.get("GK_SEARCH_TIMEOUT", "1.5"))
GK_SEARCH_INDEX_TIMEOUT = float(os.environ.get("GK_SEARCH_INDEX_TIMEOUT", "5"))
GK_SEARCH_BREAKER_COOLDOWN = float(os.environ.get("GK_SEARCH_BREAKER_COOLDOWN", "30"))
# With the immediate task backend, apply index changes in a background thread
# rather than in the editor's request (search/pending.py).
GK_SEARCH_BACKGROUND_INDEXING = env_flag("GK_SEARCH_BACKGROUND_INDEXING", True)

# Django's cache (search facet labels, Wagtail's site root paths …). The embedded
# default lives in each process; with several worker processes use a shared one,
# e.g. DJANGO_CACHE_BACKEND=django.core.cache.backends.redis.RedisCache and
# DJANGO_CACHE_LOCATION=redis://127.0.0.1:6379/1, so that changes reach every worker at once.
CACHES = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": os.environ.get("DJANGO_CACHE_LOCATION", "gk-portal"),
        "TIMEOUT": 300,
        "OPTIONS": {"MAX_ENTRIES": 10000} if "DJANGO_CACHE_BACKEND" not in os.environ else {},
    }
}
# The visitor's address as the reverse proxy passes it (a request.META key such as
# HTTP_X_REAL_IP), for counting searches once per visitor and day; only set it when
# every request comes through that proxy. Unset: REMOTE_ADDR.
GK_CLIENT_IP_HEADER = os.environ.get("GK_CLIENT_IP_HEADER", "")

# Password guessing (django-axes): after GK_LOGIN_FAILURE_LIMIT failed logins of one
# username from one address, that pair is locked out for GK_LOGIN_COOLOFF_MINUTES,
# even with the right password; other users and addresses log in as before.
# Authentication needs the request for this (client.login in tests passes one).
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last: turns a lockout into its page
# AxesBackend first (it answers only for locked-out pairs); being a ModelBackend it
# also restores sessions made by force_login, which names the first backend.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("GK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("GK_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "gkportal.security.client_ip"
AXES_LOCKOUT_CALLABLE = "gkportal.security.lockout_response"

# Content-Security-Policy (django-csp 4) on every response: the public templates
# load scripts and styles from the site only, with no inline code, so the public
# policy allows nothing else; Wagtail's admin (and the page previews it renders)
# needs inline styles and scripts, so under /admin/ those are allowed as well
# (gkportal.security.PortalCSPMiddleware).
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "gkportal.security.PortalCSPMiddleware")
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF, "data:"],
        "connect-src": [_SELF],
        "frame-src": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_SELF],
    }
}
GK_ADMIN_CSP_PREFIXES = ["/admin/"]
GK_ADMIN_CSP_DIRECTIVES = {
    "script-src": [_SELF, "'unsafe-inline'"],
    "style-src": [_SELF, "'unsafe-inline'"],
    "img-src": [_SELF, "data:", "blob:"],
}
# The admin's dashboard would ask releases.wagtail.org for new versions from each
# editor's browser: outside the policy, and not a request a government site sends.
WAGTAIL_ENABLE_UPDATE_CHECK = False

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

if PRODUCTION:
    # The reverse proxy terminates HTTPS and says so in this header ("HEADER,value";
    # empty: trust no header).
    _proxy_ssl_header = os.environ.get("GK_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO,https")
    SECURE_PROXY_SSL_HEADER = tuple(p.strip() for p in _proxy_ssl_header.split(",", 1)) if _proxy_ssl_header else None
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", True)
    # Browsers keep to HTTPS for a year once they have seen the site over it (0: off).
    SECURE_HSTS_SECONDS = int(os.environ.get("GK_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("GK_HSTS_INCLUDE_SUBDOMAINS", False)
    # http → https is usually the proxy's job; GK_SSL_REDIRECT=1 lets Django do it.
    SECURE_SSL_REDIRECT = env_flag("GK_SSL_REDIRECT", False)
