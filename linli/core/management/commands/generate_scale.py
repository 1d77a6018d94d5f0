"""``manage.py generate_scale --streets 10 --requests 1000000 [--seed S]``: a district at benchmark size.

Into an empty database it first builds the demo district with ``--streets`` streets (places,
~30,000 residents a street, organisations, positions, demo accounts, and the module demos: visits,
activities, points, deliberation, party life); into a database that already has places it only adds
requests, so ``--requests 4000000`` on top of a 1M run gives the 5M growth point. Then it loads the
requests with their event histories in bulk (COPY on PostgreSQL) and rebuilds the insights rollups
when that command exists. Rows per second are printed for each step.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from linli.core.demo import builder as builder_module
from linli.core.demo.builder import SIZES, STREET_NAMES, DemoBuilder, Size
from linli.core.scale.generate import ensure_categories, generate_requests
from linli.places.models import Place


class Command(BaseCommand):
    help = "Build a district of --streets streets with --requests requests (full event histories), in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--streets", type=int, default=10)
        parser.add_argument("--requests", type=int, default=1_000_000)
        parser.add_argument("--households-per-street", type=int, default=SIZES["district"].households)
        parser.add_argument("--days", type=int, default=365, help="spread requests over this many past days")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--password", default=None, help="demo password (default: $LINLI_DEMO_PASSWORD)")
        parser.add_argument("--force", action="store_true", help="allow with DEBUG off")
        parser.add_argument(
            "--no-routing-model",
            action="store_true",
            help="do not train the dispatch model on the generated requests (intake then suggests by keywords)",
        )
        parser.add_argument(
            "--no-module-demos",
            action="store_true",
            help="skip the module demos (visits, activities, points …): at district size on a busy 2-core "
            "machine they take longer than everything else together",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("generate_scale creates accounts with a known password; run with DEBUG=1 or --force")
        streets = options["streets"]
        if not 1 <= streets <= len(STREET_NAMES):
            raise CommandError(f"--streets must be between 1 and {len(STREET_NAMES)}")
        if options["requests"] < 0:
            raise CommandError("--requests must not be negative")
        if not Place.objects.exists():
            password = options["password"] or os.environ.get("LINLI_DEMO_PASSWORD")
            if not password:
                raise CommandError("give --password or set LINLI_DEMO_PASSWORD")
            base = SIZES["district"]
            builder = DemoBuilder(size="district", seed=options["seed"], password=password)
            builder.size = Size(
                streets=streets,
                communities=base.communities,
                compounds=base.compounds,
                buildings=base.buildings,
                households=options["households_per_street"],
                residents_per_household=base.residents_per_household,
            )
            started = time.monotonic()
            if options["no_module_demos"]:
                builder_module.DEMO_HOOKS = []
            result = builder.build()
            spent = time.monotonic() - started
            rows = result.places + result.households + result.residents
            self.stdout.write(
                f"district: {result.places:,} places, {result.households:,} households, {result.residents:,} people, "
                f"{result.party_orgs:,} party orgs and the module demos in {spent:.0f}s "
                f"({rows / spent:,.0f} place/household/person rows/s)"
            )
            for hook, seconds in builder.timings.items():
                self.stdout.write(f"  {hook}: {seconds:.1f}s")
        else:
            self.stdout.write("places exist: adding requests only")
        imported = ensure_categories()
        if imported:
            self.stdout.write(f"categories: {imported} two-level paths (the routing sample's tree)")
        if options["requests"]:
            report = generate_requests(
                count=options["requests"], seed=options["seed"], days=options["days"], progress=self.stdout.write
            )
            self.stdout.write(
                f"requests: {report.requests:,} requests and {report.events:,} events in {report.seconds:.0f}s "
                f"({report.rows_per_second:,.0f} rows/s)"
            )
        if "rebuild_rollups" in get_commands():
            started = time.monotonic()
            call_command("rebuild_rollups")
            self.stdout.write(f"rollups rebuilt in {time.monotonic() - started:.0f}s")
        if options["requests"] and not options["no_routing_model"]:
            from linli.routing.services import model_train

            started = time.monotonic()
            model = model_train(trigger="scale", evaluate=False)  # a deployment this size has a learned model
            self.stdout.write(
                f"routing model v{model.version} trained on {model.trained_on:,} requests "
                f"in {time.monotonic() - started:.0f}s"
            )
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Bulk-loaded tables have no visibility map until autovacuum comes round, so an index-only
            # scan still visits the heap and the planner avoids it: the street queue's walk read
            # 4,144 heap pages (8.8 ms) instead of 51 index entries (0.06 ms) on a fresh database.
            # A database in use has been vacuumed; so is this one before anything measures it.
            started = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
            self.stdout.write(f"vacuumed and analysed in {time.monotonic() - started:.0f}s")
