"""Serialising check-then-insert: "is there already an open X? if not, create one" is only true if no
other transaction does the same between the check and the insert.

Where the rule has a natural row to lock (the request, the vote, the activity) services lock that row.
Where it does not — an owner and a dwelling, a person and a field, a branch's term — ``serialize_on``
takes a transaction-scoped lock on the rule's key, so two requests with the same key run one after the
other and the second sees the first's row. PostgreSQL: ``pg_advisory_xact_lock`` on a 64-bit hash of the
key, released at commit or rollback. SQLite: nothing to do — Linli opens its SQLite transactions
``IMMEDIATE`` (settings), so writers already run one at a time.
"""

from __future__ import annotations

from django.db import router, transaction


def serialize_on(*key: object, model: type | None = None) -> None:
    """Wait for every other transaction holding the same key; hold it until this transaction ends.
    Call inside ``transaction.atomic()``, before the check. ``model`` picks the database (default: the
    default write database)."""
    alias = router.db_for_write(model) if model is not None else "default"
    connection = transaction.get_connection(alias)
    if not connection.in_atomic_block:
        raise RuntimeError("serialize_on needs a transaction: call it inside transaction.atomic()")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [":".join(str(part) for part in key)])
