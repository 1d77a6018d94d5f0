"""Reads of the place tree: scope roots, children with counts, node detail. No N+1."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from linli.core.prepared import Part, instances, model_columns, prepared_cursor
from linli.core.scoping import ScopedQuerySet, access, may_manage_at, scope_for
from linli.places.models import Household, Place, PlaceKind


def may_manage_place(user: Any, path: str) -> bool:
    """Whether ``user`` may edit the tree, a compound's profile or a grid standard at ``path``."""
    return may_manage_at(user, path)


def access_place(user: Any, pk: Any) -> Place:
    return access(Place.objects.get_queryset(), user, pk)


def place_and_ancestors(*, place_id: int) -> list[Place]:
    """The place with this id and every place above it, top down (the place itself last); ``[]`` when
    there is none. One statement, prepared on PostgreSQL (``core.prepared``), found on the path index:
    the intake reads both, the place reported and the grid, community or street above it that a
    category's default unit resolves to."""
    alias = router.db_for_read(Place)
    sql, part = _ancestors_statement(alias)
    with prepared_cursor(alias) as cursor:
        cursor.execute(sql, [place_id])
        rows = cursor.fetchall()
    return [place for row in rows for place in instances(alias, [part], row)]  # type: ignore[misc]


@cache
def _ancestors_statement(alias: str) -> tuple[str, Part]:
    q = connections[alias].ops.quote_name
    table, path, pk, depth = q(Place._meta.db_table), q("path"), q("id"), q("depth")
    # A place lies at most one level per kind deep: a prefix per level above it, and its own path.
    prefixes = ", ".join(f"substr(x.{path}, 1, {n * Place.steplen})" for n in range(1, len(PlaceKind.values)))
    columns, part = model_columns(Place, "p", alias)
    sql = (
        f"SELECT {', '.join(columns)} FROM {table} x JOIN {table} p ON p.{path} IN ({prefixes}, x.{path})"  # noqa: S608 - names from metadata
        f" WHERE x.{pk} = %s ORDER BY p.{depth}"
    )
    return sql, part


def scope_roots(user: Any) -> QuerySet[Place]:
    """The top nodes a user may browse: the roots of their scope (all roots for admins)."""
    scope = scope_for(user)
    if scope.everything:
        return Place.objects.get_root_nodes()
    return Place.objects.filter(path__in=scope.paths).order_by("path")


@dataclass
class NodeCounts:
    households: int = 0
    residents: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def kind_list(self) -> list[tuple[str, int]]:
        """(label, count) in tree order: 社区 4, 小区 43, 网格 86, 楼栋 328 …"""
        return [(str(label), self.by_kind[kind]) for kind, label in PlaceKind.choices if kind in self.by_kind]


def _grouped(qs: QuerySet[Any], path_field: str, length: int) -> dict[str, int]:
    rows = qs.annotate(prefix=Substr(path_field, 1, length)).values("prefix").annotate(n=Count("pk")).order_by()
    return {row["prefix"]: row["n"] for row in rows}


def counts_under(nodes: list[Place]) -> dict[int, NodeCounts]:
    """Households, residents and descendant places by kind for each node.

    Nodes are grouped by parent; each group costs three grouped queries, so a page of
    siblings is three queries however many siblings it shows. A node alone in its group (the
    place a page is about, beside its children) is counted under its own path, not its parent's:
    a street's page reads the street's rows, not the whole district's grouped by street.
    """
    from linli.people.models import Person

    result = {n.pk: NodeCounts() for n in nodes}
    groups: dict[str, list[Place]] = defaultdict(list)
    for n in nodes:
        groups[n.path[: (n.depth - 1) * Place.steplen]].append(n)
    for parent_path, group in groups.items():
        depth = group[0].depth
        length = depth * Place.steplen
        by_prefix = {n.path: n for n in group}
        within = group[0].path if len(group) == 1 else parent_path
        households_qs = Household.objects.under(within) if within else Household.objects.all()
        people_qs = Person.objects.under(within) if within else Person.objects.all()
        places_qs = Place.objects.filter(path__under=within) if within else Place.objects.all()
        households = _grouped(households_qs, "place_path", length)
        residents = _grouped(people_qs, "place_path", length)
        kind_rows = (
            places_qs.filter(depth__gt=depth)
            .annotate(prefix=Substr("path", 1, length))
            .values("prefix", "kind")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for path, node in by_prefix.items():
            result[node.pk].households = households.get(path, 0)
            result[node.pk].residents = residents.get(path, 0)
        for row in kind_rows:
            owner = by_prefix.get(row["prefix"])
            if owner is not None:
                result[owner.pk].by_kind[row["kind"]] = row["n"]
    return result


def children_of(node: Place) -> list[Place]:
    return list(Place.objects.filter(path__under=node.path, depth=node.depth + 1).order_by("path"))


def ancestors_of(node: Place) -> list[Place]:
    paths = [node.path[: i * Place.steplen] for i in range(1, node.depth)]
    return list(Place.objects.filter(path__in=paths).order_by("depth"))


def positions_at(node: Place) -> list[Any]:
    from linli.people.models import Position

    return list(
        Position.objects.filter(place=node, end_date__isnull=True)
        .select_related("person", "party_org", "organisation")
        .order_by("kind", "person__name")
    )


def visible_places(user: Any) -> ScopedQuerySet[Place]:
    return Place.objects.get_queryset().visible_to(user)
