"""``manage.py generate_module_volume [--years 3] [--seed S] [--only MODULE …]``: years of the modules' own records
for a district built by ``generate_scale --no-module-demos``, so that the modules' pages (visits, volunteering,
party life, deliberation, the rota, the workforce register, co-building, the service lists) read what a district
accumulates, not just their fixed cost.

Written in bulk (``COPY`` on PostgreSQL, ``bulk_create`` elsewhere) in one transaction, through the tables' own
constraints and triggers (the append-only tables are only inserted into); then the database is vacuumed and
analysed. The command refuses a database whose module tables already hold records (a second run would double
them): it is for a scale district built without the module demos. Volumes derive from the district's size
(households, residents, positions, organisations), so the same rules give a few thousand rows on the test street
and millions on the district. For the 10-street district of ``generate_scale --streets 10`` (120,000 households,
~305,000 residents, 430 compounds, 860 grids, 5,050 party organisations) and three years:

- **visits (走访)**: every household once a quarter by its grid worker (90% reached: the 网格员 每季度全覆盖
  rule), each key household — one in eight, a care tag on its first member and a monthly care plan — once a month
  (85%), ten households a week by each community secretary and worker (≥10户/周), each compound's hazard point
  inspected every 7–30 days, and each request raised on a visit (source 走访) with its visit and finding: about
  **2.1M visits**, 3.4M residents met, 200k findings (6% of household visits, 60% of those solved on the spot,
  and the ~84k requests of source 走访 in the span);
- **party life (三会一课)**: every resident party member (and each branch secretary) a member of their compound's
  branch and building's 党小组 (~18,700); each branch's meetings by the meeting rules (支委会, 工作碰头会, 主题党日
  and each 党小组会 monthly, 党员大会 and 党课 quarterly, 组织生活会 and 民主评议 yearly; seven branches in ten never
  miss one, the rest miss about one in four) with attendance for every member: **~165k meetings, ~1.9M attendance
  rows**; a study material a month from each street's 党工委, completed by four in five (~510k completions);
- **volunteering**: each street's 双报到积分管理办法 a year; two in three in-service members reported (~5,500);
  ~4% of residents volunteer (~19k profiles); five teams a community, two a street; three activities a week a
  community and one a street (**~20k activities, ~390k sign-ups**, 92% of the past ones checked in and confirmed
  with hours), ~60 微心愿 a community a year (85% fulfilled and rated); each award one append-only ``PointEntry``
  as the services make it (**~560k entries**) and each ``PointAccount``'s balance and earned the sum of its
  entries; each activity's ``signed_count`` its signed-up rows;
- **co-building**: two contracts for each compound a company serves, two terms of 5–7 业委会 members, red and black
  list entries, partners' resources and their 大党委 (each in a community of its own street; those registered at
  the street on its 大工委 too), ~4 needs a compound a year (~5,200; a third of those closed by an accepted
  micro-project), each compound's rules (the demo's scheme);
- **deliberation**: a topic a month per compound (~15k), ~10 业委会会议 a year per committee (three in five after a
  支部先议 on the same topics; the branch secretary 列席 at two in three), monthly 议事会, quarterly 屋场恳谈会 and
  联席会议 (~16k meetings), three 百姓评理说事点 and ~30 mediated disputes a year per community (~3,900 cases), a
  monthly “四员一律” session per community (~1,500);
- **the rota (七天不打烊)**: a desk at every community and street kept every rest day (~18k shifts, 97% checked in),
  four in five earned 调休 taken (~13.5k);
- **the workforce register**: each community's secretary, workers and grid workers (~1,000 workers, a few
  replaced in the span, promotions dated), a training a month per street (~25k attendances);
- **the service lists**: 16–22 items a community, a revision round and a new numbered version a year.

Staff who record (grid workers, community secretaries and workers, branch secretaries, street staff) get an
account without a usable password if they have none; their current positions are dated from the span's first day
(the scale builder starts every position on 2025-01-01, which would leave three years of records without an
author in post). Branch secretaries are marked party members. Nothing else that exists is changed: requests,
their events and the insights rollups are only read.

On the 1M scale database (2 shared cores, other work beside it): 9.5M rows in 7 min 34 s wall (the steps 5 min,
the commit's foreign-key checks and the vacuum the rest), 70 s of CPU, 680 MB peak RSS; see bench/README.md.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.scale.volume import STEPS, generate_module_volume


class Command(BaseCommand):
    help = "Add YEARS years of module records (visits, volunteering, party life …) to a scale district, in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=3, help="how many years back the records go (1–10)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--only", action="append", choices=[label for label, _ in STEPS], help="only these modules (repeatable)"
        )
        parser.add_argument("--force", action="store_true", help="allow with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("generate_module_volume writes made-up records; run with DEBUG=1 or --force")
        started = time.monotonic()
        try:
            report = generate_module_volume(
                years=options["years"], seed=options["seed"], only=options["only"], progress=self.stdout.write
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for label, n in report.rows.items():
            self.stdout.write(f"  {n:>12,}  {label}")
        self.stdout.write(f"module volume: {report.total:,} rows in {time.monotonic() - started:.0f}s")
