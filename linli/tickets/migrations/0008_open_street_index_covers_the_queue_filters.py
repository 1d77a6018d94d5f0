"""The street's newest-first index of open requests carries the columns the visibility and "mine" filters
test, so a street's queue is an index-only walk that stops at the page's end (docs/scaling.md, session 7).
The expression's statistics go with the dropped index: the table is analysed again, as in 0006."""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


def analyse(apps, schema_editor):  # the migration API's signature
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE tickets_ticket")


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0002_organisation_unique_uscc_per_kind'),
        ('places', '0001_initial'),
        ('tickets', '0007_open_path_covers_the_overdue_count'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='ticket',
            name='ticket_open_street_newest',
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(django.db.models.functions.text.Substr('place_path', 1, 8), models.OrderBy(models.F('id'), descending=True), condition=models.Q(('status__in', ['accepted', 'assigned', 'claimed', 'escalated', 'in_progress', 'published', 'submitted', 'waiting_info'])), include=('place_path', 'submitted_by', 'claimed_by', 'first_accepted_by', 'handling_place'), name='ticket_open_street_newest'),
        ),
        migrations.RunPython(analyse, migrations.RunPython.noop),
    ]
