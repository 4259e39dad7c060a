"""Django settings for jingzhun, read from the environment.

Every variable is declared here once, with its type and default; `.env.example` lists them.
SQLite in ``var/`` is the zero-set-up default; ``DATABASE_URL=postgres://...`` selects PostgreSQL.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("JINGZHUN_DATA_DIR", Path.cwd() / "var"))


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean: only ``true``/``false`` (any case) or ``1``/``0`` are accepted."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_secret(name: str, default: str) -> str:
    """Read a secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


DEBUG = env_bool("JINGZHUN_DEBUG", False)
SECRET_KEY = env_secret("JINGZHUN_SECRET_KEY", "insecure-development-key-change-me-in-production")
ALLOWED_HOSTS = [h for h in os.environ.get("JINGZHUN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("JINGZHUN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "axes",
    "jingzhun.core",
    "jingzhun.areas",
    "jingzhun.accounts",
    "jingzhun.policy",
    "jingzhun.registry",
    "jingzhun.synthetic",
    "jingzhun.imports",
    "jingzhun.workflow",
    "jingzhun.funds",
    "jingzhun.assistance",
    "jingzhun.screening",
    "jingzhun.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jingzhun.urls"
WSGI_APPLICATION = "jingzhun.wsgi.application"

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
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{DATA_DIR / 'jingzhun.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if "DATABASE_URL" not in os.environ:
        DATA_DIR.mkdir(parents=True, exist_ok=True)  # the default database lives there
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE avoids "database is locked" when two requests write at once; WAL lets reads go on.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("JINGZHUN_TEST_SQLITE") or None}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Login throttling (django-axes): lock a username from an address after repeated failures.
AXES_FAILURE_LIMIT = env_int("JINGZHUN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("JINGZHUN_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "jingzhun.accounts.lockout.lockout_response"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("JINGZHUN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("JINGZHUN_SESSION_SECONDS", 8 * 3600)
X_FRAME_OPTIONS = "DENY"

# API bearer tokens live this many days.
API_TOKEN_DAYS = env_int("JINGZHUN_API_TOKEN_DAYS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JINGZHUN_LOG_LEVEL", "WARNING")},
}


# Imports run in a background thread; true runs them inside the request (tests).
IMPORT_INLINE = env_bool("JINGZHUN_IMPORT_INLINE", False)
SCREENING_INLINE = env_bool("JINGZHUN_SCREENING_INLINE", False)
# A large import (from the chunk that brings it to this many members, when that is at least a fifth of
# the members already registered) drops the registry tables' secondary indexes and foreign keys and
# builds them again at the end (PostgreSQL): much faster, but other users' reads of the registry wait
# until the import finishes. 0 turns this off.
IMPORT_REBUILD_INDEXES_MIN_ROWS = env_int("JINGZHUN_IMPORT_REBUILD_INDEXES_MIN_ROWS", 25_000)
# A running import whose job has not reported for this long is taken as dead (its process stopped)
# and marked interrupted; jobs report after every chunk of 50,000 rows.
IMPORT_STALE_MINUTES = env_int("JINGZHUN_IMPORT_STALE_MINUTES", 15)
# Uploaded import files and their reports (ID numbers, incomes) are deleted this many days after the
# import finished (`jingzhun clean_imports`, also run after every upload). The registry and the
# import history keep what was imported.
IMPORT_KEEP_DAYS = env_int("JINGZHUN_IMPORT_KEEP_DAYS", 30)
