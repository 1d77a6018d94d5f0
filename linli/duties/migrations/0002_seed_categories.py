from django.db import migrations
from django.utils.translation import gettext_noop

# The 职责类别 a street's duty list is sorted under (stored in Chinese; gettext_noop marks them for translation
# where they are shown). More can be added as data; a category is switched off, never deleted.
# (code, name, sort)
CATEGORIES = [
    ("party", gettext_noop("党的建设"), 10),
    ("economy", gettext_noop("经济发展"), 20),
    ("livelihood", gettext_noop("民生服务"), 30),
    ("safety", gettext_noop("平安建设"), 40),
    ("urban", gettext_noop("城市管理"), 50),
    ("support", gettext_noop("综合保障"), 60),
]


def seed(apps, schema_editor):
    Category = apps.get_model("duties", "DutyCategory")
    for code, name, sort in CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})


def unseed(apps, schema_editor):
    apps.get_model("duties", "DutyCategory").objects.filter(code__in=[c for c, _n, _s in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("duties", "0001_streets_duties_entry_control")]
    operations = [migrations.RunPython(seed, unseed)]
