"""The one scoping mechanism: ``Model.objects.visible_to(user)``.

A user's scope is the set of place subtrees under the positions they hold today, filtered by
the capability a model asks for (a building head may see requests in their building, but only
positions with ``ledger`` see residents). Each scoped model names the path column it is filtered
on (``SCOPE_PATH_FIELD``) and, optionally, a capability (``SCOPE_CAPABILITY``) and the rows a
person may always see about themselves (``own_q``). Views and API endpoints never call
``.objects.get`` on a scoped model: they go through ``access_*`` helpers built on this.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.core.errors import NotFound

if TYPE_CHECKING:
    from linli.accounts.models import User

M = TypeVar("M", bound=models.Model)


def every_row() -> Q:
    """A condition every row meets that is not empty: ``~Q(pk__in=[])`` compiles to no SQL at all, yet survives an OR
    (Django drops an empty ``Q()`` from ``Q() | x``, which would narrow "everything" to ``x``)."""
    return ~Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    everything: bool
    paths: tuple[str, ...]

    @classmethod
    def from_paths(cls, paths: list[str]) -> Scope:
        """Keep only the outermost roots: a path inside another adds nothing."""
        kept: list[str] = []
        for path in sorted(set(paths), key=len):
            if not any(path.startswith(root) for root in kept):
                kept.append(path)
        return cls(everything=False, paths=tuple(sorted(kept)))

    def q(self, field: str) -> Q:
        if self.everything:
            # Always true, and not empty: ``Q()`` would vanish from an OR (``Q() | x`` is ``x`` to Django), so
            # ``scope.q(f) | published`` would narrow an administrator to the published rows. ``~Q(pk__in=[])``
            # compiles to no condition at all.
            return every_row()
        if not self.paths:
            return Q(pk__in=[])
        result = Q()
        for path in self.paths:
            result |= Q(**{f"{field}__under": path})
        return result

    def covers(self, path: str) -> bool:
        return self.everything or any(path.startswith(root) for root in self.paths)

    @property
    def empty(self) -> bool:
        return not self.everything and not self.paths


NOTHING = Scope(everything=False, paths=())
EVERYTHING = Scope(everything=True, paths=())


PositionRow = tuple[str, str, int, int | None, dt.date, dt.date | None]


def _current_rows(user: User, person_id: int) -> list[PositionRow]:
    """(kind, place path, place id, organisation id, start, end) of every position of the person not
    ended before today: one query that answers ``active_positions`` (today), ``active_position_places``
    and ``liaison_organisations``, cached on the user object for the request. Token sign-in reads the
    same rows in its own statement (``current_rows_sql``) and leaves them here."""
    today = timezone.localdate()
    cached = getattr(user, _rows_attribute(today), None)
    if cached is None:
        from linli.people.models import Position

        cached = list(
            Position.objects.filter(person_id=person_id)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .values_list("kind", "place__path", "place_id", "organisation_id", "start_date", "end_date")
        )
        remember_current_rows(user, cached, today=today)
    return cached


def current_position_rows(user: User) -> list[PositionRow]:
    """The rows every scope, unit and liaison check of the request is decided from (with today's date):
    the person's positions not ended before today, read once per request."""
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    return _current_rows(user, person_id) if person_id else []


def _rows_attribute(today: dt.date) -> str:
    return f"_linli_position_rows_{today.isoformat()}"


def remember_current_rows(user: User, rows: list[PositionRow], *, today: dt.date) -> None:
    """Keep the person's position rows not ended before ``today`` on the user object for the request."""
    setattr(user, _rows_attribute(today), rows)


def current_rows_sql(connection: Any, person_column: str) -> str:
    """A scalar subquery, for a statement that reads a user's person anyway: the rows ``_current_rows``
    reads, as JSON text (``[[kind, path, place id, organisation id, "start", "end"], …]``), with one
    parameter, today. ``person_column`` is the SQL naming the person's id in the outer statement."""
    from linli.people.models import Position
    from linli.places.models import Place

    q = connection.ops.quote_name
    position, place = Position._meta, Place._meta

    def col(meta: Any, name: str) -> str:
        return q(meta.get_field(name).column)

    values = ", ".join(
        [
            f"s.{col(position, 'kind')}",
            f"pl.{col(place, 'path')}",
            f"s.{col(position, 'place')}",
            f"s.{col(position, 'organisation')}",
            f"s.{col(position, 'start_date')}",
            f"s.{col(position, 'end_date')}",
        ]
    )
    if connection.vendor == "postgresql":
        aggregate = f"COALESCE(json_agg(json_build_array({values})), '[]'::json)::text"
    else:  # SQLite (JSON1 is built in); dates are stored as ISO text there
        aggregate = f"json_group_array(json_array({values}))"
    return (
        f"(SELECT {aggregate} FROM {q(position.db_table)} s "  # noqa: S608 - names from the models
        f"INNER JOIN {q(place.db_table)} pl ON pl.{q(place.pk.column)} = s.{col(position, 'place')} "
        f"WHERE s.{col(position, 'person')} = {person_column} "
        f"AND (s.{col(position, 'end_date')} IS NULL OR s.{col(position, 'end_date')} >= %s))"
    )


def parse_current_rows(text: str) -> list[PositionRow]:
    """The rows ``current_rows_sql`` read, as ``_current_rows`` holds them."""
    return [
        (kind, path, place_id, org_id, dt.date.fromisoformat(start), dt.date.fromisoformat(end) if end else None)
        for kind, path, place_id, org_id, start, end in json.loads(text)
    ]


def active_positions(user: User, *, on: dt.date | None = None) -> list[tuple[str, str]]:
    """(position kind, place path) for each position the user's person holds on a date.

    Cached on the user object for the request, so a page that filters five lists asks once; for
    today it shares one query with ``liaison_organisations``.
    """
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    if not person_id:
        return []
    today = timezone.localdate()
    day = on or today
    if day == today:
        return [
            (kind, path) for kind, path, _place, _org, start, _end in _current_rows(user, person_id) if start <= day
        ]
    cache_key = f"_linli_positions_{day.isoformat()}"
    cached = getattr(user, cache_key, None)
    if cached is not None:
        return cached
    from linli.people.models import Position

    rows = list(
        Position.objects.filter(person_id=person_id, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("kind", "place__path")
    )
    setattr(user, cache_key, rows)
    return rows


def active_position_places(user: User) -> list[tuple[str, str, int]]:
    """(position kind, place path, place id) for each position the user's person holds today."""
    today = timezone.localdate()
    rows = current_position_rows(user)
    return [(kind, path, place) for kind, path, place, _org, start, _end in rows if start <= today]


def liaison_organisations(user: User) -> set[int]:
    """The organisations (departments, units) the user's person is the current liaison of
    (``department_liaison`` positions without an end date, whatever their start): requests sent to
    them are the user's to see and answer. Shares its query with ``active_positions``."""
    return {
        org
        for kind, _path, _place, org, _start, end in current_position_rows(user)
        if kind == "department_liaison" and org is not None and end is None
    }


def capabilities_at(user: User, path: str) -> set[str]:
    """Everything the user may do at a node: the union over positions at or above it."""
    from linli.people.positions import POSITION_KINDS

    if getattr(user, "is_superuser", False):
        return set().union(*(k.capabilities for k in POSITION_KINDS.values()))
    caps: set[str] = set()
    for kind, root in active_positions(user):
        if path.startswith(root) and kind in POSITION_KINDS:
            caps |= POSITION_KINDS[kind].capabilities
    return caps


MANAGE_CAPABILITIES = frozenset({"admin", "manage"})
LEAD_CAPABILITIES = frozenset({"admin", "manage", "lead"})


def may_manage_at(user: User, path: str) -> bool:
    """Whether ``user`` holds a position at or above ``path`` that may manage there (admin or manage).

    An empty path is "no place" and never managed, not even by a superuser (whose capabilities do
    not depend on the path)."""
    return bool(path) and bool(capabilities_at(user, path) & MANAGE_CAPABILITIES)


def may_lead_at(user: User, path: str) -> bool:
    """Whether ``user`` holds a position at or above ``path`` that may lead there (admin, manage or lead):
    the leaders who read a node's registers and figures. An empty path is never led."""
    return bool(path) and bool(capabilities_at(user, path) & LEAD_CAPABILITIES)


def scope_for(user: User, capability: str | None = None) -> Scope:
    """The subtrees where ``user`` holds a position granting ``capability`` (any scoping one if None)."""
    return _scope(user, None if capability is None else (capability,))


def scope_for_any(user: User, capabilities: Iterable[str]) -> Scope:
    """The subtrees where ``user`` holds any of ``capabilities``: each root once, whichever capabilities
    share it (``EVERYTHING`` if any of them reaches everywhere)."""
    return _scope(user, tuple(capabilities))


def _scope(user: User, capabilities: tuple[str, ...] | None) -> Scope:
    """One pass over the user's positions: the roots of those granting any of ``capabilities`` (any
    scoping position if None). Every API list asks this, so it reads the positions once, not once a
    capability."""
    from linli.people.positions import POSITION_KINDS

    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    paths: list[str] = []
    for kind, root in active_positions(user):
        spec = POSITION_KINDS.get(kind)
        if spec is None or not spec.scoped:
            continue
        if "admin" in spec.capabilities:
            return EVERYTHING
        if capabilities is None or not spec.capabilities.isdisjoint(capabilities):
            paths.append(root)
    return Scope.from_paths(paths)


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    def visible_to(self, user: User) -> ScopedQuerySet[M]:
        model: Any = self.model
        scope = scope_for(user, getattr(model, "SCOPE_CAPABILITY", None))
        if scope.everything:
            # Not ``Q() | own``: Django drops an empty Q from an OR, which would narrow "everything" to own rows.
            return self.all()
        condition = scope.q(model.SCOPE_PATH_FIELD)
        own = getattr(model, "own_q", None)
        if own is not None and getattr(user, "is_authenticated", False):
            own_condition = own(user)
            if own_condition is not None:
                condition = own_condition if scope.empty else (condition | own_condition)
        return self.filter(condition)

    def under(self, path: str) -> ScopedQuerySet[M]:
        return self.filter(**{f"{self.model.SCOPE_PATH_FIELD}__under": path})  # type: ignore[attr-defined]


class ScopedModel(models.Model):
    """Abstract base for hot tables that carry a denormalised place path."""

    SCOPE_PATH_FIELD: ClassVar[str] = "place_path"
    SCOPE_CAPABILITY: ClassVar[str | None] = None
    PLACE_PATH_DENORMALISED: ClassVar[bool] = True

    place_path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        abstract = True


NOT_FOUND_MESSAGE = gettext_noop("未找到,或您无权查看")  # translated when raised, in the reader's language


def get_or_not_found(queryset: Any, pk: Any, *, message: str = "", field: str | None = None) -> Any:
    """One row of an already-restricted queryset by primary key, or ``NotFound``.

    A malformed id (``"abc"``) is the same 404 as a missing one, never a 500.
    """
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound(message or _(NOT_FOUND_MESSAGE), field=field) from None


def access(queryset: ScopedQuerySet[M], user: User, pk: Any) -> M:
    """Fetch one row the user may see, or raise ``NotFound`` — the same for absent and forbidden."""
    return get_or_not_found(queryset.visible_to(user), pk)  # type: ignore[no-any-return]
