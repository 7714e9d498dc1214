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
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
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
    "django_tables2",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "auditlog",
    "captcha",
    "axes",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cms.middleware.AdminLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
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

# --- Cache and sessions ------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery: a real worker on Redis when CELERY_BROKER_URL is set, inline otherwise -----------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE: dict = {
    # The day-before reminder of every accepted shift (volunteer journey).
    # Runs once a day at 18:00 Asia/Taipei for the shifts of the next day.
    "shift-reminders": {"task": "operations.tasks.send_shift_reminders", "schedule": crontab(hour=18, minute=0)},
    # Attendance: flag forgotten check-outs of earlier days, every morning at 06:00 Asia/Taipei.
    "flag-missing-checkouts": {"task": "operations.tasks.flag_missing_checkouts", "schedule": crontab(hour=6, minute=0)},
    # Public site: publish (and unpublish) pages scheduled by editors, every minute.
    "cms-publish-scheduled": {"task": "cms.tasks.publish_scheduled_pages", "schedule": 60.0},
}

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "volunteer_site.mail.ReadableConsoleEmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "臺北市志工管理整合平台 <noreply@volunteer.example.tw>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
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

# Domain settings
VOLUNTEER_SITE = {
    "INSURER_AGE_CAP": int(os.environ.get("INSURER_AGE_CAP", "80")),
    "BACKOFFICE_PAGE_SIZE": 25,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
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
}
