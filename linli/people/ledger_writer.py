"""Fast bulk writes of validated import rows: people, residence history, households, tags.

Django's ``bulk_update`` builds one CASE WHEN per field and row (minutes for 100k rows) and
``bulk_create`` prepares every field of every object, so people, residence rows and the new
people's tags are built as tuples and inserted through ``linli.people.copy_pipe`` — on
PostgreSQL a COPY on a worker thread that overlaps with building the next chunk, elsewhere one
``executemany``. Values are already normalised and encrypted by then. Households, updates of
people already in the ledger and their tags, far fewer, are written at once.

On PostgreSQL new people get their ids from the table's sequence before the COPY (one
``nextval`` query a chunk), so their residence rows and tags need not wait for the COPY nor read
the ids back; other engines read them back by ID hash after the insert.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from linli.people.copy_pipe import Columns, CopyPipe
from linli.people.import_fast import BulkEncryptor
from linli.people.models import Person, PersonTag, Residence, ResidenceType, is_party_status
from linli.places.models import Household, Place

if TYPE_CHECKING:
    from linli.people.importing import ValidRow

PERSON_COLUMNS = [
    "place_path",
    "name",
    "gender",
    "birth_date",
    "id_number_enc",
    "id_number_hash",
    "phone_enc",
    "phone_hash",
    "place_id",
    "household_id",
    "relation_to_head",
    "residence_type",
    "political_status",
    "is_party_member",
]
RESIDENCE_COLUMNS = ["place_path", "person_id", "place_id", "household_id", "residence_type", "moved_in_on", "source"]
TAG_COLUMNS = ["person_id", "tag_id"]
# (row, household id, residence type) of a person already in the ledger whose address changed.
Mover = tuple["ValidRow", int | None, str]


class LedgerWriter:
    """Writes an import chunk by chunk inside the caller's transaction. A context manager: leaving
    it sends and waits for the last chunk, or after an error waits for the COPY in flight."""

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
        "political_status",
        "is_party_member",
        "moved_out_on",
        "updated_at",
    ]
    # Given as NULL when the sheet is silent on them, which keeps the stored value: a re-import without a
    # phone or a 政治面貌 leaves the ledger's.
    KEPT_WHEN_NULL = frozenset({"phone_enc", "phone_hash", "political_status", "is_party_member"})

    def __init__(self, *, source: str) -> None:
        self.source = source
        self.encrypt = BulkEncryptor()
        self.households: dict[tuple[int, str], int] = {}
        self.loaded_buildings: set[int] = set()
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        # Looked up once: ``connection`` is a proxy to a per-thread object, ~1 µs an access, once a row.
        self._date = connection.ops.adapt_datefield_value
        self.today = timezone.localdate()
        self.today_db = self._date(self.today)
        self.reserve_ids = connection.vendor == "postgresql"
        self.pipe = CopyPipe()
        self.people = Columns(Person, ["id", *PERSON_COLUMNS] if self.reserve_ids else PERSON_COLUMNS, now=self.now)
        self.stays = Columns(Residence, RESIDENCE_COLUMNS, now=self.now)
        self.tags = Columns(PersonTag, TAG_COLUMNS, now=self.now)

    def __enter__(self) -> LedgerWriter:
        if self.pipe.background:
            # Foreign keys are checked at the end of each COPY, on the worker thread while the next
            # chunk is built, instead of all at COMMIT while nothing else runs (~1.8 s at 100k rows).
            self._constraints("IMMEDIATE")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.pipe.abandon()
            return
        self.pipe.close()
        if self.pipe.background:
            self._constraints("DEFERRED")  # as Django declares them, for the rest of the transaction

    @staticmethod
    def _constraints(mode: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS ALL {mode}")

    def settle(self) -> None:
        """Wait for the COPY in flight: call before using the connection between two ``write``."""
        self.pipe.settle()

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

    def _household(self, r: ValidRow) -> int | None:
        return self.households.get((r.place_id, r.room)) if r.room else None

    def write(self, rows: list[ValidRow], existing: dict[str, int]) -> tuple[int, int]:
        """Write one chunk; ``existing`` maps ID hashes already in the ledger to their person id.
        The connection must be free (``settle``); the chunk's COPY is queued, sent by the next
        ``write`` once that one's queries are done, or on leaving the writer."""
        self._households_for(rows)
        fresh = [r for r in rows if r.id_hash not in existing]
        ids = self._reserve(len(fresh))
        movers = self._update_known([r for r in rows if r.id_hash in existing], existing)
        self.pipe.start()  # the previous chunk's COPY runs while this one is built
        ids = self._add_people(fresh, ids)
        self._add_stays(fresh, ids, movers, existing)
        tail = self.tags.tail
        self.pipe.add(self.tags, [(pk, tag, *tail) for r, pk in zip(fresh, ids, strict=True) for tag in r.tag_ids])
        return len(fresh), len(rows) - len(fresh)

    def _reserve(self, count: int) -> list[int] | None:
        """PostgreSQL: ``count`` ids from the person sequence; elsewhere None (read back after insert)."""
        if not self.reserve_ids:
            return None
        if not count:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [connection.ops.quote_name(Person._meta.db_table), count],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def _add_people(self, fresh: list[ValidRow], ids: list[int] | None) -> list[int]:
        encrypt, date, tail = self.encrypt, self._date, self.people.tail
        values = [
            (
                r.place_path,
                r.name,
                r.gender,
                date(r.birth_date),
                encrypt(r.id_number),
                r.id_hash,
                encrypt(r.phone),
                r.phone_hash,
                r.place_id,
                self._household(r),
                r.relation,
                r.residence_type or ResidenceType.RESIDENT,
                r.political_status,
                is_party_status(r.political_status),
                *tail,
            )
            for r in fresh
        ]
        if ids is not None:
            self.pipe.add(self.people, [(pk, *row) for pk, row in zip(ids, values, strict=True)])
            return ids
        self.pipe.add(self.people, values)  # inserted at once on this engine: read the ids back
        created = dict(
            Person.objects.filter(id_number_hash__any_of=[r.id_hash for r in fresh]).values_list("id_number_hash", "pk")
        )
        return [created[r.id_hash] for r in fresh]

    def _add_stays(self, fresh: list[ValidRow], ids: list[int], movers: list[Mover], existing: dict[str, int]) -> None:
        tail = self.stays.tail
        rows = [
            (
                r.place_path,
                pk,
                r.place_id,
                self._household(r),
                r.residence_type or ResidenceType.RESIDENT,
                None,
                self.source,
                *tail,
            )
            for r, pk in zip(fresh, ids, strict=True)
        ]
        rows += [
            (r.place_path, existing[r.id_hash], r.place_id, household, kind, self.today_db, self.source, *tail)
            for r, household, kind in movers
        ]
        self.pipe.add(self.stays, rows)

    def _update_known(self, rows: list[ValidRow], existing: dict[str, int]) -> list[Mover]:
        """Update people already in the ledger, close the open stay of those who moved and add their
        tags (at once: their rows exist). Returns the movers, whose new stay is queued with the chunk."""
        if not rows:
            return []
        current = {
            pk: (place_id, household_id, moved_out, phone_hash, relation, kind)
            for pk, place_id, household_id, moved_out, phone_hash, relation, kind in Person.objects.filter(
                pk__any_of=[existing[r.id_hash] for r in rows]
            ).values_list(
                "pk", "place_id", "household_id", "moved_out_on", "phone_hash", "relation_to_head", "residence_type"
            )
        }
        updates: list[list[Any]] = []
        movers: list[Mover] = []
        for r in rows:
            household_id = self._household(r)
            pk = existing[r.id_hash]
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
                    r.political_status or None,
                    is_party_status(r.political_status) if r.political_status else None,
                    None,
                    self.now,
                    pk,
                ]
            )
            if place_id != r.place_id or old_household != household_id or moved_out is not None:
                movers.append((r, household_id, r.residence_type or kind))
        self._update(updates)
        moved_ids = [existing[r.id_hash] for r, _, _ in movers]
        if moved_ids:
            Residence.objects.filter(person_id__in=moved_ids, moved_out_on__isnull=True).update(moved_out_on=self.today)
        links = [PersonTag(person_id=existing[r.id_hash], tag_id=t) for r in rows for t in r.tag_ids]
        if links:
            PersonTag.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)
        return movers

    def _update(self, updates: list[list[Any]]) -> None:
        if not updates:
            return
        quote = connection.ops.quote_name
        columns = {f.attname: f.column for f in Person._meta.concrete_fields}
        assignments = []
        for name in self.UPDATED:
            column = quote(columns[name])
            # A phone is only replaced when the sheet has a different one: NULL keeps the stored value.
            assignments.append(
                f"{column} = COALESCE(%s, {column})" if name in self.KEPT_WHEN_NULL else f"{column} = %s"
            )
        table = quote(Person._meta.db_table)
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            kept = {quote(columns[n]) for n in self.KEPT_WHEN_NULL}
            self._update_via_copy(updates, table, [quote(columns[n]) for n in self.UPDATED], kept)
            return
        sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE {quote('id')} = %s"  # noqa: S608 - names from metadata
        with connection.cursor() as cursor:
            cursor.executemany(sql, updates)

    @staticmethod
    def _update_via_copy(updates: list[list[Any]], table: str, columns: list[str], kept: set[str]) -> None:
        """PostgreSQL: COPY the chunk into a temporary table shaped like the person columns, then
        one UPDATE … FROM (a statement per row costs a round trip each)."""
        temp = "linli_import_person_update"
        listed = ", ".join([*columns, '"id"'])
        assignments = ", ".join(f"{c} = COALESCE(u.{c}, p.{c})" if c in kept else f"{c} = u.{c}" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS SELECT {listed} FROM {table} WITH NO DATA"  # noqa: S608 - names from metadata
            )
            cursor.execute(f"TRUNCATE {temp}")
            with cursor.cursor.copy(f"COPY {temp} ({listed}) FROM STDIN") as copy:
                for row in updates:
                    copy.write_row(row)
            cursor.execute(f'UPDATE {table} AS p SET {assignments} FROM {temp} AS u WHERE p."id" = u."id"')  # noqa: S608
