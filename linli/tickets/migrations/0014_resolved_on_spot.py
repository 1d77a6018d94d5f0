"""现场即办 (``Ticket.resolved_on_spot``) and its partial index. The column is added with ``ALTER TABLE … ADD COLUMN``
on both engines, not Django's AddField, for the reason migration 0012 gives: on SQLite AddField of a NOT NULL column
rebuilds the table and silently drops the triggers of migrations 0009 and 0010 (tests/test_migration_triggers.py).
The column keeps its database default (false), so bulk loads that do not name it (``generate_scale``'s COPY) load,
and on PostgreSQL adding it writes no row (a constant default is stored in the catalogue)."""

from django.db import migrations, models

from linli.core.migration_ops import vendor_sql

ADD_SQLITE = "ALTER TABLE tickets_ticket ADD COLUMN resolved_on_spot bool DEFAULT 0 NOT NULL"
ADD_PG = "ALTER TABLE tickets_ticket ADD COLUMN resolved_on_spot boolean DEFAULT false NOT NULL"
DROP = "ALTER TABLE tickets_ticket DROP COLUMN resolved_on_spot"


class Migration(migrations.Migration):
    dependencies = [("tickets", "0013_escalate_at_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[vendor_sql(sqlite=(ADD_SQLITE, DROP), postgresql=(ADD_PG, DROP))],
            state_operations=[
                migrations.AddField(
                    model_name="ticket", name="resolved_on_spot", field=models.BooleanField(default=False)
                )
            ],
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("resolved_on_spot", True)),
                fields=["place_path", "submitted_at"],
                name="ticket_on_spot",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ),
    ]
