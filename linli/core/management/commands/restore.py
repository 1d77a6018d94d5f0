"""``manage.py restore FILE [--force]``: verify checksums, then restore into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.audit.services import audit_record
from linli.core.backup import backup_restore
from linli.core.errors import LinliError


class Command(BaseCommand):
    help = "Restore a backup archive (refuses a non-empty database unless --force)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true", help="overwrite a database that already holds tables")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, archive: str, force: bool, database: str, **options: Any) -> None:
        try:
            report = backup_restore(path=Path(archive), alias=database, force=force)
        except (LinliError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        audit_record(action="system.restore", actor_label="manage.py restore", path=Path(archive).name)
        counts = ", ".join(f"{k}={v}" for k, v in report.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Restored {archive}: {counts}; {report.files} media files"))
