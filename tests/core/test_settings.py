"""Configuration from the environment: clear refusals, safe production defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lantern.settings.env import database_from_url, env_bool

ROOT = Path(__file__).resolve().parents[2]


def test_sqlite_urls_relative_and_absolute(tmp_path):
    relative = database_from_url("sqlite:///var/x.sqlite3", base_dir=tmp_path)
    assert relative["NAME"] == str(tmp_path / "var" / "x.sqlite3")
    assert relative["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in relative["OPTIONS"]["init_command"]
    absolute = database_from_url(f"sqlite:///{tmp_path}/y.sqlite3", base_dir=Path("/other"))
    assert absolute["NAME"] == f"{tmp_path}/y.sqlite3"


def test_postgres_url():
    db = database_from_url(
        "postgres://ann:p%40ss@db.internal:5433/lantern?sslmode=require", base_dir=Path("/")
    )
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "ann",
        "p@ss",
        "db.internal",
        "5433",
        "lantern",
    )
    # psycopg prepares only what a cursor asks to (the audit append), unless told otherwise
    assert db["OPTIONS"] == {"sslmode": "require", "prepare_threshold": 2**31 - 1}


@pytest.mark.parametrize(("given", "threshold"), [("none", None), ("None", None), ("5", 5)])
def test_prepared_statements_can_be_turned_off_for_a_pooler(given, threshold):
    db = database_from_url(f"postgres://x@y/z?prepare_threshold={given}", base_dir=Path("/"))
    assert db["OPTIONS"]["prepare_threshold"] == threshold


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://x@y/z", "unknown database type mysql://"),
        ("postgres://x@y:notaport/z", "cannot be read"),
        ("postgres://x@y:5432/", "names no PostgreSQL database"),
        ("sqlite://", "no SQLite file path"),
        ("nonsense", "unknown database type"),
        ("postgres://x@y/z?prepare_threshold=often", "prepare_threshold='often'"),
    ],
)
def test_unreadable_database_urls_are_refused_with_a_reason(url, words):
    with pytest.raises(ImproperlyConfigured, match=words):
        database_from_url(url, base_dir=Path("/"))


def test_yes_no_values(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG") is True
    monkeypatch.setenv("FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG")


def run_lantern(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "-m", "lantern.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_lantern("check", env={})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_deploy_check_is_clean(tmp_path):
    result = run_lantern(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-" + "z" * 20,
            "AUDIT_ANCHOR_KEY": "anchor-key-for-the-deploy-check-" + "a" * 20,
            "DATABASE_URL": f"sqlite:///{tmp_path}/check.sqlite3",
            "ALLOWED_HOSTS": "lantern.example",
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_an_unreadable_database_url_stops_the_command_with_a_reason():
    result = run_lantern(
        "check",
        env={"DATABASE_URL": "mysql://a@b/c", "SECRET_KEY": "s" * 60, "AUDIT_ANCHOR_KEY": "a" * 40},
    )
    assert result.returncode != 0
    assert "DATABASE_URL uses an unknown database type" in result.stderr
