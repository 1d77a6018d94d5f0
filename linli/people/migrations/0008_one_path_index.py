"""One index on a person's place path instead of two, and no single-column indexes on tag links.

``(place_path varchar_pattern_ops, id)`` answers what the two path indexes answered between them
(``LIKE 'prefix%'``, equality, id order within one path); each index left costs every imported row.
The new index is built before the old ones are dropped, so no query is ever without one.
Measured and explained in docs/ledger.md.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_import_indexes"),
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["place_path", "id"], name="people_person_path_id", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
        ),
        migrations.RemoveIndex(model_name="person", name="people_pers_place_p_63b417_idx"),
        migrations.RemoveIndex(model_name="person", name="people_person_path_like"),
        migrations.AlterField(
            model_name="persontag",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="person_tags",
                to="people.person",
            ),
        ),
        migrations.AlterField(
            model_name="persontag",
            name="tag",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="person_tags",
                to="people.caretag",
            ),
        ),
    ]
