"""Crossroads settings: one file, configured by environment variables that fail loudly.

CROSSROADS_ENV selects the posture: "development" (the default, used by the demo and the tests)
or "production" (HTTPS-only cookies, HSTS, a secret key that must be given).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise ImproperlyConfigured(f"Environment variable {name} must be set.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    return default if raw is None else [item.strip() for item in raw.split(",") if item.strip()]


ENVIRONMENT = env_str("CROSSROADS_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"CROSSROADS_ENV={ENVIRONMENT!r}: use development or production.")
PRODUCTION = ENVIRONMENT == "production"

DATA_DIR = Path(env_str("CROSSROADS_DATA_DIR", str(PROJECT_DIR / "var")))
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _development_secret_key() -> str:
    """A per-checkout key kept in the data directory, so sessions survive a restart."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env_str("CROSSROADS_SECRET_KEY") if PRODUCTION else _development_secret_key()

# The analytics snapshot (ADR 0021). The key its pseudonyms are made with lives apart from it (the
# environment, else a file beside the database), so a copied snapshot leads back to no one.
ANALYTICS_DIR = Path(env_str("CROSSROADS_ANALYTICS_DIR", str(DATA_DIR / "analytics")))
ANALYTICS_KEY = os.environ.get("CROSSROADS_ANALYTICS_KEY", "")
ANALYTICS_KEY_FILE = DATA_DIR / "analytics.key"
DEBUG = env_bool("CROSSROADS_DEBUG", False)
ALLOWED_HOSTS = env_list(
    "CROSSROADS_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
# Marks every page and export as synthetic; set by the demo.
DEMO_MODE = env_bool("CROSSROADS_DEMO", not PRODUCTION)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # "reported 3 hours ago" on the capacity board
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "crossroads.core",
    "crossroads.screening",
    "crossroads.triage",
    "crossroads.people",
    "crossroads.encounters",
    "crossroads.training",
    "crossroads.directory",
    "crossroads.consent",
    "crossroads.referrals",
    "crossroads.programs",
    "crossroads.analytics",
    "crossroads.api",
    "crossroads.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "crossroads.core.middleware.RequestContextMiddleware",
    "crossroads.core.middleware.SessionPolicyMiddleware",
    "crossroads.api.idempotency.IdempotencyMiddleware",
    "crossroads.core.middleware.AccessMatrixMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crossroads.urls"
WSGI_APPLICATION = "crossroads.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crossroads.core.context_processors.frame",
            ],
        },
    },
]

# --- Databases: embedded SQLite by default, PostgreSQL through DATABASE_URL -------------------
SQLITE_PATH = DATA_DIR / "crossroads.sqlite3"
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL"), conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            # Keep connections, so a request does not reconnect and rerun the PRAGMAs.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # WAL lets readers run beside the writer; FULL makes an acknowledged commit
                # survive power loss. IMMEDIATE takes the write lock at BEGIN, so two writers
                # queue instead of deadlocking on a lock upgrade.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            # A file, not memory, so that threads and the live server share the test database;
            # one per process, so that two test runs in one checkout do not collide.
            "TEST": {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity, sign-in and sessions (SECURITY.md 11-17) ---------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "crossroads.core.backends.AccountBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("CROSSROADS_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("CROSSROADS_SESSION_HOURS", 12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Account lockout (SECURITY.md 13): five failed sign-ins inside any fifteen minutes lock the
# account until an administrator releases it; counted from the audit trail (core/signals.py).
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
# axes adds a network throttle against password spraying across many accounts (docs/adr/0004).
AXES_FAILURE_LIMIT = env_int("CROSSROADS_IP_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "crossroads.core.views.auth.throttled"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "crossroads.core.middleware.client_ip"

OTP_TOTP_ISSUER = "Crossroads"

# --- Security headers -------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("CROSSROADS_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env_list("CROSSROADS_CSRF_TRUSTED_ORIGINS", [])
# Audit rows record where a request came from; behind a proxy, trust its header explicitly.
TRUST_X_FORWARDED_FOR = env_bool("CROSSROADS_TRUST_X_FORWARDED_FOR", False)

# --- Rate limits (SECURITY.md 17): requests per window, per user ------------------------------
RATE_LIMITS = {
    "audit.export": (env_int("CROSSROADS_EXPORT_LIMIT", 5), timedelta(minutes=1)),
    "disclosures.export": (env_int("CROSSROADS_EXPORT_LIMIT", 5), timedelta(minutes=1)),
}
# Nothing shared lives in the cache (rate limits are counted in the database), so each process
# keeps its own.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work --------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# `crossroads import KIND FILE`: each kind's importer, by dotted path (core/importers.py, ADR 0011).
CROSSROADS_IMPORTERS = {
    "calls": "crossroads.encounters.importers.CallsImporter",
    "hsds": "crossroads.directory.importers.HsdsImporter",
    "roster": "crossroads.training.importers.RosterImporter",
    "certifications": "crossroads.training.importers.CertificationsImporter",
}

# --- Resource directory (issue 4) ---------------------------------------------------------------
# A capacity report older than this shows as "unknown", never as open.
DIRECTORY_CAPACITY_MAX_AGE = timedelta(hours=env_int("CROSSROADS_CAPACITY_MAX_AGE_HOURS", 12))
# Records not verified within this period get a verification task for the maintainer.
DIRECTORY_VERIFY_WITHIN = timedelta(days=env_int("CROSSROADS_VERIFY_WITHIN_DAYS", 180))
# Where the directory's times are read when a location's coordinates give no time zone.
DIRECTORY_DEFAULT_TIME_ZONE = env_str("CROSSROADS_DIRECTORY_TZ", "America/New_York")


# --- Referrals (issue 5) ------------------------------------------------------------------------
def env_hours_each(name: str, default: dict[str, int]) -> dict[str, int]:
    """`key=hours,...`: whole hours (at least 1) for keys of `default`; keys left out keep it."""
    hours = dict(default)
    for item in env_list(name, []):
        key, _, value = (part.strip() for part in item.partition("="))
        if key not in default or not value.isdigit() or int(value) < 1:
            example = ",".join(f"{k}={v}" for k, v in default.items())
            raise ImproperlyConfigured(
                f"{name}={os.environ[name]!r}: give whole hours for {', '.join(default)}, "
                f"as in {example}."
            )
        hours[key] = int(value)
    return hours


# How long a provider has to acknowledge a sent referral, by its urgency, before the sender gets
# a task (`crossroads referrals check-acknowledgements`).
REFERRAL_ACKNOWLEDGE_HOURS = env_hours_each(
    "CROSSROADS_REFERRAL_ACKNOWLEDGE_HOURS", {"now": 1, "today": 4, "routine": 48}
)
# A sent referral nobody answered within this many days expires (the same sweep), so the sender
# knows to find another place instead of waiting.
REFERRAL_EXPIRE_DAYS = env_int("CROSSROADS_REFERRAL_EXPIRE_DAYS", 14)

# --- Time, language, static files -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DISPLAY_TIME_ZONE = ZoneInfo(env_str("CROSSROADS_DISPLAY_TZ", "America/New_York"))

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise expects it even before collectstatic
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CROSSROADS_LOG_LEVEL", "WARNING")},
}
LOGIN_URL_PATH = "/accounts/sign-in/"
LOGIN_REDIRECT_URL_PATH = "/"
