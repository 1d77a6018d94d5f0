"""Default 三会一课 frequencies; a branch may override any of them."""

from django.db import migrations

DEFAULTS = [
    ("general", "quarter", 1),  # 支部党员大会 每季度
    ("committee", "month", 1),  # 支委会 每月
    ("group", "month", 1),  # 党小组会 每月
    ("lecture", "quarter", 1),  # 党课 每季度
    ("theme_day", "month", 1),  # 主题党日 每月
    ("life_meeting", "year", 1),  # 组织生活会 每年
    ("evaluation", "year", 1),  # 民主评议党员 每年
]


def seed(apps, schema_editor):
    MeetingRule = apps.get_model("partylife", "MeetingRule")
    for kind, period, times in DEFAULTS:
        MeetingRule.objects.get_or_create(branch=None, kind=kind, defaults={"period": period, "times": times})


def unseed(apps, schema_editor):
    apps.get_model("partylife", "MeetingRule").objects.filter(branch=None).delete()


class Migration(migrations.Migration):
    dependencies = [("partylife", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
