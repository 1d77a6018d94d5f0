"""``Category.updated_at``: smart dispatch caches the categories per process and reads them again when
the newest ``updated_at`` (or the number of categories) changes. Existing rows get the migration's time."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_open_request_indexes")]

    operations = [
        migrations.AddField(
            model_name="category",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
