"""诉求类型 (Ticket.kind). Added with ``ALTER TABLE … ADD COLUMN`` on both engines, not Django's AddField: on
SQLite, AddField of a NOT NULL column rebuilds the table (create, copy, drop, rename), which silently drops the
triggers migrations 0009 and 0010 put on ``tickets_ticket`` (the row version and the list cache's generations)
— the request list would then serve stale cached pages. The column keeps its database default ('') on both
engines, so bulk loads that name no kind (``generate_scale``'s COPY) still load. tests/test_migration_triggers.py
checks every SQLite trigger the migrations create is still there."""

from django.db import migrations, models

from linli.core.migration_ops import vendor_sql

ADD = "ALTER TABLE tickets_ticket ADD COLUMN kind varchar(12) DEFAULT '' NOT NULL"
DROP = "ALTER TABLE tickets_ticket DROP COLUMN kind"


class Migration(migrations.Migration):
    dependencies = [("tickets", "0011_queue_generations_per_statement")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[vendor_sql(sqlite=(ADD, DROP), postgresql=(ADD, DROP))],
            state_operations=[
                migrations.AddField(
                    model_name="ticket",
                    name="kind",
                    field=models.CharField(
                        blank=True,
                        choices=[
                            ("help", "求助"),
                            ("complaint", "投诉"),
                            ("suggestion", "建议"),
                            ("consult", "咨询"),
                            ("report", "举报"),
                            ("praise", "表扬"),
                        ],
                        default="",
                        max_length=12,
                    ),
                )
            ],
        )
    ]
