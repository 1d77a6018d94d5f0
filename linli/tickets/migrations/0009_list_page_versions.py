"""Versions for the request list's page cache (tickets.list_cache; docs/scaling.md, session 8).

``Ticket.version`` is raised by the database on every UPDATE of a request, and the ``names`` row of
``ListGeneration`` whenever something a list shows beside its rows may read differently (a place's or
an organisation's name or kind, any category, the calendar's published years). Triggers, not Python:
``QuerySet.update``, ``bulk_update``, the admin and raw SQL all move them, and nothing can forget to.

The generation is set to at least the clock in microseconds, so after a flush or a restore it never
returns to a value an older cached page was stored under."""

from django.db import migrations, models

from linli.core.migration_ops import vendor_sql

# (table, the writes that may change what a list shows beside its rows). A new category or place is
# in no list yet; a calendar year stored for the first time may override the package's.
NAMED = [
    ("places_place", ["UPDATE OF name, kind", "DELETE"]),
    ("orgs_organisation", ["UPDATE OF name, kind", "DELETE"]),
    ("tickets_category", ["UPDATE", "DELETE"]),
    ("workdays_calendaryear", ["INSERT", "UPDATE", "DELETE"]),
]

PG_UP = """
CREATE FUNCTION tickets_ticket_version_raise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $$;
CREATE TRIGGER tickets_ticket_version BEFORE UPDATE ON tickets_ticket
    FOR EACH ROW EXECUTE FUNCTION tickets_ticket_version_raise();
CREATE FUNCTION tickets_list_generation_raise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_listgeneration (name, value)
    VALUES ('names', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
    ON CONFLICT (name) DO UPDATE SET value = GREATEST(tickets_listgeneration.value + 1, EXCLUDED.value);
    RETURN NULL;
END $$;
""" + "".join(
    f"CREATE TRIGGER {table}_list_generation AFTER {' OR '.join(events)}"
    f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION tickets_list_generation_raise();\n"
    for table, events in NAMED
)
PG_DOWN = "".join(f"DROP TRIGGER {table}_list_generation ON {table};\n" for table, _ in NAMED) + """
DROP FUNCTION tickets_list_generation_raise();
DROP TRIGGER tickets_ticket_version ON tickets_ticket;
DROP FUNCTION tickets_ticket_version_raise();
"""

# SQLite: an AFTER trigger sets the column (a trigger does not fire itself: recursive_triggers is off).
SQLITE_RAISE = (
    "INSERT INTO tickets_listgeneration (name, value)"
    " VALUES ('names', CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))"
    " ON CONFLICT (name) DO UPDATE SET value = max(value + 1, excluded.value);"
)
SQLITE_EVENTS = [(table, event) for table, events in NAMED for event in events]


def _sqlite_name(table: str, event: str) -> str:
    return f"{table}_list_generation_{event.split()[0].lower()}"


SQLITE_UP = [
    "CREATE TRIGGER tickets_ticket_version AFTER UPDATE ON tickets_ticket FOR EACH ROW"
    " BEGIN UPDATE tickets_ticket SET version = OLD.version + 1 WHERE id = NEW.id; END",
] + [
    f"CREATE TRIGGER {_sqlite_name(table, event)} AFTER {event} ON {table} BEGIN {SQLITE_RAISE} END"
    for table, event in SQLITE_EVENTS
]
SQLITE_DOWN = ["DROP TRIGGER tickets_ticket_version"] + [
    f"DROP TRIGGER {_sqlite_name(table, event)}" for table, event in SQLITE_EVENTS
]


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_open_street_index_covers_the_queue_filters"),
        ("places", "0001_initial"),
        ("orgs", "0002_organisation_unique_uscc_per_kind"),
        ("workdays", "0002_seed_from_package"),
    ]

    operations = [
        migrations.CreateModel(
            name="ListGeneration",
            fields=[
                ("name", models.CharField(max_length=16, primary_key=True, serialize=False)),
                ("value", models.BigIntegerField()),
            ],
        ),
        migrations.AddField(
            model_name="ticket",
            name="version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        vendor_sql(sqlite=(SQLITE_UP, SQLITE_DOWN), postgresql=(PG_UP, PG_DOWN)),
    ]
