"""Production: refuses to start without a secret key; HTTPS-only cookies and HSTS."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool, env_int, require_secret_key

SECRET_KEY = require_secret_key(SECRET_KEY)
DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# The audit log's anchors are signed with this key: no key, no start.
from .base import AUDIT_ANCHOR_KEY, require_anchor_key  # noqa: E402

AUDIT_ANCHOR_KEY = require_anchor_key(AUDIT_ANCHOR_KEY)
