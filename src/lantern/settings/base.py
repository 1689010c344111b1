"""Settings shared by every way of running Lantern."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .env import database_from_url, env_bool, env_int, env_list, env_str, sqlite_database

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The working folder: the checkout in development, or wherever LANTERN_HOME points.
BASE_DIR = Path(env_str("LANTERN_HOME") or Path.cwd()).resolve()
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or ""
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": (
        database_from_url(_database_url, base_dir=BASE_DIR)
        if _database_url
        else sqlite_database(VAR_DIR / "lantern.sqlite3")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "crispy_forms",
    "crispy_forms_gds",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "lantern.core",
    "lantern.audit",
    "lantern.accounts",
    "lantern.partners",
    "lantern.people",
    "lantern.access",
    "lantern.linkage",
    "lantern.timescales",
    "lantern.frontdoor",
    "lantern.casework",
    "lantern.chronology",
    "lantern.risk",
    "lantern.alerts",
    "lantern.network",
    "lantern.justice",
    "lantern.support",
    "lantern.voice",
    "lantern.sar",
    "lantern.synth",
    "lantern.web",
    "lantern.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lantern.accounts.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lantern.audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "lantern.urls"
WSGI_APPLICATION = "lantern.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lantern.web.context_processors.lantern",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"
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
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 8 * 60 * 60)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "lantern.api.pagination.BoundedPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "lantern.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lantern API",
    "DESCRIPTION": "The partnership's API for people, records and events. Signed-in users only.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several records have a field named "status": name the shared ones.
    "ENUM_NAME_OVERRIDES": {"DeadlineStatusEnum": "lantern.timescales.models.DeadlineStatus"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# The name of the partnership's borough shown in the header.
LANTERN_SERVICE_NAME = "Lantern"
LANTERN_DEMO = False


def require_secret_key(secret_key: str) -> str:
    if not secret_key or len(secret_key) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set (or is shorter than 50 characters). Lantern will not start "
            "in production without one: set SECRET_KEY or SECRET_KEY_FILE. To try Lantern, "
            "run the demo instead (see the README)."
        )
    return secret_key


# Signing in: a password, then a one-time code (accounts app; see lantern/accounts/conf.py).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 8 * 60 * 60)
SIGN_IN_BACKOFF_AFTER_FAILURES = env_int("SIGN_IN_BACKOFF_AFTER_FAILURES", 3)
SIGN_IN_BACKOFF_MAX_SECONDS = env_int("SIGN_IN_BACKOFF_MAX_SECONDS", 60)
SIGN_IN_LOCKOUT_AFTER_FAILURES = env_int("SIGN_IN_LOCKOUT_AFTER_FAILURES", 10)
SIGN_IN_LOCKOUT_SECONDS = env_int("SIGN_IN_LOCKOUT_SECONDS", 30 * 60)
SIGN_IN_SECOND_STEP_SECONDS = env_int("SIGN_IN_SECOND_STEP_SECONDS", 10 * 60)
OTP_TOTP_ISSUER = "Lantern"
REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] = ["lantern.accounts.permissions.IsVerified"]
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["lantern.accounts.permissions.IsVerified"]


# The audit log (lantern.audit): anchors of the hash chain are signed with
# AUDIT_ANCHOR_KEY and appended to files in AUDIT_ANCHOR_DIR, outside the database.
_audit_anchor_dir = Path(env_str("AUDIT_ANCHOR_DIR") or VAR_DIR / "audit-anchors")
AUDIT_ANCHOR_DIR = (
    _audit_anchor_dir if _audit_anchor_dir.is_absolute() else BASE_DIR / _audit_anchor_dir
)
AUDIT_ANCHOR_KEY = env_str("AUDIT_ANCHOR_KEY") or ""
# Anchor automatically after every this-many events (0: only `lantern audit anchor`).
AUDIT_ANCHOR_EVERY = env_int("AUDIT_ANCHOR_EVERY", 1000)
# Take the client's address from X-Forwarded-For: only behind one trusted reverse proxy.
AUDIT_TRUST_FORWARDED_FOR = env_bool("AUDIT_TRUST_FORWARDED_FOR", False)


def require_anchor_key(key: str) -> str:
    if not key or len(key) < 32:
        raise ImproperlyConfigured(
            "AUDIT_ANCHOR_KEY is not set (or is shorter than 32 characters). Lantern will not "
            "start in production without one, because the audit log's anchors are signed with "
            "it: set AUDIT_ANCHOR_KEY or AUDIT_ANCHOR_KEY_FILE, and keep it apart from the "
            "database."
        )
    return key
