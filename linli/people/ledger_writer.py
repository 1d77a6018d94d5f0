"""Fast bulk writes of validated import rows: people, residence history, households, tags.

Django's ``bulk_update`` builds one CASE WHEN per field and row (minutes for 100k rows) and
``bulk_create`` prepares every field of every object, so people and residence rows are written
with one parameterised statement run through ``executemany`` — values are already normalised
and encrypted by then. Households and tags, far fewer, go through the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from linli.people.import_fast import BulkEncryptor
from linli.people.models import Person, PersonTag, Residence, ResidenceType
from linli.places.models import Household, Place

if TYPE_CHECKING:
    from linli.people.importing import ValidRow


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT rows given as {attname: db-ready value}; other columns get their field default."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for f in fields:
        if f.attname not in rows[0]:
            value = (
                timezone.now()
                if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
                else f.get_default()
            )
            defaults[f.attname] = f.get_db_prep_save(value, connection)
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    names = [f.attname for f in fields]
    values = ([row.get(n, defaults.get(n)) for n in names] for row in rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream instead of a statement per row (psycopg adapts each value by its type).
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608 - names from model metadata, values bound
        cursor.executemany(sql, list(values))


class LedgerWriter:
    UPDATED = [
        "name",
        "gender",
        "birth_date",
        "phone_enc",
        "phone_hash",
        "place_id",
        "place_path",
        "household_id",
        "relation_to_head",
        "residence_type",
        "moved_out_on",
        "updated_at",
    ]

    def __init__(self, *, source: str) -> None:
        self.source = source
        self.encrypt = BulkEncryptor()
        self.households: dict[tuple[int, str], int] = {}
        self.loaded_buildings: set[int] = set()
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.today = timezone.localdate()
        self.today_db = connection.ops.adapt_datefield_value(self.today)

    def _date(self, value: Any) -> Any:
        return connection.ops.adapt_datefield_value(value)

    def _households_for(self, rows: list[ValidRow]) -> None:
        new_buildings = {r.building_id for r in rows} - self.loaded_buildings
        if new_buildings:
            condition = Q()
            for path in Place.objects.filter(pk__in=new_buildings).values_list("path", flat=True):
                condition |= Q(place_path__under=path)
            for pk, place_id, room in Household.objects.filter(condition).values_list("pk", "place_id", "room"):
                self.households[(place_id, room)] = pk
            self.loaded_buildings |= new_buildings
        missing: dict[tuple[int, str], Household] = {}
        for r in rows:
            key = (r.place_id, r.room)
            if r.room and key not in self.households and key not in missing:
                missing[key] = Household(place_id=r.place_id, place_path=r.place_path, room=r.room)
        if missing:
            Household.objects.bulk_create(list(missing.values()), batch_size=1000)
            if any(h.pk is None for h in missing.values()):  # backends without RETURNING on bulk insert
                rows_ = Household.objects.filter(place_id__in={k[0] for k in missing})
                self.households.update({(p, r): pk for pk, p, r in rows_.values_list("pk", "place_id", "room")})
            else:
                self.households.update({k: h.pk for k, h in missing.items()})

    def write(self, rows: list[ValidRow], existing: dict[str, int]) -> tuple[int, int]:
        """Write one chunk; ``existing`` maps ID hashes already in the ledger to their person id."""
        self._households_for(rows)
        current = {
            pk: (place_id, household_id, moved_out, phone_hash, relation, kind)
            for pk, place_id, household_id, moved_out, phone_hash, relation, kind in Person.objects.filter(
                pk__any_of=list(existing.values())
            ).values_list(
                "pk", "place_id", "household_id", "moved_out_on", "phone_hash", "relation_to_head", "residence_type"
            )
        }
        new_rows: list[dict[str, Any]] = []
        updates: list[list[Any]] = []
        movers: list[tuple[ValidRow, int | None, str]] = []  # (row, household, type) of people who moved
        for r in rows:
            household_id = self.households.get((r.place_id, r.room)) if r.room else None
            pk = existing.get(r.id_hash)
            if pk is None:
                new_rows.append(
                    {
                        "place_path": r.place_path,
                        "name": r.name,
                        "gender": r.gender,
                        "birth_date": self._date(r.birth_date),
                        "id_number_enc": self.encrypt(r.id_number),
                        "id_number_hash": r.id_hash,
                        "phone_enc": self.encrypt(r.phone),
                        "phone_hash": r.phone_hash,
                        "place_id": r.place_id,
                        "household_id": household_id,
                        "relation_to_head": r.relation,
                        "residence_type": r.residence_type or ResidenceType.RESIDENT,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
                continue
            place_id, old_household, moved_out, phone_hash, relation, kind = current[pk]
            phone_changed = bool(r.phone) and r.phone_hash != phone_hash
            updates.append(
                [
                    r.name,
                    r.gender,
                    self._date(r.birth_date),
                    self.encrypt(r.phone) if phone_changed else None,
                    r.phone_hash if phone_changed else None,
                    r.place_id,
                    r.place_path,
                    household_id,
                    r.relation or relation,
                    r.residence_type or kind,
                    None,
                    self.now,
                    pk,
                ]
            )
            if place_id != r.place_id or old_household != household_id or moved_out is not None:
                movers.append((r, household_id, r.residence_type or kind))
        _insert(Person, new_rows)
        created = dict(
            Person.objects.filter(id_number_hash__any_of=[n["id_number_hash"] for n in new_rows]).values_list(
                "id_number_hash", "pk"
            )
        )
        self._update(updates)
        self._history(new_rows, created, movers, existing)
        self._tags(rows, {**created, **existing})
        return len(new_rows), len(updates)

    def _update(self, updates: list[list[Any]]) -> None:
        if not updates:
            return
        quote = connection.ops.quote_name
        columns = {f.attname: f.column for f in Person._meta.concrete_fields}
        assignments = []
        for name in self.UPDATED:
            column = quote(columns[name])
            # A phone is only replaced when the sheet has a different one: NULL keeps the stored value.
            assignments.append(f"{column} = COALESCE(%s, {column})" if name.startswith("phone") else f"{column} = %s")
        table = quote(Person._meta.db_table)
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            self._update_via_copy(updates, table, [quote(columns[n]) for n in self.UPDATED])
            return
        sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE {quote('id')} = %s"  # noqa: S608 - names from metadata
        with connection.cursor() as cursor:
            cursor.executemany(sql, updates)

    @staticmethod
    def _update_via_copy(updates: list[list[Any]], table: str, columns: list[str]) -> None:
        """PostgreSQL: COPY the chunk into a temporary table shaped like the person columns, then
        one UPDATE … FROM (a statement per row costs a round trip each)."""
        temp = "linli_import_person_update"
        listed = ", ".join([*columns, '"id"'])
        assignments = ", ".join(
            f"{c} = COALESCE(u.{c}, p.{c})" if c.strip('"').startswith("phone") else f"{c} = u.{c}" for c in columns
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS SELECT {listed} FROM {table} WITH NO DATA"  # noqa: S608 - names from metadata
            )
            cursor.execute(f"TRUNCATE {temp}")
            with cursor.cursor.copy(f"COPY {temp} ({listed}) FROM STDIN") as copy:
                for row in updates:
                    copy.write_row(row)
            cursor.execute(f'UPDATE {table} AS p SET {assignments} FROM {temp} AS u WHERE p."id" = u."id"')  # noqa: S608

    def _history(
        self,
        new_rows: list[dict[str, Any]],
        created: dict[str, int],
        movers: list[tuple[ValidRow, int | None, str]],
        existing: dict[str, int],
    ) -> None:
        moved_ids = [existing[r.id_hash] for r, _, _ in movers]
        if moved_ids:
            Residence.objects.filter(person_id__in=moved_ids, moved_out_on__isnull=True).update(moved_out_on=self.today)
        rows = [
            {
                "place_path": n["place_path"],
                "person_id": created[n["id_number_hash"]],
                "place_id": n["place_id"],
                "household_id": n["household_id"],
                "residence_type": n["residence_type"],
                "moved_in_on": None,
                "moved_out_on": None,
                "source": self.source,
                "created_at": self.now,
            }
            for n in new_rows
        ]
        rows += [
            {
                "place_path": r.place_path,
                "person_id": existing[r.id_hash],
                "place_id": r.place_id,
                "household_id": household_id,
                "residence_type": kind,
                "moved_in_on": self.today_db,
                "moved_out_on": None,
                "source": self.source,
                "created_at": self.now,
            }
            for r, household_id, kind in movers
        ]
        _insert(Residence, rows)

    def _tags(self, rows: Iterable[ValidRow], ids: dict[str, int]) -> None:
        links = [PersonTag(person_id=ids[r.id_hash], tag_id=t) for r in rows for t in r.tag_ids]
        if links:
            PersonTag.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)
