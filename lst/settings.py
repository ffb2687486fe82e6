"""Settings, all from the environment (django-environ).

With no variable set this is the embedded default: SQLite in the project folder, Celery tasks run
eagerly in-process, a local-memory cache, DEBUG on and a development secret key.
`DJANGO_ENV=production` refuses to start without SECRET_KEY and ALLOWED_HOSTS and turns on every
hardening that `manage.py check --deploy` looks for.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from lst.log_config import default_format, logging_dict

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

# The development key is public (it is in the source): production refuses it.
DEV_SECRET_KEY = "dev-only-insecure-key-0f6c1a9b3e7d4c2a8b5e1f9d7c3a6b2e4d8f0a1c5e9b7d3f"  # noqa: S105

if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            f"DJANGO_ENV=production needs these environment variables: {', '.join(missing)}"
        )
    SECRET_KEY = env.str("SECRET_KEY")
    if SECRET_KEY == DEV_SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_ENV=production refuses the development SECRET_KEY")
    DEBUG = env.bool("DEBUG", default=False)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
    DEBUG = env.bool("DEBUG", default=True)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here, so /api/docs/ works offline
    "django_celery_beat",
    "lst",
    "catalog",
    "stores",
    "replenishment",
    "recommendations",
]

MIDDLEWARE = [
    "lst.middleware.RequestObservabilityMiddleware",  # first: request id, access log, metrics
    # Under /api/, Django's HTML error pages (DEBUG's 404, a disallowed Host) become JSON.
    "lst.api.middleware.JsonErrorPagesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lst.csp.ContentSecurityPolicyMiddleware",  # issue 21: a policy per kind of page
    # A database that refuses connections: 503 + Retry-After, never a stack trace or a 500.
    "lst.unavailable.DatabaseUnavailableMiddleware",
    # A GET with a body under /api/: 400 parse_error (no read takes one).
    "lst.api.middleware.NoBodyOnReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lst.urls"
WSGI_APPLICATION = "lst.wsgi.application"
ASGI_APPLICATION = "lst.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lst" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite file by default, PostgreSQL (psycopg2) with DATABASE_URL=postgres://...
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the dev server and an eager pipeline share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: local memory by default, Redis with CACHE_URL=redis://... While Redis is down, reads
# miss and writes are dropped (lst/cache.py); throttles decide for themselves (lst/throttling.py).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://lst")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "lst.cache.FailSoftRedisCache"
    # A Redis that stops answering (not only one that refuses connections) costs a request at
    # most this long, not a hang until gunicorn's timeout.
    _cache_timeout = env.float("CACHE_SOCKET_TIMEOUT", default=1.0)
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": _cache_timeout, "socket_timeout": _cache_timeout}
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation: Chinese first, English second; Shanghai time, aware datetimes.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
CURRENCY = "CNY"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# --- Request limits: bodies above this are refused before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# A retried write within this many hours replays its first answer (`Idempotency-Key`); older
# records are deleted by the hourly `lst.core.purge_idempotency_records` and their keys are new.
IDEMPOTENCY_TTL_HOURS = env.int("IDEMPOTENCY_TTL_HOURS", default=48)

# --- REST framework
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lst.api.tokens.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The apps send JSON; any other body is 415 (no multipart parsing of uploads nobody sends).
    # One reader for every body: size cap, depth limit, no duplicate keys (lst/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["lst.api.parsers.JSONParser"],
    # REST framework's JSON, written by orjson (lst/api/renderers.py); the browsable API stays.
    "DEFAULT_RENDERER_CLASSES": [
        "lst.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "lst.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lst.api.errors.exception_handler",
    # DRF's throttles counting atomically, with a policy for a cache outage (lst/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "lst.throttling.AnonRateThrottle",
        "lst.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "nearby": env.str("THROTTLE_NEARBY", default="60/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Throttles count per client address: REMOTE_ADDR, or with N reverse proxies in front the
    # address the nearest one appended to X-Forwarded-For. Never the whole header, which the
    # client writes itself (a fresh value per request would escape every per-address limit).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
API_MAX_PAGE_SIZE = 200
# Throttle scopes that answer 503 (not "let through") while the cache cannot count: the guards
# against password and code guessing and text-message floods.
THROTTLE_FAIL_CLOSED_SCOPES = env.list("THROTTLE_FAIL_CLOSED_SCOPES", default=["login", "otp"])

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    # A rotated refresh token is spent: replaying it (a stolen copy) answers 401. Logging out
    # revokes the refresh token sent; `flushexpiredtokens` (beat, daily) prunes the lists.
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Access tokens whose claims are type- and range-checked before use (lst/api/tokens.py).
    "AUTH_TOKEN_CLASSES": ("lst.api.tokens.AccessToken",),
}

SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "LST API",
    "DESCRIPTION": "Store app, shopper lookup and warehouse API of the LST retail assistant.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the sidecar package's static files (no CDN: it works offline and behind a
    # strict Content-Security-Policy).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lst.api.openapi.document_unsupported_media_type",
    ],
}

# --- Celery: eager in-process by default; a real broker with CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# An unacknowledged task (its worker died) goes back to the queue after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Named queues, so machines can be given work by kind: `-Q training` (the nightly and weekly
# model fits: long, memory-hungry), `-Q scoring` (the chunks of stores), `-Q celery` (short jobs:
# order expiry, resuming stalled chunks, anything not routed). A worker started without -Q
# consumes all three.
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Each queue has its own routing key, so no binding can deliver one message to two queues.
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in ("celery", "training", "scoring")]
CELERY_TASK_ROUTES = {
    "lst.recommendations.nightly_pipeline": {"queue": "training"},
    "lst.recommendations.forecast_train_part": {"queue": "training"},
    "lst.recommendations.weekly_shelf": {"queue": "training"},
    "lst.recommendations.weekly_assortment": {"queue": "training"},
    "lst.recommendations.score_chunk": {"queue": "scoring"},
}

# --- Logging: one line per event, with the request id and task id; JSON in production.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = default_format()  # LOG_FORMAT=plain|json; JSON by default in production
LOGGING = logging_dict(level=LOG_LEVEL, fmt=LOG_FORMAT)

# --- Metrics (/metrics, Prometheus): a bearer token, or a client address in these networks.
# In production no network is trusted by default: behind a proxy every client has its address.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS", default=[] if PRODUCTION else ["127.0.0.0/8", "::1/128"]
)
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {exc}") from exc

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes and scrapes talk plain HTTP to the process itself; a redirect would fail them.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Text messages (shoppers' login codes): see lst/sms.py.
SMS_BACKEND = env.str("SMS_BACKEND", default="off" if PRODUCTION else "log")
SMS_WEBHOOK_URL = env.str("SMS_WEBHOOK_URL", default="")
SMS_WEBHOOK_TOKEN = env.str("SMS_WEBHOOK_TOKEN", default="")
SMS_TIMEOUT_SECONDS = env.float("SMS_TIMEOUT_SECONDS", default=5.0)
if SMS_BACKEND not in ("log", "webhook", "off"):
    raise ImproperlyConfigured(f"SMS_BACKEND must be log, webhook or off, not {SMS_BACKEND!r}")
if SMS_BACKEND == "webhook" and not SMS_WEBHOOK_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("SMS_BACKEND=webhook needs SMS_WEBHOOK_URL (http:// or https://)")
if PRODUCTION and SMS_BACKEND == "log":
    raise ImproperlyConfigured("SMS_BACKEND=log would write login codes to production logs")

AUTH_USER_MODEL = "lst.User"

# --- Replenishment orders: one OpenAPI enum for the order status (order, event from/to).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["OrderStatusEnum"] = (
    "replenishment.models.ReplenishmentOrder.Status"
)

# --- Store app API (issue 3): stock, POS upload and nearby-availability knobs.
STOCK_LOW_DAYS = env.int("STOCK_LOW_DAYS", default=3)  # low = on hand below N days of sales
STOCK_SALES_WINDOW_DAYS = env.int("STOCK_SALES_WINDOW_DAYS", default=28)  # average over these
POS_MAX_FUTURE_MINUTES = env.int("POS_MAX_FUTURE_MINUTES", default=5)  # till clocks drift
POS_MAX_AGE_DAYS = env.int("POS_MAX_AGE_DAYS", default=7)  # oldest receipt accepted
POS_MAX_RECEIPTS = 500  # per upload; more is 413 batch_too_large
POS_MAX_LINES = 10_000  # receipt lines per upload, all receipts together; likewise
NEARBY_IN_STOCK_MIN = env.int("NEARBY_IN_STOCK_MIN", default=5)  # below: "low"
NEARBY_DEFAULT_RADIUS_KM = 3
NEARBY_MAX_RADIUS_KM = 20
NEARBY_MAX_RESULTS = 20
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "FixtureKindEnum": "stores.models.Fixture.Kind",
        "MovementKindEnum": "stores.models.StockMovement.Kind",
    }
)

# --- Recommenders: the nightly pipeline's knobs (see docs/restocking.md).
RECOMMENDER_HISTORY_DAYS = env.int("RECOMMENDER_HISTORY_DAYS", default=400)
RECOMMENDER_HORIZON_DAYS = env.int("RECOMMENDER_HORIZON_DAYS", default=14)
RECOMMENDER_BACKTEST_ORIGINS = env.int("RECOMMENDER_BACKTEST_ORIGINS", default=1)
RECOMMENDER_CHUNK_STORES = env.int("RECOMMENDER_CHUNK_STORES", default=50)
RECOMMENDER_MAX_TRAIN_ROWS = env.int("RECOMMENDER_MAX_TRAIN_ROWS", default=200_000)
RECOMMENDER_BOOSTING_ITERATIONS = env.int("RECOMMENDER_BOOSTING_ITERATIONS", default=0) or None
RECOMMENDER_REFIT = env.bool("RECOMMENDER_REFIT", default=False)
RECOMMENDER_THREADS = env.int("RECOMMENDER_THREADS", default=0) or None
# The rendered lines of a store's purchase suggestions are cached under a fingerprint of the set
# (any accept, dismiss, scoring or product edit changes it); this bounds how long a change the
# fingerprint cannot see (a bulk SQL update) may stay unseen. 0 turns the cache off.
SUGGESTIONS_CACHE_SECONDS = env.int("SUGGESTIONS_CACHE_SECONDS", default=600)

# --- Shoppers (issue 8): shopper accounts and orders from a nearby store (delivery or pick-up).
INSTALLED_APPS += ["shoppers"]
SHOPPER_ORDER_ACCEPT_MINUTES = env.int("SHOPPER_ORDER_ACCEPT_MINUTES", default=15)  # then expires
SHOPPER_OTP_TTL_SECONDS = 300  # a login code lives 5 minutes
SHOPPER_OTP_MAX_ATTEMPTS = 5  # wrong guesses before a code dies
SHOPPER_MAX_LINES = 50  # per order
SHOPPER_MAX_LINE_QUANTITY = 99  # units per line
# One shopper cannot tie up a store's stock: at most this many orders still open (placed,
# accepted, ready, out for delivery) and this many units in them, across all stores.
SHOPPER_MAX_OPEN_ORDERS = env.int("SHOPPER_MAX_OPEN_ORDERS", default=5)
SHOPPER_MAX_OPEN_UNITS = env.int("SHOPPER_MAX_OPEN_UNITS", default=200)
# Phone numbers (logins, one-time codes): mobile numbers of these regions only, stored in E.164.
PHONE_REGIONS = [r.upper() for r in env.list("PHONE_REGIONS", default=["CN"])]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["otp"] = env.str("THROTTLE_OTP", default="5/min")
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "ShopperOrderStatusEnum": "shoppers.models.ShopperOrder.Status",
        "FulfilmentEnum": "shoppers.models.ShopperOrder.Fulfilment",
    }
)

# --- Shelf plans and assortment API (issue 7): one enum name for the suggestions' status.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {"SuggestionStatusEnum": "recommendations.models.SuggestionStatus"}
)

# --- Admin for field teams (issue 9): bulk import/export with a dry-run preview; importing
# needs the model's "add" permission, exporting its "view" permission.
INSTALLED_APPS += ["import_export"]
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# CSV, XLSX, TSV, and JSON read by the API's JSON reader under the same size cap.
from lst.import_formats import IMPORT_FORMATS  # noqa: E402, F401

# --- Admin login brute-force limits (django-axes, issue 21): see lst/admin_lockout.py.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last: it answers for a locked-out login
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out name or address
    "django.contrib.auth.backends.ModelBackend",
]
# The API login's rate ("10/min"): that many failures per period, then locked for a period.
_login_number, _login_period = REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")
AXES_FAILURE_LIMIT = int(_login_number)
AXES_COOLOFF_TIME = timedelta(
    seconds={"s": 1, "m": 60, "h": 3600, "d": 86400}[_login_period.strip()[0]]
)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # each on its own, like the two throttles
AXES_CLIENT_IP_CALLABLE = "lst.admin_lockout.client_ip"
AXES_USERNAME_CALLABLE = "lst.admin_lockout.login_name"
AXES_LOCKOUT_CALLABLE = "lst.admin_lockout.lockout_response"
AXES_RESET_ON_SUCCESS = False  # a success does not wipe the failures counted against the address
AXES_ENABLE_ADMIN = True  # field teams' superusers can see and clear attempts in the admin
