from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.demo.builder import SIZES, DemoBuilder
from linli.places.models import Place


class Command(BaseCommand):
    help = "Build the fictional demo street (or district) with demo accounts. Development only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="street")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--password", default=None, help="demo password (default: $LINLI_DEMO_PASSWORD)")
        parser.add_argument("--force", action="store_true", help="allow with DEBUG off")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if any place exists")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "demo refuses to run with DEBUG off (it creates accounts with a known password); "
                "pass --force if you really mean it"
            )
        if Place.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Database already has places; demo not loaded again.")
                return
            raise CommandError("the database already has places; demo builds into an empty database only")
        password = options["password"] or os.environ.get("LINLI_DEMO_PASSWORD")
        if not password:
            raise CommandError("give --password or set LINLI_DEMO_PASSWORD")
        started = time.monotonic()
        result = DemoBuilder(size=options["size"], seed=options["seed"], password=password).build()
        self.stdout.write(
            f"Demo ({options['size']}, seed {options['seed']}) built in {time.monotonic() - started:.1f}s: "
            f"{result.places} places, {result.households} households, {result.residents} people, "
            f"{result.party_orgs} party orgs; accounts: {', '.join(result.users)}"
        )
