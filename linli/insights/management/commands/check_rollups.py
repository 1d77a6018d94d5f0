from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.insights import rollups


class Command(BaseCommand):
    help = "Compare the dashboards' rollups with a fresh fold of the request event rows; fail on any difference."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--show", type=int, default=20, help="differences to print")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = rollups.differences()
        if problems:
            for line in problems[: options["show"]]:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} differences between rollups and events; run rebuild_rollups")
        self.stdout.write("rollups equal the event rows")
