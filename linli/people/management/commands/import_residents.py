"""Import a resident sheet from the command line, as USERNAME (whose scope applies).

Without ``--commit`` it only previews: every row is validated and the errors listed.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from linli.core.errors import LinliError
from linli.people.import_services import import_execute, import_preview
from linli.people.models import ImportBatch, ImportStatus


class Command(BaseCommand):
    help = "Preview (and with --commit, import) a resident sheet (.xlsx or .csv)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="import with this user's scope")
        parser.add_argument("--commit", action="store_true", help="write the valid rows (default: preview only)")
        parser.add_argument("--show-errors", type=int, default=50, help="how many errors to print")

    def handle(self, *args: Any, file: str, username: str, commit: bool, show_errors: int, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        try:
            with open(file, "rb") as stream:
                batch = import_preview(
                    actor=user, upload=stream, name=os.path.basename(file), size=os.path.getsize(file)
                )
        except (LinliError, OSError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from None
        self.stdout.write(
            f"{batch.total_rows} rows, {batch.valid_rows} valid ({batch.new_rows} new, {batch.update_rows} updates), "
            f"{batch.error_rows} with errors" + (f"; read as {batch.encoding}" if batch.encoding else "")
        )
        for row, column, reason in batch.errors[:show_errors]:
            self.stdout.write(f"  row {row}, {column}: {reason}")
        if not commit:
            self.stdout.write("Preview only: nothing written. Run with --commit to import the valid rows.")
            return
        if not batch.valid_rows:
            raise CommandError("no valid rows to import")
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED)
        batch = import_execute(batch_id=batch.pk)
        if batch.status != ImportStatus.COMMITTED:
            raise CommandError(f"import failed: {batch.message}")
        self.stdout.write(
            self.style.SUCCESS(f"Imported: {batch.created_count} created, {batch.updated_count} updated.")
        )
