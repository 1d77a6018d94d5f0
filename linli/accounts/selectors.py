"""Reads of sign-in state.

``live_token`` runs on every API request, so its statement is built once per process and database from
the models' metadata, not compiled by the ORM each time: Django compiling the equivalent
``ApiToken.objects.select_related("user__person").filter(...)`` (105 columns, three tables) took 0.69 ms
of CPU a request against 0.064 ms for running it (docs/scaling.md, session 9). The rows become model
instances exactly as the ORM makes them: ``Model.from_db`` with each column's database converters.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model
from django.utils import timezone

from linli.accounts.models import ApiToken, User
from linli.core.prepared import Part, instances, model_columns, prepared_cursor, text_in, texts_parameter
from linli.core.scoping import current_rows_sql, parse_current_rows, remember_current_rows
from linli.people.models import Person


def live_token(digest: str) -> ApiToken | None:
    """The unrevoked token with this digest of an active user, with ``token.user`` and ``user.person``
    loaded (the person may be ``None``) and the person's current positions kept on the user for the
    request (``core.scoping``: nearly every API request asks for its scope); expiry is the caller's to check.

    The same statement reads the values of the list generations this token's last request list read in this
    process (``remember_generation_names``): the list's reload then needs no second round trip
    (``signed_in_generations``; docs/scaling.md, session 28)."""
    alias = router.db_for_read(ApiToken)
    names = _GENERATION_NAMES.get(digest)
    sql, parts = _statement(alias, generations=bool(names))  # without them, the statement every other request runs
    today = timezone.localdate()
    params: list[Any] = [today, digest, True]
    if names:  # the generations subquery's parameter comes after the positions' (both in the select list)
        params.insert(1, texts_parameter(names, connections[alias].vendor))
    with prepared_cursor(alias) as cursor:  # planned once per connection (core.prepared)
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if names:
        *row, generations = row
        values = sorted((name, int(value)) for name, value in json.loads(generations))
    token, user, person = instances(alias, parts, row[:-1])
    assert isinstance(token, ApiToken) and isinstance(user, User)
    user.person = person  # type: ignore[assignment]  # the related objects, as select_related sets them
    token.user = user
    if person is not None:
        remember_current_rows(user, parse_current_rows(row[-1]), today=today)
    user._linli_token_digest = digest  # type: ignore[attr-defined]
    if names:
        user._linli_signin_generations = (alias, names, values)  # type: ignore[attr-defined]
    return token


# Per process: token digest → the list generation names its last request list read (``tickets.list_cache``).
# A hint only: the list compares it with the names it needs and reads them itself when they differ.
_GENERATION_NAMES: dict[str, list[str]] = {}
GENERATION_HINTS_MAX = 10_000


def remember_generation_names(user: Any, names: list[str]) -> None:
    """Have this token's next sign-in in this process read these generations too (token sign-in only)."""
    digest = getattr(user, "_linli_token_digest", None)
    if digest is None or _GENERATION_NAMES.get(digest) == names:
        return
    if len(_GENERATION_NAMES) >= GENERATION_HINTS_MAX:
        _GENERATION_NAMES.clear()
    _GENERATION_NAMES[digest] = names


def signed_in_generations(user: Any, *, alias: str, names: list[str]) -> list[tuple[str, int]] | None:
    """(name, value) of the existing generations among ``names``, in name order, as the sign-in read them from
    database ``alias`` at the start of this request; ``None`` when it read other names or another database."""
    got = getattr(user, "_linli_signin_generations", None)
    if got is None or got[0] != alias or got[1] != names:
        return None
    return got[2]  # type: ignore[no-any-return]


@cache
def _statement(alias: str, *, generations: bool) -> tuple[str, list[Part]]:
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
    if generations:
        select.append(_generations_sql(connection))
    sql = (
        f"SELECT {', '.join(select)} FROM {q(token_meta.db_table)} t "  # noqa: S608 - names from the models
        f"INNER JOIN {q(user_meta.db_table)} u ON u.{q(user_meta.pk.column)} = t.{q(_column(ApiToken, 'user'))} "
        f"LEFT OUTER JOIN {q(person_meta.db_table)} p ON p.{q(person_meta.pk.column)} = u.{q(_column(User, 'person'))} "
        f"WHERE t.{q(_column(ApiToken, 'digest'))} = %s AND t.{q(_column(ApiToken, 'revoked_at'))} IS NULL "
        f"AND u.{q(_column(User, 'is_active'))} = %s"
    )
    return sql, parts


def _generations_sql(connection: Any) -> str:
    """A scalar subquery: ``[[name, value], …]`` as JSON text of the list generations named by its one
    parameter (``core.prepared.text_in``), ``[]`` for none."""
    from django.apps import apps

    table = connection.ops.quote_name(apps.get_model("tickets", "ListGeneration")._meta.db_table)
    if connection.vendor == "postgresql":
        pairs = "COALESCE(json_agg(json_build_array(g.name, g.value)), '[]'::json)::text"
    else:
        pairs = "json_group_array(json_array(g.name, g.value))"
    return f"(SELECT {pairs} FROM {table} g WHERE {text_in('g.name', connection.vendor)})"  # noqa: S608 - names from the model


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column
