"""Django settings, derived only from the environment table in `hygeia.config`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url

from hygeia import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()


def _secret_key() -> str:
    """The key from the environment, else the one in the data directory (made once, 0600)."""
    from_env = os.environ.get("HYGEIA_SECRET_KEY", "").strip()
    if from_env:
        return from_env
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = config.as_bool("HYGEIA_DEBUG")
ALLOWED_HOSTS = config.as_list("HYGEIA_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = config.as_list("HYGEIA_CSRF_TRUSTED_ORIGINS")
TRUSTED_PROXIES = config.as_list("HYGEIA_TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "hygeia.core",
    "hygeia.privacy",
    "hygeia.ai",
    "hygeia.vendors",
    "hygeia.program",
    "hygeia.survey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hygeia.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hygeia.core.upload_limit.UploadLimitMiddleware",  # before anything reads the form
    "hygeia.core.middleware.NulCharactersMiddleware",  # after auth: the 400 page shows the menu
    "hygeia.core.middleware.SessionLifetimeMiddleware",
    "hygeia.core.middleware.AuditContextMiddleware",
    "hygeia.core.middleware.MfaEnforcementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hygeia.urls"
WSGI_APPLICATION = "hygeia.wsgi.application"

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
                "hygeia.core.context.shell",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'hygeia.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or _default_db, conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers (the web UI) work while a writer (an import) runs; IMMEDIATE avoids
    # "database is locked" upgrades of read transactions to write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": config.as_int("HYGEIA_PASSWORD_MIN_LENGTH")},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "hygeia.core.passwords.CharacterClassValidator"},
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"

LANGUAGE_CODE = "en-us"
TIME_ZONE = config.raw("HYGEIA_TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = None  # served from the package by whitenoise (WHITENOISE_USE_FINDERS)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = DATA_DIR / "uploads"  # outside the web root; served only through views
MAX_UPLOAD_BYTES = config.as_int("HYGEIA_MAX_UPLOAD_MB") * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_PERMISSIONS = 0o600
QUARANTINE_KEEP = config.as_int("HYGEIA_QUARANTINE_KEEP")

# --- e-mail ------------------------------------------------------------------------------
BASE_URL = config.raw("HYGEIA_BASE_URL").rstrip("/")
EMAIL_HOST = config.raw("HYGEIA_SMTP_HOST")
EMAIL_PORT = config.as_int("HYGEIA_SMTP_PORT")
EMAIL_USE_TLS = config.raw("HYGEIA_SMTP_SECURITY").lower() == "starttls"
EMAIL_USE_SSL = config.raw("HYGEIA_SMTP_SECURITY").lower() == "tls"
EMAIL_HOST_USER = config.raw("HYGEIA_SMTP_USER")
EMAIL_HOST_PASSWORD = config.raw("HYGEIA_SMTP_PASSWORD")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = config.raw("HYGEIA_EMAIL_FROM")
PHI_GUARD_POLICY = config.raw("HYGEIA_PHI_GUARD_POLICY").strip().lower() or "mask"
VENDOR_TIER_RULES = config.raw("HYGEIA_VENDOR_TIER_RULES").strip()
ORG_EMAIL_DOMAINS = [
    d.strip().lower().lstrip("@") for d in config.as_list("HYGEIA_ORG_EMAIL_DOMAINS")
]
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

# --- sessions and cookies -------------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = config.as_int("HYGEIA_SESSION_IDLE_MINUTES") * 60
SESSION_SAVE_EVERY_REQUEST = True  # sliding idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_MAX_AGE_SECONDS = config.as_int("HYGEIA_SESSION_MAX_HOURS") * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
TLS = config.as_bool("HYGEIA_TLS")
SESSION_COOKIE_SECURE = TLS
CSRF_COOKIE_SECURE = TLS
SECURE_SSL_REDIRECT = TLS
SECURE_HSTS_SECONDS = 31536000 if TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TLS
SECURE_HSTS_PRELOAD = False
if config.as_bool("HYGEIA_TRUST_PROXY_TLS_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- accounts --------------------------------------------------------------------------
LOCKOUT_THRESHOLD = config.as_int("HYGEIA_LOCKOUT_THRESHOLD")
LOCKOUT_MINUTES = config.as_int("HYGEIA_LOCKOUT_MINUTES")

OIDC: dict[str, Any] = {
    "issuer": config.raw("HYGEIA_OIDC_ISSUER").rstrip("/"),
    "client_id": config.raw("HYGEIA_OIDC_CLIENT_ID"),
    "client_secret": config.raw("HYGEIA_OIDC_CLIENT_SECRET"),
    "scopes": config.raw("HYGEIA_OIDC_SCOPES"),
    "role_claim": config.raw("HYGEIA_OIDC_ROLE_CLAIM"),
    "role_map": config.role_map(),
    "default_role": config.raw("HYGEIA_OIDC_DEFAULT_ROLE"),
    "label": config.raw("HYGEIA_OIDC_LABEL"),
}

# --- logging: to stdout, never request bodies; see docs/security.md on PHI in logs --------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "redact_paths": {"()": "hygeia.core.logsafe.RedactPathsFilter"},
        "one_line_requests": {"()": "hygeia.core.logsafe.RequestLogFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            # on the handler too: django.security.* log their own records
            "filters": ["redact_paths", "one_line_requests"],
        }
    },
    "root": {"handlers": ["console"], "level": config.raw("HYGEIA_LOG_LEVEL").upper()},
    "loggers": {
        # Django's request logger prints the path of every 4xx/5xx: the filter reduces paths
        # so that nothing typed into a URL is logged (hygeia.core.logsafe).
        "django.request": {"level": "WARNING", "filters": ["redact_paths", "one_line_requests"]},
        "django.server": {"filters": ["redact_paths"]},
        "django.db.backends": {"level": "INFO"},
        # fpdf2's font subsetting reports every glyph table at INFO for each PDF written.
        "fontTools": {"level": "WARNING"},
    },
}
