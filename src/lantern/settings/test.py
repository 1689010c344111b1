"""Tests: a cheap password hasher and plain static storage (no asset build needed)."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-" + "x" * 40
DEBUG = False
LANTERN_DEMO = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Every response that names a person must have audited them (see tests/support).
MIDDLEWARE = [*MIDDLEWARE, "tests.support.audit_coverage.AuditCoverageMiddleware"]  # noqa: F405
AUDIT_ANCHOR_KEY = "test-only-audit-anchor-key-" + "k" * 40
if not env_str("AUDIT_ANCHOR_DIR"):  # noqa: F405
    AUDIT_ANCHOR_DIR = VAR_DIR / "test-audit-anchors"  # noqa: F405
