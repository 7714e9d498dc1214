"""Settings shared by every environment. Everything that differs between machines comes from the
environment, so any number of web nodes and Celery workers can run the same code side by side."""
import os
import shutil
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "operations",
    "cms",
    "volunteer_site",  # project-level commands only (load_demo_data calls the operations and cms loaders)
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as our own static files
    "django_tables2",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "auditlog",
    "captcha",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_prometheus",
]

MIDDLEWARE = [
    # Operations (see README "Operations"): health and metrics answer before everything else; every
    # request gets an id for the logs and the tasks it triggers; request rates and latencies per view.
    "volunteer_site.ops_endpoints.OperationsEndpointsMiddleware",
    "volunteer_site.request_id.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Stored anonymous public pages are answered here, before session, locale, auth, axes and audit
    # (cms/page_cache.py; only requests without a session or messages cookie).
    "cms.page_cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the second factor of this session (django-otp); then the staff sign-in
    # rules: a staff session ends after inactivity, and back-office, Wagtail admin and staff API need the
    # verified second factor where the person's role requires one (README "Staff sign-in").
    "django_otp.middleware.OTPMiddleware",
    "operations.views.signin.StaffSessionMiddleware",
    "cms.middleware.AdminLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # NUL and other control characters: refused in paths and query strings, removed from form posts.
    "volunteer_site.middleware.InputGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "volunteer_site.urls"
WSGI_APPLICATION = "volunteer_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database: SQLite by default, PostgreSQL when DATABASE_URL is set -------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a management command writes; the timeout avoids
    # "database is locked" under the dev server's threads.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiler is meant for long analytic queries: on the back-office lists it spends about
    # 0.5 s compiling a query that runs in 0.15 s (the planner overestimates scoped EXISTS filters). Off for
    # this web workload unless POSTGRES_JIT=on (README "Environment variables").
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = f"-c jit={os.environ.get('POSTGRES_JIT', 'off')}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "operations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # lock-out after repeated failures; must come first
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "operations:login"
LOGIN_REDIRECT_URL = "operations:dashboard"
LOGOUT_REDIRECT_URL = "operations:login"
# One sign-in for the back-office and the Wagtail admin: /admin/login/ is the staff log-in page.
WAGTAILADMIN_LOGIN_URL = "operations:login"

# --- Languages and time -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
FORMAT_MODULE_PATH = ["volunteer_site.formats"]  # zh_Hant numbers grouped by thousands (site/formats/)
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Uploaded media go to S3-compatible object storage when a bucket is configured, local disk otherwise.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Private files (consents, rosters, certificates, volunteer photos): a storage that no web server or bucket
# serves. Local disk outside MEDIA_ROOT by default; a private S3 bucket (no ACL, pre-signed URLs valid for
# PRIVATE_FILES_URL_EXPIRE seconds) when AWS_PRIVATE_STORAGE_BUCKET_NAME is set. Only the serving views in
# operations/views/files.py hand them out, after checking the scope (see operations/storage.py).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media"))
AWS_PRIVATE_STORAGE_BUCKET_NAME = os.environ.get("AWS_PRIVATE_STORAGE_BUCKET_NAME", "")
PRIVATE_FILES_URL_EXPIRE = int(os.environ.get("PRIVATE_FILES_URL_EXPIRE", "60"))
# How the serving views deliver a local private file: "none" (Django streams it), "x-accel" (nginx
# X-Accel-Redirect to an `internal` location at PRIVATE_FILES_ACCEL_PREFIX) or "x-sendfile" (Apache/lighttpd).
PRIVATE_FILES_SENDFILE = os.environ.get("PRIVATE_FILES_SENDFILE", "none").strip().lower()
PRIVATE_FILES_ACCEL_PREFIX = os.environ.get("PRIVATE_FILES_ACCEL_PREFIX", "/_private/")
STORAGES["private"] = {"BACKEND": "operations.storage.PrivateFileSystemStorage"}
if AWS_PRIVATE_STORAGE_BUCKET_NAME:
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_PRIVATE_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": None,  # a CDN domain cannot sign: always the bucket's own pre-signed URLs
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": PRIVATE_FILES_URL_EXPIRE,
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }

# --- Cache and sessions ------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Public pages under load (README "Front cache") -----------------------------------------------
# The public recruitment figures may be this many seconds old: recomputed at most once per interval.
RECRUITMENT_FIGURES_MAX_AGE = int(os.environ.get("RECRUITMENT_FIGURES_MAX_AGE", "2"))
# Anonymous public pages say `Cache-Control: public, s-maxage=N` so that a shared cache (the nginx
# micro-cache in deploy/) may keep them N seconds; pages with live figures or seat counts say at most
# the figures' age. 0 sends `private` instead (no shared cache).
PUBLIC_PAGES_SHARED_MAX_AGE = int(os.environ.get("PUBLIC_PAGES_SHARED_MAX_AGE", "30"))
# Seconds a web process answers a public page from its own memory before asking the shared cache again
# (cms/page_cache.py); 0 turns that tier off.
PUBLIC_PAGES_LOCAL_SECONDS = float(os.environ.get("PUBLIC_PAGES_LOCAL_SECONDS", "1"))
# Purge of the front cache on publish (wagtail.contrib.frontend_cache): FRONTEND_CACHE_PURGE_URL is the
# address the PURGE requests go to (e.g. http://127.0.0.1:8080 for the nginx in deploy/); unset, no purge.
WAGTAILFRONTENDCACHE = {}
if os.environ.get("FRONTEND_CACHE_PURGE_URL"):
    WAGTAILFRONTENDCACHE["proxy"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": os.environ["FRONTEND_CACHE_PURGE_URL"],
    }

# --- Celery: a real worker on Redis when CELERY_BROKER_URL is set, inline otherwise -----------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing must fail fast when Redis is away (the outbox retries later) instead of retrying for ever
# inside a request; an unacknowledged task is redelivered after the visibility timeout.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
    "socket_connect_timeout": 2, "socket_timeout": 5,
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker logs through LOGGING below (JSON, request ids)
CELERY_BEAT_SCHEDULE: dict = {
    # The day-before reminder of every accepted shift (volunteer journey).
    # Runs once a day at 18:00 Asia/Taipei for the shifts of the next day.
    "shift-reminders": {"task": "operations.tasks.send_shift_reminders", "schedule": crontab(hour=18, minute=0)},
    # Roster imports that a lost worker left waiting or checking are marked failed, every five minutes.
    "fail-stuck-roster-imports": {"task": "operations.tasks.fail_stuck_roster_imports",
                                  "schedule": crontab(minute="*/5")},
    # Attendance: flag forgotten check-outs of earlier days, every morning at 06:00 Asia/Taipei.
    "flag-missing-checkouts": {"task": "operations.tasks.flag_missing_checkouts", "schedule": crontab(hour=6, minute=0)},
    # Sign-ups: check the seat invariants of every shift at 03:30 Asia/Taipei; findings alert the admins.
    "check-signup-invariants": {"task": "operations.tasks.check_signup_invariants",
                                "schedule": crontab(hour=3, minute=30)},
    # One-time keys of the sign-up and cancel forms are kept two days.
    "purge-submission-keys": {"task": "operations.tasks.purge_submission_keys", "schedule": crontab(hour=3, minute=45)},
    # Public site: publish (and unpublish) pages scheduled by editors, every minute.
    "cms-publish-scheduled": {"task": "cms.tasks.publish_scheduled_pages", "schedule": 60.0},
    # Operations: publish outbox messages the after-commit attempt could not hand to the broker.
    "outbox-drain": {"task": "operations.tasks.drain_outbox",
                     "schedule": float(os.environ.get("OUTBOX_DRAIN_SECONDS", "30"))},
    "outbox-purge": {"task": "operations.tasks.purge_outbox", "schedule": crontab(hour=3, minute=30)},
    # Insurance: policy expiry alerts (30 and 7 days before) and the daily digest of accepted sign-ups
    # without insurance, one per unit, at 08:00 Asia/Taipei.
    "insurance-alerts": {"task": "operations.tasks.send_insurance_alerts", "schedule": crontab(hour=8, minute=0)},
    # Review chain: reminders of forms on their chain's reminder day (a performance certificate's day 5) and
    # of overdue forms, to the people who decide the waiting step, at 08:30 Asia/Taipei.
    "review-reminders": {"task": "operations.tasks.send_review_reminders", "schedule": crontab(hour=8, minute=30)},
    # Half-year and annual reports: reminders to units whose report is not submitted, REPORT_REMINDER_DAYS
    # before its due date and daily for 30 days once late, at 08:40 Asia/Taipei.
    "report-reminders": {"task": "operations.tasks.send_report_reminders", "schedule": crontab(hour=8, minute=40)},
    # Kept report figures: fold the hours' delta rows into one row per unit and month, every ten minutes.
    "kept-hours-compact": {"task": "operations.tasks.compact_kept_hours",
                           "schedule": float(os.environ.get("KEPT_HOURS_COMPACT_SECONDS", "600"))},
}
# Days before a half-year or annual report's due date on which the unit's administrators are reminded.
REPORT_REMINDER_DAYS = tuple(int(d) for d in os.environ.get("REPORT_REMINDER_DAYS", "14,3").split(",") if d.strip())

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "volunteer_site.mail.ReadableConsoleEmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "臺北市志工管理整合平台 <noreply@volunteer.example.tw>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who gets operational alerts (e.g. the nightly seat-invariant check) besides the system administrators:
# comma-separated e-mail addresses.
ADMINS = [(email.strip(), email.strip()) for email in os.environ.get("ADMINS", "").split(",") if email.strip()]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")  # `make run PORT=…` sets it to match the port

# --- Wagtail -----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "臺北市志工管理整合平台"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The admin in our two languages only; no Gravatar requests (editors' e-mail hashes would go to a third
# party, and the admin must work offline).
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "ods", "odp", "docx", "xlsx", "csv", "txt", "zip"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILAPI_BASE_URL = SITE_URL

# --- Tables and auditing -----------------------------------------------------------------------
DJANGO_TABLES2_TEMPLATE = "components/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "data-table"}
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- The JSON API (README "The API") -------------------------------------------------------------------
# Our views (operations/api/) name their authentication and permissions themselves; the defaults below are
# DRF's own, which Wagtail's API v2 keeps using; only the schema generator is set here.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Taipei City Volunteer Platform API · 臺北市志工管理整合平台 API",
    "DESCRIPTION": (
        "Staff read API (`/api/operations/`): session (browser, CSRF on writes) or `Authorization: Bearer <token>`; "
        "a token acts as the account that made it and sees exactly its scope. Public figures "
        "(`/api/operations/public/`): no authentication. Lists are paginated with `page` and `per_page`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/operations",
    "PREPROCESSING_HOOKS": ["operations.api.schema.only_our_endpoints"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Cities are a code table (operations.api.serializers.CityField reads it): every city field has the same
    # values, so their enum is named CityEnum without an override, and lists a city added on the screen.
    "ENUM_NAME_OVERRIDES": {"OrgKindEnum": "operations.models.OrgKind"},
}
# API tokens: validity offered when making one (days), the longest allowed, usable tokens per person, and how
# often the "last used" time is written (seconds).
API_TOKENS = {
    "DEFAULT_DAYS": int(os.environ.get("API_TOKEN_DEFAULT_DAYS", "90")),
    "MAX_DAYS": int(os.environ.get("API_TOKEN_MAX_DAYS", "365")),
    "MAX_ACTIVE": int(os.environ.get("API_TOKEN_MAX_ACTIVE", "10")),
    "TOUCH_SECONDS": 60,
}

# Domain settings
VOLUNTEER_SITE = {
    "INSURER_AGE_CAP": int(os.environ.get("INSURER_AGE_CAP", "80")),
    "BACKOFFICE_PAGE_SIZE": 25,
}
# The insurance gate (selectors.insurance): by default it applies to the shifts of organisations that record
# a policy here; True applies it to every shift (nobody uninsured is seated anywhere).
INSURANCE_GATE_ALL = env_bool("INSURANCE_GATE_ALL", False)

# JSON lines on stderr (LOG_FORMAT=json, the default) with the request id of the request or task that
# wrote them; LOG_FORMAT=text for people reading a terminal (make run).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "volunteer_site.request_id.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail's background tasks run inline in development and log every run at INFO.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": os.environ.get("WAGTAIL_LOG_LEVEL", "WARNING")},
    },
}


# --- Volunteer accounts: CAPTCHA, lock-out, TaipeiPass (volunteer journey) ---------------------
CAPTCHA_LENGTH = 5
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.random_char_challenge"  # compared case-insensitively
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_FLITE_PATH = os.environ.get("CAPTCHA_FLITE_PATH") or shutil.which("flite")  # audio CAPTCHA (Debian package flite)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # this account from this address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "operations.views.accounts.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
TAIPEIPASS = {
    "DISCOVERY_URL": os.environ.get("TAIPEIPASS_DISCOVERY_URL", ""),
    "CLIENT_ID": os.environ.get("TAIPEIPASS_CLIENT_ID", ""),
    "CLIENT_SECRET": os.environ.get("TAIPEIPASS_CLIENT_SECRET", ""),
    "SCOPE": os.environ.get("TAIPEIPASS_SCOPE", "openid profile email"),
}
VOLUNTEER_ACCOUNTS = {
    "PRIVACY_NOTICE_VERSION": "2025-01",
    "CONFIRM_LINK_DAYS": 3,
    "ROSTER_MIN_ROWS": int(os.environ.get("ROSTER_MIN_ROWS", "30")),
    "ROSTER_MAX_ROWS": 10000,
    "ROSTER_MAX_BYTES": 5 * 1024 * 1024,
    # XLSX and ODS are zip archives: refuse one that unpacks to more than this (a "zip bomb").
    "ROSTER_MAX_UNPACKED_BYTES": int(os.environ.get("ROSTER_MAX_UNPACKED_BYTES", str(40 * 1024 * 1024))),
    # An import still waiting or checking after this many minutes is marked failed (beat job).
    "ROSTER_IMPORT_TIMEOUT_MINUTES": int(os.environ.get("ROSTER_IMPORT_TIMEOUT_MINUTES", "30")),
}


# --- Operations: outbox, health, metrics, backups (README "Operations") -------------------------------
OUTBOX_GRACE_SECONDS = 30  # the drain leaves a new message to its after-commit publication this long
OUTBOX_RETRY_BASE_SECONDS = int(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "10"))
OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "3600"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "25"))
OUTBOX_KEEP_SENT_DAYS = 7
EFFECT_LOG_KEEP_DAYS = 30
HEALTH_CHECK_TIMEOUT = float(os.environ.get("HEALTH_CHECK_TIMEOUT", "1"))
HEALTH_DISK_MIN_FREE_MB = int(os.environ.get("HEALTH_DISK_MIN_FREE_MB", "500"))
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS")
BACKUP_DIR = os.environ.get("BACKUP_DIR", "")
# "media=/srv/volunteer/media,private=/srv/volunteer/private"; empty: MEDIA_ROOT (+ PRIVATE_MEDIA_ROOT)
BACKUP_FILE_ROOTS = dict(item.split("=", 1) for item in env_list("BACKUP_FILE_ROOTS") if "=" in item) or None
PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")

# --- Personal-data rights (PDPA Art.3, Art.11; operations.services.privacy) ---------------------------------
# A request is due PRIVACY_DUE_DAYS after it is made; the competent authority's staff get a digest of the
# requests due within PRIVACY_REMIND_DAYS (and overdue ones) every morning. Volunteers with no activity for
# PRIVACY_RETENTION_YEARS (no service, sign-up, training, cover, open membership or log-in) are anonymised
# by the nightly retention job: PDPA Art.11 par.3 asks for deletion once the purpose has ended, and the
# personal service file of Volunteer Service Act Art.11 is kept that long after the last service.
PRIVACY = {
    "DUE_DAYS": int(os.environ.get("PRIVACY_DUE_DAYS", "30")),
    "REMIND_DAYS": (7, 1),
    "RETENTION_YEARS": int(os.environ.get("PRIVACY_RETENTION_YEARS", "5")),
    "RETENTION_BATCH": int(os.environ.get("PRIVACY_RETENTION_BATCH", "500")),
}
CELERY_BEAT_SCHEDULE.update({
    # Personal-data requests due within a week, tomorrow or overdue: one digest to the competent authority, 08:15.
    "privacy-request-reminders": {"task": "operations.tasks.send_privacy_reminders",
                                  "schedule": crontab(hour=8, minute=15)},
    # Anonymise volunteers inactive for longer than PRIVACY["RETENTION_YEARS"], nightly at 04:15.
    "privacy-retention": {"task": "operations.tasks.run_privacy_retention", "schedule": crontab(hour=4, minute=15)},
})

# --- Staff sign-in (README "Staff sign-in"): second factor, inactivity, recovery codes ---------------
# A verified TOTP second factor is required of unit administrators and above (roles.SECOND_FACTOR_REQUIRED)
# for the back-office, the Wagtail admin and the staff API. On in production and in the tests; `make run`'s
# dev settings switch it off unless STAFF_2FA_REQUIRED=1 (an enrolled factor is still asked for).
STAFF_2FA_REQUIRED = env_bool("STAFF_2FA_REQUIRED", True)
# A staff session ends after this many minutes without a request.
STAFF_SESSION_IDLE_MINUTES = int(os.environ.get("STAFF_SESSION_IDLE_MINUTES", "30"))
STAFF_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = "臺北市志工管理整合平台"
OTP_TOTP_THROTTLE_FACTOR = 1
