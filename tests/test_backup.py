"""Backups: ``manage.py backup`` writes database + media + checksums; ``manage.py restore`` puts every
request, resident and ledger entry back into an empty database (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from linli.core.backup import backup_verify
from linli.core.errors import InvalidInput

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["tickets_ticket", "tickets_ticketevent", "people_person", "volunteering_pointentry", "deliberation_ballot"]


def _ids(cursor, table: str) -> set[int]:
    cursor.execute(f"SELECT id FROM {table}")  # noqa: S608 — fixed table names
    return {row[0] for row in cursor.fetchall()}


def _source_ids() -> dict[str, set[int]]:
    with connection.cursor() as cursor:
        return {t: _ids(cursor, t) for t in TABLES}


def _restore(archive: Path, database_url: str, media: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="linli.settings", DEBUG="1", DATABASE_URL=database_url, MEDIA_ROOT=str(media))
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def archive(tmp_path, settings, users):
    if connection.vendor == "sqlite":
        # The SQLite snapshot is taken inside the test's transaction, so fresh requests are in it;
        # pg_dump sees committed rows only (the demo's residents and ledgers).
        from linli.tickets.services import ticket_submit

        for text in ("楼道灯坏了,晚上看不见", "小区门口积水严重", "电梯异响,请尽快检修"):
            ticket_submit(actor=users["resident"], description=text, title=text[:6])
    media = tmp_path / "media"
    (media / "tickets/2026/11").mkdir(parents=True)
    (media / "tickets/2026/11/1-abc.jpg").write_bytes(b"\xff\xd8\xff photo bytes")
    settings.MEDIA_ROOT = media
    out = tmp_path / "linli.tar"
    call_command("backup", "--output", str(out))
    return out


def test_a_backup_holds_a_manifest_with_a_checksum_for_every_member(archive):
    manifest = backup_verify(archive)
    assert manifest["engine"] == connection.vendor
    assert "media/tickets/2026/11/1-abc.jpg" in manifest["members"]
    assert manifest["counts"]["people_person"] > 0
    if connection.vendor == "sqlite":
        assert manifest["counts"]["tickets_ticket"] >= 3
    assert manifest["migrations"]["tickets"]


def test_a_damaged_archive_is_refused_before_anything_is_restored(archive, tmp_path):
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member)
            if member.name.startswith("media/"):
                payload = b"tampered!" + data.read()[9:]
                member.size = len(payload)
                import io

                target.addfile(member, io.BytesIO(payload))
            else:
                target.addfile(member, data)
    with pytest.raises(InvalidInput, match="校验和不符"):
        backup_verify(damaged)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite restore path")
def test_restoring_into_an_empty_sqlite_database_brings_back_every_request_resident_and_ledger_entry(archive, tmp_path):
    expected = _source_ids()
    target = tmp_path / "restored.sqlite3"
    media = tmp_path / "restored-media"
    result = _restore(archive, f"sqlite:///{target}", media)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as restored:
        cursor = restored.cursor()
        for table, ids in expected.items():
            assert _ids(cursor, table) == ids, table
    assert (media / "tickets/2026/11/1-abc.jpg").read_bytes() == b"\xff\xd8\xff photo bytes"
    again = _restore(archive, f"sqlite:///{target}", media)
    assert again.returncode != 0 and "不是空的" in again.stderr, "a non-empty database is refused"
    assert _restore(archive, f"sqlite:///{target}", media, "--force").returncode == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL restore path")
def test_restoring_into_an_empty_postgresql_database_brings_back_every_request_resident_and_ledger_entry(
    archive, tmp_path
):
    import psycopg

    expected = _source_ids()
    db = connection.settings_dict
    name = f"linli_restore_{secrets.token_hex(4)}"
    conninfo = f"host={db.get('HOST') or '127.0.0.1'} port={db.get('PORT') or 5432} user={db['USER']} dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{db['USER']}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
        result = _restore(archive, url, tmp_path / "restored-media")
        assert result.returncode == 0, result.stderr
        with psycopg.connect(conninfo.replace("dbname=postgres", f"dbname={name}")) as restored:
            cursor = restored.cursor()
            for table, ids in expected.items():
                assert _ids(cursor, table) == ids, table
        again = _restore(archive, url, tmp_path / "restored-media")
        assert again.returncode != 0 and "不是空的" in again.stderr
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
