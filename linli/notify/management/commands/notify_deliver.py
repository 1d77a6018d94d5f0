"""Run the outbox send loop outside Huey: ``manage.py notify_deliver [--loop] [--interval S]``.

One pass recovers rows whose worker died mid-send (lease over) and sends what is due. ``--loop``
keeps doing that (an operator draining a backlog by hand, or a second sender); Huey's
``deliveries_every_minute`` is the usual driver.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linli.notify.outbox import deliveries_drain


class Command(BaseCommand):
    help = "Send due SMS / group-robot messages from the outbox (and recover ones whose lease expired)."
    requires_system_checks: list[str] = []  # a worker loop: start fast, the web process runs the checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep sending until stopped")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes with --loop")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            outcome = deliveries_drain()
            self.stdout.write(
                f"recovered={outcome.recovered} sent={outcome.sent} retrying={outcome.retrying} "
                f"failed={outcome.failed} skipped={outcome.skipped}"
            )
            self.stdout.flush()
            if not options["loop"]:
                return
            time.sleep(max(0.05, options["interval"]))
