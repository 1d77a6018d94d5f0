"""Background work for the ledger: large imports run in a Huey worker."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def import_execute_task(batch_id: int) -> None:
    from linli.people.import_services import import_execute

    import_execute(batch_id=batch_id)
