from django.db import migrations
from django.utils.translation import gettext_noop

# Seed 001: 整合……“五老”……以及“4050”人员、低保户等力量. Two more groups for the ledger, as care tags so that
# the ledger's filter, the import's tag column and the forces page count them like the others.
# - 五老 (老干部、老战士、老专家、老教师、老模范) is a standing a person is known by and proud of: not sensitive.
# - 4050人员 (女40岁、男50岁以上的就业困难人员) says a person is out of work and hard to place: sensitive, like
#   失业人员 (0003).
TAGS = [
    ("five_elders", gettext_noop("五老"), False, 200),
    ("worker_4050", gettext_noop("4050人员"), True, 210),
]


def seed(apps, schema_editor):
    CareTag = apps.get_model("people", "CareTag")
    for code, name, sensitive, sort in TAGS:
        CareTag.objects.get_or_create(code=code, defaults={"name": name, "sensitive": sensitive, "sort": sort})


def unseed(apps, schema_editor):
    apps.get_model("people", "CareTag").objects.filter(code__in=[t[0] for t in TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0009_position_kinds_supervisor_liaison")]
    operations = [migrations.RunPython(seed, unseed)]
