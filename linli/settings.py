"""Django settings for Linli, read from environment variables (see README, "Configuration")."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dj_database_url

from linli import languages
from linli.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_parsed,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", required=not DEBUG) or "dev-only-insecure-secret-key-change-me"
if not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfiguredEnv("SECRET_KEY must be at least 32 characters when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # OpClass in expression indexes (linli.core.lookups.PatternOps); inert on SQLite
    "treebeard",
    "huey.contrib.djhuey",
    "linli.core",
    "linli.audit",
    "linli.places",
    "linli.orgs",
    "linli.people",
    "linli.accounts",
    "linli.notify",
    "linli.workdays",
    "linli.tickets",
    "linli.interop",
    "linli.visits",
    "linli.volunteering",
    "linli.deliberation",
    "linli.partylife",
    "linli.cobuilding",
    "linli.teams",
    "linli.duties",
    "linli.grants",
    "linli.rota",
    "linli.venues",
    "linli.commons",
    "linli.workforce",
    "linli.guide",
    "linli.elections",
    "linli.insights",
    "linli.routing",
    "linli.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "linli.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "linli.core.middleware.LinliErrorMiddleware",
    "linli.core.middleware.RefuseNulMiddleware",  # security-data: 422 for NUL in any input, before any view
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # security-data: no-store on every non-static response; strict CSP with a per-response nonce.
    "linli.core.middleware.NoStoreMiddleware",
    "linli.core.middleware.ContentSecurityPolicyMiddleware",
    "linli.core.middleware.RetryOnLostDatabaseMiddleware",  # security-data: innermost, reruns the view once
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.accounts.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": env_parsed(
        "DATABASE_URL",
        f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        lambda url: dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0)),
        "a database URL such as sqlite:///path/db.sqlite3 or postgres://user@host/name",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the Huey worker writes; busy timeout instead of
    # "database is locked" under a short write burst.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# security-data: a persistent connection the database closed (PostgreSQL restart, failover) is
# noticed at the start of the next request and reopened, instead of failing it with a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- read replicas (scale, issue #12; docs/scaling.md) ---------------------------------------
# DATABASE_REPLICA_URLS: comma-separated URLs of streaming replicas of DATABASE_URL. Each becomes an
# alias replica1, replica2 …; the router sends reads there and writes (and the reads after them) to
# the primary. Empty (the default): one database, no router.
for _n, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    try:
        DATABASES[f"replica{_n}"] = dj_database_url.parse(_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
    except Exception as _exc:  # name the variable and which URL, for the operator
        raise ImproperlyConfiguredEnv(f"DATABASE_REPLICA_URLS: URL {_n} is not a database URL: {_exc}") from None
    DATABASES[f"replica{_n}"]["TEST"] = {"MIRROR": "default"}
# PostgreSQL binds parameters itself (psycopg sends them apart from the statement) instead of psycopg quoting
# each into the SQL text in Python: the intake's inserts carry 20–35 values each, and quoting them was ~8% of its
# web CPU (docs/scaling.md, session 17). The whole suite runs this way on PostgreSQL; 0 goes back to client-side.
if env_bool("DB_SERVER_SIDE_BINDING", True):
    for _db in DATABASES.values():
        if _db["ENGINE"] == "django.db.backends.postgresql":
            _db.setdefault("OPTIONS", {})["server_side_binding"] = True
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["linli.core.dbrouter.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(0, "linli.core.dbrouter.PinPrimaryMiddleware")
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 5, minimum=0)

# "pages": rendered request-list pages, keyed by the versions of what they show (tickets.list_cache),
# so an entry is never stale, only unused; in each process's memory (a page is ~40 KB). 0 turns it off.
PAGE_CACHE_ENTRIES = env_int("LINLI_PAGE_CACHE_ENTRIES", 500, minimum=0)
# Compare every cached answer of the request list's key query with a fresh one, and raise on a
# difference (tickets.list_cache.queue_page_keys). On in the tests; costs the query it saves.
LIST_CACHE_VERIFY = env_bool("LINLI_LIST_CACHE_VERIFY", False)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": PAGE_CACHE_ENTRIES},
    }
    if PAGE_CACHE_ENTRIES
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
# --- end read replicas ---------------------------------------------------------------------------

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The covering indexes' INCLUDE columns are for PostgreSQL's index-only scans (tickets migrations 0007, 0008);
# SQLite builds the same indexes without them, as intended, and would say so on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # security-identity (issue 13): 3 of 4 character classes, none of the last PASSWORD_HISTORY passwords
    {"NAME": "linli.accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "linli.accounts.validators.PasswordHistoryValidator"},
]

# Internationalisation: Simplified Chinese first (linli/languages.py, shared with the import's reader child).
LANGUAGE_CODE = languages.LANGUAGE_CODE
LANGUAGES = languages.LANGUAGES
LOCALE_PATHS = languages.LOCALE_PATHS
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Sessions: staff sessions end after LINLI_IDLE_TIMEOUT_MINUTES without a request (等保 idle timeout).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 12
IDLE_TIMEOUT_MINUTES = env_int("LINLI_IDLE_TIMEOUT_MINUTES", 30, minimum=1, maximum=24 * 60)
LOGIN_LOCKOUT_FAILURES = env_int("LINLI_LOGIN_LOCKOUT_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LINLI_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
OTP_TTL_SECONDS = env_int("LINLI_OTP_TTL_SECONDS", 300, minimum=30)
# --- security-identity (issue 13): password expiry, absolute session age, 2FA, lockout per address,
# re-authentication, rate limits, audit retention. See docs/security.md.
PASSWORD_MAX_AGE_DAYS = env_int("LINLI_PASSWORD_MAX_AGE_DAYS", 90, minimum=0)  # 0 = no expiry reminder
PASSWORD_HISTORY = env_int("LINLI_PASSWORD_HISTORY", 5, minimum=0, maximum=24)
SESSION_ABSOLUTE_HOURS = env_int("LINLI_SESSION_ABSOLUTE_HOURS", 12, minimum=1, maximum=7 * 24)
LOGIN_LOCKOUT_FAILURES_PER_ADDRESS = env_int("LINLI_LOGIN_LOCKOUT_FAILURES_PER_ADDRESS", 5, minimum=1)
REAUTH_MINUTES = env_int("LINLI_REAUTH_MINUTES", 5, minimum=1, maximum=60)
TWO_FACTOR_ISSUER = env_str("LINLI_TWO_FACTOR_ISSUER", "邻里 Linli")
RATE_LIMITS = {  # purpose: (calls, window seconds)
    "login.address": (env_int("LINLI_RATE_LOGIN_PER_MINUTE", 30, minimum=1), 60),
    "otp.phone": (env_int("LINLI_RATE_OTP_PER_PHONE_HOUR", 5, minimum=1), 3600),
    "otp.address": (env_int("LINLI_RATE_OTP_PER_ADDRESS_HOUR", 20, minimum=1), 3600),
    "intake.address": (env_int("LINLI_RATE_INTAKE_PER_ADDRESS_HOUR", 60, minimum=1), 3600),
    "open311.address": (env_int("LINLI_RATE_OPEN311_BAD_KEYS_PER_MINUTE", 20, minimum=1), 60),
    "reveal.user": (env_int("LINLI_RATE_REVEALS_PER_HOUR", 60, minimum=1), 3600),
}
AUDIT_RETENTION_DAYS = env_int("LINLI_AUDIT_RETENTION_DAYS", 180, minimum=180)
# --- end security-identity
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Field encryption for ID and phone numbers. LINLI_FIELD_KEYS is a comma-separated list of
# Fernet keys, newest first (rotation: prepend a new key, run `manage.py rotate_keys`, drop the old).
# LINLI_HASH_KEY keys the HMAC used for exact search. Development derives both from SECRET_KEY.
_dev_key_material = hashlib.sha256(("linli-dev:" + SECRET_KEY).encode()).digest()
FIELD_ENCRYPTION_KEYS = env_list("LINLI_FIELD_KEYS", [])
HASH_KEY = env_str("LINLI_HASH_KEY", "")
if not DEBUG and not (FIELD_ENCRYPTION_KEYS and HASH_KEY):
    raise ImproperlyConfiguredEnv("LINLI_FIELD_KEYS and LINLI_HASH_KEY must be set when DEBUG is off")
if not FIELD_ENCRYPTION_KEYS:
    import base64

    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(_dev_key_material).decode()]
if not HASH_KEY:
    HASH_KEY = hashlib.sha256(b"hash:" + _dev_key_material).hexdigest()

# Pluggable outside-world backends (real ones are configured by dotted path).
SMS_BACKEND = env_str("LINLI_SMS_BACKEND", "linli.notify.sms.ConsoleSmsBackend")
SMS_HTTP_URL = env_str("LINLI_SMS_HTTP_URL", "")
# Outbox of SMS / robot messages (linli/notify/outbox.py): a row a worker took and did not finish
# within the lease is sent again (same idempotency key); after the last attempt it is "failed".
NOTIFY_LEASE_SECONDS = env_int("LINLI_NOTIFY_LEASE_SECONDS", 120, minimum=1, maximum=3600)
NOTIFY_MAX_ATTEMPTS = env_int("LINLI_NOTIFY_MAX_ATTEMPTS", 5, minimum=1, maximum=20)

# Background work: Huey on SQLite by default, Redis when REDIS_URL is set. ``utc: False``: periodic tasks'
# crontabs are read in local time (Django sets the process's TZ to TIME_ZONE), so "hour 8-21" is Beijing's
# daytime; Huey's default reads them in UTC, which sent the daytime reminders between 16:17 and 05:17.
REDIS_URL = env_str("REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "linli",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "utc": False,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "linli",
        "filename": env_str("HUEY_SQLITE_PATH", str(BASE_DIR / "huey.sqlite3")),
        "immediate": HUEY_IMMEDIATE,
        "utc": False,
    }

UPLOAD_MAX_BYTES = env_int("LINLI_UPLOAD_MAX_MB", 10, minimum=1, maximum=200) * 1024 * 1024
IMPORT_MAX_BYTES = env_int("LINLI_IMPORT_MAX_MB", 50, minimum=1, maximum=500) * 1024 * 1024
# sheets this large and larger are parsed by a child process while this one validates (0: never)
IMPORT_PROCESS_MIN_BYTES = env_int("LINLI_IMPORT_PROCESS_MIN_KB", 512, minimum=0, maximum=500 * 1024) * 1024
LEDGER_RETENTION_DAYS = env_int("LINLI_LEDGER_RETENTION_DAYS", 3 * 365, minimum=30, maximum=50 * 365)
IMPORT_STAGING_HOURS = env_int("LINLI_IMPORT_STAGING_HOURS", 24, minimum=1, maximum=24 * 30)
# routing (smart dispatch): a suggested category is applied by itself only at or above this confidence
# (0–1; 1.01 switches automatic categorisation off); below MIN_LABELLED closed requests it uses keywords.
ROUTING_AUTO_ASSIGN_CONFIDENCE = env_parsed(
    "LINLI_ROUTING_AUTO_CONFIDENCE",
    "0.85",
    lambda raw: float(raw) if 0 <= float(raw) <= 1.01 else float("x"),
    "a number between 0 and 1.01",
)
ROUTING_MIN_LABELLED = env_int("LINLI_ROUTING_MIN_LABELLED", 100, minimum=10, maximum=1_000_000)
# insights (dashboards, map, reports): map tiles are optional (empty = boundaries only, for intranets
# without a tile server); GCJ-02 tile providers need our WGS84 points shifted (docs/insights.md).
INSIGHTS_MAP_TILES = env_str("LINLI_MAP_TILES", "")
INSIGHTS_MAP_ATTRIBUTION = env_str("LINLI_MAP_ATTRIBUTION", "")
INSIGHTS_MAP_TILE_COORDS = env_choice("LINLI_MAP_TILE_COORDS", "wgs84", {"wgs84", "gcj02"})
INSIGHTS_MIN_REQUESTS_FOR_RANKING = env_int("LINLI_MIN_REQUESTS_FOR_RANKING", 5, minimum=1, maximum=100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# security-data: web hardening and field encryption. HTTPS behaviour comes from the environment and
# is strict when DEBUG is off, so `manage.py check --deploy` passes with no warnings.
SECURE_SSL_REDIRECT = env_bool("LINLI_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("LINLI_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LINLI_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("LINLI_HSTS_PRELOAD", not DEBUG)
if env_bool("LINLI_BEHIND_TLS_PROXY", False):  # the proxy terminates TLS and sets X-Forwarded-Proto
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSP_IMG_HOSTS = env_list("LINLI_CSP_IMG_HOSTS", [])  # e.g. https://tiles.example.gov.cn (map tiles)
CSP_REPORT_ONLY = env_bool("LINLI_CSP_REPORT_ONLY", False)  # enforcing; 1 = report-only trial
FIELD_CIPHER = env_choice("LINLI_FIELD_CIPHER", "aes-256-gcm", {"aes-256-gcm", "sm4-gcm"})

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
