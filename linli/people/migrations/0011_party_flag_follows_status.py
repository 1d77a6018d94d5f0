"""One rule for "party member": the flag follows the 政治面貌 wherever one is filled in.

Before, the ledger edit set the flag from the status, elections read the status first and the flag when it
was unfilled, and the grid-staff figure counted the flag *or* the status; rows where the two disagreed were
counted differently by each. Rows with a status are brought into step (the status decides, as elections
did), then a check constraint keeps them there. Rows without a status keep their flag."""

from django.db import migrations, models

PARTY = ("party_member", "probationary")


def flag_from_status(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    Person.objects.filter(political_status__in=PARTY, is_party_member=False).update(is_party_member=True)
    Person.objects.exclude(political_status="").exclude(political_status__in=PARTY).filter(
        is_party_member=True
    ).update(is_party_member=False)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0010_seed_five_elders_4050"),
        ("places", "0003_security_facility"),
    ]

    operations = [
        migrations.RunPython(flag_from_status, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("political_status", ""),
                    models.Q(("is_party_member", True), ("political_status__in", PARTY)),
                    models.Q(
                        ("is_party_member", False), models.Q(("political_status__in", PARTY), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="people_person_party_flag_follows_status",
            ),
        ),
    ]
