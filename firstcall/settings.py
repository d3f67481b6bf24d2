"""FirstCall settings: one module, every knob read from the environment.

SQLite is the embedded default; set DATABASE_URL for PostgreSQL.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("FIRSTCALL_DATA_DIR", BASE_DIR.parent / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("FIRSTCALL_DEBUG", False)
# A development key is generated per data directory so that nothing secret lives in the repository.
SECRET_KEY = env("FIRSTCALL_SECRET_KEY")
if not SECRET_KEY:
    from firstcall.lib.secrets import local_secret_key

    SECRET_KEY = local_secret_key(DATA_DIR)

ALLOWED_HOSTS = env_list("FIRSTCALL_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("FIRSTCALL_CSRF_TRUSTED_ORIGINS")
SITE_URL = env("FIRSTCALL_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # the API docs page then uses its bundled Swagger UI files, not a CDN (our CSP allows 'self' only)
    "django_tasks",
    "django_tasks_db",
    "firstcall.events",
    "firstcall.accounts",
    "firstcall.pipeline",
    "firstcall.leads",
    "firstcall.compliance",
    "firstcall.intake",
    "firstcall.routing",
    "firstcall.messaging",
    "firstcall.cadences",
    "firstcall.eligibility",
    "firstcall.documents",
    "firstcall.reports",
    "firstcall.integrations",
    "firstcall.assistant",
    "firstcall.portals",
    "firstcall.web",
]

# Domain events: one `subscribers.py` per app, each a plain mapping {"event.name": [function, ...]}
# (firstcall/events/registry.py). The whole answer to "what happens after X" is in these modules.
# In-transaction subscribers run in this order: the apps' own bookkeeping before the journeys that read it.
EVENT_SUBSCRIBERS: list[str] = [
    "firstcall.leads.subscribers",
    "firstcall.flows.subscribers",
    "firstcall.cadences.subscribers",
    "firstcall.integrations.subscribers",
    "firstcall.intake.subscribers",
    "firstcall.messaging.subscribers",
    "firstcall.pipeline.subscribers",
    "firstcall.reports.subscribers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "firstcall.accounts.security_headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "firstcall.accounts.middleware.IdleTimeoutMiddleware",
    "firstcall.accounts.middleware.TwoFactorRequiredMiddleware",
    "firstcall.web.partner_gate.PartnerToPortalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "firstcall.web.middleware.ViewerTimeZoneMiddleware",
]

ROOT_URLCONF = "firstcall.urls"
WSGI_APPLICATION = "firstcall.wsgi.application"
ASGI_APPLICATION = "firstcall.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database -------------------------------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'firstcall.sqlite3'}")
DATABASES = {
    # Persistent connections are checked before each request reuses them, so a restarted or failed-over
    # PostgreSQL costs no request a 500 (one cheap query when a connection is reused after a request).
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("FIRSTCALL_DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so two writers
    # queue on the busy timeout instead of failing mid-transaction with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if env_bool("FIRSTCALL_SQLITE_WRITER_QUEUE", True):
        # Writers hand the lock to each other promptly instead of sleeping in SQLite's busy handler
        # (firstcall/db/sqlite/base.py).
        DATABASES["default"]["ENGINE"] = "firstcall.db.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
if IS_POSTGRES:
    # One test database per test process, so parallel runs on one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

if env_bool("FIRSTCALL_TEST_FAST_HASHER"):
    # Only for test servers started by the test suite, whose users were created with the fast hasher.
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Background work ------------------------------------------------------------------------------------
TASK_BACKEND = env("FIRSTCALL_TASK_BACKEND", "database")
if TASK_BACKEND == "rq":
    INSTALLED_APPS.append("django_tasks_rq")
    RQ_QUEUES = {"default": {"URL": env("REDIS_URL", "redis://127.0.0.1:6379/0")}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKER_POLL_INTERVAL = float(env("FIRSTCALL_WORKER_POLL_INTERVAL", "0.2"))

# --- Cache (rate limits) --------------------------------------------------------------------------------
if env("REDIS_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_CACHE_URL"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Internationalisation and time ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Security -------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("FIRSTCALL_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_TIMEOUT_SECONDS = env_int("FIRSTCALL_SESSION_IDLE_SECONDS", 30 * 60)
SIGN_IN_FAILURES_PER_USERNAME = env_int("FIRSTCALL_SIGN_IN_FAILURES_PER_USERNAME", 5)
SIGN_IN_FAILURES_PER_IP = env_int("FIRSTCALL_SIGN_IN_FAILURES_PER_IP", 20)
SIGN_IN_LOCKOUT_MINUTES = env_int("FIRSTCALL_SIGN_IN_LOCKOUT_MINUTES", 15)
# Served over HTTPS (the site URL says so): HSTS, redirect to HTTPS and Secure cookies are on by default.
IS_HTTPS = SITE_URL.lower().startswith("https://")
SESSION_COOKIE_SECURE = env_bool("FIRSTCALL_SECURE_COOKIES", IS_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; Django's default kept
SECURE_SSL_REDIRECT = env_bool("FIRSTCALL_SSL_REDIRECT", IS_HTTPS)
SECURE_HSTS_SECONDS = env_int("FIRSTCALL_HSTS_SECONDS", 31_536_000 if IS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("FIRSTCALL_HSTS_INCLUDE_SUBDOMAINS", IS_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("FIRSTCALL_HSTS_PRELOAD", IS_HTTPS)
if env_bool("FIRSTCALL_TRUST_X_FORWARDED_PROTO", False):
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Who may frame the embeddable pages when their lead source lists no sites (space-separated CSP sources).
EMBED_FRAME_ANCESTORS = env("FIRSTCALL_EMBED_FRAME_ANCESTORS", "'self'").split()
# The key ring that encrypts sensitive borrower fields at rest (income, debts, date of birth, authenticator
# secrets): comma-separated, the first key encrypts and every key reads, so after adding a new key in front
# `firstcall rotate-keys` re-encrypts everything under it. SECRET_KEY stays last as the reader of values
# written before a key was set.
FIELD_ENCRYPTION_KEYS = list(dict.fromkeys([*env_list("FIRSTCALL_FIELD_ENCRYPTION_KEY"), SECRET_KEY]))
FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_KEYS[0]
# Raw intake bodies (redacted at the door) are emptied after this many days by the worker's sweep.
INTAKE_RETENTION_DAYS = env_int("FIRSTCALL_INTAKE_RETENTION_DAYS", 90)

# --- Intake ---------------------------------------------------------------------------------------------
INTAKE_MAX_BODY_BYTES = env_int("FIRSTCALL_INTAKE_MAX_BODY_BYTES", 64 * 1024)
INTAKE_RATE_LIMIT_PER_MINUTE = env_int("FIRSTCALL_INTAKE_RATE_LIMIT_PER_MINUTE", 600)
FORM_RATE_LIMIT_PER_MINUTE = env_int("FIRSTCALL_FORM_RATE_LIMIT_PER_MINUTE", 20)
WEB_FORM_TOKEN_MAX_AGE_SECONDS = env_int("FIRSTCALL_WEB_FORM_TOKEN_MAX_AGE_SECONDS", 7200)
CSV_IMPORT_MAX_BYTES = env_int("FIRSTCALL_CSV_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
TRUST_X_FORWARDED_FOR = env_bool("FIRSTCALL_TRUST_X_FORWARDED_FOR", False)
META_GRAPH_URL = env("FIRSTCALL_META_GRAPH_URL", "https://graph.facebook.com/v21.0").rstrip("/")
META_GRAPH_TIMEOUT_SECONDS = float(env("FIRSTCALL_META_GRAPH_TIMEOUT_SECONDS", "5"))

# --- Messaging ------------------------------------------------------------------------------------------
EMAIL_BACKEND = env("FIRSTCALL_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("FIRSTCALL_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("FIRSTCALL_SMTP_PORT", 25)
EMAIL_HOST_USER = env("FIRSTCALL_SMTP_USER")
EMAIL_HOST_PASSWORD = env("FIRSTCALL_SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("FIRSTCALL_SMTP_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("FIRSTCALL_FROM_EMAIL", "FirstCall <no-reply@localhost>")
# "demo" keeps messages in the in-app outbox; "smtp" sends email; "twilio" posts SMS to SMS_API_URL.
EMAIL_PROVIDER = env("FIRSTCALL_EMAIL_PROVIDER", "demo")
SMS_PROVIDER = env("FIRSTCALL_SMS_PROVIDER", "demo")
SMS_API_URL = env("FIRSTCALL_SMS_API_URL", "https://api.twilio.com").rstrip("/")
SMS_ACCOUNT_SID = env("FIRSTCALL_SMS_ACCOUNT_SID")
SMS_AUTH_TOKEN = env("FIRSTCALL_SMS_AUTH_TOKEN")
SMS_FROM_NUMBER = env("FIRSTCALL_SMS_FROM_NUMBER")
SMS_API_TIMEOUT_SECONDS = float(env("FIRSTCALL_SMS_API_TIMEOUT_SECONDS", "10"))
SMS_STATUS_CALLBACK_URL = env("FIRSTCALL_SMS_STATUS_CALLBACK_URL")
# Signs the inbound-parse webhook that delivers borrowers' email replies (messaging/inbound_email.py).
EMAIL_INBOUND_SIGNING_KEY = env("FIRSTCALL_EMAIL_INBOUND_SIGNING_KEY")
MESSAGING_MAX_ATTEMPTS = env_int("FIRSTCALL_MESSAGING_MAX_ATTEMPTS", 6)
MESSAGING_SEND_LEASE_SECONDS = env_int("FIRSTCALL_MESSAGING_SEND_LEASE_SECONDS", 120)
MESSAGING_SWEEP_GRACE_SECONDS = env_int("FIRSTCALL_MESSAGING_SWEEP_GRACE_SECONDS", 60)
# Carriers cap texts per second per sender number (10DLC campaigns: about 1-4 for a long code, more for a
# toll-free number or short code) and providers per account. Texts per second, shared by every worker;
# 0 leaves that limit off. docs/cadences.md "Send pacing".
SMS_RATE_PER_NUMBER = float(env("FIRSTCALL_SMS_RATE_PER_NUMBER", "0"))
SMS_RATE_PER_ACCOUNT = float(env("FIRSTCALL_SMS_RATE_PER_ACCOUNT", "0"))
# How far ahead a worker books send slots; a text that would wait longer stays queued for the next round.
SMS_PACING_HORIZON_SECONDS = float(env("FIRSTCALL_SMS_PACING_HORIZON_SECONDS", "2"))

# --- Logging: never log request bodies or borrower fields -----------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"one_line_refusals": {"()": "firstcall.web.logging_filters.OneLineRefusals"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["one_line_refusals"]}
    },
    "root": {"handlers": ["console"], "level": env("FIRSTCALL_LOG_LEVEL", "INFO")},
    # httpx logs every request URL at INFO, and URLs can carry phone numbers.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}

# --- Integrations ---------------------------------------------------------------------------------------
# The MISMO 3.4 XSD (or DU wrapper XSD) to validate exports and imports against, when the admin has it.
MISMO_XSD = env("FIRSTCALL_MISMO_XSD")
# Outbound webhooks: hosts that may resolve to private or loopback addresses (your own receivers), and the time
# one delivery attempt may take.
WEBHOOK_ALLOWED_HOSTS = env_list("FIRSTCALL_WEBHOOK_ALLOWED_HOSTS")
WEBHOOK_TIMEOUT_SECONDS = float(env("FIRSTCALL_WEBHOOK_TIMEOUT_SECONDS", "10"))
# --- Assistant: an optional OpenAI-compatible provider for reply drafts (off unless the URL is set) --------
ASSISTANT_PROVIDER_URL = env("FIRSTCALL_ASSISTANT_PROVIDER_URL")
ASSISTANT_PROVIDER_MODEL = env("FIRSTCALL_ASSISTANT_PROVIDER_MODEL", "gpt-4o-mini")
ASSISTANT_PROVIDER_KEY = env("FIRSTCALL_ASSISTANT_PROVIDER_KEY")
ASSISTANT_PROVIDER_TIMEOUT = float(env("FIRSTCALL_ASSISTANT_PROVIDER_TIMEOUT", "8"))
