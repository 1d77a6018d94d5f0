from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from linli.insights import rollups


class Command(BaseCommand):
    help = "Recompute the dashboards' request rollups from the request event rows (exact; safe to rerun)."

    def handle(self, *args: Any, **options: Any) -> None:
        facts, rows = rollups.rebuild()
        self.stdout.write(f"rebuilt {facts} request facts into {rows} rollup rows")
