from django.db import migrations
from django.utils.translation import gettext_noop

# The platform default of seed 000's "1+1+2N+X": 1 小区党组织书记, 1 网格长, 2 网格员/楼栋长 per building (2N),
# and any number of volunteers, property and owners' committee representatives (X). Stored in Chinese;
# gettext_noop only marks the names for translation where they are shown (``|seeded``). Streets and
# communities keep their own copy when theirs differs (linli.teams.services.standard_adopt).
# (code, name, fixed, per building, sort)
DEFAULT_POSTS = [
    ("secretary", gettext_noop("小区党组织书记"), 1, 0, 10),
    ("grid_chief", gettext_noop("网格长"), 1, 0, 20),
    ("building", gettext_noop("网格员/楼栋长"), 0, 2, 30),
    ("volunteer", gettext_noop("志愿者"), 0, 0, 40),
    ("property", gettext_noop("物业代表"), 0, 0, 50),
    ("owners_committee", gettext_noop("业委会代表"), 0, 0, 60),
]


def seed(apps, schema_editor):
    Standard = apps.get_model("teams", "TeamStandard")
    Post = apps.get_model("teams", "TeamPost")
    standard, _ = Standard.objects.get_or_create(place_path="", defaults={"place": None})
    for code, name, fixed, per_building, sort in DEFAULT_POSTS:
        Post.objects.get_or_create(
            standard=standard,
            code=code,
            defaults={"name": name, "fixed": fixed, "per_building": per_building, "sort": sort},
        )


def unseed(apps, schema_editor):
    apps.get_model("teams", "TeamStandard").objects.filter(place_path="").delete()


class Migration(migrations.Migration):
    dependencies = [("teams", "0001_governance_teams_and_duty_lists")]
    operations = [migrations.RunPython(seed, unseed)]
