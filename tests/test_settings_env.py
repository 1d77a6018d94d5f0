"""Settings fail loudly at start, naming the variable, instead of running with a silent default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from linli.env import ImproperlyConfiguredEnv, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import linli.settings"], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_it_rejects_a_misspelt_boolean(monkeypatch):
    monkeypatch.setenv("DEBUG", "ture")
    with pytest.raises(ImproperlyConfiguredEnv, match="DEBUG='ture' is not a boolean"):
        env_bool("DEBUG")


def test_it_rejects_a_number_out_of_range(monkeypatch):
    monkeypatch.setenv("LINLI_IDLE_TIMEOUT_MINUTES", "0")
    with pytest.raises(ImproperlyConfiguredEnv, match="LINLI_IDLE_TIMEOUT_MINUTES=0 is below the minimum 1"):
        env_int("LINLI_IDLE_TIMEOUT_MINUTES", 30, minimum=1)


def test_it_rejects_words_where_a_number_is_needed(monkeypatch):
    monkeypatch.setenv("LINLI_UPLOAD_MAX_MB", "ten")
    with pytest.raises(ImproperlyConfiguredEnv, match="not a whole number"):
        env_int("LINLI_UPLOAD_MAX_MB", 10)


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "linli.example.gov.cn, 10.0.0.5 ,")
    assert env_list("ALLOWED_HOSTS", []) == ["linli.example.gov.cn", "10.0.0.5"]


def test_debug_off_requires_a_secret_key():
    result = _import_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_off_requires_encryption_keys():
    result = _import_settings(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "LINLI_FIELD_KEYS and LINLI_HASH_KEY must be set" in result.stderr


def test_a_bad_database_url_names_the_variable():
    result = _import_settings(DEBUG="1", DATABASE_URL="mysqlx://nowhere")
    assert result.returncode != 0
    assert "DATABASE_URL='mysqlx://nowhere' is not a database URL" in result.stderr


def test_a_bad_log_level_names_the_variable():
    result = _import_settings(DEBUG="1", LOG_LEVEL="LOUD")
    assert result.returncode != 0
    assert "LOG_LEVEL='LOUD' is not one of" in result.stderr


def test_development_settings_import_cleanly():
    assert _import_settings(DEBUG="1").returncode == 0


def _database_options(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    clean.update(DEBUG="1", **env)
    code = (
        "import linli.settings as s; "
        "print(sorted((a, d.get('OPTIONS', {}).get('server_side_binding')) for a, d in s.DATABASES.items()))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgresql_binds_parameters_on_the_server_unless_told_not_to():
    primary, replica = "postgres://u@db/linli", "postgres://u@replica/linli"
    both = _database_options(DATABASE_URL=primary, DATABASE_REPLICA_URLS=replica)
    assert both == "[('default', True), ('replica1', True)]"
    assert _database_options(DATABASE_URL=primary, DB_SERVER_SIDE_BINDING="0") == "[('default', None)]"
    assert _database_options(DATABASE_URL="sqlite:///x.sqlite3") == "[('default', None)]"


@pytest.mark.django_db
def test_the_test_database_runs_as_configured():
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "postgresql":
        from django.db.backends.postgresql.base import ServerBindingCursor

        assert connection.connection.cursor_factory is ServerBindingCursor
