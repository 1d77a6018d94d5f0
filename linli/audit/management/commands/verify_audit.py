"""Verify the audit hash chain; print the first broken link and exit 1, or the head and exit 0."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.audit.services import audit_verify_chain


class Command(BaseCommand):
    help = "Seal unsealed audit events, then verify the hash chain from the retention anchor to the head."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify_chain()
        if report.unsealed_before:
            self.stdout.write(f"sealed {report.unsealed_before} event(s) that were not yet in the chain")
        if not report.ok:
            where = f"link #{report.broken_seq}"
            if report.broken_event_id is not None:
                where += f" (audit event id {report.broken_event_id})"
            raise CommandError(
                f"audit chain BROKEN at {where}: {report.reason}; {report.checked} link(s) before it verified"
            )
        self.stdout.write(
            self.style.SUCCESS(f"audit chain OK: {report.checked} link(s), head #{report.head_seq} {report.head_hash}")
        )
