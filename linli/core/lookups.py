"""The ``under`` lookup: "this materialised path lies in the subtree rooted at PREFIX".

Every scoped list in Linli is one of these on an indexed path column, never a recursive walk.
PostgreSQL answers ``LIKE 'prefix%'`` from the ``varchar_pattern_ops`` index Django adds to
indexed CharFields; SQLite's LIKE is case-insensitive and cannot use the index, so there the
same set is a half-open range on the binary-collated column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.contrib.postgres.indexes import OpClass
from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup

PATH_RE = re.compile(r"^[0-9A-Z]+$")


def ancestor_paths(path: str, steplen: int) -> list[str]:
    """The path of every node from the root down to ``path``, itself included (``steplen`` characters a
    level): what ``path__in`` needs to find a node's ancestors in one query."""
    return [path[:i] for i in range(steplen, len(path) + 1, steplen)]


T = TypeVar("T")


def nearest_above(path: str, rows: Iterable[T], path_of: Callable[[T], str]) -> T | None:
    """Of ``rows`` (each set at the node ``path_of(row)``), the one set at ``path`` or at the nearest node above
    it; None when none covers it. The rule every "set at a level, the nearest wins" setting follows (grid
    standards, team standards, the 积分管理办法); a row at the root path "" covers every node."""
    chosen: T | None = None
    for row in rows:
        at = path_of(row)
        if path.startswith(at) and (chosen is None or len(at) > len(path_of(chosen))):
            chosen = row
    return chosen


def _checked(prefix: Any) -> str:
    if not isinstance(prefix, str) or not PATH_RE.match(prefix):
        raise ValueError(f"not a tree path: {prefix!r}")
    return prefix


class PatternOps(OpClass):
    """A path column in an expression index, with the opclass PostgreSQL needs to answer ``under``
    (``LIKE 'prefix%'``) from it; elsewhere the plain column (SQLite's ``under`` is a range on the
    binary-collated column, which a plain index answers)."""

    def __init__(self, column: str) -> None:
        super().__init__(models.F(column), name="varchar_pattern_ops")

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        return compiler.compile(self.source_expressions[0])


@models.CharField.register_lookup
class Under(Lookup):
    lookup_name = "under"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = _checked(self.rhs)
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, prefix, *lhs_params, upper]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = _checked(self.rhs)
        return f"{lhs} LIKE %s", [*lhs_params, prefix + "%"]


@models.Field.register_lookup
class AnyOf(Lookup):
    """``field__any_of=[…]``: membership in a long list. On PostgreSQL one array parameter: for the
    bulk importer's 2,000-value lists, building and splitting a 2,000-placeholder ``IN (…)`` cost
    the driver more than the database took to answer. Elsewhere the plain ``IN (…)``.

    The array is passed through a sub-select, ``= ANY(ARRAY(SELECT unnest(%s)))``, so the planner
    cannot count its 2,000 values: counted, it prices 2,000 index descents above reading the whole
    table and chose a sequential scan of 100,000 people (27 ms a chunk, growing with the ledger)
    over the ID-hash index (8 ms), with or without statistics (docs/ledger.md).

    The right-hand side may also be a one-column query: ``= ANY(ARRAY(SELECT …))`` is then one value
    list computed before the scan (an InitPlan), so each value is an index condition on every branch
    of the plan; as ``IN (SELECT …)`` the planner may join it instead and filter after the scan."""

    lookup_name = "any_of"

    @property
    def _rhs_is_query(self) -> bool:
        return hasattr(self.rhs, "resolve_expression")

    def get_prep_lookup(self) -> Any:
        if self._rhs_is_query:
            return self.rhs
        prep = self.lhs.output_field.get_prep_value
        return [prep(value) for value in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if self._rhs_is_query:
            sql, params = self.process_rhs(compiler, connection)
            return f"{lhs} IN {sql}", [*lhs_params, *params]
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if self._rhs_is_query:
            sql, params = self.process_rhs(compiler, connection)
            return f"{lhs} = ANY(ARRAY{sql})", [*lhs_params, *params]
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        array = f"%s::{self.lhs.output_field.cast_db_type(connection)}[]"
        return f"{lhs} = ANY(ARRAY(SELECT unnest({array})))", [*lhs_params, values]


# A foreign key answers only its own related lookups: ``household_id__any_of=[…]`` needs registering there too.
models.ForeignKey.register_lookup(AnyOf)
