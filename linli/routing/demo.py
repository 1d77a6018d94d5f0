"""Demo data for smart dispatch: the self-written labelled history (``data/requests.csv``) imported as closed
requests spread over the demo's compounds, its category tree, and a trained model, so suggestions work
at once on ``make run``."""

from __future__ import annotations

import contextlib
import csv
import random
from pathlib import Path

from linli.places.models import Place

DATA = Path(__file__).with_name("data") / "requests.csv"


def build_demo_routing(rng: random.Random) -> None:
    from linli.core.errors import Conflict
    from linli.routing.services import HistoryRow, history_import, model_train
    from linli.tickets.categories import category_import

    compounds = list(Place.objects.filter(kind="compound").order_by("path"))
    if not compounds:
        return
    with DATA.open(encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    category_import(actor=None, rows=[(*p.split("/"), "") for p in sorted({r["分类"] for r in raw})])
    rows = [
        HistoryRow(line=i, title=r["标题"], description=r["内容"], category=r["分类"], at=r["时间"])
        for i, r in enumerate(raw, start=2)
    ]
    # The file names fictional compounds: place each row in one of the demo's own.
    by_place: dict[int, list[HistoryRow]] = {}
    for row in rows:
        by_place.setdefault(rng.randrange(len(compounds)), []).append(row)
    for index, group in by_place.items():
        history_import(rows=group, default_place=compounds[index])
    with contextlib.suppress(Conflict):
        model_train(trigger="demo", evaluate=False)
