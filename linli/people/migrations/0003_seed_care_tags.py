from django.db import migrations
from django.utils.translation import gettext_noop

# The care tags the seeds name (重点人群); the configurable list starts with these. The names are stored
# in Chinese; gettext_noop (a no-op) only marks them for `make messages`, so the pages can show them
# in the reader's language (core.i18n.seeded).
TAGS = [
    ("living_alone", gettext_noop("独居老人"), False),
    ("elderly", gettext_noop("高龄老人"), False),
    ("disabled", gettext_noop("残疾人"), True),
    ("low_income", gettext_noop("低保户"), True),
    ("martyr_family", gettext_noop("军烈属"), False),
    ("veteran", gettext_noop("退役军人"), False),
    ("petitioner", gettext_noop("信访户"), True),
    ("left_behind_child", gettext_noop("留守儿童"), True),
    ("unemployed", gettext_noop("失业人员"), True),
    ("serious_illness", gettext_noop("大病患者"), True),
]


def seed(apps, schema_editor):
    CareTag = apps.get_model("people", "CareTag")
    for sort, (code, name, sensitive) in enumerate(TAGS):
        CareTag.objects.get_or_create(code=code, defaults={"name": name, "sensitive": sensitive, "sort": sort * 10})


def unseed(apps, schema_editor):
    apps.get_model("people", "CareTag").objects.filter(code__in=[t[0] for t in TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0002_ledger")]
    operations = [migrations.RunPython(seed, unseed)]
