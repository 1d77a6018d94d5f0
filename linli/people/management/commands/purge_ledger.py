"""Anonymise resident records whose move-out is older than LINLI_LEDGER_RETENTION_DAYS.

Dry run by default: lists what would be anonymised. ``--commit`` does it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from linli.people.maintenance import purge_ledger, retention_days


class Command(BaseCommand):
    help = "Anonymise moved-out residents past the retention period (dry run unless --commit)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--commit", action="store_true", help="really anonymise (default: dry run)")

    def handle(self, *args: Any, commit: bool, **options: Any) -> None:
        report = purge_ledger(commit=commit)
        self.stdout.write(
            f"Retention {retention_days()} days: records moved out before {report.cutoff} are due. "
            f"{len(report.candidates)} due, {len(report.skipped)} skipped (still hold an account or position)."
        )
        for pk, why in report.skipped:
            self.stdout.write(f"  skipped person {pk}: {why}")
        if commit:
            self.stdout.write(self.style.SUCCESS(f"Anonymised {report.anonymised} records."))
        else:
            self.stdout.write("Dry run: nothing changed. Run with --commit to anonymise.")
