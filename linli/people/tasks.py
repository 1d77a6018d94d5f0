"""Background work for the ledger: large imports run in a Huey worker; abandoned previews are swept."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def import_execute_task(batch_id: int, language: str | None = None) -> None:
    """``language``: the uploader's, for the errors the commit adds to the batch (None: the default)."""
    from linli.people.import_services import import_execute

    import_execute(batch_id=batch_id, language=language)


@db_periodic_task(crontab(minute="23"))
def import_staging_cleanup_task() -> int:
    """Hourly: delete staged rows of previews not committed within ``LINLI_IMPORT_STAGING_HOURS`` (24)."""
    from linli.people.import_services import import_staging_cleanup

    return import_staging_cleanup()
