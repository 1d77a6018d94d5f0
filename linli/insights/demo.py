"""Demo data for insights: the rollups over every request the demo builder wrote in bulk.

The request history (``linli.tickets.demo``) is inserted with ``bulk_create`` and past timestamps,
bypassing the per-event hook, so the rollups are rebuilt from the event rows once at the end.
"""

from __future__ import annotations

import random

from linli.insights import rollups


def build_demo_insights(rng: random.Random) -> None:
    rollups.rebuild()
