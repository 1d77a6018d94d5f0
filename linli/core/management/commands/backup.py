"""``manage.py backup [--output FILE]``: database snapshot + media + manifest with checksums."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from linli.audit.services import audit_record
from linli.core.backup import backup_create
from linli.core.errors import LinliError


class Command(BaseCommand):
    help = "Back up the database and uploaded files into one archive (see docs/backups.md)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", help="archive path (default backups/linli-<time>.tar)")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, output: str | None, database: str, **options: Any) -> None:
        path = Path(output or f"backups/linli-{timezone.localtime():%Y%m%d-%H%M%S}.tar")
        try:
            report = backup_create(output=path, alias=database)
        except (LinliError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        audit_record(action="system.backup", actor_label="manage.py backup", path=path.name, counts=report.counts)
        counts = ", ".join(f"{k}={v}" for k, v in report.counts.items())
        summary = f"{report.bytes} bytes, {report.files} media files; {counts}"
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path} ({summary})"))
