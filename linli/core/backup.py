"""Backups of the database and uploaded files as one archive, and restore into an empty database.

An archive is a ``.tar`` with ``manifest.json`` (format, engine, time, Django migrations state,
row counts of the tables that matter, and a SHA-256 and size for every other member), the
database (``db/linli.sqlite3`` through SQLite's online backup API, or ``db/linli.pgdump`` from
``pg_dump --format=custom``) and ``media/…``.

Consistency: the database copy is one snapshot (the SQLite backup API copies a consistent page
set; ``pg_dump`` reads in one repeatable-read transaction). Media files are copied after the
snapshot; services write a file before the row that names it commits, so every file a row in the
snapshot refers to exists by then. Files newer than the snapshot may ride along; they are harmless.

Restore checks every checksum first, refuses a database that already holds tables unless told
(``force``), then restores the database and unpacks media.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, InvalidInput

FORMAT = "linli-backup/1"
# The rows the restore test and the manifest count: requests, residents, ledgers and the audit log.
COUNTED_TABLES = [
    "tickets_ticket",
    "tickets_ticketevent",
    "people_person",
    "volunteering_pointentry",
    "deliberation_ballot",
    "cobuilding_fundentry",
    "audit_auditevent",
]


@dataclass
class BackupReport:
    path: Path
    engine: str
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0


def _engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise InvalidInput(_("不支持备份 %(vendor)s 数据库") % {"vendor": vendor}, field="database")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432), "-U", str(db.get("USER"))]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise Conflict(
            _("未找到 %(tool)s:请安装 PostgreSQL 客户端(postgresql-client),其主版本不低于服务器") % {"tool": tool}
        )
    return found


def _counts(alias: str) -> dict[str, int]:
    out: dict[str, int] = {}
    with connections[alias].cursor() as cursor:
        tables = set(connections[alias].introspection.table_names(cursor))
        for table in COUNTED_TABLES:
            if table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {connections[alias].ops.quote_name(table)}")  # noqa: S608 — fixed table list
                out[table] = int(cursor.fetchone()[0])
    return out


def _migrations(alias: str) -> dict[str, str]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app ORDER BY app")
        return {app: name for app, name in cursor.fetchall()}


def _dump_database(alias: str, target_dir: Path) -> Path:
    engine = _engine(alias)
    db = connections[alias].settings_dict
    if engine == "sqlite":
        out = target_dir / "linli.sqlite3"
        connections[alias].ensure_connection()
        source = connections[alias].connection
        dest = sqlite3.connect(out)
        try:
            if connections[alias].in_atomic_block:
                # SQLite's backup API cannot read a connection's own open write transaction (it
                # answers SQLITE_LOCKED forever); a logical dump of that transaction is the snapshot.
                dest.executescript("\n".join(source.iterdump()))
            else:
                source.backup(dest)
        finally:
            dest.close()
        return out
    out = target_dir / "linli.pgdump"
    args, env = _pg_env(db)
    subprocess.run(  # noqa: S603 — our own arguments, no shell
        [_require("pg_dump"), *args, "--format=custom", "--no-owner", "--file", str(out), str(db["NAME"])],
        check=True,
        env=env,
        capture_output=True,
    )
    return out


def backup_create(*, output: Path, alias: str = "default", media_root: Path | None = None) -> BackupReport:
    """Write one archive with the database snapshot, media files and a manifest of checksums."""
    media = Path(media_root or settings.MEDIA_ROOT)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    report = BackupReport(path=output, engine=_engine(alias))
    with tempfile.TemporaryDirectory(prefix="linli-backup-") as tmp:
        db_dir = Path(tmp) / "db"
        db_dir.mkdir()
        dump = _dump_database(alias, db_dir)
        members: dict[str, dict[str, Any]] = {f"db/{dump.name}": {"sha256": _sha256(dump), "size": dump.stat().st_size}}
        media_files = sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []
        for path in media_files:
            members["media/" + path.relative_to(media).as_posix()] = {
                "sha256": _sha256(path),
                "size": path.stat().st_size,
            }
        report.counts = _counts(alias)
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "engine": report.engine,
            "database_file": f"db/{dump.name}",
            "migrations": _migrations(alias),
            "counts": report.counts,
            "members": members,
        }
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=f"db/{dump.name}")
            for path in media_files:
                tar.add(path, arcname="media/" + path.relative_to(media).as_posix())
        os.replace(partial, output)  # a crash mid-write never leaves a file that looks complete
    report.files = len(media_files)
    report.bytes = output.stat().st_size
    return report


@dataclass
class RestoreReport:
    engine: str
    counts: dict[str, int]
    files: int


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    member = tar.extractfile("manifest.json")
    if member is None:
        raise InvalidInput(_("备份文件缺少 manifest.json"), field="input")
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise InvalidInput(_("不认识的备份格式 %(format)s") % {"format": repr(manifest.get("format"))}, field="input")
    return manifest


def backup_verify(path: Path) -> dict[str, Any]:
    """Check every member's size and checksum against the manifest; return the manifest."""
    with tarfile.open(path, "r") as tar:
        manifest = _read_manifest(tar)
        names = {m.name for m in tar.getmembers() if m.isfile()} - {"manifest.json"}
        expected = set(manifest["members"])
        if names != expected:
            missing, extra = sorted(expected - names)[:3], sorted(names - expected)[:3]
            raise InvalidInput(
                _("备份文件内容与清单不符:缺少 %(missing)s,多出 %(extra)s") % {"missing": missing, "extra": extra},
                field="input",
            )
        for name, meta in manifest["members"].items():
            fh = tar.extractfile(name)
            assert fh is not None
            digest = hashlib.sha256()
            size = 0
            for chunk in iter(lambda: fh.read(1 << 20), b""):  # noqa: B023 — consumed in this iteration
                digest.update(chunk)
                size += len(chunk)
            if size != meta["size"] or digest.hexdigest() != meta["sha256"]:
                raise InvalidInput(_("备份文件已损坏:%(name)s 的校验和不符") % {"name": name}, field="input")
    return manifest


def database_is_empty(alias: str = "default") -> bool:
    with connections[alias].cursor() as cursor:
        return not connections[alias].introspection.table_names(cursor)


def backup_restore(
    *, path: Path, alias: str = "default", media_root: Path | None = None, force: bool = False
) -> RestoreReport:
    """Restore an archive into the database ``alias`` (empty unless ``force``) and ``media_root``."""
    manifest = backup_verify(Path(path))
    engine = _engine(alias)
    if manifest["engine"] != engine:
        raise Conflict(
            _("该备份来自 %(source)s,不能恢复到 %(engine)s 数据库") % {"source": manifest["engine"], "engine": engine}
        )
    if not force and not database_is_empty(alias):
        raise Conflict(_("目标数据库不是空的:恢复会覆盖现有数据。确认无误请加 --force"))
    media = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="linli-restore-") as tmp, tarfile.open(path, "r") as tar:
        tar.extractall(tmp, filter="data")  # the data filter refuses absolute paths, .. and links
        dump = Path(tmp) / manifest["database_file"]
        connection = connections[alias]
        db = connection.settings_dict
        if engine == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(dump)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        else:
            connection.close()
            args, env = _pg_env(db)
            command = [_require("pg_restore"), *args, "--no-owner", "--exit-on-error", "--dbname", str(db["NAME"])]
            if force:
                command[1:1] = ["--clean", "--if-exists"]
            subprocess.run([*command, str(dump)], check=True, env=env, capture_output=True)  # noqa: S603 — no shell
        files = 0
        source_media = Path(tmp) / "media"
        if source_media.exists():
            for item in source_media.rglob("*"):
                if item.is_file():
                    target = media / item.relative_to(source_media)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(item, target)
                    files += 1
    return RestoreReport(engine=engine, counts=_counts(alias), files=files)
