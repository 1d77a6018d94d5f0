"""Module volume for a scale district: years of the modules' own records (visits, volunteering, party life,
deliberation, the rota, the workforce register, co-building, the service lists), written in bulk. See
``linli/core/management/commands/generate_module_volume.py`` for the volumes and what they assume."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from linli.core.scale.volume import district as district_module

# (label, module): run in this order; each reads what the ones before it wrote (party life's memberships
# decide who is an in-service member 双报到 registers, co-building's committees sit in 业委会会议 …).
STEPS = [
    ("visits", "linli.core.scale.volume.visits"),
    ("party life", "linli.core.scale.volume.partylife"),
    ("volunteering", "linli.core.scale.volume.volunteering"),
    ("co-building", "linli.core.scale.volume.cobuilding"),
    ("deliberation", "linli.core.scale.volume.deliberation"),
    ("rota", "linli.core.scale.volume.rota"),
    ("workforce", "linli.core.scale.volume.workforce"),
    ("service lists", "linli.core.scale.volume.guide"),
]


@dataclass
class VolumeReport:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def existing_records(only: list[str] | None = None) -> dict[str, int]:
    """Of the steps asked for (all by default), those whose tables already hold rows (the table that says so → its
    rows): a second run would double them."""
    import importlib

    found = {}
    for label, module_name in STEPS:
        if only and label not in only:
            continue
        model = importlib.import_module(module_name).MARKER
        n = model._default_manager.count()
        if n:
            found[model._meta.db_table] = n
    return found


def generate_module_volume(
    *, years: int, seed: int, only: list[str] | None = None, progress: Callable[[str], None] | None = None
) -> VolumeReport:
    """Fill the modules' tables with ``years`` years of a district's records, in one transaction (nothing is left
    half-written if a step fails). Raises ``ValueError`` for a database it cannot or must not fill."""
    import importlib

    say = progress or (lambda _line: None)
    if years < 1 or years > 10:
        raise ValueError("years must be between 1 and 10")
    existing = existing_records(only)
    if existing:
        listed = ", ".join(f"{n:,} rows in {table}" for table, n in existing.items())
        raise ValueError(
            f"the modules already hold records ({listed}): module volume is added once, to a district "
            "built without module demos (generate_scale --no-module-demos)"
        )
    report = VolumeReport()
    rng = random.Random(seed)
    with transaction.atomic():
        started = time.monotonic()
        d = district_module.load(rng, years=years)
        moved = district_module.backdate_positions(d)
        accounts = district_module.staff_accounts(d)
        report.rows["staff accounts"] = accounts
        report.seconds["district"] = time.monotonic() - started
        say(
            f"  district read: {len(d.households):,} households, {len(d.person_path):,} residents; {accounts:,} "
            f"staff accounts made, {moved:,} positions dated from {d.first} ({report.seconds['district']:.0f}s)"
        )
        for label, module_name in STEPS:
            if only and label not in only:
                continue
            started = time.monotonic()
            counts = importlib.import_module(module_name).build(d, say)
            report.seconds[label] = time.monotonic() - started
            report.rows.update(counts)
            rows = sum(counts.values())
            spent = report.seconds[label]
            say(f"  {label}: {rows:,} rows in {spent:.0f}s ({rows / max(spent, 0.001):,.0f} rows/s)")
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")  # fresh rows have no visibility map yet (see generate_scale)
        report.seconds["vacuum"] = time.monotonic() - started
        say(f"  vacuumed and analysed in {report.seconds['vacuum']:.0f}s")
    return report
