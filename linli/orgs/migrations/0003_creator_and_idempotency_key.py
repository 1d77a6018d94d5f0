"""Who created a party organisation or registered an organisation, and the creator's idempotency key.

The keys are added with ``ALTER TABLE … ADD COLUMN`` (as tickets 0012): Django's AddField of a NOT NULL
column rebuilds a SQLite table, which drops the list cache's triggers on ``orgs_organisation`` (tickets 0009;
tests/test_migration_triggers.py). The nullable ``created_by`` needs no rebuild."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from linli.core.migration_ops import vendor_sql


def _key_column(table: str) -> migrations.SeparateDatabaseAndState:
    model = {"orgs_organisation": "organisation", "orgs_partyorg": "partyorg"}[table]
    add = f"ALTER TABLE {table} ADD COLUMN idempotency_key varchar(64) DEFAULT '' NOT NULL"
    drop = f"ALTER TABLE {table} DROP COLUMN idempotency_key"
    return migrations.SeparateDatabaseAndState(
        database_operations=[vendor_sql(sqlite=(add, drop), postgresql=(add, drop))],
        state_operations=[
            migrations.AddField(
                model_name=model, name="idempotency_key", field=models.CharField(blank=True, max_length=64)
            )
        ],
    )


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0002_organisation_unique_uscc_per_kind'),
        ('places', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='organisation',
            name='created_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        _key_column("orgs_organisation"),
        migrations.AddField(
            model_name='partyorg',
            name='created_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        _key_column("orgs_partyorg"),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('created_by', 'idempotency_key'), name='organisation_idempotency_per_creator'),
        ),
        migrations.AddConstraint(
            model_name='partyorg',
            constraint=models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('created_by', 'idempotency_key'), name='party_org_idempotency_per_creator'),
        ),
    ]
