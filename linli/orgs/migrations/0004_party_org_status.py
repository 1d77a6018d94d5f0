"""A party org's status (正常 / 已撤销), when and why it was dissolved, and the org it was merged into.

Added with ``ALTER TABLE … ADD COLUMN`` on both engines (as orgs 0003 and tickets 0012), not Django's AddField:
on SQLite, AddField of a NOT NULL column (``status``, ``dissolved_reason``) rebuilds the table (create, copy,
drop, rename), which silently drops any trigger on it (tests/test_migration_triggers.py). The NOT NULL columns
keep their database default on both engines, so rows loaded without them (the demo's bulk_create, a COPY) are
active. ``merged_into`` is a nullable self-reference: its column, foreign key and index are the ones Django's
AddField would create (same names), so the state below matches the database exactly."""

import django.db.models.deletion
from django.db import migrations, models

from linli.core.migration_ops import vendor_sql

TABLE = "orgs_partyorg"
FK_INDEX = "orgs_partyorg_merged_into_id_fa0ee236"
FK_CONSTRAINT = "orgs_partyorg_merged_into_id_fa0ee236_fk_orgs_partyorg_id"

COLUMNS = [
    f"ALTER TABLE {TABLE} ADD COLUMN status varchar(12) DEFAULT 'active' NOT NULL",
    f"ALTER TABLE {TABLE} ADD COLUMN dissolved_at date NULL",
    f"ALTER TABLE {TABLE} ADD COLUMN dissolved_reason varchar(200) DEFAULT '' NOT NULL",
]
SQLITE_ADD = [
    *COLUMNS,
    f"ALTER TABLE {TABLE} ADD COLUMN merged_into_id bigint NULL REFERENCES {TABLE} (id) DEFERRABLE INITIALLY DEFERRED",
    f"CREATE INDEX {FK_INDEX} ON {TABLE} (merged_into_id)",
]
SQLITE_DROP = [
    f"DROP INDEX {FK_INDEX}",
    f"ALTER TABLE {TABLE} DROP COLUMN merged_into_id",
    f"ALTER TABLE {TABLE} DROP COLUMN dissolved_reason",
    f"ALTER TABLE {TABLE} DROP COLUMN dissolved_at",
    f"ALTER TABLE {TABLE} DROP COLUMN status",
]
PG_ADD = [
    *COLUMNS,
    f"ALTER TABLE {TABLE} ADD COLUMN merged_into_id bigint NULL CONSTRAINT {FK_CONSTRAINT} "
    f"REFERENCES {TABLE} (id) DEFERRABLE INITIALLY DEFERRED",
    f"CREATE INDEX {FK_INDEX} ON {TABLE} (merged_into_id)",
]
PG_DROP = [  # dropping the column drops its foreign key and index with it
    f"ALTER TABLE {TABLE} DROP COLUMN merged_into_id",
    f"ALTER TABLE {TABLE} DROP COLUMN dissolved_reason",
    f"ALTER TABLE {TABLE} DROP COLUMN dissolved_at",
    f"ALTER TABLE {TABLE} DROP COLUMN status",
]


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_creator_and_idempotency_key")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[vendor_sql(sqlite=(SQLITE_ADD, SQLITE_DROP), postgresql=(PG_ADD, PG_DROP))],
            state_operations=[
                migrations.AddField(
                    model_name="partyorg",
                    name="status",
                    field=models.CharField(
                        choices=[("active", "正常"), ("dissolved", "已撤销")], default="active", max_length=12
                    ),
                ),
                migrations.AddField(
                    model_name="partyorg",
                    name="dissolved_at",
                    field=models.DateField(blank=True, null=True),
                ),
                migrations.AddField(
                    model_name="partyorg",
                    name="dissolved_reason",
                    field=models.CharField(blank=True, max_length=200),
                ),
                migrations.AddField(
                    model_name="partyorg",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merged_from",
                        to="orgs.partyorg",
                    ),
                ),
            ],
        )
    ]
