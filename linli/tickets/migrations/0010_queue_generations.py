"""Generations for the request list's key cache (tickets.list_cache.queue_page_keys; docs/scaling.md, session 11).

Which requests a viewer's list holds can change only when a request row changes that the viewer may
see before or after the change. A viewer sees a request because of where it is (their streets), or
because it is their own: they reported or claimed it, it is the master of a duplicate they reported,
or it was sent to an organisation they are the liaison of (``Ticket.visible_to``, ``Ticket.own_q``).
So every INSERT, UPDATE and DELETE of a request raises, in ``ListGeneration``:

* ``s:<street path>`` of its old and new place (a place above street level: its own path),
* ``u:<user id>`` of its old and new reporter and claimer, and of the reporters of its duplicates,
* ``o:<organisation id>`` of its old and new handling organisation.

A list read under the same generations, positions, filters and cursor is the same list. Triggers, not
Python, so ``QuerySet.update``, the admin, data migrations and raw SQL all move them. Each row is
raised to at least the clock in microseconds, like ``names``, so after a flush or a restore no
generation returns to a value an older entry was stored under. One statement raises all of a row's
names, in name order, so two requests' writes lock them in the same order.
"""

from django.db import migrations

from linli.core.migration_ops import vendor_sql

STREET = 8  # places.models.STREET_PATH_LENGTH when this was written (2 × steplen 4); kept literal: migrations are history


def _names(row: str, concat: str) -> list[str]:
    """SQL expressions for the generation names a request row (``OLD``/``NEW``) raises; NULL when a column is."""
    return [
        f"'s:' {concat} substr({row}.place_path, 1, {STREET})",
        f"'u:' {concat} {row}.submitted_by_id",
        f"'u:' {concat} {row}.claimed_by_id",
        f"'o:' {concat} {row}.handling_org_id",
    ]


def _duplicates(row: str, concat: str) -> str:
    return f"SELECT 'u:' {concat} d.submitted_by_id FROM tickets_ticket d WHERE d.merged_into_id = {row}.id"


PG_UP = f"""
CREATE FUNCTION tickets_ticket_queue_generation_raise() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    names text[] := '{{}}';
    now_us bigint := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        names := names || ARRAY[{", ".join(_names("OLD", "||"))}] || ARRAY({_duplicates("OLD", "||")});
    END IF;
    IF TG_OP <> 'DELETE' THEN
        names := names || ARRAY[{", ".join(_names("NEW", "||"))}] || ARRAY({_duplicates("NEW", "||")});
    END IF;
    INSERT INTO tickets_listgeneration (name, value)
    SELECT name, now_us FROM (SELECT DISTINCT n AS name FROM unnest(names) AS n WHERE n IS NOT NULL) d ORDER BY name
    ON CONFLICT (name) DO UPDATE SET value = GREATEST(tickets_listgeneration.value + 1, EXCLUDED.value);
    RETURN NULL;
END $$;
CREATE TRIGGER tickets_ticket_queue_generation AFTER INSERT OR UPDATE OR DELETE ON tickets_ticket
    FOR EACH ROW EXECUTE FUNCTION tickets_ticket_queue_generation_raise();
"""
PG_DOWN = """
DROP TRIGGER tickets_ticket_queue_generation ON tickets_ticket;
DROP FUNCTION tickets_ticket_queue_generation_raise();
"""


def _sqlite_raise(rows: list[str]) -> str:
    selects = [f"SELECT {name} AS name" for row in rows for name in _names(row, "||")]
    selects += [_duplicates(row, "||") for row in rows]
    return (
        "INSERT INTO tickets_listgeneration (name, value)"
        " SELECT name, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)"
        f" FROM ({' UNION '.join(selects)}) WHERE name IS NOT NULL ORDER BY name"
        " ON CONFLICT (name) DO UPDATE SET value = max(value + 1, excluded.value);"
    )


SQLITE_EVENTS = {"insert": ["NEW"], "update": ["OLD", "NEW"], "delete": ["OLD"]}
SQLITE_UP = [
    f"CREATE TRIGGER tickets_ticket_queue_generation_{event} AFTER {event.upper()} ON tickets_ticket FOR EACH ROW"
    f" BEGIN {_sqlite_raise(rows)} END"
    for event, rows in SQLITE_EVENTS.items()
]
SQLITE_DOWN = [f"DROP TRIGGER tickets_ticket_queue_generation_{event}" for event in SQLITE_EVENTS]


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_list_page_versions")]

    operations = [vendor_sql(sqlite=(SQLITE_UP, SQLITE_DOWN), postgresql=(PG_UP, PG_DOWN))]
