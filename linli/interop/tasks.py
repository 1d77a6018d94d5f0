"""Background work for webhooks: the minute scan of request events, and signed delivery.

Tasks carry delivery ids, never URLs, secrets or payloads: the Huey store is not encrypted.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from linli.interop.webhooks import MAX_ATTEMPTS

log = logging.getLogger("linli.interop")


@db_periodic_task(crontab(minute="*"))
def webhook_scan_every_minute() -> None:
    from linli.interop.webhooks import webhook_scan

    queued = webhook_scan()
    if queued:
        log.info("webhooks: %d deliveries queued", len(queued))


@db_task(retries=MAX_ATTEMPTS - 1, retry_delay=30, retry_backoff=2)
def webhook_deliver_task(delivery_id: int) -> None:
    from linli.interop.webhooks import webhook_deliver

    webhook_deliver(delivery_id=delivery_id)
