"""Re-seal every encrypted column under the newest key and cipher; optionally re-key search hashes.

Field keys: prepend a new key to LINLI_FIELD_KEYS (and/or change LINLI_FIELD_CIPHER), restart, run
``manage.py rotate_keys``, then drop the old key. Search hash: set LINLI_HASH_KEY to the new key,
keep the old one in LINLI_HASH_KEY_PREVIOUS, restart, run ``manage.py rotate_keys --rehash``,
then remove LINLI_HASH_KEY_PREVIOUS. Interrupted runs resume by running the command again.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.core.errors import Conflict
from linli.core.keyrotation import rotate_all


class Command(BaseCommand):
    help = "Re-encrypt every *_enc column under the newest field key (and re-key search hashes with --rehash)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--rehash",
            action="store_true",
            help="re-key *_hash columns from LINLI_HASH_KEY_PREVIOUS to LINLI_HASH_KEY",
        )

    def handle(self, *args: Any, batch_size: int, rehash: bool, **options: Any) -> None:
        old_hash_key = ""
        if rehash:
            old_hash_key = os.environ.get("LINLI_HASH_KEY_PREVIOUS", "")
            if not old_hash_key:
                raise CommandError("--rehash needs the old key in LINLI_HASH_KEY_PREVIOUS")
        try:
            report = rotate_all(
                batch_size=batch_size,
                old_hash_key=old_hash_key,
                progress=lambda label, n: self.stdout.write(f"  {label}: {n} rows", ending="\r"),
            )
        except Conflict as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {report.rows_checked} rows in {len(report.columns)} columns; "
                f"re-encrypted {report.values_resealed} values; re-keyed {report.hashes_rekeyed} hashes"
                + (f"; {report.hashes_unmatched} hashes matched neither key" if rehash else "")
            )
        )
