"""Open requests newest first within one street: an expression index led by the street's prefix of the
place path. A street's queue walks only its own open requests, however many newer ones other streets have
(``tickets.selectors.ticket_page``; the measurement is in docs/scaling.md).

PostgreSQL keeps statistics for an expression index only once the table is analysed; until then it guessed
a street holds 216 open requests instead of 4,183 and sorted them all (11.5 ms) instead of walking the index
(0.2 ms). So the migration analyses the table (a sample: about a second at a million requests)."""

import django.db.models.functions.text
from django.db import migrations, models


def analyse(apps, schema_editor):  # the migration API's signature
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE tickets_ticket")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_category_updated_at")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                django.db.models.functions.text.Substr("place_path", 1, 8),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "accepted",
                            "assigned",
                            "claimed",
                            "escalated",
                            "in_progress",
                            "published",
                            "submitted",
                            "waiting_info",
                        ],
                    )
                ),
                name="ticket_open_street_newest",
            ),
        ),
        migrations.RunPython(analyse, migrations.RunPython.noop),
    ]
