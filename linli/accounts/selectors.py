"""Reads of sign-in state.

``live_token`` runs on every API request, so its statement is built once per process and database from
the models' metadata, not compiled by the ORM each time: Django compiling the equivalent
``ApiToken.objects.select_related("user__person").filter(...)`` (105 columns, three tables) took 0.69 ms
of CPU a request against 0.064 ms for running it (docs/scaling.md, session 9). The rows become model
instances exactly as the ORM makes them: ``Model.from_db`` with each column's database converters.
"""

from __future__ import annotations

from functools import cache

from django.db import connections, router
from django.db.models import Field, Model
from django.utils import timezone

from linli.accounts.models import ApiToken, User
from linli.core.prepared import Part, instances, model_columns, prepared_cursor
from linli.core.scoping import current_rows_sql, parse_current_rows, remember_current_rows
from linli.people.models import Person


def live_token(digest: str) -> ApiToken | None:
    """The unrevoked token with this digest of an active user, with ``token.user`` and ``user.person``
    loaded (the person may be ``None``) and the person's current positions kept on the user for the
    request (``core.scoping``: nearly every API request asks for its scope); expiry is the caller's to check."""
    alias = router.db_for_read(ApiToken)
    sql, parts = _statement(alias)
    today = timezone.localdate()
    with prepared_cursor(alias) as cursor:  # planned once per connection (core.prepared)
        cursor.execute(sql, [today, digest, True])
        row = cursor.fetchone()
    if row is None:
        return None
    token, user, person = instances(alias, parts, row[:-1])
    assert isinstance(token, ApiToken) and isinstance(user, User)
    user.person = person  # type: ignore[assignment]  # the related objects, as select_related sets them
    token.user = user
    if person is not None:
        remember_current_rows(user, parse_current_rows(row[-1]), today=today)
    return token


@cache
def _statement(alias: str) -> tuple[str, list[Part]]:
    """The SQL and, per model, how to turn its columns into an instance. Kept per alias for the process:
    the converters read only the backend's settings (time zone, decimal places), which a thread's own
    connection to the same alias shares."""
    connection = connections[alias]
    q = connection.ops.quote_name
    token_meta, user_meta, person_meta = ApiToken._meta, User._meta, Person._meta
    select: list[str] = []
    parts: list[Part] = []
    for model, table_alias in [(ApiToken, "t"), (User, "u"), (Person, "p")]:
        columns, part = model_columns(model, table_alias, alias)
        select += columns
        parts.append(part)
    select.append(current_rows_sql(connection, f"p.{q(person_meta.pk.column)}"))
    sql = (
        f"SELECT {', '.join(select)} FROM {q(token_meta.db_table)} t "  # noqa: S608 - names from the models
        f"INNER JOIN {q(user_meta.db_table)} u ON u.{q(user_meta.pk.column)} = t.{q(_column(ApiToken, 'user'))} "
        f"LEFT OUTER JOIN {q(person_meta.db_table)} p ON p.{q(person_meta.pk.column)} = u.{q(_column(User, 'person'))} "
        f"WHERE t.{q(_column(ApiToken, 'digest'))} = %s AND t.{q(_column(ApiToken, 'revoked_at'))} IS NULL "
        f"AND u.{q(_column(User, 'is_active'))} = %s"
    )
    return sql, parts


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column
