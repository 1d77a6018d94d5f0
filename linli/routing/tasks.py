"""Huey hooks: nightly retraining, and the hot-spot sweep inside ``linli.notify``'s 15-minute sweep."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.core.errors import Conflict
from linli.notify.sweeps import register_sweep

log = logging.getLogger("linli.routing")


@db_periodic_task(crontab(hour="2", minute="30"))
def retrain_nightly() -> None:
    from linli.routing.services import model_train

    try:
        row = model_train(trigger="periodic")
    except Conflict as exc:
        log.info("routing: not retrained: %s", exc.message)
        return
    log.info("routing: trained v%s on %s requests", row.version, row.trained_on)


@register_sweep
def routing_hotspot_sweep() -> None:
    from linli.routing.services import hotspot_sweep

    hotspot_sweep()
