"""The demo: the synthetic borough on SQLite, on this machine only.

The secret key is made once and kept under var/, so sessions survive a restart.
"""

import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
LANTERN_DEMO = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# The demo serves the source assets directly; no collectstatic step is needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True


def _demo_secret_key() -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "demo-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _demo_secret_key()


def _demo_audit_anchor_key() -> str:
    path = VAR_DIR / "demo-audit-anchor-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


AUDIT_ANCHOR_KEY = _demo_audit_anchor_key()
