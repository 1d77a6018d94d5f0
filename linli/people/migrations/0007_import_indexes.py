# Indexes the 100k import paid for on every row and no query uses (docs/ledger.md, issue #4):
# people's plain place_path btree (the (place_path, id) index answers the same queries; the
# varchar_pattern_ops one, for LIKE 'prefix%', is rebuilt under a name set in Meta); on residence
# rows the place_path pair (nothing lists residences by place) and the lone person_id index
# ((person, moved_in_on) leads with it). The residence foreign key stays: only its index is
# dropped, without Django's drop-and-re-add of the constraint (which re-checks every row).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0006_leaner_person_indexes'),
        ('places', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='person',
            name='place_path',
            field=models.CharField(editable=False, max_length=255),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['place_path'], name='people_person_path_like', opclasses=['varchar_pattern_ops']),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='residence',
                    name='person',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='residences', to='people.person'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "people_residence_person_id_8f8d598c"',
                    'CREATE INDEX "people_residence_person_id_8f8d598c" ON "people_residence" ("person_id")',
                ),
            ],
        ),
        migrations.AlterField(
            model_name='residence',
            name='place_path',
            field=models.CharField(editable=False, max_length=255),
        ),
    ]
