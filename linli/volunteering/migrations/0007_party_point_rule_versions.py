"""The 双报到积分管理办法 keeps a version a year (施行年度) instead of one row a node, so that a past year's
报到考评 is judged by the rule of that year. A rule set before this migration becomes the version of the year
it was last saved in (the default rule was in force before that, which is what awards were made by)."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def year_of_last_save(apps, schema_editor):
    PartyPointRule = apps.get_model("volunteering", "PartyPointRule")
    for rule in PartyPointRule.objects.all():
        rule.year = timezone.localtime(rule.updated_at).year
        rule.save(update_fields=["year"])


class Migration(migrations.Migration):

    dependencies = [
        ("places", "0002_compound_profile_grid_standard"),
        ("volunteering", "0006_party_point_rule"),
    ]

    operations = [
        migrations.AddField(
            model_name="partypointrule",
            name="year",
            field=models.PositiveSmallIntegerField(null=True),
        ),
        migrations.RunPython(year_of_last_save, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="partypointrule",
            name="year",
            field=models.PositiveSmallIntegerField(),
        ),
        migrations.AddField(
            model_name="partypointrule",
            name="withdrawn",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="partypointrule",
            name="place",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="party_point_rules", to="places.place"
            ),
        ),
        migrations.AddConstraint(
            model_name="partypointrule",
            constraint=models.UniqueConstraint(fields=("place", "year"), name="party_point_rule_one_version_a_year"),
        ),
    ]
