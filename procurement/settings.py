"""Settings for zuschlag, driven by the environment.

With no environment at all the service runs embedded: SQLite under var/, celery eager, files under
var/media. Production sets DEBUG=0, SECRET_KEY, DATABASE_URL and CELERY_BROKER_URL.
"""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from procurement.env import env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("ZUSCHLAG_VAR_DIR", BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=True)
# A production deployment must bring its own key; only the embedded/dev mode may fall back.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("ZUSCHLAG_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "procurement.core",
    "workflows",
    "tenders",
    "bids",
    "invoicing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any body is read (the CSRF check reads it in process_view), after the language and
    # the user are known for the error page.
    "procurement.core.middleware.ContentLengthMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "procurement.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "procurement.urls"
WSGI_APPLICATION = "procurement.wsgi.application"
AUTH_USER_MODEL = "procurement.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # procurement/ itself is not an app (procurement.core is): its templates need naming here.
        "DIRS": [BASE_DIR / "procurement" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "procurement.core.context_processors.memberships",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'zuschlag.sqlite3'}"),
        # Persistent connections: a celery task or request otherwise opens (and PostgreSQL forks
        # a backend for) a new connection each time, several milliseconds per invoice validated.
        # Health checks replace a connection the server dropped instead of failing the request.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several web/beat processes share one file in the embedded mode: wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # IMMEDIATE takes the write lock at BEGIN, so a second writer waits (up to the timeout)
        # instead of failing with "database is locked" halfway through a transaction.
        timeout=20,
        transaction_mode="IMMEDIATE",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English")), ("fr", _("French"))]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "procurement" / "locale"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "procurement" / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = env_path("ZUSCHLAG_MEDIA_ROOT", VAR_DIR / "media")
# Nothing under MEDIA_ROOT is served by URL: every file goes out through a permission-checked view.
MEDIA_URL = None
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "public"},
    },
    "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "documents"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads above this size are streamed to a temporary file instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ZUSCHLAG_MAX_DOCUMENT_BYTES = env_int("ZUSCHLAG_MAX_DOCUMENT_BYTES", 50 * 1024 * 1024)
ZUSCHLAG_MAX_INVOICE_BYTES = env_int("ZUSCHLAG_MAX_INVOICE_BYTES", 20 * 1024 * 1024)
# Files per AP upload request (the drag-and-drop page sends one per request).
ZUSCHLAG_MAX_UPLOAD_FILES = env_int("ZUSCHLAG_MAX_UPLOAD_FILES", 20)
ZUSCHLAG_MAX_BID_BYTES = env_int("ZUSCHLAG_MAX_BID_BYTES", 2 * 1024 * 1024 * 1024)
# OCDS prefixes are "ocds-" plus six characters, registered with the Open Contracting
# Partnership; set the registered one in production. The default is an unregistered placeholder.
ZUSCHLAG_OCID_PREFIX = env_str("ZUSCHLAG_OCID_PREFIX", "ocds-zschlg")
# Service signing keys (receipts). Embedded mode generates them under var/keys on first use.
ZUSCHLAG_KEY_DIR = env_path("ZUSCHLAG_KEY_DIR", VAR_DIR / "keys")

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
if not CELERY_BROKER_URL:
    # Embedded mode: no broker. Tasks run in the calling process; beat uses the in-memory
    # transport and so runs its periodic tasks eagerly inside the beat process.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# celery's Django fixup closes the database connection before and after every task unless this
# is set (a new PostgreSQL backend per task: ~4 ms of connect per invoice in the inbox bench).
# With it the fixup closes only every N tasks; procurement/celery.py applies Django's own rules
# around each task instead, as for a request: CONN_MAX_AGE and the health check.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# Each worker child compiles the e-invoice rules at start (several seconds); the default 4 s
# would have the master kill children that are merely warming up.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 90.0
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "deadline-timers": {"task": "workflows.tasks.deadlines_tick_task", "schedule": 60.0},
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "zuschlag@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "procurement.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "zuschlag API",
    "DESCRIPTION": "Public procurement: tenders, bids, contracts and e-invoices.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
