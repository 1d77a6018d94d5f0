from django.db import migrations

# The care tags the seeds name (重点人群); the configurable list starts with these.
TAGS = [
    ("living_alone", "独居老人", False),
    ("elderly", "高龄老人", False),
    ("disabled", "残疾人", True),
    ("low_income", "低保户", True),
    ("martyr_family", "军烈属", False),
    ("veteran", "退役军人", False),
    ("petitioner", "信访户", True),
    ("left_behind_child", "留守儿童", True),
    ("unemployed", "失业人员", True),
    ("serious_illness", "大病患者", True),
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
