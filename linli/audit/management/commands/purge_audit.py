"""Remove audit events older than the retention period (LINLI_AUDIT_RETENTION_DAYS, at least 180)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.audit.services import audit_purge, retention_days
from linli.core.errors import InvalidInput


class Command(BaseCommand):
    help = "Delete audit events older than the retention period; the chain stays verifiable from a new anchor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=int, default=None, help="at least the configured retention")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            removed = audit_purge(older_than_days=options["older_than_days"])
        except InvalidInput as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"removed {removed} audit event(s) older than {options['older_than_days'] or retention_days()} days"
        )
