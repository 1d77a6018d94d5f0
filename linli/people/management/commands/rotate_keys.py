"""Re-encrypt every ID and phone number under the newest key in LINLI_FIELD_KEYS (batched).

Rotation: prepend a new key to LINLI_FIELD_KEYS, restart, run this, then drop the old key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from linli.people.maintenance import rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt resident identifiers under the newest field key"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        done = rotate_keys(batch_size=batch_size, progress=lambda n: self.stdout.write(f"  {n} rows", ending="\r"))
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {done} rows under the newest key."))
