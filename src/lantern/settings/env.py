"""Tiny typed helpers for reading settings from the environment.

Every helper accepts `NAME_FILE` in place of `NAME`, so that secrets can be
mounted as files instead of being put into the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = env_str(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value: use true or false")


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = env_str(name)
    if raw is None or raw.strip() == "":
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, *, base_dir: Path) -> dict:
    """Turn a DATABASE_URL into a Django DATABASES entry.

    Understands `sqlite:///relative/path`, `sqlite:////absolute/path` and
    `postgres://user:password@host:port/name?sslmode=...` (also `postgresql://`).
    Anything else is refused with a message that says what was expected.
    """
    hint = "expected sqlite:///path/to/file.sqlite3 or postgres://user:password@host:port/name"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read ({exc}): {hint}") from exc
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc or not path or path == "/":
            raise ImproperlyConfigured(f"DATABASE_URL has no SQLite file path: {hint}")
        name = Path(path[1:])  # sqlite:///rel/path -> rel/path; sqlite:////abs -> /abs
        if not name.is_absolute():
            name = base_dir / name
        return sqlite_database(name)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL names no PostgreSQL database: {hint}")
        options = dict(parse_qsl(parts.query))
        options["prepare_threshold"] = _prepare_threshold(options.get("prepare_threshold"))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    shown = f"{scheme}://" if scheme else repr(url[:20])
    raise ImproperlyConfigured(f"DATABASE_URL uses an unknown database type {shown}: {hint}")


def _prepare_threshold(raw: str | None) -> int | None:
    """Prepared statements on PostgreSQL: only where a cursor asks for one.

    Django's own cursors bind parameters on the client and never prepare; the audit
    append asks (`audit.services._PreparedCursor`), which saves the server a quarter of
    each append's work. A threshold this high means psycopg prepares nothing on its own.
    `?prepare_threshold=none` in DATABASE_URL turns them off, for a connection pooler
    in transaction mode that cannot keep them; a number prepares any server-bound query
    run that many times.
    """
    if raw is None or raw == "":
        return 2**31 - 1
    if raw.strip().lower() == "none":
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL's prepare_threshold={raw!r} is neither a whole number nor none"
        ) from exc


def sqlite_database(path: Path) -> dict:
    """SQLite in WAL mode with immediate transactions, so writers queue instead of failing."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
            ),
        },
    }
